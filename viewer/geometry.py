"""Qt-free measurement geometry in millimetres.

Points on a 2-D image are ``(col, row)`` pairs in pixel units (like highdicom's
"(Column,Row) pair"). DICOM PixelSpacing is *(row spacing, column spacing)*, so a column
difference is scaled by ``spacing[1]`` and a row difference by ``spacing[0]``.
"""

from __future__ import annotations

import math

PointPx = tuple[float, float]
"""A point on an image, ``(col, row)`` in pixels (continuous)."""


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
