"""Graphics items: lesion calipers and corner text for :class:`~viewer.image_view.ImageView`.

Items live in a pyqtgraph ViewBox whose coordinates are plane *view millimetres*
(:mod:`viewer.geometry`: ``x_mm = col * col_spacing``, ``y_mm = row * row_spacing``), so a
right angle on screen is a right angle in the patient. Lengths come from
:meth:`PlaneGeometry.length_mm` (patient space), which is right for anisotropic pixels,
reformatted planes and oblique series.

Signals fire ``sig_measurement_finished`` **only** when the user releases the mouse (pyqtgraph
``sigRegionChangeFinished``); live feedback during a drag is the label and
``sig_measurement_changed``.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem

from viewer.geometry import (
    CaliperMeasurement,
    PlaneGeometry,
    PointMm,
    PointPx,
    ShortAxisParams,
    constrain_short_axis,
    default_short_axis,
    short_axis_points,
)

LONG_AXIS_COLOUR = (255, 214, 0)
SHORT_AXIS_COLOUR = (0, 220, 255)
HANDLE_SIZE_PX = 7
LABEL_FILL = (0, 0, 0, 170)
OVERLAY_MARGIN_PX = 6
LABEL_ANCHOR = (-0.12, 1.2)
"""Label placement relative to the end point, in label sizes: right of and above the handle."""


def _make_label(parent: pg.GraphicsObject, colour: tuple[int, int, int]) -> pg.TextItem:
    """A plain-text length label that stays upright and unscaled in a zoomed ViewBox."""
    label = pg.TextItem(text="", color=colour, fill=pg.mkBrush(LABEL_FILL), anchor=LABEL_ANCHOR)
    label.setParentItem(parent)
    label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    label.setAcceptHoverEvents(False)
    label.setZValue(20)
    return label


class CaliperItem(pg.LineSegmentROI):
    """A long-axis caliper: a line with two free handles and a live mm label.

    Parameters
    ----------
    geometry
        The plane the caliper is drawn on (maps view mm to pixels and patient mm).
    slice_index
        Index of the plane along its normal.
    start_mm, end_mm
        End points in view mm ``(x_mm, y_mm)`` (the parent ViewBox's coordinates).
    """

    sig_measurement_finished = Signal(object)
    """Emitted once when the user releases a handle or the line: a :class:`CaliperMeasurement`."""

    sig_measurement_changed = Signal(object)
    """Emitted during a drag (live preview): a :class:`CaliperMeasurement`."""

    # pyqtgraph's right-click menu "Remove ROI" (removable=True) emits sigRemoveRequested(self).

    def __init__(
        self,
        geometry: PlaneGeometry,
        slice_index: int,
        start_mm: PointMm,
        end_mm: PointMm,
        colour: tuple[int, int, int] = LONG_AXIS_COLOUR,
    ) -> None:
        pen = pg.mkPen(colour, width=2)
        hover = pg.mkPen((255, 255, 255), width=2)
        super().__init__(positions=(), pen=pen, hoverPen=hover, handlePen=pen, removable=True)
        self.handleSize = HANDLE_SIZE_PX
        self.addFreeHandle(start_mm)
        self.addFreeHandle(end_mm)
        self._geometry = geometry
        self._slice_index = int(slice_index)
        self._label = _make_label(self, colour)
        self.setZValue(10)
        self.sigRegionChanged.connect(self._on_self_region_changed)
        self.sigRegionChangeFinished.connect(self._on_self_region_change_finished)
        self._update_label()

    # ---- Public API ---------------------------------------------------------------------

    @property
    def plane_geometry(self) -> PlaneGeometry:
        """The plane this caliper measures on."""
        return self._geometry

    @property
    def slice_index(self) -> int:
        """Index of the plane the caliper was drawn on."""
        return self._slice_index

    def end_points_mm(self) -> tuple[PointMm, PointMm]:
        """Long-axis end points in view mm ``(x_mm, y_mm)``."""
        a, b = (self.mapToParent(h.pos()) for h in self.getHandles()[:2])
        return (a.x(), a.y()), (b.x(), b.y())

    def end_points_px(self) -> tuple[PointPx, PointPx]:
        """Long-axis end points in image ``(col, row)`` pixels."""
        a, b = self.end_points_mm()
        return self._geometry.view_mm_to_px(a), self._geometry.view_mm_to_px(b)

    def length_mm(self) -> float:
        """Current long-axis length in mm (patient space)."""
        a, b = self.end_points_px()
        return self._geometry.length_mm(self._slice_index, a, b)

    def measurement(self) -> CaliperMeasurement:
        """The current state as an immutable, Qt-free measurement."""
        a, b = self.end_points_px()
        return self._geometry.measurement(self._slice_index, a, b)

    def set_end_points_mm(self, start_mm: PointMm, end_mm: PointMm, finish: bool = False) -> None:
        """Move the long-axis ends (view mm). ``finish=True`` emits the finished signal."""
        h0, h1 = self.getHandles()[:2]
        self.movePoint(h0, QPointF(*start_mm), finish=False)
        self.movePoint(h1, QPointF(*end_mm), finish=finish)

    def finish_edit(self) -> None:
        """Emit ``sig_measurement_finished`` for the current state (end of a user edit)."""
        self.stateChangeFinished()

    def label_text(self) -> str:
        """The label's plain text, e.g. ``"36.0 mm"``."""
        return str(self._label.toPlainText())

    # ---- Internals ----------------------------------------------------------------------

    def _label_string(self) -> str:
        return f"{self.length_mm():.1f} mm"

    def _update_label(self) -> None:
        a, b = (h.pos() for h in self.getHandles()[:2])
        anchor = a if (a.x(), -a.y()) > (b.x(), -b.y()) else b
        self._label.setPlainText(self._label_string())
        self._label.setPos(anchor)

    def _on_self_region_changed(self, _roi: object) -> None:
        self._update_label()
        self.sig_measurement_changed.emit(self.measurement())

    def _on_self_region_change_finished(self, _roi: object) -> None:
        self.sig_measurement_finished.emit(self.measurement())


class _ShortAxisROI(pg.LineSegmentROI):
    """The short axis of a bidirectional caliper; handle moves are routed to ``on_drag``.

    ``on_drag(handle_index, wanted_pos_parent)`` decides where both handles go, so the axis
    stays perpendicular to the long axis however the user drags.
    """

    def __init__(
        self,
        parent: pg.GraphicsObject,
        p1: PointMm,
        p2: PointMm,
        on_drag: Callable[[int, PointMm], None],
    ) -> None:
        pen = pg.mkPen(SHORT_AXIS_COLOUR, width=2)
        hover = pg.mkPen((255, 255, 255), width=2)
        super().__init__(positions=(), pen=pen, hoverPen=hover, handlePen=pen, movable=False)
        self.handleSize = HANDLE_SIZE_PX
        self.setParentItem(parent)
        self.addFreeHandle(p1)
        self.addFreeHandle(p2)
        self._on_drag = on_drag

    def movePoint(  # noqa: N802 - pyqtgraph virtual
        self,
        handle: object,
        pos: object,
        modifiers: object = None,
        finish: bool = True,
        coords: str = "parent",
    ) -> None:
        p = pg.Point(pos)
        if coords == "scene":
            p = self.mapSceneToParent(p)
        self._on_drag(self.indexOfHandle(handle), (p.x(), p.y()))
        if finish:
            self.stateChangeFinished()

    def place(self, p1: PointMm, p2: PointMm) -> None:
        """Put both ends at ``p1``/``p2`` (parent coordinates) without a finished signal."""
        h0, h1 = self.getHandles()[:2]
        pg.LineSegmentROI.movePoint(self, h0, QPointF(*p1), finish=False)
        pg.LineSegmentROI.movePoint(self, h1, QPointF(*p2), finish=False)

    def end_points(self) -> tuple[PointMm, PointMm]:
        """End points in parent coordinates."""
        a, b = (self.mapToParent(h.pos()) for h in self.getHandles()[:2])
        return (a.x(), a.y()), (b.x(), b.y())


class BidirectionalCaliperItem(CaliperItem):
    """Long axis plus a short axis that always stays perpendicular to it.

    Dragging a short-axis handle slides the crossing point along the long axis and changes
    that end's distance; moving the long axis carries the short axis with it (same crossing
    fraction and distances). Releases on either axis emit ``sig_measurement_finished``.
    """

    def __init__(
        self,
        geometry: PlaneGeometry,
        slice_index: int,
        start_mm: PointMm,
        end_mm: PointMm,
        short_axis: ShortAxisParams | None = None,
    ) -> None:
        self._short: _ShortAxisROI | None = None
        super().__init__(geometry, slice_index, start_mm, end_mm)
        a, b = self._long_local()
        self._params = short_axis if short_axis is not None else default_short_axis(a, b)
        p1, p2 = short_axis_points(a, b, self._params)
        self._short = _ShortAxisROI(self, p1, p2, self._on_short_handle_dragged)
        self._short.sigRegionChangeFinished.connect(self._on_short_region_change_finished)
        self._update_label()

    # ---- Public API ---------------------------------------------------------------------

    @property
    def short_axis_params(self) -> ShortAxisParams:
        """Short axis relative to the long axis (crossing fraction and offsets in mm)."""
        return self._params

    def short_axis_end_points_mm(self) -> tuple[PointMm, PointMm]:
        """Short-axis end points in view mm."""
        assert self._short is not None
        out = []
        for x, y in self._short.end_points():
            p = self.mapToParent(QPointF(x, y))
            out.append((p.x(), p.y()))
        return out[0], out[1]

    def short_axis_end_points_px(self) -> tuple[PointPx, PointPx]:
        """Short-axis end points in image ``(col, row)`` pixels."""
        a, b = self.short_axis_end_points_mm()
        return self._geometry.view_mm_to_px(a), self._geometry.view_mm_to_px(b)

    def short_axis_mm(self) -> float:
        """Current short-axis length in mm (patient space)."""
        a, b = self.short_axis_end_points_px()
        return self._geometry.length_mm(self._slice_index, a, b)

    def short_axis_handles(self) -> list[pg.graphicsItems.ROI.Handle]:
        """The two short-axis handles (for tests and keyboard nudging)."""
        assert self._short is not None
        return list(self._short.getHandles())

    def move_short_axis_end(self, end: int, wanted_mm: PointMm, finish: bool = False) -> None:
        """Drag short-axis end ``end`` (1 or 2) towards ``wanted_mm`` (view mm), constrained."""
        local = self.mapFromParent(QPointF(*wanted_mm))
        self._on_short_handle_dragged(end - 1, (local.x(), local.y()))
        if finish:
            self._on_short_region_change_finished(None)

    def reset_short_axis(self) -> None:
        """Put the short axis back to its default: centred, half the long-axis length."""
        assert self._short is not None
        a, b = self._long_local()
        self._params = default_short_axis(a, b)
        self._short.place(*short_axis_points(a, b, self._params))
        self._update_label()

    def measurement(self) -> CaliperMeasurement:
        """Long and short axis as an immutable, Qt-free measurement."""
        a, b = self.end_points_px()
        if self._short is None:
            return self._geometry.measurement(self._slice_index, a, b)
        short = self.short_axis_end_points_px()
        return self._geometry.measurement(self._slice_index, a, b, short)

    # ---- Internals ----------------------------------------------------------------------

    def _long_local(self) -> tuple[PointMm, PointMm]:
        a, b = (h.pos() for h in self.getHandles()[:2])
        return (a.x(), a.y()), (b.x(), b.y())

    def _label_string(self) -> str:
        if self._short is None:
            return super()._label_string()
        return f"{self.length_mm():.1f} x {self.short_axis_mm():.1f} mm"

    def _on_self_region_changed(self, _roi: object) -> None:
        if self._short is not None:
            a, b = self._long_local()
            self._short.place(*short_axis_points(a, b, self._params))
        super()._on_self_region_changed(_roi)

    def _on_short_handle_dragged(self, index: int, wanted: PointMm) -> None:
        assert self._short is not None
        a, b = self._long_local()
        self._params = constrain_short_axis(a, b, self._params, index + 1, wanted)
        self._short.place(*short_axis_points(a, b, self._params))
        self._update_label()
        self.sig_measurement_changed.emit(self.measurement())

    def _on_short_region_change_finished(self, _roi: object) -> None:
        self.sig_measurement_finished.emit(self.measurement())


class OverlayText:
    """Plain text (never rich text) on a translucent box, fixed to a corner of a viewport.

    Lives in scene coordinates of a ``pg.GraphicsView`` (= viewport pixels), so it is not
    scaled by zooming; call :meth:`place` when the viewport size changes.
    """

    def __init__(self, scene: QGraphicsScene, corner: Qt.Corner, point_size: int = 10) -> None:
        self.corner = corner
        self.box = QGraphicsRectItem()
        self.box.setPen(QPen(Qt.PenStyle.NoPen))
        self.box.setBrush(QBrush(QColor(0, 0, 0, 140)))
        self.box.setZValue(1000)
        self.text = QGraphicsSimpleTextItem(self.box)
        font = QFont()
        font.setPointSize(point_size)
        self.text.setFont(font)
        self.text.setBrush(QBrush(QColor(235, 235, 235)))
        self.text.setPos(4, 2)
        scene.addItem(self.box)
        self._viewport = QRectF(0, 0, 1, 1)

    def set_text(self, text: str) -> None:
        """Show ``text`` (lines separated by ``\\n``); empty hides the box."""
        if text == self.text.text():
            return
        self.text.setText(text)
        rect = self.text.boundingRect()
        self.box.setRect(0, 0, rect.width() + 8, rect.height() + 4)
        self.box.setVisible(bool(text))
        self.place(self._viewport)

    def place(self, viewport: QRectF) -> None:
        """Move the box into its corner of ``viewport`` (scene pixels)."""
        self._viewport = QRectF(viewport)
        r = self.box.rect()
        m = OVERLAY_MARGIN_PX
        left = self.corner in (Qt.Corner.TopLeftCorner, Qt.Corner.BottomLeftCorner)
        top = self.corner in (Qt.Corner.TopLeftCorner, Qt.Corner.TopRightCorner)
        x = viewport.left() + m if left else viewport.right() - r.width() - m
        y = viewport.top() + m if top else viewport.bottom() - r.height() - m
        self.box.setPos(x, y)
