"""Qt-free measurement geometry in millimetres.

Points on a 2-D image are ``(col, row)`` pairs in pixel units (like highdicom's
"(Column,Row) pair"); integer values are voxel *centres*, as in DICOM. DICOM PixelSpacing is
*(row spacing, column spacing)*, so a column difference is scaled by ``spacing[1]`` and a row
difference by ``spacing[0]``.

A :class:`PlaneGeometry` describes one display plane of a :class:`~viewer.dicom.volume.Volume`
(``voxels[k, r, c]``, normally acquired axially):

- ``AXIAL``: the native slices ``voxels[k]``; image ``(col, row) = (c, r)``.
- ``CORONAL``: ``voxels[:, r, :]``; image ``(col, row) = (c, k')``.
- ``SAGITTAL``: ``voxels[:, :, c]``; image ``(col, row) = (r, k')``.

For the reformatted planes ``k'`` is ``k`` or ``n_k - 1 - k``, chosen so that the patient's head
(LPS +z) is at the top of the image (row 0), as radiologists expect.

"View" coordinates are millimetres in the plane: ``(x_mm, y_mm) = (col * col_spacing,
row * row_spacing)``. A display that uses them (1 scene unit = 1 mm) shows anisotropic pixels
with the correct aspect, and right angles there are right angles in the patient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from viewer.dicom.volume import Vec3, Volume

PointPx = tuple[float, float]
"""A point on an image, ``(col, row)`` in pixels (continuous; integers are voxel centres)."""

PointMm = tuple[float, float]
"""A point in plane view coordinates, ``(x_mm, y_mm)``."""


def length_mm(start: PointPx, end: PointPx, pixel_spacing_mm: tuple[float, float]) -> float:
    """Length of the segment ``start``-``end`` in mm.

    Parameters
    ----------
    start, end
        ``(col, row)`` pixel positions.
    pixel_spacing_mm
        ``(row spacing, column spacing)`` in mm, as DICOM PixelSpacing (0028,0030).
    """
    row_spacing_mm, col_spacing_mm = pixel_spacing_mm
    d_col_mm = (end[0] - start[0]) * col_spacing_mm
    d_row_mm = (end[1] - start[1]) * row_spacing_mm
    return math.hypot(d_col_mm, d_row_mm)


def orientation_letters(vector: np.ndarray | Vec3) -> str:
    """Patient direction of an LPS vector as DICOM letters, dominant axis first.

    L/R, P/A, H/F as in Patient Orientation (0020,0020); e.g. ``(-1, 0, 0)`` is ``"R"`` and
    an oblique ``(-0.8, -0.6, 0)`` is ``"RA"``. Components under 0.3 of unit length are omitted.
    """
    vec = np.asarray(vector, dtype=float)
    vec = vec / np.linalg.norm(vec)
    letters = (("L", "R"), ("P", "A"), ("H", "F"))
    out = ""
    for axis in np.argsort(-np.abs(vec))[:2]:
        if abs(vec[axis]) > 0.3:
            out += letters[axis][0] if vec[axis] > 0 else letters[axis][1]
    return out


class Plane(StrEnum):
    """Display plane of a volume, named for an axial acquisition."""

    AXIAL = "axial"
    CORONAL = "coronal"
    SAGITTAL = "sagittal"


@dataclass(frozen=True)
class CaliperMeasurement:
    """A finished caliper measurement on one plane of a volume (Qt-free, immutable).

    Pixel points are ``(col, row)`` on the displayed plane; patient points are LPS mm.
    ``short_*`` fields are set for a bidirectional measurement only. ``sop_instance_uid`` is
    the measured slice's SOP Instance UID (0008,0018) for axial measurements, else ``None``.
    """

    plane: Plane
    slice_index: int
    start_px: PointPx
    end_px: PointPx
    start_patient_mm: Vec3
    end_patient_mm: Vec3
    length_mm: float
    short_start_px: PointPx | None = None
    short_end_px: PointPx | None = None
    short_start_patient_mm: Vec3 | None = None
    short_end_patient_mm: Vec3 | None = None
    short_axis_mm: float | None = None
    sop_instance_uid: str | None = None
    series_instance_uid: str = ""

    def describe(self) -> str:
        """One plain-text line for a status bar, e.g. ``"axial 42: 36.0 x 21.5 mm"``."""
        text = f"{self.plane.value} {self.slice_index + 1}: {self.length_mm:.1f}"
        if self.short_axis_mm is not None:
            text += f" x {self.short_axis_mm:.1f}"
        return text + " mm"


@dataclass(frozen=True, eq=False)
class PlaneGeometry:
    """Mapping between one display plane of ``volume`` and voxel/patient coordinates."""

    volume: Volume
    plane: Plane

    @property
    def flip_rows(self) -> bool:
        """True if display row 0 is the *last* slice (reformatted planes, head at top)."""
        if self.plane is Plane.AXIAL:
            return False
        return float(self.volume.slice_dir[2]) > 0.0

    @property
    def n_slices(self) -> int:
        """Number of planes along this plane's normal."""
        n_k, n_r, n_c = self.volume.shape
        return {Plane.AXIAL: n_k, Plane.CORONAL: n_r, Plane.SAGITTAL: n_c}[self.plane]

    @property
    def image_shape(self) -> tuple[int, int]:
        """Displayed image shape ``(rows, cols)``."""
        n_k, n_r, n_c = self.volume.shape
        return {
            Plane.AXIAL: (n_r, n_c),
            Plane.CORONAL: (n_k, n_c),
            Plane.SAGITTAL: (n_k, n_r),
        }[self.plane]

    @property
    def pixel_spacing_mm(self) -> tuple[float, float]:
        """``(row spacing, column spacing)`` of the displayed image in mm."""
        dk, dr, dc = (float(v) for v in self.volume.spacing_mm)
        return {
            Plane.AXIAL: (dr, dc),
            Plane.CORONAL: (dk, dc),
            Plane.SAGITTAL: (dk, dr),
        }[self.plane]

    @property
    def slice_spacing_mm(self) -> float:
        """Distance between successive planes along the normal, in mm."""
        dk, dr, dc = (float(v) for v in self.volume.spacing_mm)
        return {Plane.AXIAL: dk, Plane.CORONAL: dr, Plane.SAGITTAL: dc}[self.plane]

    @property
    def normal(self) -> np.ndarray:
        """Unit vector (LPS) along which the slice index of this plane increases."""
        v = self.volume
        vec = {Plane.AXIAL: v.slice_dir, Plane.CORONAL: v.row_dir, Plane.SAGITTAL: v.col_dir}
        arr = np.asarray(vec[self.plane], dtype=float)
        return arr / np.linalg.norm(arr)

    def image(self, slice_index: int) -> np.ndarray:
        """The 2-D image ``[row, col]`` of plane ``slice_index`` (a view when possible)."""
        vox = self.volume.voxels
        if self.plane is Plane.AXIAL:
            return vox[slice_index]
        img = vox[:, slice_index, :] if self.plane is Plane.CORONAL else vox[:, :, slice_index]
        if self.flip_rows:
            img = img[::-1]
        return np.ascontiguousarray(img)

    def to_voxel_index(self, slice_index: float, point_px: PointPx) -> tuple[float, float, float]:
        """Continuous voxel index ``(k, r, c)`` of image point ``(col, row)`` on a plane."""
        col, row = point_px
        if self.plane is Plane.AXIAL:
            return (float(slice_index), float(row), float(col))
        k = (self.volume.shape[0] - 1 - row) if self.flip_rows else row
        if self.plane is Plane.CORONAL:
            return (float(k), float(slice_index), float(col))
        return (float(k), float(col), float(slice_index))

    def to_patient_mm(self, slice_index: float, point_px: PointPx) -> Vec3:
        """Patient position (LPS, mm) of image point ``(col, row)`` on plane ``slice_index``."""
        k, r, c = self.to_voxel_index(slice_index, point_px)
        p = self.volume.index_to_patient(k, r, c)
        return (float(p[0]), float(p[1]), float(p[2]))

    def slice_position_mm(self, slice_index: float) -> float:
        """Position of a plane along its normal in mm (like SliceLocation for axial)."""
        p = np.asarray(self.to_patient_mm(slice_index, (0.0, 0.0)))
        return float(p @ self.normal)

    def px_to_view_mm(self, point_px: PointPx) -> PointMm:
        """Image ``(col, row)`` pixels to view ``(x_mm, y_mm)``."""
        row_sp, col_sp = self.pixel_spacing_mm
        return (point_px[0] * col_sp, point_px[1] * row_sp)

    def view_mm_to_px(self, point_mm: PointMm) -> PointPx:
        """View ``(x_mm, y_mm)`` to image ``(col, row)`` pixels."""
        row_sp, col_sp = self.pixel_spacing_mm
        return (point_mm[0] / col_sp, point_mm[1] / row_sp)

    def reference_line(self, other: Plane, other_index: float) -> tuple[str, float] | None:
        """Where plane ``other`` at slice ``other_index`` cuts this plane.

        Returns ``("row", row_px)`` for a horizontal line, ``("col", col_px)`` for a vertical
        one, or ``None`` if ``other`` is parallel to this plane.
        """
        normal_axis = {Plane.AXIAL: 0, Plane.CORONAL: 1, Plane.SAGITTAL: 2}
        col_axis, row_axis = {
            Plane.AXIAL: (2, 1),
            Plane.CORONAL: (2, 0),
            Plane.SAGITTAL: (1, 0),
        }[self.plane]
        axis = normal_axis[Plane(other)]
        if axis == col_axis:
            return ("col", float(other_index))
        if axis == row_axis:
            if self.flip_rows:
                return ("row", float(self.volume.shape[0] - 1 - other_index))
            return ("row", float(other_index))
        return None

    def edge_orientation(self) -> tuple[str, str]:
        """Patient direction letters at the left and top image edges, e.g. ``("R", "A")``."""
        origin = np.asarray(self.to_patient_mm(0, (0.0, 0.0)))
        col_vec = np.asarray(self.to_patient_mm(0, (1.0, 0.0))) - origin
        row_vec = np.asarray(self.to_patient_mm(0, (0.0, 1.0))) - origin
        return orientation_letters(-col_vec), orientation_letters(-row_vec)

    def length_mm(self, slice_index: float, start_px: PointPx, end_px: PointPx) -> float:
        """Patient-space length in mm of a segment drawn on plane ``slice_index``.

        Uses the full patient mapping, so it is right for anisotropic pixels, reformatted
        planes and oblique orientations alike.
        """
        a = np.asarray(self.to_patient_mm(slice_index, start_px))
        b = np.asarray(self.to_patient_mm(slice_index, end_px))
        return float(np.linalg.norm(b - a))

    def measurement(
        self,
        slice_index: int,
        start_px: PointPx,
        end_px: PointPx,
        short_axis_px: tuple[PointPx, PointPx] | None = None,
    ) -> CaliperMeasurement:
        """Build the immutable measurement for a long axis (and optional short axis)."""
        uid: str | None = None
        uids = self.volume.sop_instance_uids
        if self.plane is Plane.AXIAL and 0 <= slice_index < len(uids):
            uid = uids[slice_index]
        short: dict[str, object] = {}
        if short_axis_px is not None:
            s0, s1 = short_axis_px
            short = {
                "short_start_px": (float(s0[0]), float(s0[1])),
                "short_end_px": (float(s1[0]), float(s1[1])),
                "short_start_patient_mm": self.to_patient_mm(slice_index, s0),
                "short_end_patient_mm": self.to_patient_mm(slice_index, s1),
                "short_axis_mm": self.length_mm(slice_index, s0, s1),
            }
        return CaliperMeasurement(
            plane=self.plane,
            slice_index=int(slice_index),
            start_px=(float(start_px[0]), float(start_px[1])),
            end_px=(float(end_px[0]), float(end_px[1])),
            start_patient_mm=self.to_patient_mm(slice_index, start_px),
            end_patient_mm=self.to_patient_mm(slice_index, end_px),
            length_mm=self.length_mm(slice_index, start_px, end_px),
            sop_instance_uid=uid,
            series_instance_uid=self.volume.series_instance_uid,
            **short,  # type: ignore[arg-type]
        )


