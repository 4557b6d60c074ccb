"""Unit tests for viewer.geometry (Qt-free): pixel/patient mapping, lengths, short axis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from viewer.dicom.volume import Volume
from viewer.geometry import (
    Plane,
    PlaneGeometry,
    ShortAxisParams,
    constrain_short_axis,
    default_short_axis,
    length_mm,
    orientation_letters,
    short_axis_points,
)


def make_volume(
    shape: tuple[int, int, int] = (20, 64, 48),
    spacing_mm: tuple[float, float, float] = (2.5, 0.6, 0.9),
    col_dir: tuple[float, float, float] = (1.0, 0.0, 0.0),
    row_dir: tuple[float, float, float] = (0.0, 1.0, 0.0),
    description: str = "synthetic",
    seed: int = 0,
) -> Volume:
    """A synthetic int16 volume; slice_dir = cross(col_dir, row_dir)."""
    rng = np.random.default_rng(seed)
    voxels = rng.integers(-200, 300, size=shape, dtype=np.int16)
    slice_dir = tuple(float(v) for v in np.cross(col_dir, row_dir))
    return Volume(
        voxels=voxels,
        spacing_mm=spacing_mm,
        origin_mm=(-120.0, -90.0, -300.0),
        col_dir=col_dir,
        row_dir=row_dir,
        slice_dir=slice_dir,  # type: ignore[arg-type]
        sop_instance_uids=tuple(f"1.2.826.0.1.{k}" for k in range(shape[0])),
        series_instance_uid="1.2.826.0.9",
        series_description=description,
    )


def oblique_dirs() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Orthonormal col/row directions rotated 30 deg about z and 12 deg about x."""
    a, b = math.radians(30), math.radians(12)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    r = rx @ rz
    return tuple(r @ [1.0, 0, 0]), tuple(r @ [0, 1.0, 0])


def test_length_mm_scales_cols_by_col_spacing_and_rows_by_row_spacing() -> None:
    # PixelSpacing (row, col) = (0.6, 0.9): 10 columns = 9 mm, 10 rows = 6 mm.
    assert length_mm((0, 0), (10, 0), (0.6, 0.9)) == pytest.approx(9.0)
    assert length_mm((0, 0), (0, 10), (0.6, 0.9)) == pytest.approx(6.0)
    assert length_mm((1, 2), (4, 6), (0.6, 0.9)) == pytest.approx(math.hypot(2.7, 2.4))


def test_axial_plane_length_matches_pixel_spacing_formula_for_anisotropic_pixels() -> None:
    g = PlaneGeometry(make_volume(spacing_mm=(3.0, 0.6, 0.9)), Plane.AXIAL)
    assert g.pixel_spacing_mm == (0.6, 0.9)
    a, b = (3.0, 5.0), (30.5, 41.0)
    assert g.length_mm(7, a, b) == pytest.approx(length_mm(a, b, (0.6, 0.9)))


def test_oblique_volume_length_is_patient_space_distance() -> None:
    col_dir, row_dir = oblique_dirs()
    vol = make_volume(spacing_mm=(2.0, 0.6, 0.9), col_dir=col_dir, row_dir=row_dir)
    g = PlaneGeometry(vol, Plane.AXIAL)
    a, b = (4.0, 9.0), (40.0, 50.0)
    pa = vol.index_to_patient(5, a[1], a[0])
    pb = vol.index_to_patient(5, b[1], b[0])
    assert g.length_mm(5, a, b) == pytest.approx(float(np.linalg.norm(pb - pa)))
    assert g.length_mm(5, a, b) == pytest.approx(length_mm(a, b, (0.6, 0.9)))


