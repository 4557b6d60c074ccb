"""Synthetic abdominal anatomy in patient coordinates (DICOM LPS, mm) and its CT numbers.

Shapes are analytic (ellipsoids and cylinders), painted into a label map slice by slice for any
image geometry, so the same anatomy can be sampled on axial, anisotropic or oblique grids and
the truth (lesion centres and diameters) is exact in patient space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

PHASES = ("non_contrast", "arterial", "portal_venous")
"""Phases the phantom can render, in acquisition order."""


class Tissue(IntEnum):
    """Labels of the label map (uint8 values)."""

    AIR = 0
    FAT = 1
    SOFT_TISSUE = 2
    LIVER = 3
    SPLEEN = 4
    KIDNEY = 5
    AORTA = 6
    IVC = 7
    PORTAL_VEIN = 8
    BONE = 9
    HCC = 10
    NECROSIS = 11
    METASTASIS = 12
    METASTASIS_RIM = 13
    ABLATION_ZONE = 14
    ENHANCING_NODULE = 15


# CT numbers (HU) per tissue for (non-contrast, arterial, portal venous).
HU_TABLE: dict[Tissue, tuple[float, float, float]] = {
    Tissue.AIR: (-1000, -1000, -1000),
    Tissue.FAT: (-100, -100, -100),
    Tissue.SOFT_TISSUE: (40, 55, 65),
    Tissue.LIVER: (55, 70, 110),
    Tissue.SPLEEN: (45, 120, 120),
    Tissue.KIDNEY: (30, 170, 160),
    Tissue.AORTA: (40, 300, 160),
    Tissue.IVC: (40, 80, 150),
    Tissue.PORTAL_VEIN: (40, 110, 180),
    Tissue.BONE: (450, 450, 450),
    Tissue.HCC: (40, 150, 80),  # hyperenhancing in arterial phase, washout in portal venous
    Tissue.NECROSIS: (20, 20, 20),  # non-enhancing
    Tissue.METASTASIS: (35, 45, 55),  # hypoenhancing
    Tissue.METASTASIS_RIM: (40, 95, 115),  # rim enhancement
    Tissue.ABLATION_ZONE: (45, 35, 35),  # non-enhancing
    Tissue.ENHANCING_NODULE: (40, 155, 85),  # residual/recurrent viable tumour
}
NOISE_HU = 10.0
"""Standard deviation of the added Gaussian noise, in HU."""


@dataclass(frozen=True)
class Ellipsoid:
    """Ellipsoid with semi-axes ``(a, b, c)`` mm; ``a``/``b`` in the axial plane, rotated by
    ``angle_deg`` about the z axis; ``c`` along z (LPS)."""

    centre_mm: tuple[float, float, float]
    semi_axes_mm: tuple[float, float, float]
    angle_deg: float = 0.0

    def inside(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        a, b, c = self.semi_axes_mm
        t = math.radians(self.angle_deg)
        dx, dy, dz = x - self.centre_mm[0], y - self.centre_mm[1], z - self.centre_mm[2]
        u = dx * math.cos(t) + dy * math.sin(t)
        v = -dx * math.sin(t) + dy * math.cos(t)
        return (u / a) ** 2 + (v / b) ** 2 + (dz / c) ** 2 <= 1.0

    def z_range(self) -> tuple[float, float]:
        return self.centre_mm[2] - self.semi_axes_mm[2], self.centre_mm[2] + self.semi_axes_mm[2]

    def grown(self, margin_mm: float) -> Ellipsoid:
        a, b, c = self.semi_axes_mm
        return Ellipsoid(self.centre_mm, (a + margin_mm, b + margin_mm, c + margin_mm),
                         self.angle_deg)

    def axis_point(self, fraction: float) -> tuple[float, float, float]:
        """Point ``fraction`` of the semi long axis ``a`` from the centre along the long axis."""
        t = math.radians(self.angle_deg)
        d = fraction * self.semi_axes_mm[0]
        cx, cy, cz = self.centre_mm
        return (cx + d * math.cos(t), cy + d * math.sin(t), cz)


@dataclass(frozen=True)
class Cylinder:
    """Elliptic cylinder along z: centre ``(x, y)``, semi-axes ``(rx, ry)``, z from ``z0`` to
    ``z1`` (mm)."""

    centre_xy_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    z0_mm: float = -1e9
    z1_mm: float = 1e9

    def inside(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        rx, ry = self.semi_axes_mm
        m = ((x - self.centre_xy_mm[0]) / rx) ** 2 + ((y - self.centre_xy_mm[1]) / ry) ** 2 <= 1
        return m & (z >= self.z0_mm) & (z <= self.z1_mm)


Shape = Ellipsoid | Cylinder


BODY = Cylinder((0.0, 0.0), (165.0, 120.0))
BODY_INNER = Cylinder((0.0, 0.0), (152.0, 107.0))
LIVER = Ellipsoid((-65.0, -5.0, 0.0), (80.0, 75.0, 85.0), 10.0)
BACKGROUND: tuple[tuple[Tissue, Shape], ...] = (
    (Tissue.FAT, BODY),
    (Tissue.SOFT_TISSUE, BODY_INNER),
    (Tissue.LIVER, LIVER),
    (Tissue.SPLEEN, Ellipsoid((95.0, 40.0, 20.0), (32.0, 48.0, 55.0), -30.0)),
    (Tissue.KIDNEY, Ellipsoid((-70.0, 72.0, -70.0), (26.0, 20.0, 45.0), 20.0)),
    (Tissue.KIDNEY, Ellipsoid((72.0, 72.0, -60.0), (26.0, 20.0, 45.0), -20.0)),
    (Tissue.AORTA, Cylinder((15.0, 35.0), (12.0, 12.0))),
    (Tissue.IVC, Cylinder((-25.0, 30.0), (13.0, 10.0))),
    (Tissue.PORTAL_VEIN, Ellipsoid((-40.0, 5.0, -5.0), (38.0, 7.0, 7.0), -15.0)),
    (Tissue.BONE, Cylinder((0.0, 62.0), (19.0, 17.0))),
    (Tissue.BONE, Cylinder((0.0, 92.0), (7.0, 9.0))),
)


def slice_coordinates(
    origin_mm: np.ndarray, col_dir: np.ndarray, row_dir: np.ndarray, rows: int, cols: int,
    pixel_spacing_mm: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patient x, y, z (mm) of every pixel centre of one slice, each ``[row, col]`` float32."""
    r = (np.arange(rows, dtype=np.float32) * np.float32(pixel_spacing_mm[0]))[:, None]
    c = (np.arange(cols, dtype=np.float32) * np.float32(pixel_spacing_mm[1]))[None, :]
    out = []
    for axis in range(3):
        out.append(
            np.float32(origin_mm[axis]) + c * np.float32(col_dir[axis])
            + r * np.float32(row_dir[axis])
        )
    return out[0], out[1], out[2]


