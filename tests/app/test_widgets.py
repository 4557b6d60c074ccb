"""Widget tests: lesion grid, response panel and lesion editor, offscreen (pytest-qt)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.document import (
    Lesion,
    Measurement,
    Role,
    Study,
    StudyDocument,
    TimePoint,
)
from app.edits import SetLesionState, SetMeasurement
from app.response import assess_study
from app.widgets import LesionEditor, LesionGridWidget, ResponsePanel
from app.widgets.lesion_editor import parse_mm
from app.widgets.response_panel import describe_problem

pytestmark = pytest.mark.gui

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/read-hcc-ablation.json"
BL, FU1, FU2, FU3 = (date(2026, 1, 5), date(2026, 2, 16), date(2026, 4, 13),
                     date(2026, 7, 13))


@pytest.fixture
def example() -> Study:
    return Study.from_read_json(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def small_study(organ: str = "liver") -> Study:
    """mRECIST: baseline T1, T2 (node), NT1; the follow-up has only T1 measured so far."""
    lesions = (
        Lesion("T1", Role.TARGET, organ, ablated=True),
        Lesion("T2", Role.TARGET, "lymph node", nodal=True),
        Lesion("NT1", Role.NON_TARGET, "liver"),
    )
    baseline = TimePoint(BL, measurements=(
        Measurement("T1", long_axis_mm=30.0, viable_mm=25.0),
        Measurement("T2", short_axis_mm=18.0),
        Measurement("NT1", state="present"),
    ))
    follow_up = TimePoint(FU1, measurements=(Measurement("T1", long_axis_mm=31.0,
                                                         viable_mm=10.0),))
    return Study("P-1", "mRECIST", date(2026, 1, 12), lesions=lesions,
                 timepoints=(baseline, follow_up))


def plain_texts(widget) -> str:
    """Every QLabel's text under ``widget``, checking they are all plain text."""
    texts = []
    for label in widget.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
        texts.append(label.text())
    return "\n".join(texts)


# Lesion grid


def test_grid_shows_cells_formatted_for_mrecist(qtbot, example):
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(example, FU3)
    assert grid.cell_text("T1", BL) == "31.5  LA 34.0"
    assert grid.cell_text("T1", FU3) == "9.0  LA 37.0"
    assert grid.cell_text("T3", FU1) == "16.0 SA"
    assert grid.cell_text("NT1", FU2) == "absent"
    assert grid.cell_text("N1", FU3) == "13.0  typical HCC"
    assert grid.cell_text("N1", BL) == ""
    assert grid.cell_status("N1", BL) == "unseen"
    assert grid.progress_label.text().startswith("5 of 5 lesions done at 2026-07-13")
    assert grid.todo_lesions() == []
    header = grid.table.horizontalHeaderItem(grid.table.columnCount() - 1).text()
    assert "2026-07-13" in header and "current" in header


def test_grid_uses_long_axis_under_recist11_and_states(qtbot, example):
    study = replace(example, criteria="RECIST1.1")
    study = replace(study, timepoints=study.timepoints[:3] + (
        replace(study.timepoints[3], measurements=(
            Measurement("T1", state="too_small"),
            Measurement("T2", long_axis_mm=24.0),
            Measurement("T3", short_axis_mm=9.0),
            Measurement("NT1", state="unequivocal_progression"),
            Measurement("N1", long_axis_mm=13.0, state="equivocal"),
        )),
    ))
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(study, FU3)
    assert grid.cell_text("T1", FU1) == "41.0"
    assert grid.cell_text("T1", FU3) == "too small (5 mm)"
    assert grid.cell_text("T3", FU3) == "9.0 SA"
    assert grid.cell_text("NT1", FU3) == "unequivocal PD"
    assert grid.cell_text("N1", FU3) == "13.0  equivocal"


