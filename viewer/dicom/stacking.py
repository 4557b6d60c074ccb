"""Ordering slices into a volume: sort along the image normal, find gaps and duplicates.

Pure numpy; no pydicom. Slices are sorted by ``dot(normal, ImagePositionPatient)`` where
``normal = cross(row cosines, column cosines)`` of ImageOrientationPatient, never by
InstanceNumber.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from viewer.dicom.errors import SeriesError
from viewer.dicom.volume import Vec3

AXIAL_ORIENTATION = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
_ORIENTATION_TOLERANCE = 1e-3
"""Largest difference between direction cosines that still counts as the same orientation."""
_DUPLICATE_TOLERANCE_MM = 1e-3
_GAP_TOLERANCE = 0.1
"""A step differing from the median step by more than this fraction is reported."""
_TILT_TOLERANCE_DEG = 0.5


@dataclass(frozen=True)
class SliceGeometry:
    """Geometry attributes of one slice (or frame), in patient mm (LPS)."""

    name: str
    position_mm: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing_mm: tuple[float, float] | None
    slice_thickness_mm: float | None = None


@dataclass(frozen=True)
class StackPlan:
    """Where each kept input slice goes and the volume geometry.

    ``order[k]`` is the input index of volume slice ``k``; dropped duplicates are not in it.
    ``spacing_mm`` is ``(slice, row, col)``.
    """

    order: tuple[int, ...]
    spacing_mm: Vec3
    origin_mm: Vec3
    col_dir: Vec3
    row_dir: Vec3
    slice_dir: Vec3
    warnings: tuple[str, ...]


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _vec(v: np.ndarray) -> Vec3:
    return (float(v[0]), float(v[1]), float(v[2]))


def plan_stack(
    slices: Sequence[SliceGeometry], *, assumed_spacing_mm: float | None = None
) -> StackPlan:
    """Sort slices along the normal and describe the volume they make.

    Parameters
    ----------
    slices
        One entry per input slice, in any order.
    assumed_spacing_mm
        Slice spacing to use when it cannot be measured (one slice, or frames without
        positions); falls back to SliceThickness and then 1 mm, with a warning.

    Returns
    -------
    StackPlan

    Raises
    ------
    SeriesError
        Mixed orientation or pixel spacing, or several slices without positions.
    """
    if not slices:
        raise SeriesError(None, "no slices to stack")
    warnings: list[str] = []
    first = slices[0]
    n = len(slices)

    orient = first.orientation
    for s in slices:
        if (s.orientation is None) != (orient is None) or (
            s.orientation is not None
            and orient is not None
            and max(abs(a - b) for a, b in zip(s.orientation, orient, strict=True))
            > _ORIENTATION_TOLERANCE
        ):
            raise SeriesError(
                None,
                f"mixed orientation: {_base(first.name)} has ImageOrientationPatient {orient}, "
                f"{_base(s.name)} has {s.orientation}; cannot present them as one volume",
            )
    if orient is None:
        orient = AXIAL_ORIENTATION
        warnings.append("ImageOrientationPatient missing; axial orientation assumed")
    col_dir = _unit(np.asarray(orient[:3], dtype=float))
    row_dir = _unit(np.asarray(orient[3:], dtype=float))
    if np.linalg.norm(col_dir) == 0 or np.linalg.norm(row_dir) == 0:
        raise SeriesError(
            None, f"{_base(first.name)}: ImageOrientationPatient {orient} is degenerate"
        )
    normal = _unit(np.cross(col_dir, row_dir))
    if np.linalg.norm(normal) == 0:
        raise SeriesError(None, f"{_base(first.name)}: row and column directions are parallel")

    ps = first.pixel_spacing_mm
    for s in slices:
        if s.pixel_spacing_mm != ps and (
            s.pixel_spacing_mm is None
            or ps is None
            or max(abs(a - b) for a, b in zip(s.pixel_spacing_mm, ps, strict=True)) > 1e-4
        ):
            raise SeriesError(
                None,
                f"mixed pixel spacing: {_base(first.name)} {ps} mm, "
                f"{_base(s.name)} {s.pixel_spacing_mm} mm",
            )
    if ps is None or min(ps) <= 0:
        warnings.append(f"PixelSpacing missing or invalid ({ps}); 1 mm assumed")
        ps = (1.0, 1.0)

    fallback_dk = assumed_spacing_mm or first.slice_thickness_mm or 1.0
    missing = [s for s in slices if s.position_mm is None]
    if missing:
        if n > 1 and assumed_spacing_mm is None:
            raise SeriesError(
                None,
                f"{_base(missing[0].name)} has no ImagePositionPatient; the slices cannot be "
                "ordered in space",
            )
        warnings.append(
            "ImagePositionPatient missing; origin (0, 0, 0) and slice spacing "
            f"{fallback_dk:g} mm assumed, slices in stored order"
        )
        return StackPlan(
            order=tuple(range(n)),
            spacing_mm=(float(fallback_dk), float(ps[0]), float(ps[1])),
            origin_mm=(0.0, 0.0, 0.0),
            col_dir=_vec(col_dir),
            row_dir=_vec(row_dir),
            slice_dir=_vec(normal),
            warnings=tuple(warnings),
        )

    pos = np.asarray([s.position_mm for s in slices], dtype=float)
    dist = pos @ normal
    order = sorted(range(n), key=lambda i: (dist[i], i))
    kept = [order[0]]
    dupes: list[str] = []
    for i in order[1:]:
        if np.linalg.norm(pos[i] - pos[kept[-1]]) < _DUPLICATE_TOLERANCE_MM:
            dupes.append(
                f"{_base(slices[i].name)} duplicates {_base(slices[kept[-1]].name)} "
                f"at {dist[i]:.2f} mm"
            )
        else:
            kept.append(i)
    if dupes:
        shown = "; ".join(dupes[:3]) + ("; ..." if len(dupes) > 3 else "")
        warnings.append(
            f"{len(dupes)} duplicate slice position(s) ignored (first file kept): {shown}"
        )
    kpos = pos[kept]
    if len(kept) == 1:
        dk = float(fallback_dk)
        slice_dir = normal
    else:
        steps = np.linalg.norm(np.diff(kpos, axis=0), axis=1)
        dk = float(np.median(steps))
        slice_dir = _unit(kpos[-1] - kpos[0])
        odd = np.nonzero(np.abs(steps - dk) > _GAP_TOLERANCE * dk + 0.01)[0]
        if odd.size:
            parts = [
                f"{steps[j]:.2f} mm between slices {j} and {j + 1} "
                f"(at {float(kpos[j] @ normal):.2f} mm)"
                for j in odd[:5]
            ]
            warnings.append(
                f"non-uniform slice spacing (median {dk:.2f} mm): "
                + "; ".join(parts)
                + ("; ..." if odd.size > 5 else "")
                + ". Distances across these gaps are wrong in the volume."
            )
        tilt = math.degrees(math.acos(min(1.0, abs(float(slice_dir @ normal)))))
        if tilt > _TILT_TOLERANCE_DEG:
            warnings.append(
                f"slices are sheared {tilt:.1f} degrees from the image normal (gantry tilt?); "
                "the volume uses the true slice-to-slice direction"
            )
    return StackPlan(
        order=tuple(kept),
        spacing_mm=(dk, float(ps[0]), float(ps[1])),
        origin_mm=_vec(kpos[0]),
        col_dir=_vec(col_dir),
        row_dir=_vec(row_dir),
        slice_dir=_vec(slice_dir),
        warnings=tuple(warnings),
    )


def _base(name: str) -> str:
    return os.path.basename(name) or name