@pytest.mark.parametrize("oblique", [False, True])
def test_caliper_at_sub_pixel_ends_is_within_half_a_pixel(oblique: bool) -> None:
    """A 37.3 mm patient segment in any in-plane direction measures within half a pixel.

    Calipers keep continuous (sub-pixel) end points, so the error is rounding only; snapping
    one end to the nearest pixel centre may cost at most half a pixel diagonal.
    """
    col_dir, row_dir = oblique_dirs() if oblique else ((1.0, 0, 0), (0, 1.0, 0))
    vol = make_volume(shape=(10, 128, 128), spacing_mm=(2.0, 0.6, 0.9), col_dir=col_dir,
                      row_dir=row_dir)
    g = PlaneGeometry(vol, Plane.AXIAL)
    centre = vol.index_to_patient(4, 60, 60)
    rng = np.random.default_rng(3)
    cd, rd = np.asarray(col_dir), np.asarray(row_dir)
    for _ in range(50):
        t = rng.uniform(0, math.pi)
        d = 18.65 * (math.cos(t) * cd + math.sin(t) * rd)
        ends = [vol.patient_to_index(centre + s * d) for s in (-1, 1)]
        a, b = ((float(e[2]), float(e[1])) for e in ends)
        assert abs(g.length_mm(4, a, b) - 37.3) <= 1e-9
        b_snapped = (float(round(b[0])), float(round(b[1])))
        assert abs(g.length_mm(4, a, b_snapped) - 37.3) <= 0.5 * math.hypot(0.6, 0.9)


def test_reformatted_planes_use_slice_spacing_vertically() -> None:
    vol = make_volume(shape=(20, 64, 48), spacing_mm=(2.5, 0.6, 0.9))
    cor = PlaneGeometry(vol, Plane.CORONAL)
    sag = PlaneGeometry(vol, Plane.SAGITTAL)
    assert cor.pixel_spacing_mm == (2.5, 0.9)
    assert sag.pixel_spacing_mm == (2.5, 0.6)
    assert cor.image_shape == (20, 48) and cor.n_slices == 64
    assert sag.image_shape == (20, 64) and sag.n_slices == 48
    # 4 rows down on a coronal image = 4 slices = 10 mm; 10 columns = 9 mm.
    assert cor.length_mm(30, (10, 2), (10, 6)) == pytest.approx(10.0)
    assert cor.length_mm(30, (10, 2), (20, 2)) == pytest.approx(9.0)
    assert sag.length_mm(30, (10, 2), (20, 6)) == pytest.approx(math.hypot(6.0, 10.0))


