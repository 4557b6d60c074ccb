"""Widget tests for calipers (viewer.items) driven by real mouse events on an ImageView."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.viewer.test_geometry import make_volume
from viewer.geometry import Plane
from viewer.image_view import ImageView, InteractionMode
from viewer.items import BidirectionalCaliperItem, CaliperItem

pytestmark = pytest.mark.gui


def _send_mouse(
    widget: QWidget,
    kind: QMouseEvent.Type,
    pos: QPoint,
    button: Qt.MouseButton,
    buttons: Qt.MouseButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    global_pos = QPointF(widget.mapToGlobal(pos))
    event = QMouseEvent(kind, QPointF(pos), global_pos, button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def mouse_drag(
    widget: QWidget,
    start: QPoint,
    end: QPoint,
    steps: int = 8,
    on_move: Callable[[], None] | None = None,
    shift: bool = False,
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
) -> None:
    """Press at ``start``, move in ``steps`` real mouse-move events, release at ``end``.

    Moves are 12 ms apart: pyqtgraph's scene drops moves faster than ``mouseRateLimit``
    (100 Hz), as it would for a real mouse.
    """
    left = button
    none = Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    _send_mouse(widget, QMouseEvent.Type.MouseButtonPress, start, left, left, mods)
    for i in range(1, steps + 1):
        t = i / steps
        p = QPoint(round(start.x() + t * (end.x() - start.x())),
                   round(start.y() + t * (end.y() - start.y())))
        QTest.qWait(12)
        _send_mouse(widget, QMouseEvent.Type.MouseMove, p, none, left, mods)
        if on_move is not None:
            on_move()
    _send_mouse(widget, QMouseEvent.Type.MouseButtonRelease, end, left, none, mods)


def view_mm_at(view: ImageView, p: QPoint) -> tuple[float, float]:
    """View-mm position under viewport pixel ``p``."""
    scene = view.graphics_view.mapToScene(p)
    v = view.view_box.mapSceneToView(scene)
    return (v.x(), v.y())


def viewport_point_of_mm(view: ImageView, mm: tuple[float, float]) -> QPoint:
    scene = view.view_box.mapViewToScene(QPointF(*mm))
    return view.graphics_view.mapFromScene(scene)


@pytest.fixture
def view(qtbot: object) -> ImageView:
    w = ImageView()
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.resize(600, 500)
    w.set_volume(make_volume(shape=(20, 64, 48), spacing_mm=(2.5, 0.6, 0.9)))
    w.show()
    qtbot.waitExposed(w)  # type: ignore[attr-defined]
    w.fit_view()
    QApplication.processEvents()
    return w


def _expected_mm(view: ImageView, a: QPoint, b: QPoint) -> float:
    g = view.plane_geometry
    assert g is not None
    pa = g.view_mm_to_px(view_mm_at(view, a))
    pb = g.view_mm_to_px(view_mm_at(view, b))
    return g.length_mm(view.slice_index, pa, pb)


def test_measure_drag_creates_caliper_and_finishes_once_on_release(view: ImageView) -> None:
    view.set_mode(InteractionMode.MEASURE)
    finished: list[object] = []
    during_moves: list[int] = []
    view.sig_measurement_finished.connect(finished.append)
    vp = view.graphics_view.viewport()
    a, b = QPoint(150, 120), QPoint(420, 330)
    mouse_drag(vp, a, b, on_move=lambda: during_moves.append(len(finished)))
    assert during_moves and set(during_moves) == {0}
    assert len(finished) == 1
    (caliper,) = view.calipers()
    m = finished[0]
    expected = _expected_mm(view, a, b)
    # Screen pixels are smaller than image pixels here, so the drag is exact to < half a pixel.
    assert m.length_mm == pytest.approx(expected, abs=0.5 * 0.6)
    assert caliper.length_mm() == pytest.approx(m.length_mm)
    # Anisotropic check: mm from the pixel end points with PixelSpacing (0.6, 0.9).
    (c0, r0), (c1, r1) = m.start_px, m.end_px
    assert m.length_mm == pytest.approx(math.hypot((c1 - c0) * 0.9, (r1 - r0) * 0.6))
    assert m.sop_instance_uid == f"1.2.826.0.1.{view.slice_index}"
    assert caliper.label_text() == f"{m.length_mm:.1f} mm"


def test_dragging_a_handle_edits_and_finishes_once(view: ImageView) -> None:
    caliper = view.add_caliper((10, 10), (30, 40))
    QApplication.processEvents()
    finished: list[object] = []
    changed: list[object] = []
    caliper.sig_measurement_finished.connect(finished.append)
    caliper.sig_measurement_changed.connect(changed.append)
    end_mm = caliper.end_points_mm()[1]
    start = viewport_point_of_mm(view, end_mm)
    target = start + QPoint(60, -40)
    mouse_drag(view.graphics_view.viewport(), start, target)
    assert len(finished) == 1
    assert len(changed) >= 2
    g = view.plane_geometry
    assert g is not None
    new_end = caliper.end_points_mm()[1]
    assert new_end == pytest.approx(view_mm_at(view, target), abs=0.6)
    assert finished[0].length_mm == pytest.approx(caliper.length_mm())


def test_calipers_show_only_on_their_slice(view: ImageView) -> None:
    caliper = view.add_caliper((10, 10), (30, 40))
    k = view.slice_index
    view.set_slice(k + 1)
    assert not caliper.isVisible() and view.calipers() == []
    view.set_slice(k)
    assert caliper.isVisible() and view.calipers() == [caliper]


def test_tiny_measure_drag_creates_nothing(view: ImageView) -> None:
    view.set_mode(InteractionMode.MEASURE)
    vp = view.graphics_view.viewport()
    mouse_drag(vp, QPoint(200, 200), QPoint(201, 200), steps=1)
    assert view.calipers() == []


def test_bidirectional_drag_gives_perpendicular_short_axis(view: ImageView) -> None:
    view.set_mode(InteractionMode.MEASURE_BIDIRECTIONAL)
    finished: list[object] = []
    view.sig_measurement_finished.connect(finished.append)
    mouse_drag(view.graphics_view.viewport(), QPoint(150, 150), QPoint(400, 300))
    assert len(finished) == 1
    (caliper,) = view.calipers()
    assert isinstance(caliper, BidirectionalCaliperItem)
    m = finished[0]
    assert m.short_axis_mm == pytest.approx(m.length_mm / 2, rel=1e-6)
    _assert_perpendicular_in_patient(m)
    assert "x" in caliper.label_text()


def _assert_perpendicular_in_patient(m: object) -> None:
    long = np.subtract(m.end_patient_mm, m.start_patient_mm)  # type: ignore[attr-defined]
    short = np.subtract(m.short_end_patient_mm, m.short_start_patient_mm)  # type: ignore
    cos = np.dot(long, short) / (np.linalg.norm(long) * np.linalg.norm(short))
    assert abs(cos) < 1e-9


def test_short_axis_handle_drag_stays_perpendicular(view: ImageView) -> None:
    caliper = view.add_caliper((5, 10), (40, 50), bidirectional=True)
    assert isinstance(caliper, BidirectionalCaliperItem)
    QApplication.processEvents()
    finished: list[object] = []
    caliper.sig_measurement_finished.connect(finished.append)
    handle = caliper.short_axis_handles()[0]
    start = view.graphics_view.mapFromScene(handle.scenePos())
    mouse_drag(view.graphics_view.viewport(), start, start + QPoint(25, 35))
    assert len(finished) == 1
    _assert_perpendicular_in_patient(finished[0])
    # Then move a long-axis end: the short axis follows and stays perpendicular.
    before = caliper.short_axis_params
    long_end = caliper.getHandles()[1]
    start = view.graphics_view.mapFromScene(long_end.scenePos())
    mouse_drag(view.graphics_view.viewport(), start, start + QPoint(-40, 30))
    assert len(finished) == 2
    _assert_perpendicular_in_patient(finished[1])
    assert caliper.short_axis_params == before


def test_caliper_on_coronal_plane_uses_slice_spacing(view: ImageView) -> None:
    view.set_plane(Plane.CORONAL)
    caliper = view.add_caliper((10, 2), (10, 6))  # 4 rows = 4 slices of 2.5 mm
    assert caliper.length_mm() == pytest.approx(10.0)
    assert caliper.label_text() == "10.0 mm"
    m = caliper.measurement()
    assert m.plane is Plane.CORONAL and m.sop_instance_uid is None
    assert abs(m.start_patient_mm[2] - m.end_patient_mm[2]) == pytest.approx(10.0)
    # And a real drag on the coronal plane.
    view.set_mode(InteractionMode.MEASURE)
    finished: list[object] = []
    view.sig_measurement_finished.connect(finished.append)
    a, b = QPoint(200, 100), QPoint(260, 380)
    mouse_drag(view.graphics_view.viewport(), a, b)
    assert finished[-1].length_mm == pytest.approx(_expected_mm(view, a, b), abs=0.5 * 0.9)


def test_programmatic_move_does_not_emit_finished(view: ImageView) -> None:
    caliper = view.add_caliper((10, 10), (30, 40))
    assert isinstance(caliper, CaliperItem)
    finished: list[object] = []
    caliper.sig_measurement_finished.connect(finished.append)
    caliper.set_end_points_mm((1.0, 1.0), (20.0, 2.0))
    assert finished == []
    caliper.finish_edit()
    assert len(finished) == 1


def test_remove_from_context_menu_removes_the_caliper(view: ImageView, qtbot: object) -> None:
    caliper = view.add_caliper((10, 10), (30, 40))
    with qtbot.waitSignal(view.sig_caliper_removed, timeout=1000) as blocker:  # type: ignore
        caliper.removeClicked()  # what the "Remove ROI" menu action calls
    assert blocker.args[0].length_mm == pytest.approx(caliper.length_mm())
    assert view.calipers() == [] and caliper.scene() is None