def test_grid_highlights_cells_still_to_do_and_counts_them(qtbot):
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(small_study(), FU1)
    assert grid.progress_label.text() == "1 of 3 lesions done at 2026-02-16"
    assert grid.todo_lesions() == ["T2", "NT1"]
    assert "T2, NT1" in grid.todo_label.text()
    for lesion_id in ("T2", "NT1"):
        assert grid.cell_text(lesion_id, FU1) == "to do"
        assert grid.cell_status(lesion_id, FU1) == "todo"
        assert grid.cell_background(lesion_id, FU1) is not None
    assert grid.cell_status("T1", FU1) == "done"
    todo_colour = grid.cell_background("T2", FU1)
    assert grid.cell_background("T1", FU1) != todo_colour
    # Read at baseline instead: everything is done, the follow-up cells are not to do.
    grid.set_study(small_study(), BL)
    assert grid.progress_label.text().startswith("3 of 3 lesions done at 2026-01-05")
    assert grid.cell_status("T2", FU1) == "empty"


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen show()
def test_grid_click_and_enter_emit_lesion_and_date(qtbot, example):
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(example, FU3)
    grid.show()
    table = grid.table
    item = grid._item("T2", FU1)
    rect = table.visualItemRect(item)
    with qtbot.waitSignal(grid.sig_cell_activated, timeout=1000) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["T2", FU1]
    assert grid.selected() == ("T2", FU1)
    assert grid.select("NT1", FU2)
    with qtbot.waitSignal(grid.sig_cell_activated, timeout=1000) as blocker:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert blocker.args == ["NT1", FU2]
    # Arrow keys move between lesion cells and skip the group header rows.
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert grid.selected() == ("N1", FU2)
    assert not grid.select("T9", FU2)
    # Clicking a lesion id opens that lesion at the current time point.
    with qtbot.waitSignal(grid.sig_cell_activated, timeout=1000) as blocker:
        grid.table.verticalHeader().sectionClicked.emit(grid._rows["T3"])
    assert blocker.args == ["T3", FU3]
    assert grid.selected() == ("T3", FU3)


def test_grid_add_buttons_request_roles(qtbot, example):
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(example, FU3)
    assert not grid.add_buttons[Role.TARGET].isEnabled()  # targets are fixed at baseline
    with qtbot.waitSignal(grid.sig_add_lesion_requested, timeout=1000) as blocker:
        qtbot.mouseClick(grid.add_buttons[Role.NEW], Qt.MouseButton.LeftButton)
    assert blocker.args == ["new"]
    grid.set_study(example, BL)
    assert grid.add_buttons[Role.TARGET].isEnabled()
    assert not grid.add_buttons[Role.NEW].isEnabled()


def test_grid_shows_organ_text_literally(qtbot):
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(small_study(organ="<b>liver</b>"), FU1)
    row = grid._rows["T1"]
    assert grid.table.item(row, 0).text() == "<b>liver</b>, ablated"
    assert grid.table.verticalHeaderItem(row).text() == "T1"
    plain_texts(grid)


# Response panel


def test_response_panel_shows_example_response(qtbot, example):
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.set_summary(assess_study(example), FU3, study=example)
    assert panel.overall_text() == "PD"
    assert panel.overall_label.text() == "PD"
    texts = plain_texts(panel)
    assert "Best overall response: PR" in texts
    assert ("Progression: 2026-07-13 \u2013 target PD, new lesion, local tumour progression"
            in texts)
    assert "T1: complete ablation, LTP 2026-07-13" in texts
    assert "T2: complete ablation, no LTP" in texts
    assert "Conformance: no warnings" in texts
    assert "new intrahepatic lesion N1: 13.0 mm with typical HCC pattern" in texts
    # Per time point table: date, sum, % vs baseline and nadir, categories.
    table = panel.table
    assert table.rowCount() == 4
    last = [table.item(3, c).text() for c in range(table.columnCount())]
    assert last == ["2026-07-13", "23.0", "-69.5 %", "+64.3 %", "PD", "CR", "yes", "PD"]
    assert table.item(3, 0).font().bold()
    # The secondary criteria (RECIST 1.1) is not assessable: N1 has no state.
    assert "RECIST 1.1 (secondary): not assessable yet" in panel.secondary_label.text()
    problems = panel.secondary_problems_label.text()
    assert "N1 at 2026-04-13 \u2013 state: is required" in problems
    assert "timepoints[" not in problems


def test_response_panel_secondary_response_and_warnings(qtbot, example):
    # Give N1 a state: RECIST 1.1 becomes assessable.
    study = example
    for day in (FU2, FU3):
        entry = study.measurement("N1", day)
        study, _ = _apply(study, SetLesionState("N1", day, entry.state, "unequivocal"))
    study, _ = _apply(study, SetMeasurement("T1", BL, study.measurement("T1", BL),
                                            Measurement("T1", long_axis_mm=8.0,
                                                        viable_mm=8.0)))
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.set_summary(assess_study(study), FU2, study=study)
    assert panel.secondary_label.text().startswith("RECIST 1.1 (secondary): ")
    assert panel.secondary_problems_label.isHidden()
    assert "Conformance warnings:" in panel.warnings_label.text()
    assert "T1" in panel.warnings_label.text()
    assert panel.table.item(2, 0).font().bold()  # the current time point row


@pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen show()
def test_response_panel_lists_problems_instead_of_a_response(qtbot):
    study = small_study()
    # A measured mRECIST target without its viable diameter: not assessable.
    study, _ = _apply(study, SetMeasurement("T1", FU1, study.measurement("T1", FU1),
                                            Measurement("T1", long_axis_mm=31.0)))
    summary = assess_study(study)
    assert summary.primary.assessment is None
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_summary(summary, FU1, study=study)
    assert panel.overall_text() == ""
    assert panel.problems_title.isVisible()
    assert "mRECIST: not assessable yet" in panel.problems_title.text()
    assert "T1 at 2026-02-16 \u2013 viable diameter" in panel.problems_label.text()


def test_describe_problem_keeps_unknown_paths():
    study = small_study()
    assert describe_problem("start_date: required", study) == "start_date: required"
    assert describe_problem("timepoints[9].lesions[0].state: x", study) == (
        "timepoints[9].lesions[0].state: x"
    )
    assert describe_problem("timepoints[1].date: bad", study) == (
        "time point 2026-02-16 \u2013 date: bad"
    )


def test_response_panel_shows_patient_text_literally(qtbot):
    study = small_study(organ="<b>liver</b>")
    study, _ = _apply(study, SetMeasurement("T1", FU1, study.measurement("T1", FU1),
                                            Measurement("T1", long_axis_mm=31.0)))
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.set_summary(assess_study(small_study(organ="<b>liver</b>")), FU1, study=study)
    plain_texts(panel)
    for row in range(panel.table.rowCount()):
        assert panel.table.item(row, 0).text().startswith("2026-")


# Lesion editor


def _apply(study: Study, edit) -> tuple[Study, object]:
    document = StudyDocument(study)
    inverse = document.apply(edit)
    return document.study, inverse


def editor_on(qtbot, study: Study, lesion_id: str, day: date):
    document = StudyDocument(study)
    editor = LesionEditor()
    qtbot.addWidget(editor)
    editor.set_context(document, lesion_id, day)
    editor.sig_edit_requested.connect(document.apply)
    return document, editor


def test_editor_sets_state_of_a_todo_non_target(qtbot):
    document, editor = editor_on(qtbot, small_study(), "NT1", FU1)
    states = [editor.state_combo.itemData(i) for i in range(editor.state_combo.count())]
    assert states == [None, "present", "absent", "unequivocal_progression", "not_evaluated"]
    assert editor.value_label.text() == "Recorded: nothing yet"
    with qtbot.waitSignal(editor.sig_edit_requested, timeout=1000) as blocker:
        editor._on_state_combo_activated(states.index("absent"))
    assert isinstance(blocker.args[0], SetMeasurement)  # no entry yet: created
    assert document.study.measurement("NT1", FU1).state == "absent"
    # The editor followed the document.
    assert editor.state_combo.currentData() == "absent"
    assert editor.value_label.text() == "Recorded: absent"
    with qtbot.waitSignal(editor.sig_edit_requested, timeout=1000) as blocker:
        editor._on_state_combo_activated(states.index("present"))
    assert isinstance(blocker.args[0], SetLesionState)
    assert document.study.measurement("NT1", FU1).state == "present"


def test_editor_types_a_size_rounded_to_one_decimal(qtbot):
    document, editor = editor_on(qtbot, small_study(), "T2", FU1)
    assert not editor.size_edits["short_axis_mm"].isHidden()
    assert editor.size_edits["viable_mm"].isHidden()  # nodes: short axis only
    edit = editor.size_edits["short_axis_mm"]
    edit.setText("12.25")
    with qtbot.waitSignal(editor.sig_edit_requested, timeout=1000) as blocker:
        edit.editingFinished.emit()
    assert isinstance(blocker.args[0], SetMeasurement)
    assert document.study.measurement("T2", FU1).short_axis_mm == 12.3
    assert edit.text() == "12.3"
    # mRECIST non-nodal target: viable diameter and long axis.
    editor.set_context(document, "T1", FU1)
    assert not editor.size_edits["viable_mm"].isHidden()
    editor.size_edits["viable_mm"].setText("0")
    editor.size_edits["viable_mm"].editingFinished.emit()
    assert document.study.measurement("T1", FU1).viable_mm == 0.0
    assert document.study.measurement("T1", FU1).long_axis_mm == 31.0


def test_editor_rejects_negative_values_with_a_message(qtbot):
    document, editor = editor_on(qtbot, small_study(), "T1", FU1)
    before = document.study
    edit = editor.size_edits["viable_mm"]
    edit.setText("-3")
    with qtbot.assertNotEmitted(editor.sig_edit_requested):
        edit.editingFinished.emit()
    assert "must be 0 mm or more" in editor.message_label.text()
    edit.setText("abc")
    with qtbot.assertNotEmitted(editor.sig_edit_requested):
        edit.editingFinished.emit()
    assert "not a number" in editor.message_label.text()
    assert document.study is before


