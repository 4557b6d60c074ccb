"""Editor of one lesion at one time point: state, sizes typed in mm, HCC pattern, cytology.

The editor never changes the document. Every change the reader makes becomes an edit built by
the document's own builders (``StudyDocument.set_measurement_edit`` / ``set_state_edit``) and
is emitted with :attr:`LesionEditor.sig_edit_requested`, so the main window pushes it on the
undo stack. The editor follows the document (``document.changed``) and updates its fields
inside signal blockers, so an undo never emits a new edit.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.document import (
    CYTOLOGY_VALUES,
    STATES_BY_ROLE,
    Criteria,
    DocumentChange,
    EditError,
    Lesion,
    Measurement,
    Role,
    StudyDocument,
)
from app.measuring import to_mm
from app.widgets.lesion_grid import ROLE_TITLES, format_entry, lesion_site_text

__all__ = ["LesionEditor", "parse_mm"]

_STATE_TEXT = {
    "measured": "measured",
    "too_small": "too small to measure (5 mm)",
    "absent": "absent",
    "not_evaluated": "not evaluated",
    "present": "present",
    "unequivocal_progression": "unequivocal progression",
    "equivocal": "equivocal",
    "unequivocal": "unequivocal",
}
_CYTOLOGY_TEXT = {"positive": "positive", "negative": "negative", "not_done": "not done"}
_UNSET = "\u2013 not set \u2013"
_SIZE_FIELDS = ("viable_mm", "long_axis_mm", "short_axis_mm")
_SIZE_LABELS = {
    "long_axis_mm": "Long axis (mm)",
    "short_axis_mm": "Short axis (mm)",
    "viable_mm": "Viable diameter (mm)",
}


def parse_mm(text: str) -> float | None:
    """Parse a size typed in mm: ``""`` is None (no value), else a number >= 0, one decimal.

    Rounds half up to 0.1 mm (contract policy 1). A comma is accepted as decimal separator.

    Raises
    ------
    ValueError
        Not a number, not finite, or negative; the message says so for the reader.
    """
    text = text.strip().replace(",", ".")
    if text.lower().endswith("mm"):
        text = text[:-2].strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number")
    if value < 0:
        raise ValueError(f"must be 0 mm or more, got {text}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is too large")
    return to_mm(number)  # 0.1 mm half up, as the engine takes every size


def _hint(lesion: Lesion, criteria: Criteria) -> str:
    """The rule that decides how this lesion counts, when the reader may not expect it."""
    if lesion.role is Role.NEW and lesion.kind == "effusion":
        return "Counts as progression from the first positive cytology."
    if lesion.role is Role.NEW and criteria is Criteria.MRECIST and lesion.is_intrahepatic:
        return ("mRECIST, intrahepatic: counts when >= 10 mm with the typical HCC pattern, or "
                "grown >= 10 mm since first seen; the state is not used.")
    if lesion.role is Role.TARGET and criteria is Criteria.MRECIST and not lesion.nodal:
        return "mRECIST: viable diameter = arterially enhancing tissue, 0 when none."
    return ""


def _form_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class LesionEditor(QWidget):
    """Edit the entry of one lesion at one time point (by emitting edits, never directly).

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    sig_edit_requested = Signal(object)
    """The reader changed a value: the edit (``app.edits``) to push on the undo stack."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document: StudyDocument | None = None
        self._lesion_id: str | None = None
        self._day: date | None = None

        self.title_label = QLabel("No lesion selected")
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(self.font())
        bold.setBold(True)
        bold.setPointSizeF(self.font().pointSizeF() * 1.15)
        self.title_label.setFont(bold)
        self.subtitle_label = QLabel("")
        self.subtitle_label.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle_label.setStyleSheet("color: #555555;")
        self.value_label = QLabel("")
        self.value_label.setTextFormat(Qt.TextFormat.PlainText)

        self.state_combo = QComboBox()
        self.state_combo.activated.connect(self._on_state_combo_activated)
        self.size_edits: dict[str, QLineEdit] = {}
        for name in _SIZE_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText("mm, e.g. 12.5")
            edit.setMaximumWidth(110)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.editingFinished.connect(lambda n=name: self._on_size_edit_finished(n))
            self.size_edits[name] = edit
        self.hcc_check = QCheckBox("typical HCC pattern (APHE + washout)")
        self.hcc_check.clicked.connect(self._on_hcc_check_clicked)
        self.cytology_combo = QComboBox()
        self.cytology_combo.addItem(_UNSET, None)
        for value in CYTOLOGY_VALUES:
            self.cytology_combo.addItem(_CYTOLOGY_TEXT.get(value, value), value)
        self.cytology_combo.activated.connect(self._on_cytology_combo_activated)

        self.hint_label = QLabel("")
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #555555;")

        self.message_label = QLabel("")
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #B04000;")

        self._form = QFormLayout()
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self._form.addRow(_form_label("State"), self.state_combo)
        for name in _SIZE_FIELDS:
            self._form.addRow(_form_label(_SIZE_LABELS[name]), self.size_edits[name])
        self._form.addRow(_form_label(""), self.hcc_check)
        self._form.addRow(_form_label("Cytology"), self.cytology_combo)

        head = QHBoxLayout()
        head.addWidget(self.title_label)
        head.addWidget(self.subtitle_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.value_label)
        layout.addLayout(self._form)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        self._refresh()

    # Public API

    def set_context(
        self, document: StudyDocument | None, lesion_id: str | None, day: date | None
    ) -> None:
        """Edit ``lesion_id`` at ``day`` of ``document`` (None: nothing to edit)."""
        if document is not self._document:
            if self._document is not None:
                self._document.changed.unsubscribe(self._on_document_changed)
            self._document = document
            if document is not None:
                document.changed.subscribe(self._on_document_changed)
        self._lesion_id = lesion_id
        self._day = day
        self.message_label.setText("")
        self._refresh()

    def context(self) -> tuple[str | None, date | None]:
        """The ``(lesion_id, date)`` being edited."""
        return self._lesion_id, self._day

    def detach(self) -> None:
        """Stop following the document (also done on close)."""
        self.set_context(None, None, None)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.detach()
        super().closeEvent(event)

    # Internals

    def _lesion(self) -> Lesion | None:
        if self._document is None or self._lesion_id is None:
            return None
        return self._document.study.lesion(self._lesion_id)

    def _entry(self) -> Measurement | None:
        if self._document is None or self._lesion_id is None or self._day is None:
            return None
        return self._document.study.measurement(self._lesion_id, self._day)

    def _size_fields(self, lesion: Lesion, criteria: Criteria) -> tuple[str, ...]:
        if lesion.role is Role.NON_TARGET:
            return ()
        if lesion.role is Role.NEW:
            if lesion.kind == "effusion":
                return ()
            return ("short_axis_mm",) if lesion.nodal else ("long_axis_mm",)
        if lesion.nodal:
            return ("short_axis_mm",)
        if criteria is Criteria.MRECIST:
            return ("viable_mm", "long_axis_mm")
        return ("long_axis_mm",)

    def _set_row_visible(self, field: QWidget, visible: bool) -> None:
        self._form.setRowVisible(field, visible)

    def _refresh(self) -> None:
        lesion = self._lesion()
        document = self._document
        day = self._day
        timepoint = None if document is None or day is None else document.study.timepoint(day)
        editable = lesion is not None and timepoint is not None
        for widget in (self.state_combo, self.hcc_check, self.cytology_combo,
                       *self.size_edits.values()):
            widget.setEnabled(editable)
        if lesion is None or document is None or day is None:
            self.hint_label.hide()
            self.title_label.setText("No lesion selected")
            self.subtitle_label.setText("")
            self.value_label.setText("Select a cell in the lesion grid.")
            for widget in (self.state_combo, self.hcc_check, self.cytology_combo,
                           *self.size_edits.values()):
                self._set_row_visible(widget, False)
            return
        study = document.study
        role_name = ROLE_TITLES[lesion.role][:-1].lower()
        self.title_label.setText(f"{lesion.lesion_id} at {day.isoformat()}")
        self.subtitle_label.setText(f"{role_name} \u00b7 {lesion_site_text(lesion)}")
        entry = self._entry()
        if timepoint is None:
            self.value_label.setText(f"There is no time point dated {day.isoformat()}.")
        elif entry is None:
            self.value_label.setText("Recorded: nothing yet")
        else:
            self.value_label.setText(
                f"Recorded: {format_entry(lesion, entry, study.criteria).full}"
            )

        with QSignalBlocker(self.state_combo):
            self.state_combo.clear()
            states = STATES_BY_ROLE[lesion.role]
            if lesion.role is not Role.TARGET:
                self.state_combo.addItem(_UNSET, None)
            for state in states:
                self.state_combo.addItem(_STATE_TEXT.get(state, state), state)
            current_state = None if entry is None else entry.state
            if lesion.role is Role.TARGET and current_state is None:
                current_state = "measured"
            index = self.state_combo.findData(current_state)
            self.state_combo.setCurrentIndex(max(index, 0))
        is_effusion = lesion.role is Role.NEW and lesion.kind == "effusion"
        self._set_row_visible(self.state_combo, not is_effusion)

        wanted = self._size_fields(lesion, study.criteria)
        measured = lesion.role is not Role.TARGET or current_state == "measured"
        for name, edit in self.size_edits.items():
            visible = name in wanted
            self._set_row_visible(edit, visible)
            edit.setEnabled(editable and measured)
            value = None if entry is None else getattr(entry, name)
            with QSignalBlocker(edit):
                edit.setText("" if value is None else f"{value:.1f}")

        with QSignalBlocker(self.hcc_check):
            self.hcc_check.setChecked(bool(entry is not None and entry.typical_hcc_pattern))
        self._set_row_visible(self.hcc_check, lesion.role is Role.NEW and not is_effusion)
        with QSignalBlocker(self.cytology_combo):
            cytology = None if entry is None else entry.cytology
            self.cytology_combo.setCurrentIndex(max(self.cytology_combo.findData(cytology), 0))
        self._set_row_visible(self.cytology_combo, is_effusion)
        self.hint_label.setText(_hint(lesion, study.criteria))
        self.hint_label.setVisible(bool(self.hint_label.text()))

    def _request(self, build: object) -> None:
        """Emit the edit returned by ``build()``; show its error instead if it fails."""
        try:
            edit = build()  # type: ignore[operator]
        except EditError as exc:
            self.message_label.setText(str(exc))
            return
        self.message_label.setText("")
        self.sig_edit_requested.emit(edit)

    # Handlers

    def _on_document_changed(self, change: DocumentChange) -> None:
        if self._lesion_id is not None and change.after.lesion(self._lesion_id) is None:
            self._lesion_id = None
        self._refresh()

    def _on_state_combo_activated(self, index: int) -> None:
        document, lesion_id, day = self._document, self._lesion_id, self._day
        if document is None or lesion_id is None or day is None:
            return
        state = self.state_combo.itemData(index)
        entry = self._entry()
        lesion = self._lesion()
        current = None if entry is None else entry.state
        if lesion is not None and lesion.role is Role.TARGET and state == "measured":
            if current in (None, "measured"):
                return
        elif state == current and entry is not None:
            return
        self._request(lambda: document.set_state_edit(lesion_id, day, state))

    def _on_size_edit_finished(self, name: str) -> None:
        document, lesion_id, day = self._document, self._lesion_id, self._day
        if document is None or lesion_id is None or day is None:
            return
        edit = self.size_edits[name]
        try:
            value = parse_mm(edit.text())
        except ValueError as exc:
            self.message_label.setText(f"{_SIZE_LABELS[name]}: {exc}")
            edit.setFocus()
            edit.selectAll()
            return
        entry = self._entry()
        if (None if entry is None else getattr(entry, name)) == value:
            self.message_label.setText("")
            with QSignalBlocker(edit):
                edit.setText("" if value is None else f"{value:.1f}")
            return
        self._request(lambda: document.set_measurement_edit(lesion_id, day, **{name: value}))

    def _on_hcc_check_clicked(self, checked: bool) -> None:
        document, lesion_id, day = self._document, self._lesion_id, self._day
        if document is None or lesion_id is None or day is None:
            return
        self._request(
            lambda: document.set_measurement_edit(lesion_id, day, typical_hcc_pattern=checked)
        )

    def _on_cytology_combo_activated(self, index: int) -> None:
        document, lesion_id, day = self._document, self._lesion_id, self._day
        if document is None or lesion_id is None or day is None:
            return
        value = self.cytology_combo.itemData(index)
        entry = self._entry()
        if entry is not None and entry.cytology == value:
            return
        self._request(lambda: document.set_measurement_edit(lesion_id, day, cytology=value))
