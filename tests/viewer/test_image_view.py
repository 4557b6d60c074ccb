"""Widget tests for viewer.image_view.ImageView: scrolling, window/level, overlay, aspect."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsSimpleTextItem

from tests.viewer.test_geometry import make_volume
from tests.viewer.test_items import mouse_drag
from viewer.geometry import Plane
from viewer.image_view import ImageView, InteractionMode

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot: object) -> ImageView:
    w = ImageView()
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.resize(500, 400)
    w.set_volume(make_volume(shape=(30, 64, 48), spacing_mm=(2.5, 0.6, 0.9),
                             description="<b>x</b> & PV <phase>"))
    w.show()
    qtbot.waitExposed(w)  # type: ignore[attr-defined]
    return w


def _wheel(view: ImageView, delta: int, modifiers: Qt.KeyboardModifier) -> None:
    vp = view.graphics_view.viewport()
    pos = QPointF(vp.width() / 2, vp.height() / 2)
    event = QWheelEvent(pos, QPointF(vp.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)


def test_opens_on_the_middle_slice_with_the_voxels(view: ImageView) -> None:
    assert view.slice_index == 15 and view.n_slices == 30
    assert view.image_item.image.dtype == np.int16
    np.testing.assert_array_equal(view.image_item.image, view.volume.voxels[15])
    assert tuple(view.image_item.levels) == (-160.0, 240.0)


def test_keys_scroll_and_emit_slice_changed(view: ImageView, qtbot: object) -> None:
    seen: list[int] = []
    view.sig_slice_changed.connect(seen.append)
    qtbot.keyClick(view, Qt.Key.Key_Down)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_Down)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_Up)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_PageDown)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_End)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_PageDown)  # type: ignore[attr-defined]  (clamped: no signal)
    qtbot.keyClick(view, Qt.Key.Key_Home)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_PageUp)  # type: ignore[attr-defined]  (clamped)
    assert seen == [16, 17, 16, 26, 29, 0]
    np.testing.assert_array_equal(view.image_item.image, view.volume.voxels[0])


def test_wheel_scrolls_and_ctrl_wheel_zooms(view: ImageView) -> None:
    _wheel(view, -120, Qt.KeyboardModifier.NoModifier)
    assert view.slice_index == 16
    _wheel(view, 240, Qt.KeyboardModifier.NoModifier)
    assert view.slice_index == 14
    _wheel(view, 60, Qt.KeyboardModifier.NoModifier)  # half a notch: nothing yet
    assert view.slice_index == 14
    _wheel(view, 60, Qt.KeyboardModifier.NoModifier)
    assert view.slice_index == 13
    before = view.view_box.viewRange()
    _wheel(view, 120, Qt.KeyboardModifier.ControlModifier)
    after = view.view_box.viewRange()
    assert view.slice_index == 13
    assert (after[0][1] - after[0][0]) < (before[0][1] - before[0][0])


def test_preset_keys_and_method(view: ImageView, qtbot: object) -> None:
    seen: list[tuple[float, float]] = []
    view.sig_window_changed.connect(lambda w, c: seen.append((w, c)))
    qtbot.keyClick(view, Qt.Key.Key_2)  # type: ignore[attr-defined]
    assert (view.window.width, view.window.level) == (150, 90)
    assert tuple(view.image_item.levels) == (15.0, 165.0)
    qtbot.keyClick(view, Qt.Key.Key_4)  # type: ignore[attr-defined]
    view.apply_preset(5)
    view.apply_preset(5)  # unchanged: no second signal
    assert seen == [(150, 90), (1500, -600), (2000, 500)]
    assert "W 2000 L 500 (Bone)" in view.overlay_text()["bottom_right"]


def test_left_drag_in_window_mode_changes_window(view: ImageView) -> None:
    seen: list[tuple[float, float]] = []
    view.sig_window_changed.connect(lambda w, c: seen.append((w, c)))
    vp = view.graphics_view.viewport()
    mouse_drag(vp, QPoint(100, 100), QPoint(250, 100))
    assert view.window.width == pytest.approx(400 + 150 * 400 / 300)
    assert view.window.level == pytest.approx(40)
    assert seen and view.calipers() == []


def test_shift_drag_adjusts_window_even_in_measure_mode(view: ImageView) -> None:
    view.set_mode(InteractionMode.MEASURE)
    vp = view.graphics_view.viewport()
    mouse_drag(vp, QPoint(100, 100), QPoint(100, 160), shift=True)
    assert view.window.level == pytest.approx(40 + 60 * 400 / 300)
    assert view.calipers() == []


def test_overlay_is_plain_text(view: ImageView) -> None:
    text = view.overlay_text()
    assert text["top_left"].splitlines()[0] == "<b>x</b> & PV <phase>"
    assert text["bottom_left"] == "Im 16/30\nPos -262.5 mm"
    assert text["bottom_right"].startswith("W 400 L 40")
    items = [i for i in view.graphics_view.scene().items()
             if isinstance(i, QGraphicsSimpleTextItem) and "<b>" in i.text()]
    assert len(items) == 1  # drawn by a plain-text item, never a rich-text one
    view.set_slice(3)
    assert view.overlay_text()["bottom_left"] == "Im 4/30\nPos -292.5 mm"


def test_pixel_aspect_is_physical_on_axial_and_coronal(view: ImageView) -> None:
    QApplication.processEvents()
    for plane, (h_mm, w_mm) in [(Plane.AXIAL, (64 * 0.6, 48 * 0.9)),
                                (Plane.CORONAL, (30 * 2.5, 48 * 0.9))]:
        view.set_plane(plane)
        QApplication.processEvents()
        rect = view.image_item.mapRectToView(view.image_item.boundingRect())
        assert rect.height() == pytest.approx(h_mm)
        assert rect.width() == pytest.approx(w_mm)
        # On screen, 1 mm is the same number of pixels horizontally and vertically.
        px = view.view_box.viewPixelSize()
        assert px[0] == pytest.approx(px[1], rel=1e-6)
        scene_rect = view.image_item.mapRectToScene(view.image_item.boundingRect())
        assert scene_rect.height() / scene_rect.width() == pytest.approx(h_mm / w_mm, rel=1e-3)
    assert view.view_box.yInverted()


def test_rendered_image_shows_data_and_overlay(view: ImageView) -> None:
    image = view.grab().toImage()
    assert image.width() == 500
    # The viewport centre is image data (grey), not black background.
    c = image.pixelColor(250, 200)
    assert c.red() == c.green() == c.blue()
    # Top-left corner has the overlay box text (bright pixels).
    bright = sum(image.pixelColor(x, y).lightness() > 200 for x in range(6, 120)
                 for y in range(6, 22))
    assert bright > 20


def test_middle_drag_pans_and_right_drag_zooms(view: ImageView) -> None:
    vp = view.graphics_view.viewport()
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    mouse_drag(vp, QPoint(250, 200), QPoint(300, 200), button=Qt.MouseButton.MiddleButton)
    (px0, px1), _ = view.view_box.viewRange()
    assert px0 < x0 and px1 - px0 == pytest.approx(x1 - x0)  # moved left by the drag
    mouse_drag(vp, QPoint(250, 200), QPoint(250, 120), button=Qt.MouseButton.RightButton)
    (zx0, zx1), _ = view.view_box.viewRange()
    assert zx1 - zx0 != pytest.approx(px1 - px0)  # zoomed
    assert view.slice_index == 15 and view.calipers() == []
    assert (view.window.width, view.window.level) == (400, 40)


def test_pan_mode_left_drag_pans(view: ImageView) -> None:
    view.set_mode(InteractionMode.PAN)
    (x0, _), _ = view.view_box.viewRange()
    mouse_drag(view.graphics_view.viewport(), QPoint(250, 200), QPoint(200, 200))
    (x1, _), _ = view.view_box.viewRange()
    assert x1 > x0 and (view.window.width, view.window.level) == (400, 40)
