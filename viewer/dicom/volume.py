"""The typed result of loading a series: voxels plus patient-space geometry.

Conventions (used by the whole viewer and by ``app``):

- ``voxels`` is indexed ``[slice, row, col]`` (k, r, c). Row-major, as pyqtgraph's
  ``imageAxisOrder='row-major'`` expects for a 2-D slice ``voxels[k]``.
- ``spacing_mm`` is ``(slice, row, col)`` spacing, i.e. ``(dk, dr, dc)``. DICOM
  PixelSpacing (0028,0030) is *(row spacing, column spacing)* = ``(dr, dc)``.
- ``col_dir``, ``row_dir``, ``slice_dir`` are unit vectors in the DICOM patient coordinate
  system (LPS, mm): ``col_dir`` is the direction of increasing column index (the first
  triplet of ImageOrientationPatient (0020,0037)), ``row_dir`` of increasing row index
  (the second triplet), ``slice_dir`` of increasing slice index (the sorted stacking
  direction, normally ``cross(col_dir, row_dir)``).
- ``origin_mm`` is the patient position of the centre of voxel ``[0, 0, 0]``
  (ImagePositionPatient (0020,0032) of the first sorted slice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Vec3 = tuple[float, float, float]


@dataclass(frozen=True, eq=False)
class Volume:
    """A loaded image series. ``eq=False``: volumes compare by identity."""

    voxels: np.ndarray
    spacing_mm: Vec3
    origin_mm: Vec3
    col_dir: Vec3
    row_dir: Vec3
    slice_dir: Vec3
    sop_instance_uids: tuple[str, ...]
    series_instance_uid: str = ""
    study_instance_uid: str = ""
    frame_of_reference_uid: str = ""
    modality: str = ""
    series_description: str = ""
    series_number: int | None = None
    # Plain-text facts a reader should see (e.g. "slice gap at 42.5 mm"); never rich text.
    warnings: tuple[str, ...] = field(default=())

    @property
    def shape(self) -> tuple[int, int, int]:
        k, r, c = self.voxels.shape
        return (int(k), int(r), int(c))

    def index_to_patient(self, k: float, r: float, c: float) -> np.ndarray:
        """Patient position (LPS, mm) of the continuous voxel index ``(k, r, c)``."""
        dk, dr, dc = self.spacing_mm
        return (
            np.asarray(self.origin_mm, dtype=float)
            + c * dc * np.asarray(self.col_dir, dtype=float)
            + r * dr * np.asarray(self.row_dir, dtype=float)
            + k * dk * np.asarray(self.slice_dir, dtype=float)
        )

    def patient_to_index(self, point_mm: np.ndarray | Vec3) -> np.ndarray:
        """Continuous voxel index ``(k, r, c)`` of a patient position (LPS, mm)."""
        dk, dr, dc = self.spacing_mm
        axes = np.stack(
            [
                np.asarray(self.slice_dir, dtype=float) * dk,
                np.asarray(self.row_dir, dtype=float) * dr,
                np.asarray(self.col_dir, dtype=float) * dc,
            ],
            axis=1,
        )
        offset = np.asarray(point_mm, dtype=float) - np.asarray(self.origin_mm, dtype=float)
        return np.linalg.solve(axes, offset)
