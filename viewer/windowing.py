"""Qt-free CT window/level presets and arithmetic (all values in Hounsfield units).

A window is ``(width, level)`` as DICOM Window Width (0028,1051) / Window Center (0028,1050):
grey values run from black at ``level - width / 2`` to white at ``level + width / 2``.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_WIDTH_HU = 1.0
"""Narrowest window allowed, in HU."""

DRAG_HU_PER_PIXEL_PER_WIDTH = 1.0 / 300.0
"""Window/level drag sensitivity: a drag of 300 screen pixels changes by one current width."""


@dataclass(frozen=True)
class WindowLevel:
    """A display window in HU. ``width`` > 0; ``name`` is a label for presets (plain text)."""

    width: float
    level: float
    name: str = ""

    def __post_init__(self) -> None:
        if not self.width > 0:
            raise ValueError(f"window width must be > 0 HU; got {self.width!r}")

    @property
    def levels(self) -> tuple[float, float]:
        """``(black, white)`` HU limits, as pyqtgraph ``ImageItem.setImage(levels=...)`` wants."""
        half = self.width / 2.0
        return (self.level - half, self.level + half)

    def describe(self) -> str:
        """Plain text such as ``"W 400 L 40"``."""
        return f"W {self.width:.0f} L {self.level:.0f}"


PRESETS: tuple[WindowLevel, ...] = (
    WindowLevel(400.0, 40.0, "Abdomen"),
    WindowLevel(150.0, 90.0, "Liver"),
    WindowLevel(600.0, 150.0, "Arterial"),
    WindowLevel(1500.0, -600.0, "Lung"),
    WindowLevel(2000.0, 500.0, "Bone"),
)
"""Presets bound to keys 1-5, in that order. Liver W150/L90 suits contrast-enhanced
parenchyma (~100 HU); Arterial W600/L150 shows hypervascular lesions next to bright arteries."""

DEFAULT_WINDOW = PRESETS[0]


def preset(number: int) -> WindowLevel:
    """Preset ``number`` (1-based, as on the keyboard). Raises ``IndexError`` if out of range."""
    if not 1 <= number <= len(PRESETS):
        raise IndexError(f"window preset must be 1..{len(PRESETS)}; got {number}")
    return PRESETS[number - 1]


def dragged(start: WindowLevel, dx_px: float, dy_px: float) -> WindowLevel:
    """Window after a mouse drag of ``(dx_px, dy_px)`` screen pixels from ``start``.

    Right widens the window, left narrows it; down raises the level (image gets darker),
    up lowers it. The step scales with the starting width so narrow and wide windows are
    equally controllable.
    """
    step = max(start.width, 50.0) * DRAG_HU_PER_PIXEL_PER_WIDTH
    width = max(MIN_WIDTH_HU, start.width + dx_px * step)
    level = start.level + dy_px * step
    return WindowLevel(width, level)