# ---- Bidirectional (long axis + perpendicular short axis) in view mm -------------------------


@dataclass(frozen=True)
class ShortAxisParams:
    """Short axis relative to the long axis ``a``-``b`` (view mm).

    ``fraction`` is where it crosses the long axis (0 at ``a``, 1 at ``b``);
    ``offset_1_mm`` and ``offset_2_mm`` are the signed distances of its two ends from the long
    axis along the left-hand normal of ``a``-``b``.
    """

    fraction: float
    offset_1_mm: float
    offset_2_mm: float


def _frame(a: PointMm, b: PointMm) -> tuple[np.ndarray, np.ndarray, float]:
    """Unit direction ``u`` of ``a``-``b``, its normal ``n`` and the length in mm."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    length = float(np.hypot(d[0], d[1]))
    u = d / length if length > 0 else np.array([1.0, 0.0])
    n = np.array([-u[1], u[0]])
    return u, n, length


def short_axis_points(a: PointMm, b: PointMm, params: ShortAxisParams) -> tuple[PointMm, PointMm]:
    """End points (view mm) of a short axis perpendicular to ``a``-``b``."""
    u, n, length = _frame(a, b)
    centre = np.asarray(a, dtype=float) + u * (params.fraction * length)
    p1 = centre + n * params.offset_1_mm
    p2 = centre + n * params.offset_2_mm
    return (float(p1[0]), float(p1[1])), (float(p2[0]), float(p2[1]))


def constrain_short_axis(
    a: PointMm, b: PointMm, params: ShortAxisParams, end: int, wanted: PointMm
) -> ShortAxisParams:
    """New short-axis parameters after end ``end`` (1 or 2) is dragged towards ``wanted``.

    The dragged end follows the mouse as far as the constraint allows: the crossing slides
    along the long axis (clamped to it) and both ends stay on one perpendicular line.
    """
    u, n, length = _frame(a, b)
    rel = np.asarray(wanted, dtype=float) - np.asarray(a, dtype=float)
    along = float(rel @ u)
    fraction = min(max(along / length, 0.0), 1.0) if length > 0 else 0.5
    offset = float(rel @ n)
    if end == 1:
        return ShortAxisParams(fraction, offset, params.offset_2_mm)
    return ShortAxisParams(fraction, params.offset_1_mm, offset)


def default_short_axis(a: PointMm, b: PointMm) -> ShortAxisParams:
    """A starting short axis: centred, half as long as the long axis."""
    _, _, length = _frame(a, b)
    return ShortAxisParams(0.5, length / 4.0, -length / 4.0)
