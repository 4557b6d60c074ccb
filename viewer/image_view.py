"""ImageView: one plane (axial, coronal or sagittal) of a CT volume, with calipers.

Display: a bare pyqtgraph ``ImageItem`` in a ``ViewBox`` (row-major, no OpenGL). The item is
scaled by a ``QTransform`` so that one view unit is one millimetre and integer pixel
positions are voxel centres (:mod:`viewer.geometry`), hence the aspect is right for
anisotropic pixels and for reformatted planes. ``invertY``: row 0 at the top (radiology
convention). int16 HU slices go straight to ``setImage`` with fixed levels (the fast path).

Mouse: wheel scrolls slices (Ctrl+wheel zooms); right-drag zooms; middle-drag pans; left-drag
does the current :class:`InteractionMode` (window/level, measure, pan); Shift+left-drag always
adjusts window/level. Keys: Up/Down (1 slice), PageUp/PageDown (10 slices), Home/End,
1-5 window presets (:data:`viewer.windowing.PRESETS`).

Corner text is drawn with ``QGraphicsSimpleTextItem`` (plain text: DICOM strings may contain
``<``) and stays unscaled whatever the zoom.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QTransform
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QVBoxLayout, QWidget

from viewer import windowing
from viewer.dicom.volume import Volume
from viewer.geometry import CaliperMeasurement, Plane, PlaneGeometry, PointMm, PointPx
from viewer.items import BidirectionalCaliperItem, CaliperItem, OverlayText

pg.setConfigOptions(imageAxisOrder="row-major", useOpenGL=False)

WHEEL_UNITS_PER_SLICE = 120
"""Qt wheel delta of one mouse-wheel notch (1/8 degree units) = one slice."""
PAGE_STEP_SLICES = 10
MIN_CALIPER_MM = 1.0
"""A measure-mode drag shorter than this (mm) creates no caliper."""
OVERLAY_FONT_PT = 10
REFERENCE_LINE_COLOURS = {
    Plane.AXIAL: (90, 170, 255, 170),
    Plane.CORONAL: (120, 230, 120, 170),
    Plane.SAGITTAL: (255, 140, 140, 170),
}
"""Colour of the line showing where a view of that plane cuts another view."""


class InteractionMode(Enum):
    """What a plain left-drag does on the image."""

    WINDOW_LEVEL = "window_level"
    MEASURE = "measure"
    MEASURE_BIDIRECTIONAL = "measure_bidirectional"
    PAN = "pan"


class DragPhase(Enum):
    """Phase of a left-button drag."""

    START = "start"
    MOVE = "move"
    FINISH = "finish"


@dataclass(frozen=True)
class LeftDrag:
    """A left-button drag step: positions in view mm and in scene (≈ screen) pixels."""

    phase: DragPhase
    start_mm: PointMm
    pos_mm: PointMm
    start_scene_px: tuple[float, float]
    pos_scene_px: tuple[float, float]
    shift: bool


class _SliceViewBox(pg.ViewBox):
    """ViewBox that reports wheel steps and left drags instead of zooming/panning with them."""

    sig_wheel_turned = Signal(int)
    """Emitted on a plain wheel turn: Qt angle delta (120 per notch, positive = away)."""

    sig_left_dragged = Signal(object)
    """Emitted for each step of a left-button drag: a :class:`LeftDrag`."""

    sig_left_clicked = Signal(float, float)
    """Emitted on a left click (no drag): the position in view mm ``(x_mm, y_mm)``."""

    def __init__(self) -> None:
        super().__init__(lockAspect=True, invertY=True, enableMenu=False)
        self.left_drag_pans = False

    def wheelEvent(self, ev: object, axis: int | None = None) -> None:  # noqa: N802 - Qt
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(ev, axis)
            return
        ev.accept()
        self.sig_wheel_turned.emit(int(ev.delta()))

    def mouseClickEvent(self, ev: object) -> None:  # noqa: N802 - Qt
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseClickEvent(ev)
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        self.sig_left_clicked.emit(pos.x(), pos.y())

    def mouseDragEvent(self, ev: object, axis: int | None = None) -> None:  # noqa: N802 - Qt
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() != Qt.MouseButton.LeftButton or (self.left_drag_pans and not shift):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        if ev.isStart():
            phase = DragPhase.START
        elif ev.isFinish():
            phase = DragPhase.FINISH
        else:
            phase = DragPhase.MOVE
        down = ev.buttonDownScenePos(Qt.MouseButton.LeftButton)
        start = self.mapSceneToView(down)
        pos = self.mapSceneToView(ev.scenePos())
        self.sig_left_dragged.emit(
            LeftDrag(
                phase,
                (start.x(), start.y()),
                (pos.x(), pos.y()),
                (down.x(), down.y()),
                (ev.scenePos().x(), ev.scenePos().y()),
                shift,
            )
        )


class ImageView(QWidget):
    """Shows one plane of a :class:`Volume` with scrolling, window/level and calipers."""

    sig_slice_changed = Signal(int)
    """Emitted when the displayed slice changed: the new 0-based slice index."""

    sig_window_changed = Signal(float, float)
    """Emitted when the display window changed: ``(width_hu, level_hu)``."""

    sig_measurement_finished = Signal(object)
    """Emitted once when a caliper drag ends (mouse release): a :class:`CaliperMeasurement`."""

    sig_measurement_changed = Signal(object)
    """Emitted while a caliper is being dragged (live preview): a :class:`CaliperMeasurement`."""

    sig_caliper_removed = Signal(object)
    """Emitted when the user removed a caliper (context menu): its last CaliperMeasurement."""

    sig_location_clicked = Signal(float, float, float)
    """Emitted on a left click on the image: continuous voxel index ``(k, r, c)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._graphics = pg.GraphicsView(self, useOpenGL=False, background="k")
        self._graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._graphics.viewport().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._view_box = _SliceViewBox()
        self._graphics.setCentralItem(self._view_box)
        self._image_item = pg.ImageItem(axisOrder="row-major")
        self._view_box.addItem(self._image_item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._graphics)

        scene = self._graphics.scene()
        self._overlays = {
            corner: OverlayText(scene, corner, OVERLAY_FONT_PT)
            for corner in (
                Qt.Corner.TopLeftCorner,
                Qt.Corner.TopRightCorner,
                Qt.Corner.BottomLeftCorner,
                Qt.Corner.BottomRightCorner,
            )
        }
        self._edge_labels: dict[str, QGraphicsSimpleTextItem] = {}
        for edge in ("left", "top"):
            item = QGraphicsSimpleTextItem()
            font = QFont()
            font.setPointSize(OVERLAY_FONT_PT + 2)
            font.setBold(True)
            item.setFont(font)
            item.setBrush(QBrush(QColor(255, 200, 80)))
            item.setZValue(1000)
            scene.addItem(item)
            self._edge_labels[edge] = item

        self._volume: Volume | None = None
        self._geometry: PlaneGeometry | None = None
        self._slice_index = 0
        self._window = windowing.DEFAULT_WINDOW
        self._mode = InteractionMode.WINDOW_LEVEL
        self._wheel_remainder = 0
        self._drag_start_window: windowing.WindowLevel | None = None
        self._drawing: CaliperItem | None = None
        self._calipers: dict[tuple[Plane, int], list[CaliperItem]] = {}
        self._title = ""
        self._measurable = True
        self._reference_lines: dict[Plane, pg.InfiniteLine] = {}

        self._view_box.sig_wheel_turned.connect(self._on_view_box_wheel_turned)
        self._view_box.sig_left_dragged.connect(self._on_view_box_left_dragged)
        self._view_box.sig_left_clicked.connect(self._on_view_box_left_clicked)
        self._graphics.sigDeviceRangeChanged.connect(self._on_graphics_range_changed)

    # ---- Public API: data -----------------------------------------------------------------

    @property
    def volume(self) -> Volume | None:
        """The displayed volume, or ``None``."""
        return self._volume

    @property
    def plane_geometry(self) -> PlaneGeometry | None:
        """Geometry of the displayed plane, or ``None`` before :meth:`set_volume`."""
        return self._geometry

    @property
    def plane(self) -> Plane:
        """The displayed plane."""
        return self._geometry.plane if self._geometry is not None else Plane.AXIAL

    @property
    def slice_index(self) -> int:
        """0-based index of the displayed slice along the plane normal."""
        return self._slice_index

    @property
    def n_slices(self) -> int:
        """Number of slices along the plane normal (0 without a volume)."""
        return self._geometry.n_slices if self._geometry is not None else 0

    @property
    def image_item(self) -> pg.ImageItem:
        """The pyqtgraph image item (for tests and benchmarks)."""
        return self._image_item

    @property
    def view_box(self) -> pg.ViewBox:
        """The pyqtgraph view box; its coordinates are view mm."""
        return self._view_box

    @property
    def graphics_view(self) -> pg.GraphicsView:
        """The pyqtgraph graphics view (send mouse events to its ``viewport()``)."""
        return self._graphics

    def set_volume(
        self,
        volume: Volume,
        plane: Plane = Plane.AXIAL,
        slice_index: int | None = None,
        title: str | None = None,
        measurable: bool = True,
    ) -> None:
        """Show ``volume`` on ``plane``, at ``slice_index`` (default: the middle slice).

        ``title`` defaults to the series description (0008,103E) and is shown as plain text.
        ``measurable=False`` (a preview whose geometry is not known yet) turns measure-mode
        drags into window/level drags. Removes all calipers.
        """
        self.clear_calipers()
        self._measurable = measurable
        self._volume = volume
        self._title = volume.series_description if title is None else title
        self._show_plane(plane, slice_index)

    def set_plane(self, plane: Plane, slice_index: int | None = None) -> None:
        """Switch to ``plane`` (calipers of other planes are kept, hidden)."""
        if self._volume is None:
            return
        self._show_plane(plane, slice_index)

    def set_title(self, title: str) -> None:
        """Set the first overlay line (plain text)."""
        self._title = title
        self._update_overlay()

    # ---- Public API: slices and window ----------------------------------------------------

    def set_slice(self, index: int) -> None:
        """Show slice ``index`` (clamped to the valid range); emits ``sig_slice_changed``."""
        if self._geometry is None:
            return
        index = min(max(int(index), 0), self._geometry.n_slices - 1)
        if index == self._slice_index:
            return
        old = self._slice_index
        self._slice_index = index
        self._render_slice()
        self._set_calipers_visible(old, False)
        self._set_calipers_visible(index, True)
        self.sig_slice_changed.emit(index)

    def step_slices(self, delta: int) -> None:
        """Move ``delta`` slices (positive: higher index)."""
        self.set_slice(self._slice_index + delta)

    @property
    def window(self) -> windowing.WindowLevel:
        """Current display window (HU)."""
        return self._window

    def set_window(self, width: float, level: float, name: str = "") -> None:
        """Set the display window in HU; emits ``sig_window_changed`` if it changed."""
        new = windowing.WindowLevel(max(float(width), windowing.MIN_WIDTH_HU), float(level), name)
        if (new.width, new.level) == (self._window.width, self._window.level):
            if new.name != self._window.name:
                self._window = new
                self._update_overlay()
            return
        self._window = new
        if self._geometry is not None:
            self._image_item.setLevels(new.levels)
        self._update_overlay()
        self.sig_window_changed.emit(new.width, new.level)

    def apply_preset(self, number: int) -> None:
        """Apply window preset ``number`` (1-5, see :data:`viewer.windowing.PRESETS`)."""
        p = windowing.preset(number)
        self.set_window(p.width, p.level, p.name)

    # ---- Public API: interaction and calipers -----------------------------------------------

    @property
    def mode(self) -> InteractionMode:
        """What a plain left-drag does."""
        return self._mode

    def set_mode(self, mode: InteractionMode) -> None:
        """Choose what a plain left-drag does."""
        self._mode = mode
        self._view_box.left_drag_pans = mode is InteractionMode.PAN
        self._update_overlay()

    def add_caliper(
        self,
        start_px: PointPx,
        end_px: PointPx,
        bidirectional: bool = False,
    ) -> CaliperItem:
        """Add a caliper on the current slice between ``(col, row)`` pixel points."""
        if self._geometry is None:
            raise RuntimeError("ImageView.add_caliper: call set_volume() first")
        a = self._geometry.px_to_view_mm(start_px)
        b = self._geometry.px_to_view_mm(end_px)
        return self._add_caliper_mm(a, b, bidirectional)

    def calipers(self, all_slices: bool = False) -> list[CaliperItem]:
        """Calipers on the current plane and slice (or on every plane and slice)."""
        if all_slices:
            return [c for items in self._calipers.values() for c in items]
        return list(self._calipers.get((self.plane, self._slice_index), []))

    def remove_caliper(self, caliper: CaliperItem) -> None:
        """Remove one caliper from the view."""
        for items in self._calipers.values():
            if caliper in items:
                items.remove(caliper)
        self._view_box.removeItem(caliper)

    def clear_calipers(self) -> None:
        """Remove every caliper."""
        for caliper in self.calipers(all_slices=True):
            self._view_box.removeItem(caliper)
        self._calipers.clear()

    def show_reference_line(self, plane: Plane, slice_index: int) -> None:
        """Draw where ``plane`` at ``slice_index`` (shown in another view) cuts this plane."""
        if self._geometry is None:
            return
        where = self._geometry.reference_line(plane, slice_index)
        line = self._reference_lines.get(plane)
        if where is None:
            if line is not None:
                line.setVisible(False)
            return
        axis, value_px = where
        row_sp, col_sp = self._geometry.pixel_spacing_mm
        angle = 0 if axis == "row" else 90
        pos_mm = value_px * (row_sp if axis == "row" else col_sp)
        if line is None or line.angle != angle:
            if line is not None:
                self._view_box.removeItem(line)
            colour = REFERENCE_LINE_COLOURS[Plane(plane)]
            line = pg.InfiniteLine(angle=angle, movable=False, pen=pg.mkPen(colour, width=1))
            line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            line.setAcceptHoverEvents(False)
            line.setZValue(5)
            self._view_box.addItem(line, ignoreBounds=True)
            self._reference_lines[Plane(plane)] = line
        line.setValue(pos_mm)
        line.setVisible(True)

    def reference_line_positions_mm(self) -> dict[Plane, float]:
        """Visible reference lines: plane -> position in view mm (y if horizontal, else x)."""
        return {p: float(ln.value()) for p, ln in self._reference_lines.items() if ln.isVisible()}

    def overlay_text(self) -> dict[str, str]:
        """Overlay plain text by corner (``top_left``, ``top_right``, ``bottom_left``, ...)."""
        names = {
            Qt.Corner.TopLeftCorner: "top_left",
            Qt.Corner.TopRightCorner: "top_right",
            Qt.Corner.BottomLeftCorner: "bottom_left",
            Qt.Corner.BottomRightCorner: "bottom_right",
        }
        return {names[c]: o.text.text() for c, o in self._overlays.items()}

    def fit_view(self) -> None:
        """Zoom so that the whole plane fits the view."""
        if self._geometry is None:
            return
        rows, cols = self._geometry.image_shape
        row_sp, col_sp = self._geometry.pixel_spacing_mm
        rect = QRectF(-0.5 * col_sp, -0.5 * row_sp, cols * col_sp, rows * row_sp)
        self._view_box.setRange(rect, padding=0.0)

    # ---- Qt overrides -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        steps = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -PAGE_STEP_SLICES,
            Qt.Key.Key_PageDown: PAGE_STEP_SLICES,
        }
        if key in steps:
            self.step_slices(steps[key])
        elif key == Qt.Key.Key_Home:
            self.set_slice(0)
        elif key == Qt.Key.Key_End:
            self.set_slice(self.n_slices - 1)
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_1 + len(windowing.PRESETS) - 1:
            self.apply_preset(int(key) - int(Qt.Key.Key_1) + 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ---- Internals --------------------------------------------------------------------------

    def _show_plane(self, plane: Plane, slice_index: int | None) -> None:
        assert self._volume is not None
        old_key = (self.plane, self._slice_index)
        for c in self._calipers.get(old_key, []):
            c.setVisible(False)
        self._geometry = PlaneGeometry(self._volume, Plane(plane))
        n = self._geometry.n_slices
        index = n // 2 if slice_index is None else slice_index
        self._slice_index = min(max(int(index), 0), n - 1)
        row_sp, col_sp = self._geometry.pixel_spacing_mm
        self._image_item.setTransform(
            QTransform(col_sp, 0.0, 0.0, row_sp, -0.5 * col_sp, -0.5 * row_sp)
        )
        self._render_slice()
        self._set_calipers_visible(self._slice_index, True)
        self._update_edge_labels()
        self.fit_view()
        self.sig_slice_changed.emit(self._slice_index)

    def _render_slice(self) -> None:
        assert self._geometry is not None
        self._image_item.setImage(
            self._geometry.image(self._slice_index),
            autoLevels=False,
            levels=self._window.levels,
        )
        self._update_overlay()

    def _update_overlay(self) -> None:
        g = self._geometry
        o = self._overlays
        if g is None:
            for item in o.values():
                item.set_text("")
            return
        o[Qt.Corner.TopLeftCorner].set_text(f"{self._title}\n{g.plane.value.capitalize()}")
        pos_mm = g.slice_position_mm(self._slice_index)
        o[Qt.Corner.BottomLeftCorner].set_text(
            f"Im {self._slice_index + 1}/{g.n_slices}\nPos {pos_mm:.1f} mm"
        )
        wl = self._window
        name = f" ({wl.name})" if wl.name else ""
        o[Qt.Corner.BottomRightCorner].set_text(wl.describe() + name)
        mode = {
            InteractionMode.WINDOW_LEVEL: "",
            InteractionMode.MEASURE: "Measure: long axis",
            InteractionMode.MEASURE_BIDIRECTIONAL: "Measure: bidirectional",
            InteractionMode.PAN: "Pan",
        }[self._mode]
        o[Qt.Corner.TopRightCorner].set_text(mode)

    def _update_edge_labels(self) -> None:
        g = self._geometry
        if g is None:
            return
        left, top = g.edge_orientation()
        self._edge_labels["left"].setText(left)
        self._edge_labels["top"].setText(top)
        self._place_overlays()

    def _place_overlays(self) -> None:
        viewport = QRectF(self._graphics.viewport().rect())
        for item in self._overlays.values():
            item.place(viewport)
        left = self._edge_labels["left"]
        r = left.boundingRect()
        left.setPos(viewport.left() + 4, viewport.center().y() - r.height() / 2)
        top = self._edge_labels["top"]
        r = top.boundingRect()
        top.setPos(viewport.center().x() - r.width() / 2, viewport.top() + 2)

    def _set_calipers_visible(self, slice_index: int, visible: bool) -> None:
        for c in self._calipers.get((self.plane, slice_index), []):
            c.setVisible(visible)

    def _add_caliper_mm(self, a: PointMm, b: PointMm, bidirectional: bool) -> CaliperItem:
        assert self._geometry is not None
        cls = BidirectionalCaliperItem if bidirectional else CaliperItem
        caliper = cls(self._geometry, self._slice_index, a, b)
        self._view_box.addItem(caliper)
        self._calipers.setdefault((self.plane, self._slice_index), []).append(caliper)
        caliper.sig_measurement_finished.connect(self._on_caliper_measurement_finished)
        caliper.sig_measurement_changed.connect(self._on_caliper_measurement_changed)
        caliper.sigRemoveRequested.connect(self._on_caliper_remove_requested)
        return caliper

    def _on_caliper_measurement_finished(self, measurement: CaliperMeasurement) -> None:
        self.sig_measurement_finished.emit(measurement)

    def _on_caliper_remove_requested(self, caliper: CaliperItem) -> None:
        measurement = caliper.measurement()
        self.remove_caliper(caliper)
        self.sig_caliper_removed.emit(measurement)

    def _on_caliper_measurement_changed(self, measurement: CaliperMeasurement) -> None:
        self.sig_measurement_changed.emit(measurement)

    def _on_graphics_range_changed(self, _view: object, _rect: object) -> None:
        self._place_overlays()

    def _on_view_box_wheel_turned(self, delta: int) -> None:
        self._wheel_remainder += delta
        steps = int(self._wheel_remainder / WHEEL_UNITS_PER_SLICE)
        if steps:
            self._wheel_remainder -= steps * WHEEL_UNITS_PER_SLICE
            self.step_slices(-steps)

    def _on_view_box_left_clicked(self, x_mm: float, y_mm: float) -> None:
        if self._geometry is None:
            return
        px = self._geometry.view_mm_to_px((x_mm, y_mm))
        k, r, c = self._geometry.to_voxel_index(self._slice_index, px)
        self.sig_location_clicked.emit(k, r, c)

    def _on_view_box_left_dragged(self, drag: LeftDrag) -> None:
        if self._geometry is None:
            return
        measuring = self._mode in (
            InteractionMode.MEASURE,
            InteractionMode.MEASURE_BIDIRECTIONAL,
        )
        if drag.shift or not measuring or not self._measurable:
            self._window_drag(drag)
        else:
            self._measure_drag(drag)

    def _window_drag(self, drag: LeftDrag) -> None:
        if drag.phase is DragPhase.START or self._drag_start_window is None:
            self._drag_start_window = self._window
        dx = drag.pos_scene_px[0] - drag.start_scene_px[0]
        dy = drag.pos_scene_px[1] - drag.start_scene_px[1]
        new = windowing.dragged(self._drag_start_window, dx, dy)
        self.set_window(new.width, new.level)
        if drag.phase is DragPhase.FINISH:
            self._drag_start_window = None

    def _measure_drag(self, drag: LeftDrag) -> None:
        if drag.phase is DragPhase.START or self._drawing is None:
            bidirectional = self._mode is InteractionMode.MEASURE_BIDIRECTIONAL
            self._drawing = self._add_caliper_mm(drag.start_mm, drag.pos_mm, bidirectional)
            if drag.phase is DragPhase.START:
                return
        caliper = self._drawing
        finish = drag.phase is DragPhase.FINISH
        if finish:
            self._drawing = None
            if caliper.length_mm() < MIN_CALIPER_MM and _mm_dist(drag) < MIN_CALIPER_MM:
                self.remove_caliper(caliper)
                return
        caliper.set_end_points_mm(drag.start_mm, drag.pos_mm)
        if isinstance(caliper, BidirectionalCaliperItem):
            caliper.reset_short_axis()
        if finish:
            caliper.finish_edit()


def _mm_dist(drag: LeftDrag) -> float:
    return float(np.hypot(drag.pos_mm[0] - drag.start_mm[0], drag.pos_mm[1] - drag.start_mm[1]))


__all__ = ["DragPhase", "ImageView", "InteractionMode", "LeftDrag"]
