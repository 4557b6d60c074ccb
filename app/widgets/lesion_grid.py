"""The lesion x time point grid (ePAD's grid, LesionTracker's case progress).

Rows are the read's lesions grouped by role (targets, non-targets, new findings), columns the
time point dates (baseline first). Each cell shows what was recorded, formatted for the read's
criteria; cells still to do at the current time point are highlighted and counted in the
summary line ("3 of 5 lesions done at 2026-04-13"). Clicking a cell (or pressing Enter on it)
asks to open that lesion at that date; the widget never changes the document.

All lesion text (ids, organs) is shown as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.document import Criteria, Lesion, Measurement, Role, Study

__all__ = [
    "CellText",
    "LesionGridWidget",
    "ROLE_TITLES",
    "format_entry",
    "is_entry_complete",
    "lesion_site_text",
]

#: Item data role holding ``(lesion_id, date)`` of a lesion cell.
CELL_KEY_ROLE = Qt.ItemDataRole.UserRole + 1
#: Item data role holding the smaller second part of a cell's text (e.g. "LA 37.0").
SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 2
#: Item data role holding the main part of a cell's text when it has a second part.
PRIMARY_ROLE = Qt.ItemDataRole.UserRole + 4
#: Item data role holding the cell's status: "done", "todo", "missing", "empty", "unseen".
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3

ROLE_TITLES: dict[Role, str] = {
    Role.TARGET: "Targets",
    Role.NON_TARGET: "Non-targets",
    Role.NEW: "New findings",
}
_ROLE_ORDER = (Role.TARGET, Role.NON_TARGET, Role.NEW)
_FIXED_COLUMNS = ("Site",)
_SITE_MAX_WIDTH_PX = 120

# Colour-blind safe tints (Okabe-Ito hues, lightened); every state also has its own text.
_TODO_BACKGROUND = QColor("#FFD966")  # amber: still to do at the current time point
_MISSING_FOREGROUND = QColor("#B04000")  # dark vermillion: no entry at a past follow-up
_CURRENT_BACKGROUND = QColor("#E3EEF9")  # pale blue: the current time point's column
_GROUP_BACKGROUND = QColor("#ECECEC")
_SELECTED_BACKGROUND = QColor("#CCE0F5")
_SELECTED_FRAME = QColor("#0072B2")  # Okabe-Ito blue
_MUTED_FOREGROUND = QColor("#707070")

_TARGET_STATE_TEXT = {
    "too_small": "too small (5 mm)",
    "absent": "absent",
    "not_evaluated": "not evaluated",
}
_NON_TARGET_STATE_TEXT = {
    "present": "present",
    "absent": "absent",
    "unequivocal_progression": "unequivocal PD",
    "not_evaluated": "not evaluated",
}
_CYTOLOGY_TEXT = {"positive": "cytology +", "negative": "cytology -", "not_done": "no cytology"}


@dataclass(frozen=True)
class CellText:
    """A cell's text: the main value and a smaller second part (may be empty)."""

    primary: str
    secondary: str = ""

    @property
    def full(self) -> str:
        """Both parts in one line, e.g. ``"9.0  LA 37.0"``."""
        return f"{self.primary}  {self.secondary}" if self.secondary else self.primary


