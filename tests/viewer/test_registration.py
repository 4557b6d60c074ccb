"""viewer.registration (Qt-free): rigid transforms, SimpleITK registration, linked scrolling.

Registration runs on the small phantom grid (256 x 256 x 80 at 0.78 x 0.78 x 2.5 mm, portal
venous phase), bin-shrunk to 64 x 64 x 80.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import SimpleITK as sitk

from viewer.dicom import load_series
from viewer.dicom.volume import Volume
from viewer.phantom import DEMO_POSES, generate_study
from viewer.phantom.anatomy import LIVER, Ellipsoid
from viewer.registration import (
    RegistrationCancelled,
    RegistrationError,
    RigidTransform,
    _bin_shrink,
    corresponding_point,
    corresponding_slice,
    register_rigid,
    shrink_factors_for,
)

PHASE = "portal_venous"


def _load(folder: str) -> Volume:
    return load_series(sorted(os.path.join(folder, f) for f in os.listdir(folder)))


class DemoPair:
    """Baseline and follow-up 1 of DEMO^HCC^ONE as the demo writes them (repositioned)."""

    def __init__(self, root: Path) -> None:
        self.volumes: list[Volume] = []
        self.truth: list[dict[str, Any]] = []
        for tp in (0, 1):
            m = generate_study(root / f"tp{tp}", patient=0, time_point=tp, phases=(PHASE,),
                               seed=0, reposition=True)
            self.volumes.append(_load(m.series_folders[PHASE]))
            self.truth.append(json.loads(Path(m.truth_path).read_text()))

    def centre(self, tp: int, lesion_id: str) -> np.ndarray:
        les = next(x for x in self.truth[tp]["lesions"] if x["lesion_id"] == lesion_id)
        return np.asarray(les["centre_mm"], dtype=float)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> DemoPair:
    return DemoPair(tmp_path_factory.mktemp("registration"))


def _volume(voxels: np.ndarray, spacing: tuple[float, float, float],
            origin: tuple[float, float, float],
            slice_dir: tuple[float, float, float] = (0.0, 0.0, 1.0)) -> Volume:
    return Volume(voxels=voxels, spacing_mm=spacing, origin_mm=origin, col_dir=(1.0, 0.0, 0.0),
                  row_dir=(0.0, 1.0, 0.0), slice_dir=slice_dir,
                  sop_instance_uids=tuple(str(i) for i in range(voxels.shape[0])))


def _to_sitk(vol: Volume) -> sitk.Image:
    img = sitk.GetImageFromArray(vol.voxels)
    dk, dr, dc = vol.spacing_mm
    img.SetSpacing((dc, dr, dk))
    img.SetOrigin(vol.origin_mm)
    img.SetDirection(tuple(np.column_stack([vol.col_dir, vol.row_dir, vol.slice_dir]).ravel()))
    return img


def _rotation(axis: tuple[float, float, float], deg: float) -> np.ndarray:
    a = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    t = math.radians(deg)
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * k @ k


def _liver_grid(step_mm: float = 15.0) -> np.ndarray:
    """Points (n, 3) inside the phantom liver (baseline position, LPS mm), shrunk by 10 mm."""
    cx, cy, cz = LIVER.centre_mm
    a, b, c = (s - 10.0 for s in LIVER.semi_axes_mm)
    g = np.arange(-90.0, 91.0, step_mm)
    x, y, z = (v.ravel() for v in np.meshgrid(g + cx, g + cy, g + cz, indexing="ij"))
    inside = Ellipsoid((cx, cy, cz), (a, b, c), LIVER.angle_deg).inside(x, y, z)
    return np.column_stack([x[inside], y[inside], z[inside]])


# --- RigidTransform ------------------------------------------------------------------------


def test_manual_offset_maps_as_expected() -> None:
    t = RigidTransform.from_offset(5.0, -4.0, 8.0)
    assert np.allclose(t.map_point((1.0, 2.0, 3.0)), (6.0, -2.0, 11.0))
    pts = np.array([[0.0, 0.0, 0.0], [10.0, 20.0, -30.0]])
    assert np.allclose(t.map_point(pts), pts + (5.0, -4.0, 8.0))
    assert np.allclose(t.inverse().map_point((6.0, -2.0, 11.0)), (1.0, 2.0, 3.0))
    assert t.rotation_deg == 0.0 and not t.is_identity()
    assert RigidTransform.identity().is_identity()
    assert RigidTransform.from_offset(0, 0, 0) == RigidTransform.identity()


def test_inverse_and_compose_round_trip() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        a = RigidTransform.from_matrix(_rotation(tuple(rng.normal(size=3)), rng.uniform(-40, 40)),
                                       rng.uniform(-100, 100, 3))
        b = RigidTransform.from_matrix(_rotation(tuple(rng.normal(size=3)), rng.uniform(-40, 40)),
                                       rng.uniform(-100, 100, 3))
        p = rng.uniform(-200, 200, (5, 3))
        assert a.compose(a.inverse()).is_identity(tol_mm=1e-9, tol_rot=1e-12)
        assert a.inverse().compose(a).is_identity(tol_mm=1e-9, tol_rot=1e-12)
        assert np.allclose(a.inverse().map_point(a.map_point(p)), p)
        assert np.allclose(a.compose(b).map_point(p), a.map_point(b.map_point(p)))
        assert np.allclose(a.compose(b).inverse().map_point(p),
                           b.inverse().map_point(a.inverse().map_point(p)))
        again = RigidTransform.from_dict(json.loads(json.dumps(a.to_dict())))
        assert np.allclose(again.map_point(p), a.map_point(p))
        sitk_tx = a.to_sitk()
        assert np.allclose(sitk_tx.TransformPoint(tuple(p[0])), a.map_point(p[0]))
    r = RigidTransform.from_matrix(_rotation((0, 0, 1), 30.0), (0, 0, 0))
    assert r.rotation_deg == pytest.approx(30.0)


def test_rigid_transform_rejects_non_rigid() -> None:
    with pytest.raises(ValueError):
        RigidTransform.from_matrix(np.diag([1.0, 1.0, 1.1]), (0, 0, 0))
    with pytest.raises(ValueError):
        RigidTransform.from_matrix(np.diag([1.0, 1.0, -1.0]), (0, 0, 0))  # a reflection
    with pytest.raises(ValueError):
        RigidTransform.from_offset(float("nan"), 0, 0)
    with pytest.raises(ValueError):
        RigidTransform.from_dict({"rotation": [[1, 0, 0]]})


# --- linked scrolling ----------------------------------------------------------------------


def test_corresponding_slice_with_different_spacing_and_offset() -> None:
    # Prior: 2.5 mm slices from z = -100 mm; current: 1 mm slices from z = -50 mm, shifted in
    # x/y; the anatomy at current z lies 10 mm higher in the prior.
    prior = _volume(np.zeros((60, 8, 8), np.int16), (2.5, 2.0, 2.0), (-7.0, -7.0, -100.0))
    current = _volume(np.zeros((120, 10, 10), np.int16), (1.0, 1.5, 1.5), (30.0, 40.0, -50.0))
    t = RigidTransform.from_offset(3.0, -2.0, 10.0)
    for k in (0, 1, 7, 40, 119):
        expected = (-50.0 + k + 10.0 + 100.0) / 2.5
        assert corresponding_slice(prior, current, k, t) == min(59, math.floor(expected + 0.5))
    idx = corresponding_point(prior, current, (40, 2, 4), t)
    assert np.allclose(idx, ((-50 + 40 + 10 + 100) / 2.5, (40 + 3 - 2 + 7) / 2.0,
                             (30 + 6 + 3 + 7) / 2.0))
    # Clamped at both ends.
    assert corresponding_slice(prior, current, 0, RigidTransform.from_offset(0, 0, -500)) == 0
    assert corresponding_slice(prior, current, 0, RigidTransform.from_offset(0, 0, 500)) == 59
    # A prior stacked head to feet (slice_dir -z) counts the other way.
    flipped = _volume(np.zeros((60, 8, 8), np.int16), (2.5, 2.0, 2.0), (-7.0, -7.0, 47.5),
                      slice_dir=(0.0, 0.0, -1.0))
    assert corresponding_slice(flipped, current, 40, t) == 59 - corresponding_slice(
        prior, current, 40, t)


# --- registration ----------------------------------------------------------------------------


def test_bin_shrink_matches_simpleitk() -> None:
    rng = np.random.default_rng(0)
    vox = rng.integers(-1000, 1000, size=(13, 30, 34), dtype=np.int16)
    vol = Volume(voxels=vox, spacing_mm=(2.0, 0.7, 0.8), origin_mm=(10.0, -20.0, 30.0),
                 col_dir=(0.0, 1.0, 0.0), row_dir=(0.0, 0.0, -1.0), slice_dir=(-1.0, 0.0, 0.0),
                 sop_instance_uids=())
    ours = _bin_shrink(vol, (2, 3, 4), None)
    ref = sitk.BinShrink(sitk.Cast(_to_sitk(vol), sitk.sitkFloat32), (4, 3, 2))
    assert ours.GetSize() == ref.GetSize()
    assert np.allclose(ours.GetOrigin(), ref.GetOrigin())
    assert np.allclose(ours.GetSpacing(), ref.GetSpacing())
    assert np.allclose(ours.GetDirection(), ref.GetDirection())
    assert np.allclose(sitk.GetArrayFromImage(ours), sitk.GetArrayFromImage(ref), atol=1e-3)
    assert shrink_factors_for((2.5, 0.78, 0.78), 4) == (1, 4, 4)
    assert shrink_factors_for((1.0, 0.78, 0.78), 4) == (3, 4, 4)


def test_recovers_known_rigid_motion(pair: DemoPair) -> None:
    prior = pair.volumes[0]
    true = RigidTransform.from_matrix(_rotation((0.3, 0.2, 1.0), 4.0), (6.0, -5.0, 9.0))
    # The current study: the prior resampled through the known motion onto a different grid
    # (2 mm slices, origin 15 mm higher).
    grid = sitk.Image([256, 256, 90], sitk.sitkInt16)
    grid.SetSpacing((0.78, 0.78, 2.0))
    grid.SetOrigin(tuple(np.asarray(prior.origin_mm) + (0.0, 0.0, 15.0)))
    moved = sitk.Resample(_to_sitk(prior), grid, true.to_sitk(), sitk.sitkLinear, -1024.0,
                          sitk.sitkInt16)
    current = _volume(sitk.GetArrayFromImage(moved), (2.0, 0.78, 0.78), grid.GetOrigin())
    result = register_rigid(prior, current)
    print(f"\nknown motion: {result.seconds:.2f} s, {result.iterations} iterations, "
          f"metric {result.metric_value:.3f}, {result.stop_reason}")
    # Target points in the current study: lesion centres and a grid inside the liver.
    baseline_pts = np.vstack([_liver_grid(), [pair.centre(0, lid)
                                              for lid in ("HCC-1", "HCC-2", "HCC-3")]])
    pts = true.inverse().map_point(baseline_pts)
    tre = np.linalg.norm(result.transform.map_point(pts) - true.map_point(pts), axis=1)
    print(f"TRE over {len(pts)} points: mean {tre.mean():.2f} mm, max {tre.max():.2f} mm; "
          f"rotation {result.transform.rotation_deg:.2f} deg (true 4.00)")
    assert len(pts) > 20
    assert tre.max() < 1.5
    assert result.shrink_factors == (2, 4, 4)  # 2 mm slices: 3.1 mm voxels


def test_identical_volumes_give_identity(pair: DemoPair) -> None:
    vol = pair.volumes[0]
    result = register_rigid(vol, vol)
    t = result.transform
    print(f"\nidentity: {result.seconds:.2f} s, {result.iterations} iterations")
    assert np.abs(np.asarray(t.translation_mm)).max() < 0.5
    assert t.rotation_deg < 0.2
    moved = np.linalg.norm(t.map_point(_liver_grid()) - _liver_grid(), axis=1)
    assert moved.max() < 0.5


def test_demo_followup_registration_maps_true_lesions(pair: DemoPair) -> None:
    prior, current = pair.volumes
    pose = pair.truth[1]["patient_pose"]
    assert pose["rotation_z_deg"] == DEMO_POSES[1].rotation_z_deg == 2.0
    assert "patient_pose" not in pair.truth[0]
    # The phantom's own truth is consistent: to_baseline maps follow-up centres to baseline.
    to_base = RigidTransform.from_matrix(np.asarray(pose["to_baseline"]["matrix"]),
                                         pose["to_baseline"]["translation_mm"])
    for lid in ("HCC-1", "HCC-2", "HCC-3"):
        assert np.allclose(to_base.map_point(pair.centre(1, lid)), pair.centre(0, lid),
                           atol=1e-3)
        assert np.linalg.norm(pair.centre(1, lid) - pair.centre(0, lid)) > 8.0  # it moved
    # The follow-up pixels moved: HCC-3 (washout, 80 HU in portal venous) is where truth says.
    k, r, c = np.round(current.patient_to_index(pair.centre(1, "HCC-3"))).astype(int)
    assert current.voxels[k, r - 2:r + 3, c - 2:c + 3].mean() == pytest.approx(80, abs=10)

    seen: list[int] = []
    result = register_rigid(prior, current, progress=seen.append)
    print(f"\ndemo baseline vs follow-up 1: {result.seconds:.2f} s, {result.iterations} "
          f"iterations, metric {result.metric_value:.3f}; {result.stop_reason}")
    assert seen == list(range(1, result.iterations + 1))
    errors = {}
    for lid in ("HCC-1", "HCC-2", "HCC-3"):
        mapped = result.transform.map_point(pair.centre(1, lid))
        errors[lid] = float(np.linalg.norm(mapped - pair.centre(0, lid)))
    print("lesion centre errors (mm): " + ", ".join(f"{k} {v:.2f}" for k, v in errors.items()))
    assert max(errors.values()) < 2.0
    # "Go to this lesion in the prior" and linked scrolling land on the lesion's slice.
    idx_cur = current.patient_to_index(pair.centre(1, "HCC-2"))
    idx_prior = corresponding_point(prior, current, idx_cur, result.transform)
    true_prior = prior.patient_to_index(pair.centre(0, "HCC-2"))
    assert np.abs(idx_prior - true_prior).max() < 2.5  # voxels (0.78 mm in plane)
    k_prior = corresponding_slice(prior, current, int(round(idx_cur[0])), result.transform)
    assert abs(k_prior - true_prior[0]) <= 1.0


def test_cancel_stops_quickly(pair: DemoPair) -> None:
    prior, current = pair.volumes
    cancel = threading.Event()
    started = threading.Event()
    outcome: dict[str, Any] = {}

    def progress(n: int) -> None:
        if n >= 3:
            started.set()
            time.sleep(0.05)  # a slow consumer: makes sure the run outlasts the cancel

    def work() -> None:
        try:
            outcome["result"] = register_rigid(prior, current, shrink=2, cancel=cancel,
                                               progress=progress)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc
        outcome["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(30.0)
    t_set = time.perf_counter()
    cancel.set()
    worker.join(10.0)
    assert not worker.is_alive()
    latency = outcome["end"] - t_set
    print(f"\ncancel latency {latency * 1000:.0f} ms")
    assert isinstance(outcome.get("error"), RegistrationCancelled)
    assert latency < 2.0
    # Already cancelled: fails before any work.
    t0 = time.perf_counter()
    with pytest.raises(RegistrationCancelled):
        register_rigid(prior, current, cancel=cancel)
    assert time.perf_counter() - t0 < 0.5


def test_progress_exception_propagates(pair: DemoPair) -> None:
    def progress(n: int) -> None:
        if n == 2:
            raise KeyError("boom")

    with pytest.raises(KeyError):
        register_rigid(pair.volumes[0], pair.volumes[1], progress=progress)


def test_degenerate_volumes_raise_clear_errors() -> None:
    rng = np.random.default_rng(0)
    good = _volume(rng.normal(0, 100, (40, 64, 64)).astype(np.int16), (2.5, 0.8, 0.8),
                   (0.0, 0.0, 0.0))
    cases = {
        "uniform": _volume(np.zeros((40, 64, 64), np.int16), (2.5, 0.8, 0.8), (0, 0, 0)),
        "too small": _volume(np.ones((3, 64, 64), np.int16), (2.5, 0.8, 0.8), (0, 0, 0)),
        "spacing": _volume(good.voxels, (0.0, 0.8, 0.8), (0, 0, 0)),
        "orientation": _volume(good.voxels, (2.5, 0.8, 0.8), (0, 0, 0),
                               slice_dir=(1.0, 0.0, 0.0)),
        "not 3-D": _volume(good.voxels[0], (2.5, 0.8, 0.8), (0, 0, 0)),
    }
    for name, vol in cases.items():
        with pytest.raises(RegistrationError) as info:
            register_rigid(good, vol)
        assert "current" in str(info.value), name
    far = _volume(good.voxels, (2.5, 0.8, 0.8), (5000.0, 0.0, 0.0))
    with pytest.raises(RegistrationError):
        register_rigid(good, far, init="identity")


def test_start_positions(pair: DemoPair) -> None:
    prior, current = pair.volumes
    # A reader's manual offset as the start, and the body-centroid start, both converge.
    for kwargs in ({"initial": RigidTransform.from_offset(-5.0, 4.0, -8.0)},
                   {"init": "moments"}, {"init": "identity"}):
        result = register_rigid(prior, current, **kwargs)
        mapped = result.transform.map_point(pair.centre(1, "HCC-2"))
        assert np.linalg.norm(mapped - pair.centre(0, "HCC-2")) < 2.0, kwargs
    with pytest.raises(ValueError):
        register_rigid(prior, current, init="nonsense")  # type: ignore[arg-type]
