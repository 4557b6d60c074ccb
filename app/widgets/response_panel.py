"""The response of the read: the primary criteria in full, the secondary one in brief.

Shows what the engine derived (``app.response.ResponseSummary``) and never recomputes it: the
overall response at the current time point (big, coloured and spelled out), a compact table per
time point, best overall response, progression, ablation outcomes, conformance warnings and the
engine's reasons. A criteria whose read is not assessable yet shows its problems as a to-do
list, with field paths mapped back to lesion ids and dates where possible.

All text is plain text.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.document import Criteria, Study
from app.response import CriteriaResult, ResponseSummary
from recist.assess import Assessment, TimePointAssessment

__all__ = ["ResponsePanel", "RESPONSE_COLOURS", "criteria_title", "describe_problem"]

#: Background and text colour per response, from the Okabe-Ito colour-blind safe palette.
#: The response text is always shown too, so colour is never the only cue.
RESPONSE_COLOURS: dict[str, tuple[str, str]] = {
    "CR": ("#009E73", "#FFFFFF"),  # bluish green
    "PR": ("#009E73", "#FFFFFF"),
    "SD": ("#D9D9D9", "#1A1A1A"),  # neutral
    "non-CR/non-PD": ("#D9D9D9", "#1A1A1A"),
    "IR/SD": ("#D9D9D9", "#1A1A1A"),
    "PD": ("#D55E00", "#FFFFFF"),  # vermillion
    "NE": ("#8C8C8C", "#FFFFFF"),  # grey
}
_NEUTRAL = ("#EFEFEF", "#1A1A1A")

_CAUSE_TEXT = {
    "target": "target PD",
    "non_target": "non-target PD",
    "new_lesion": "new lesion",
    "local_tumor_progression": "local tumour progression",
}
_EFFICACY_TEXT = {
    "complete": "complete ablation",
    "incomplete": "incomplete ablation (residual tumour)",
    "not_assessed": "ablation not assessed",
}
_FIELD_TEXT = {
    "viable_mm": "viable diameter",
    "long_axis_mm": "long axis",
    "short_axis_mm": "short axis",
    "state": "state",
    "typical_hcc_pattern": "typical HCC pattern",
    "cytology": "cytology",
}
_LESION_PATH = re.compile(r"^timepoints\[(\d+)\]\.lesions\[(\d+)\](?:\.([\w.]+))?:\s*(.*)$")
_TIMEPOINT_PATH = re.compile(r"^timepoints\[(\d+)\](?:\.([\w.]+))?:\s*(.*)$")
_TABLE_COLUMNS = ("Date", "Sum mm", "vs BL", "vs nadir", "Target", "Non-target", "New",
                  "Overall")


def criteria_title(criteria: Criteria) -> str:
    """``"mRECIST"`` or ``"RECIST 1.1"``."""
    return "RECIST 1.1" if Criteria(criteria) is Criteria.RECIST11 else "mRECIST"


def describe_problem(problem: str, study: Study | None) -> str:
    """Make an engine problem readable: map its field path to a lesion id and date.

    ``"timepoints[2].lesions[4].state: is required ..."`` becomes
    ``"N1 at 2026-04-13 - state: is required ..."`` when ``study`` has that entry; problems
    that cannot be mapped are returned unchanged.
    """
    if study is None:
        return problem
    match = _LESION_PATH.match(problem)
    if match:
        i, j, field, message = int(match[1]), int(match[2]), match[3], match[4]
        if i < len(study.timepoints) and j < len(study.timepoints[i].measurements):
            tp = study.timepoints[i]
            who = f"{tp.measurements[j].lesion_id} at {tp.date.isoformat()}"
            what = _FIELD_TEXT.get(field or "", field or "")
            return f"{who} \u2013 {what}: {message}" if what else f"{who}: {message}"
        return problem
    match = _TIMEPOINT_PATH.match(problem)
    if match and int(match[1]) < len(study.timepoints):
        day = study.timepoints[int(match[1])].date.isoformat()
        field = match[2]
        return f"time point {day} \u2013 {field}: {match[3]}" if field else (
            f"time point {day}: {match[3]}"
        )
    return problem


def _pct(tenths: int | None) -> str:
    if tenths is None:
        return "\u2013"
    return f"{tenths / 10:+.1f} %"


def _sum(tenths: int | None) -> str:
    return "\u2013" if tenths is None else f"{tenths / 10:.1f}"


def _text(value: object) -> str:
    return "\u2013" if value is None else str(value)


def _plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _timepoint_at(assessment: Assessment, current: date | None) -> TimePointAssessment:
    for tp in assessment.timepoints:
        if tp.date == current:
            return tp
    return assessment.timepoints[-1]


class ResponsePanel(QWidget):
    """The read's response under its primary criteria, with the secondary criteria beside it.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary: ResponseSummary | None = None

        # Headline: the big overall response of the current time point.
        self.overall_label = QLabel("\u2013")
        self.overall_label.setTextFormat(Qt.TextFormat.PlainText)
        self.overall_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overall_label.setMinimumSize(96, 56)
        self.overall_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        big = QFont(self.font())
        big.setPointSizeF(self.font().pointSizeF() * 2.2)
        big.setBold(True)
        self.overall_label.setFont(big)
        self.title_label = _plain_label()
        title_font = QFont(self.font())
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.best_label = _plain_label()
        self.progression_label = _plain_label()
        self.ablation_label = _plain_label()
        headline_text = QVBoxLayout()
        headline_text.setSpacing(1)
        for label in (self.title_label, self.best_label, self.progression_label,
                      self.ablation_label):
            headline_text.addWidget(label)
        headline = QHBoxLayout()
        headline.addWidget(self.overall_label, 0, Qt.AlignmentFlag.AlignTop)
        headline.addLayout(headline_text, 1)

        # Per time point table.
        self.table = QTableWidget(0, len(_TABLE_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(_TABLE_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

        self.warnings_label = _plain_label()
        reasons_title = _plain_label("Why (current time point):")
        reasons_title.setFont(title_font)
        self.reasons_label = _plain_label()

        # Problems (not assessable): replaces headline, table and reasons.
        self.problems_title = _plain_label()
        self.problems_title.setFont(title_font)
        self.problems_title.setStyleSheet("color: #8a4b00;")
        self.problems_label = _plain_label()

        self._assessed = QWidget()
        assessed = QVBoxLayout(self._assessed)
        assessed.setContentsMargins(0, 0, 0, 0)
        assessed.setSpacing(4)
        assessed.addLayout(headline)
        assessed.addWidget(self.table)
        assessed.addWidget(self.warnings_label)
        assessed.addWidget(reasons_title)
        assessed.addWidget(self.reasons_label)
        self._problems = QWidget()
        problems = QVBoxLayout(self._problems)
        problems.setContentsMargins(0, 0, 0, 0)
        problems.addWidget(self.problems_title)
        problems.addWidget(self.problems_label)

        # Secondary criteria, in brief.
        self.secondary_box = QGroupBox("Secondary criteria (for comparison)")
        self.secondary_label = _plain_label()
        self.secondary_badge = QLabel("")
        self.secondary_badge.setTextFormat(Qt.TextFormat.PlainText)
        self.secondary_badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.secondary_badge.setMinimumWidth(44)
        self.secondary_badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.secondary_problems_label = _plain_label()
        secondary = QGridLayout(self.secondary_box)
        secondary.setContentsMargins(6, 4, 6, 4)
        secondary.addWidget(self.secondary_badge, 0, 0, Qt.AlignmentFlag.AlignTop)
        secondary.addWidget(self.secondary_label, 0, 1)
        secondary.addWidget(self.secondary_problems_label, 1, 0, 1, 2)
        secondary.setColumnStretch(1, 1)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self._assessed)
        layout.addWidget(self._problems)
        layout.addWidget(line)
        layout.addWidget(self.secondary_box)
        layout.addStretch(1)
        self._problems.hide()
        self._assessed.hide()

    # Public API

    def set_summary(
        self,
        summary: ResponseSummary,
        current: date | None,
        *,
        study: Study | None = None,
    ) -> None:
        """Show ``summary`` for the time point ``current`` (None: the last one).

        ``study`` (the read the summary was derived from) lets problems name lesion ids and
        dates instead of field paths.
        """
        self._summary = summary
        self._show_primary(summary.primary, current, study)
        self._show_secondary(summary.secondary, current, study)

    def overall_text(self) -> str:
        """The headline overall response (e.g. ``"PD"``), or ``""`` when not assessable."""
        return self.overall_label.text() if self._assessed.isVisibleTo(self) else ""

    # Internals

    def _show_primary(
        self, result: CriteriaResult, current: date | None, study: Study | None
    ) -> None:
        title = criteria_title(result.criteria)
        assessment = result.assessment
        if assessment is None:
            self._assessed.hide()
            self._problems.show()
            self.problems_title.setText(
                f"{title}: not assessable yet \u2013 to do ({len(result.problems)}):"
            )
            self.problems_label.setText(
                "\n".join(f"\u2022 {describe_problem(p, study)}" for p in result.problems)
                + "\n\nThe response is shown once these entries are complete."
            )
            return
        self._problems.hide()
        self._assessed.show()
        tp = _timepoint_at(assessment, current)
        overall = "baseline" if tp.is_baseline else _text(tp.overall)
        self._paint_badge(self.overall_label, None if tp.is_baseline else tp.overall)
        self.overall_label.setText("BL" if tp.is_baseline else overall)
        self.title_label.setText(f"{title} \u2013 overall at {tp.date.isoformat()}: {overall}")
        best = assessment.best
        self.best_label.setText(f"Best overall response: {best.response.value} ({best.reason})")
        progression = assessment.progression
        if progression is None:
            self.progression_label.setText("Progression: none")
        else:
            causes = ", ".join(_CAUSE_TEXT.get(c, c) for c in progression.causes)
            self.progression_label.setText(
                f"Progression: {progression.date.isoformat()} \u2013 {causes}"
            )
        ablation = []
        for outcome in assessment.ablation:
            efficacy = _EFFICACY_TEXT.get(outcome.technique_efficacy.value,
                                          outcome.technique_efficacy.value)
            ltp = (f"LTP {outcome.ltp_date.isoformat()}" if outcome.ltp_date else "no LTP")
            ablation.append(f"{outcome.lesion_id}: {efficacy}, {ltp}")
        self.ablation_label.setText("Ablation: " + "; ".join(ablation) if ablation else "")
        self.ablation_label.setVisible(bool(ablation))
        self._fill_table(assessment, tp.date)
        self.warnings_label.setStyleSheet(
            "color: #8a4b00;" if assessment.warnings else "color: #707070;"
        )
        if assessment.warnings:
            self.warnings_label.setText(
                "Conformance warnings:\n"
                + "\n".join(f"\u26a0 {w.message}" for w in assessment.warnings)
            )
        else:
            self.warnings_label.setText("Conformance: no warnings")
        self.reasons_label.setText("\n".join(f"\u2022 {r}" for r in tp.reasons))

    def _fill_table(self, assessment: Assessment, current: date) -> None:
        table = self.table
        table.clearContents()
        table.setRowCount(len(assessment.timepoints))
        for row, tp in enumerate(assessment.timepoints):
            if tp.is_baseline:
                cells = [tp.date.isoformat(), _sum(tp.sum_tenth_mm), "baseline", "", "", "",
                         "", ""]
            else:
                cells = [
                    tp.date.isoformat(),
                    _sum(tp.sum_tenth_mm),
                    _pct(tp.change_from_baseline_pct_tenths),
                    _pct(tp.change_from_nadir_pct_tenths),
                    _text(tp.target),
                    _text(tp.non_target),
                    "yes" if tp.new_lesions else "no",
                    _text(tp.overall),
                ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (1, 2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if tp.date == current:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if column == len(cells) - 1 and tp.overall is not None:
                    background, foreground = RESPONSE_COLOURS.get(tp.overall.value, _NEUTRAL)
                    item.setBackground(QBrush(QColor(background)))
                    item.setForeground(QBrush(QColor(foreground)))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if column == 6 and tp.new_lesions:
                    item.setForeground(QBrush(QColor("#B04000")))
                table.setItem(row, column, item)
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(height)

    def _show_secondary(
        self, result: CriteriaResult, current: date | None, study: Study | None
    ) -> None:
        title = criteria_title(result.criteria)
        assessment = result.assessment
        if assessment is None:
            self.secondary_badge.hide()
            self.secondary_label.setText(
                f"{title} (secondary): not assessable yet \u2013 to do:"
            )
            self.secondary_problems_label.setText(
                "\n".join(f"\u2022 {describe_problem(p, study)}" for p in result.problems)
            )
            self.secondary_problems_label.show()
            return
        tp = _timepoint_at(assessment, current)
        overall = "baseline" if tp.is_baseline else _text(tp.overall)
        self.secondary_badge.show()
        self._paint_badge(self.secondary_badge, None if tp.is_baseline else tp.overall)
        self.secondary_badge.setText("BL" if tp.is_baseline else overall)
        parts = [f"{title} (secondary): {overall} at {tp.date.isoformat()}",
                 f"best {assessment.best.response.value}"]
        if assessment.progression is not None:
            parts.append(f"progression {assessment.progression.date.isoformat()}")
        if not tp.is_baseline:
            parts.append(f"sum {_sum(tp.sum_tenth_mm)} mm, "
                         f"{_pct(tp.change_from_baseline_pct_tenths)} vs BL")
        self.secondary_label.setText(" \u00b7 ".join(parts))
        self.secondary_problems_label.setText("")
        self.secondary_problems_label.hide()

    @staticmethod
    def _paint_badge(label: QLabel, response: object) -> None:
        key = getattr(response, "value", None)
        background, foreground = RESPONSE_COLOURS.get(str(key), _NEUTRAL)
        label.setStyleSheet(
            f"background-color: {background}; color: {foreground}; border-radius: 4px;"
            " padding: 2px 8px;"
        )