def _mm(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def lesion_site_text(lesion: Lesion) -> str:
    """Organ and flags of a lesion, e.g. ``"liver, ablated"`` or ``"lymph node, nodal"``."""
    flags = []
    if lesion.nodal:
        flags.append("nodal")
    if lesion.ablated:
        flags.append("ablated")
    if lesion.kind == "effusion":
        flags.append("effusion")
    return ", ".join([lesion.organ, *flags])


def is_entry_complete(lesion: Lesion, entry: Measurement | None, criteria: Criteria) -> bool:
    """True when ``entry`` records what the criteria need for ``lesion`` (case progress).

    A target needs a state other than measured, or its size (short axis for nodes; viable
    diameter under mRECIST, long axis under RECIST 1.1); a non-target needs a state; a new
    finding needs a size, a state or (effusion) a cytology result.
    """
    if entry is None:
        return False
    if lesion.role is Role.TARGET:
        if entry.state in _TARGET_STATE_TEXT:
            return True
        if lesion.nodal:
            return entry.short_axis_mm is not None
        if criteria is Criteria.MRECIST:
            return entry.viable_mm is not None
        return entry.long_axis_mm is not None
    if lesion.role is Role.NON_TARGET:
        return entry.state is not None
    return any(
        v is not None
        for v in (entry.long_axis_mm, entry.short_axis_mm, entry.state, entry.cytology)
    )


def format_entry(lesion: Lesion, entry: Measurement, criteria: Criteria) -> CellText:
    """What was recorded for ``lesion`` at one time point, for the read's criteria.

    Targets: mRECIST shows the viable diameter with the long axis as the second part;
    RECIST 1.1 the long axis; nodes their short axis ("SA") under both. Sizes in mm.
    """
    if lesion.role is Role.TARGET:
        if entry.state in _TARGET_STATE_TEXT:
            return CellText(_TARGET_STATE_TEXT[entry.state])
        if lesion.nodal:
            return CellText(f"{_mm(entry.short_axis_mm)} SA")
        if criteria is Criteria.MRECIST:
            secondary = "" if entry.long_axis_mm is None else f"LA {_mm(entry.long_axis_mm)}"
            viable = "viable ?" if entry.viable_mm is None else _mm(entry.viable_mm)
            return CellText(viable, secondary)
        return CellText(_mm(entry.long_axis_mm))
    if lesion.role is Role.NON_TARGET:
        if entry.state is None:
            return CellText("state ?")
        return CellText(_NON_TARGET_STATE_TEXT.get(entry.state, entry.state))
    # New finding: its size first, then what qualifies it.
    size = entry.short_axis_mm if lesion.nodal else entry.long_axis_mm
    parts = []
    if entry.state is not None:
        parts.append(entry.state)
    if entry.typical_hcc_pattern:
        parts.append("typical HCC")
    if lesion.kind == "effusion" and entry.cytology is not None:
        parts.append(_CYTOLOGY_TEXT.get(entry.cytology, entry.cytology))
    if size is None:
        return CellText(", ".join(parts) if parts else "seen")
    suffix = " SA" if lesion.nodal else ""
    return CellText(f"{_mm(size)}{suffix}", ", ".join(parts))


class _CellDelegate(QStyledItemDelegate):
    """Paints a cell's main text and, after it, its smaller grey second part.

    The current cell gets a dark blue frame instead of a solid selection fill, so its own
    colour (to do, current time point) stays visible.
    """

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if selected:
            opt.state = opt.state & ~QStyle.StateFlag.State_Selected
            if opt.backgroundBrush.style() == Qt.BrushStyle.NoBrush:
                opt.backgroundBrush = QBrush(_SELECTED_BACKGROUND)
        secondary = index.data(SECONDARY_ROLE)
        primary = str(index.data(PRIMARY_ROLE) or "")
        if secondary:
            opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painter.save()
        if secondary:
            rect = opt.rect.adjusted(5, 0, -3, 0)
            painter.setFont(opt.font)
            painter.setPen(opt.palette.text().color())
            flags = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            used = painter.boundingRect(rect, flags, primary)
            painter.drawText(rect, flags, primary)
            small = QFont(opt.font)
            small.setBold(False)
            small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.82))
            painter.setFont(small)
            painter.setPen(_MUTED_FOREGROUND)
            rest = QRect(used.right() + 6, rect.top(), rect.right() - used.right() - 6,
                         rect.height())
            painter.drawText(rest, flags, str(secondary))
        if selected:
            painter.setPen(QPen(_SELECTED_FRAME, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(opt.rect.adjusted(1, 1, -1, -1))
        painter.restore()


class _GridTable(QTableWidget):
    """The table: Enter/Return on a cell activates it like a click."""

    sig_cell_entered = Signal(int, int)
    """Enter or Return was pressed on cell (row, column)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.sig_cell_entered.emit(self.currentRow(), self.currentColumn())
            event.accept()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.currentItem():
            # Step over the group header rows ("Targets (3)"), which cannot be selected.
            step = -1 if key == Qt.Key.Key_Up else 1
            row = self.currentRow() + step
            while 0 <= row < self.rowCount() and not self._is_lesion_row(row):
                row += step
            if 0 <= row < self.rowCount():
                self.setCurrentCell(row, self.currentColumn())
            event.accept()
            return
        super().keyPressEvent(event)

    def _is_lesion_row(self, row: int) -> bool:
        item = self.item(row, 0)
        return item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsSelectable)


class LesionGridWidget(QWidget):
    """Lesion x time point grid with a case-progress line and add-lesion buttons.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    sig_cell_activated = Signal(str, object)
    """A lesion cell was clicked or Enter was pressed: (lesion id, time point date)."""

    sig_add_lesion_requested = Signal(str)
    """The reader asked to add a lesion of this role (``"target"``, ``"non_target"``, ``"new"``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._study: Study | None = None
        self._current: date | None = None
        self._rows: dict[str, int] = {}
        self._columns: dict[date, int] = {}
        self._todo: list[str] = []
        self._row_lesions: dict[int, str] = {}

        self.progress_label = QLabel("No read loaded")
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        bold = self.progress_label.font()
        bold.setBold(True)
        self.progress_label.setFont(bold)
        self.todo_label = QLabel("")
        self.todo_label.setTextFormat(Qt.TextFormat.PlainText)
        self.todo_label.setStyleSheet("color: #8a4b00;")

        self.table = _GridTable(self)
        self.table.setItemDelegate(_CellDelegate(self.table))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setTabKeyNavigation(False)
        # Lesion ids go in the vertical header, which stays put when the dates scroll.
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(24)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setHighlightSections(False)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        rows.sectionClicked.connect(self._on_row_header_clicked)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        self.table.sig_cell_entered.connect(self._on_table_cell_clicked)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)

        self.add_buttons: dict[Role, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for role, text in (
            (Role.TARGET, "+ Target"),
            (Role.NON_TARGET, "+ Non-target"),
            (Role.NEW, "+ New finding"),
        ):
            button = QPushButton(text)
            button.setToolTip(f"Add a {ROLE_TITLES[role].lower()[:-1]}")
            button.clicked.connect(lambda _=False, r=role: self._request_add(r))
            self.add_buttons[role] = button
            buttons.addWidget(button)
        buttons.addStretch(1)

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.progress_label)
        header.addWidget(self.todo_label, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # Public API

    def set_study(self, study: Study, current: date | None) -> None:
        """Show ``study``; ``current`` is the time point being read (None: the last one)."""
        keep = self.selected()
        self._study = study
        dates = [tp.date for tp in study.timepoints]
        self._current = current if current in dates else (dates[-1] if dates else None)
        self._rebuild()
        if keep is not None:
            self.select(*keep)
        self._update_buttons()

    def select(self, lesion_id: str, day: date) -> bool:
        """Make the cell of ``lesion_id`` at ``day`` the current one; False if there is none."""
        row = self._rows.get(lesion_id)
        column = self._columns.get(day)
        if row is None or column is None:
            return False
        self.table.setCurrentCell(row, column)
        self.table.scrollToItem(self.table.item(row, column))
        return True

    def selected(self) -> tuple[str, date] | None:
        """The ``(lesion_id, date)`` of the current cell, or None."""
        item = self.table.currentItem()
        key = None if item is None else item.data(CELL_KEY_ROLE)
        return None if key is None else (key[0], key[1])

    def current_date(self) -> date | None:
        """The time point being read (marked in the header)."""
        return self._current

    def todo_lesions(self) -> list[str]:
        """Ids of the lesions still to do at the current time point, in grid order."""
        return list(self._todo)

    def cell_text(self, lesion_id: str, day: date) -> str:
        """The plain text of one cell (for tests and accessibility)."""
        item = self._item(lesion_id, day)
        return "" if item is None else item.text()

    def cell_status(self, lesion_id: str, day: date) -> str | None:
        """``"done"``, ``"todo"``, ``"missing"``, ``"empty"`` or ``"unseen"`` for one cell."""
        item = self._item(lesion_id, day)
        return None if item is None else item.data(STATUS_ROLE)

    def cell_background(self, lesion_id: str, day: date) -> QColor | None:
        """The background colour of one cell, or None when it has none of its own."""
        item = self._item(lesion_id, day)
        if item is None:
            return None
        brush = item.background()
        return None if brush.style() == Qt.BrushStyle.NoBrush else brush.color()

    # Internals

    def _item(self, lesion_id: str, day: date) -> QTableWidgetItem | None:
        row = self._rows.get(lesion_id)
        column = self._columns.get(day)
        if row is None or column is None:
            return None
        return self.table.item(row, column)

    def _update_buttons(self) -> None:
        study = self._study
        at_baseline = study is not None and bool(study.timepoints) and (
            self._current == study.timepoints[0].date
        )
        has_read = study is not None and bool(study.timepoints)
        self.add_buttons[Role.TARGET].setEnabled(has_read and at_baseline)
        self.add_buttons[Role.NON_TARGET].setEnabled(has_read)
        self.add_buttons[Role.NEW].setEnabled(has_read and not at_baseline)

    def _request_add(self, role: Role) -> None:
        self.sig_add_lesion_requested.emit(role.value)

    def _rebuild(self) -> None:
        study = self._study
        assert study is not None
        table = self.table
        table.clear()
        self._rows.clear()
        self._columns.clear()
        self._todo = []
        dates = [tp.date for tp in study.timepoints]
        n_fixed = len(_FIXED_COLUMNS)
        table.setColumnCount(n_fixed + len(dates))
        headers = list(_FIXED_COLUMNS)
        for i, day in enumerate(dates):
            label = "baseline" if i == 0 else f"FU {i}"
            if day == self._current:
                label += "  \u25c0 current"
            headers.append(f"{day.isoformat()}\n{label}")
            self._columns[day] = n_fixed + i
        table.setHorizontalHeaderLabels(headers)
        if self._current in self._columns:
            head = table.horizontalHeaderItem(self._columns[self._current])
            font = head.font()
            font.setBold(True)
            head.setFont(font)

        first_seen: dict[str, date] = {}
        for tp in study.timepoints:
            for m in tp.measurements:
                first_seen.setdefault(m.lesion_id, tp.date)

        groups = [
            (role, [les for les in study.lesions if les.role is role]) for role in _ROLE_ORDER
        ]
        n_rows = sum(1 + len(lesions) for _, lesions in groups if lesions)
        table.setRowCount(n_rows)
        self._row_lesions = {}
        row = 0
        expected = done = 0
        for role, lesions in groups:
            if not lesions:
                continue
            self._add_group_row(row, f"{ROLE_TITLES[role]} ({len(lesions)})")
            row += 1
            for lesion in lesions:
                self._rows[lesion.lesion_id] = row
                self._add_lesion_row(row, lesion, study, first_seen.get(lesion.lesion_id))
                if self._current is not None:
                    seen = first_seen.get(lesion.lesion_id)
                    if seen is not None and seen <= self._current:
                        expected += 1
                        entry = study.measurement(lesion.lesion_id, self._current)
                        if is_entry_complete(lesion, entry, study.criteria):
                            done += 1
                        else:
                            self._todo.append(lesion.lesion_id)
                row += 1

        if self._current is None:
            self.progress_label.setText("No time point")
        else:
            mark = "  \u2713 all done" if expected and done == expected else ""
            self.progress_label.setText(
                f"{done} of {expected} lesions done at {self._current.isoformat()}{mark}"
            )
        self.todo_label.setText("to do: " + ", ".join(self._todo) if self._todo else "")
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # The site column is context, the dates are the work: keep it narrow (elided).
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        table.resizeColumnToContents(0)
        table.setColumnWidth(0, min(table.columnWidth(0), _SITE_MAX_WIDTH_PX))

    def _add_group_row(self, row: int, title: str) -> None:
        item = QTableWidgetItem(title)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        item.setBackground(QBrush(_GROUP_BACKGROUND))
        item.setForeground(QBrush(QColor("#303030")))
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, self.table.columnCount())
        self.table.setVerticalHeaderItem(row, QTableWidgetItem(""))

    def _add_lesion_row(
        self, row: int, lesion: Lesion, study: Study, first_seen: date | None
    ) -> None:
        enabled = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        id_item = QTableWidgetItem(lesion.lesion_id)
        font = id_item.font()
        font.setBold(True)
        id_item.setFont(font)
        self.table.setVerticalHeaderItem(row, id_item)
        self._row_lesions[row] = lesion.lesion_id
        site_item = QTableWidgetItem(lesion_site_text(lesion))
        site_item.setFlags(enabled)
        site_item.setData(CELL_KEY_ROLE, None)
        site_item.setForeground(QBrush(_MUTED_FOREGROUND))
        self.table.setItem(row, 0, site_item)
        for tp in study.timepoints:
            item = self._lesion_cell(lesion, tp.date, tp.measurement(lesion.lesion_id),
                                     study.criteria, first_seen)
            item.setFlags(enabled)
            item.setData(CELL_KEY_ROLE, (lesion.lesion_id, tp.date))
            self.table.setItem(row, self._columns[tp.date], item)

    def _lesion_cell(
        self,
        lesion: Lesion,
        day: date,
        entry: Measurement | None,
        criteria: Criteria,
        first_seen: date | None,
    ) -> QTableWidgetItem:
        is_current = day == self._current
        unseen = first_seen is None or day < first_seen
        if entry is None:
            if unseen:
                text, status = CellText(""), "unseen"
            elif is_current:
                text, status = CellText("to do"), "todo"
            elif self._current is not None and day > self._current:
                text, status = CellText(""), "empty"
            else:
                text, status = CellText("missing"), "missing"
        else:
            text = format_entry(lesion, entry, criteria)
            complete = is_entry_complete(lesion, entry, criteria)
            status = "done" if complete else ("todo" if is_current else "missing")
            if not complete and is_current:
                text = CellText(f"to do: {text.primary}", text.secondary)
        item = QTableWidgetItem(text.full)
        item.setData(STATUS_ROLE, status)
        if text.secondary:
            item.setData(SECONDARY_ROLE, text.secondary)
            item.setData(PRIMARY_ROLE, text.primary)
        if status == "todo":
            item.setBackground(QBrush(_TODO_BACKGROUND))
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            item.setToolTip("Still to do at the current time point")
        elif status == "missing":
            item.setForeground(QBrush(_MISSING_FOREGROUND))
            item.setToolTip("No complete entry at this time point")
        elif is_current:
            item.setBackground(QBrush(_CURRENT_BACKGROUND))
        return item

    # Handlers

    def _on_table_cell_clicked(self, row: int, column: int) -> None:
        item = self.table.item(row, column)
        if item is None:
            return
        key = item.data(CELL_KEY_ROLE)
        if key is None:
            # The site column: open the lesion at the current time point.
            self._on_row_header_clicked(row)
            return
        self.sig_cell_activated.emit(key[0], key[1])

    def _on_row_header_clicked(self, row: int) -> None:
        lesion_id = self._row_lesions.get(row)
        if lesion_id is None or self._current is None:
            return
        self.select(lesion_id, self._current)
        self.sig_cell_activated.emit(lesion_id, self._current)

    def _on_table_context_menu(self, pos: object) -> None:
        menu = QMenu(self)
        for role, button in self.add_buttons.items():
            action = menu.addAction(button.text().replace("+ ", "Add "))
            action.setEnabled(button.isEnabled())
            action.triggered.connect(lambda _=False, r=role: self._request_add(r))
        menu.exec(self.table.viewport().mapToGlobal(pos))  # type: ignore[arg-type]