def test_editor_target_state_too_small(qtbot):
    document, editor = editor_on(qtbot, small_study(), "T1", FU1)
    states = [editor.state_combo.itemData(i) for i in range(editor.state_combo.count())]
    assert states == ["measured", "too_small", "absent", "not_evaluated"]
    with qtbot.waitSignal(editor.sig_edit_requested, timeout=1000) as blocker:
        editor._on_state_combo_activated(states.index("too_small"))
    assert isinstance(blocker.args[0], SetLesionState)
    assert document.study.measurement("T1", FU1).state == "too_small"
    assert not editor.size_edits["viable_mm"].isEnabled()


def test_editor_new_finding_hcc_pattern_and_effusion_cytology(qtbot):
    study = small_study()
    document = StudyDocument(study)
    document.apply(document.new_lesion_edit(Role.NEW, "liver", FU1))
    document.apply(document.new_lesion_edit(Role.NEW, "pleura", FU1, kind="effusion"))
    editor = LesionEditor()
    qtbot.addWidget(editor)
    editor.sig_edit_requested.connect(document.apply)
    editor.set_context(document, "N1", FU1)
    states = [editor.state_combo.itemData(i) for i in range(editor.state_combo.count())]
    assert states == [None, "equivocal", "unequivocal"]
    assert not editor.hcc_check.isHidden()
    with qtbot.waitSignal(editor.sig_edit_requested, timeout=1000):
        editor.hcc_check.click()
    assert document.study.measurement("N1", FU1).typical_hcc_pattern is True
    editor._on_state_combo_activated(states.index("unequivocal"))
    assert document.study.measurement("N1", FU1).state == "unequivocal"
    editor.size_edits["long_axis_mm"].setText("11")
    editor.size_edits["long_axis_mm"].editingFinished.emit()
    assert document.study.measurement("N1", FU1).long_axis_mm == 11.0

    editor.set_context(document, "N2", FU1)
    assert editor.hcc_check.isHidden()
    assert not editor.cytology_combo.isHidden()
    index = editor.cytology_combo.findData("positive")
    editor._on_cytology_combo_activated(index)
    assert document.study.measurement("N2", FU1).cytology == "positive"


def test_editor_unsubscribes_on_close(qtbot):
    document, editor = editor_on(qtbot, small_study(), "T1", FU1)
    assert len(document.changed) == 1
    editor.close()
    assert len(document.changed) == 0
    assert editor.context() == (None, None)


def test_editor_shows_lesion_text_literally(qtbot):
    document, editor = editor_on(qtbot, small_study(organ="<b>liver</b>"), "T1", FU1)
    assert "<b>liver</b>" in editor.subtitle_label.text()
    plain_texts(editor)


def test_parse_mm():
    assert parse_mm("") is None
    assert parse_mm(" 12,35 mm") == 12.4
    assert parse_mm("0") == 0.0
    assert parse_mm("9.85") == 9.9  # half up, as recist takes sizes
    with pytest.raises(ValueError):
        parse_mm("1e400")
    with pytest.raises(ValueError):
        parse_mm("-0.1")
    with pytest.raises(ValueError):
        parse_mm("nan")


def test_widgets_accept_empty_and_odd_input(qtbot):
    empty = Study("P-0", "RECIST1.1", date(2026, 1, 1))
    grid = LesionGridWidget()
    qtbot.addWidget(grid)
    grid.set_study(empty, None)
    assert grid.progress_label.text() == "No time point"
    assert not grid.add_buttons[Role.NON_TARGET].isEnabled()
    grid.set_study(small_study(), date(2030, 1, 1))  # unknown date: the last time point
    assert grid.current_date() == FU1
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.set_summary(assess_study(empty), None)  # no study: problems shown as given
    assert panel.problems_label.text()
    editor = LesionEditor()
    qtbot.addWidget(editor)
    editor.set_context(StudyDocument(small_study()), "T1", date(2030, 1, 1))
    assert not editor.state_combo.isEnabled()
    assert "no time point" in editor.value_label.text()
    editor.set_context(None, None, None)
    assert editor.title_label.text() == "No lesion selected"


def test_editor_forgets_a_removed_lesion(qtbot):
    document, editor = editor_on(qtbot, small_study(), "NT1", FU1)
    document.apply(document.remove_lesion_edit("NT1"))
    assert editor.context()[0] is None
    assert editor.title_label.text() == "No lesion selected"
