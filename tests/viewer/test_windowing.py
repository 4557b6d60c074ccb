"""Unit tests for viewer.windowing (Qt-free)."""

from __future__ import annotations

import pytest

from viewer import windowing
from viewer.windowing import WindowLevel


def test_levels_are_level_plus_minus_half_width() -> None:
    assert WindowLevel(400, 40).levels == (-160, 240)
    assert WindowLevel(1500, -600).levels == (-1350, 150)


def test_presets_in_key_order() -> None:
    names = [windowing.preset(n).name for n in range(1, 6)]
    assert names == ["Abdomen", "Liver", "Arterial", "Lung", "Bone"]
    assert (windowing.preset(1).width, windowing.preset(1).level) == (400, 40)
    assert (windowing.preset(4).width, windowing.preset(4).level) == (1500, -600)
    assert (windowing.preset(5).width, windowing.preset(5).level) == (2000, 500)
    with pytest.raises(IndexError):
        windowing.preset(6)


def test_zero_width_is_rejected() -> None:
    with pytest.raises(ValueError, match="width"):
        WindowLevel(0, 40)


def test_drag_right_widens_and_down_raises_level() -> None:
    start = WindowLevel(300, 40)
    assert windowing.dragged(start, 300, 0).width == pytest.approx(600)
    assert windowing.dragged(start, 0, 150).level == pytest.approx(190)
    assert windowing.dragged(start, -10_000, 0).width == windowing.MIN_WIDTH_HU


def test_describe_is_plain_text() -> None:
    assert WindowLevel(150, 90, "Liver").describe() == "W 150 L 90"