def paint_slice(
    shapes: list[tuple[Tissue, Shape]], x: np.ndarray, y: np.ndarray, z: np.ndarray,
) -> np.ndarray:
    """Label map ``[row, col]`` (uint8 :class:`Tissue`) of one slice."""
    labels = np.zeros(x.shape, dtype=np.uint8)
    zmin, zmax = float(z.min()), float(z.max())
    body = BODY_INNER.inside(x, y, z)
    for tissue, shape in shapes:
        if isinstance(shape, Ellipsoid):
            lo, hi = shape.z_range()
            if hi < zmin or lo > zmax:
                continue
        mask = shape.inside(x, y, z)
        if tissue not in (Tissue.FAT, Tissue.SOFT_TISSUE):
            mask &= body
        labels[mask] = tissue
    return labels


def hu_lookup(phase: str) -> np.ndarray:
    """Lookup table label -> HU (float32) for one phase name of :data:`PHASES`."""
    i = PHASES.index(phase)
    lut = np.zeros(max(Tissue) + 1, dtype=np.float32)
    for tissue, values in HU_TABLE.items():
        lut[tissue] = values[i]
    return lut


def longest_viable_chord_mm(
    semi_a_mm: float, semi_b_mm: float, core_offset_mm: float, core_radius_mm: float,
    n_points: int = 360,
) -> float:
    """Longest segment inside an ellipse that does not cross a circular necrotic core.

    In the ellipse's own frame (long axis along u), the core is centred at
    ``(core_offset_mm, 0)``. This is the mRECIST viable diameter of such a tumour in the plane.
    """
    t = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
    ell = np.stack([semi_a_mm * np.cos(t), semi_b_mm * np.sin(t)], axis=1)
    circ = np.stack([core_offset_mm + core_radius_mm * np.cos(t), core_radius_mm * np.sin(t)],
                    axis=1)
    centre = np.array([core_offset_mm, 0.0])
    ell = ell[np.linalg.norm(ell - centre, axis=1) >= core_radius_mm]
    circ = circ[(circ[:, 0] / semi_a_mm) ** 2 + (circ[:, 1] / semi_b_mm) ** 2 <= 1.0]
    pts = np.concatenate([ell, circ])
    p = pts[:, None, :]
    q = pts[None, :, :]
    d = q - p
    length2 = np.maximum((d**2).sum(axis=2), 1e-12)
    s = np.clip(((centre - p) * d).sum(axis=2) / length2, 0.0, 1.0)
    closest = p + s[..., None] * d
    clear = np.linalg.norm(closest - centre, axis=2) >= core_radius_mm * 0.999
    return float(np.sqrt(length2[clear].max()))
