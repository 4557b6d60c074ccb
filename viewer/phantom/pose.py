"""Patient repositioning between time points: the anatomy moves rigidly in patient space.

Real follow-up scans never put the patient in exactly the same place. :class:`PatientPose`
describes where the anatomy lies at one time point relative to the baseline: a roll about the
craniocaudal axis (LPS z) around ``pivot_mm`` followed by a translation. Only rotations about z
are used so that the truth's axial-plane diameters stay exact (an axial slice of the moved
anatomy is a rotated axial slice of the baseline anatomy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PatientPose:
    """Rigid position of the anatomy at one time point relative to the baseline.

    A baseline anatomy point ``p`` (LPS, mm) lies at
    ``R_z(rotation_z_deg) @ (p - pivot_mm) + pivot_mm + translation_mm`` at this time point,
    where ``R_z`` turns +x towards +y (the sense of
    :attr:`~viewer.phantom.anatomy.Ellipsoid.angle_deg`).
    """

    rotation_z_deg: float = 0.0
    translation_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    pivot_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def is_identity(self) -> bool:
        return self.rotation_z_deg == 0.0 and not any(self.translation_mm)

    def matrix(self) -> np.ndarray:
        """3 x 3 rotation matrix (float64) acting on column vectors (x, y, z)."""
        t = math.radians(self.rotation_z_deg)
        c, s = math.cos(t), math.sin(t)
        return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])

    def apply(self, point_mm: tuple[float, float, float] | np.ndarray) -> np.ndarray:
        """Position (LPS, mm) at this time point of a baseline anatomy point."""
        pivot = np.asarray(self.pivot_mm, dtype=float)
        p = np.asarray(point_mm, dtype=float) - pivot
        return np.asarray(self.matrix() @ p + pivot + np.asarray(self.translation_mm))

    def to_baseline(
        self, x: np.ndarray, y: np.ndarray, z: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Baseline anatomy coordinates of patient positions at this time point.

        ``x``, ``y``, ``z`` are arrays of any (equal) shape, e.g. the float32 ``[row, col]``
        planes of :func:`~viewer.phantom.anatomy.slice_coordinates`; the result keeps their
        dtype and shape.
        """
        t = math.radians(self.rotation_z_deg)
        c, s = np.float32(math.cos(t)), np.float32(math.sin(t))
        px, py, pz = (np.float32(v) for v in self.pivot_mm)
        tx, ty, tz = (np.float32(v) for v in self.translation_mm)
        dx = x - tx - px
        dy = y - ty - py
        return c * dx + s * dy + px, -s * dx + c * dy + py, z - tz

    def to_json(self) -> dict[str, object]:
        """Description for ``truth.json`` including the mapping back to the baseline."""
        inv = self.matrix().T
        pivot = np.asarray(self.pivot_mm, dtype=float)
        t = np.asarray(self.translation_mm, dtype=float)
        # p_base = inv @ (p_here - pivot - t) + pivot = inv @ p_here + (pivot - inv @ (pivot + t))
        inv_t = pivot - inv @ (pivot + t)
        return {
            "description": "anatomy moved from the baseline: p_here = R (p_baseline - pivot) "
            "+ pivot + translation, R a rotation about z (LPS); to_baseline maps this study's "
            "patient mm to the baseline's: p_baseline = matrix @ p_here + translation_mm",
            "rotation_z_deg": self.rotation_z_deg,
            "pivot_mm": list(self.pivot_mm),
            "translation_mm": list(self.translation_mm),
            "to_baseline": {
                "matrix": [[round(float(v), 12) for v in row] for row in inv],
                "translation_mm": [round(float(v), 9) for v in inv_t],
            },
        }


#: Default repositioning per time point (baseline, follow-up 1, follow-up 2) of the demo.
DEMO_POSES: tuple[PatientPose, ...] = (
    PatientPose(),
    PatientPose(2.0, (5.0, -4.0, 8.0)),
    PatientPose(-3.0, (-7.0, 6.0, -12.0)),
)