@pytest.mark.parametrize("plane", list(Plane))
def test_image_pixels_are_the_voxels_the_mapping_names(plane: Plane) -> None:
    vol = make_volume(shape=(7, 11, 13))
    g = PlaneGeometry(vol, plane)
    for s in (0, g.n_slices - 1, g.n_slices // 2):
        img = g.image(s)
        assert img.shape == g.image_shape
        for row in range(img.shape[0]):
            for col in (0, img.shape[1] - 1):
                k, r, c = (int(v) for v in g.to_voxel_index(s, (col, row)))
                assert img[row, col] == vol.voxels[k, r, c]


def test_reformatted_planes_put_the_head_at_the_top() -> None:
    vol = make_volume()  # slice_dir = +z (LPS: towards the head)
    g = PlaneGeometry(vol, Plane.CORONAL)
    assert g.flip_rows
    top = g.to_patient_mm(3, (0, 0))
    bottom = g.to_patient_mm(3, (0, g.image_shape[0] - 1))
    assert top[2] > bottom[2]


def test_slice_position_is_along_the_plane_normal() -> None:
    vol = make_volume(spacing_mm=(2.5, 0.6, 0.9))
    assert PlaneGeometry(vol, Plane.AXIAL).slice_position_mm(4) == pytest.approx(-300 + 10.0)
    assert PlaneGeometry(vol, Plane.CORONAL).slice_position_mm(10) == pytest.approx(-90 + 6.0)
    assert PlaneGeometry(vol, Plane.SAGITTAL).slice_position_mm(10) == pytest.approx(-120 + 9.0)


def test_view_mm_round_trip() -> None:
    g = PlaneGeometry(make_volume(spacing_mm=(2.5, 0.6, 0.9)), Plane.AXIAL)
    assert g.px_to_view_mm((10, 20)) == pytest.approx((9.0, 12.0))
    assert g.view_mm_to_px(g.px_to_view_mm((3.3, 7.7))) == pytest.approx((3.3, 7.7))


def test_measurement_carries_points_lengths_and_axial_sop_uid() -> None:
    vol = make_volume(spacing_mm=(2.5, 0.6, 0.9))
    m = PlaneGeometry(vol, Plane.AXIAL).measurement(6, (0, 0), (10, 0), ((5, -3), (5, 4)))
    assert m.length_mm == pytest.approx(9.0)
    assert m.short_axis_mm == pytest.approx(4.2)
    assert m.sop_instance_uid == "1.2.826.0.1.6"
    assert m.start_patient_mm == pytest.approx((-120.0, -90.0, -285.0))
    assert m.describe() == "axial 7: 9.0 x 4.2 mm"
    cor = PlaneGeometry(vol, Plane.CORONAL).measurement(6, (0, 0), (10, 0))
    assert cor.sop_instance_uid is None and cor.short_axis_mm is None


def test_short_axis_stays_perpendicular_when_dragged_anywhere() -> None:
    a, b = (10.0, 10.0), (40.0, 30.0)
    params = default_short_axis(a, b)
    p1, p2 = short_axis_points(a, b, params)
    u = np.subtract(b, a)
    assert np.dot(np.subtract(p2, p1), u) == pytest.approx(0.0, abs=1e-9)
    assert math.dist(p1, p2) == pytest.approx(math.dist(a, b) / 2)
    for wanted in [(0.0, 50.0), (25.0, 20.0), (100.0, -40.0)]:
        params = constrain_short_axis(a, b, params, 1, wanted)
        q1, q2 = short_axis_points(a, b, params)
        assert np.dot(np.subtract(q2, q1), u) == pytest.approx(0.0, abs=1e-9)
        assert 0.0 <= params.fraction <= 1.0


def test_short_axis_follows_the_long_axis() -> None:
    params = ShortAxisParams(0.25, 5.0, -3.0)
    p1, p2 = short_axis_points((0.0, 0.0), (0.0, 20.0), params)
    # Long axis along +y; left-hand normal of (0, 1) is (-1, 0).
    assert p1 == pytest.approx((-5.0, 5.0))
    assert p2 == pytest.approx((3.0, 5.0))


def test_reference_lines_between_planes() -> None:
    vol = make_volume(shape=(20, 64, 48))
    axial = PlaneGeometry(vol, Plane.AXIAL)
    coronal = PlaneGeometry(vol, Plane.CORONAL)
    sagittal = PlaneGeometry(vol, Plane.SAGITTAL)
    assert axial.reference_line(Plane.CORONAL, 30) == ("row", 30.0)
    assert axial.reference_line(Plane.SAGITTAL, 7) == ("col", 7.0)
    assert axial.reference_line(Plane.AXIAL, 7) is None
    assert coronal.reference_line(Plane.AXIAL, 5) == ("row", 14.0)  # flipped: head at top
    assert coronal.reference_line(Plane.SAGITTAL, 9) == ("col", 9.0)
    assert sagittal.reference_line(Plane.CORONAL, 40) == ("col", 40.0)
    # The line is where the other plane's voxels are.
    _, row = coronal.reference_line(Plane.AXIAL, 5)  # type: ignore[misc]
    assert coronal.to_voxel_index(30, (0.0, row))[0] == 5


def test_edge_orientation_letters_follow_radiology_convention() -> None:
    vol = make_volume()
    assert PlaneGeometry(vol, Plane.AXIAL).edge_orientation() == ("R", "A")
    assert PlaneGeometry(vol, Plane.CORONAL).edge_orientation() == ("R", "H")
    assert PlaneGeometry(vol, Plane.SAGITTAL).edge_orientation() == ("A", "H")
    assert orientation_letters((-0.8, -0.6, 0.0)) == "RA"
