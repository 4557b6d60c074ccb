"""End to end on the built-in demo: open the patient, measure with the caliper, mark a
non-target, add a new finding, see the responses, undo and redo, close, reopen, same state."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app.demo import Demo, prepare_demo  # noqa: E402
from app.main_window import MainWindow  # noqa: E402
from app.storage import Database, StudyRepository  # noqa: E402
from viewer.items import CaliperItem  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return prepare_demo(tmp_path_factory.mktemp("userdata"))


@pytest.fixture()
def database(demo: Demo, tmp_path: Path) -> Path:
    path = tmp_path / "read.sqlite3"
    shutil.copy(demo.database_path, path)
    return path


def truth(demo: Demo, time_point: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (demo.image_root / "DEMO-HCC-01" / time_point / "truth.json").read_text())
    return {les["lesion_id"]: les for les in data["lesions"]}


def open_window(qtbot: Any, database: Path, demo: Demo) -> tuple[MainWindow, Database]:
    db = Database.open(database)
    window = MainWindow(StudyRepository(db), demo.image_root, user_id="tester")
    qtbot.addWidget(window)
    window.open_read(demo.read_id)
    return window, db


def draw(window: MainWindow, centre_mm: list[float], length_mm: float) -> None:
    """Draw a horizontal caliper through ``centre_mm`` on the current view and release it."""
    view = window.current_view
    volume = view.volume
    assert volume is not None
    a = volume.patient_to_index(np.asarray(centre_mm) - [length_mm / 2, 0, 0])
    b = volume.patient_to_index(np.asarray(centre_mm) + [length_mm / 2, 0, 0])
    view.set_slice(int(round(float(a[0]))))
    caliper = view.add_caliper((float(a[2]), float(a[1])), (float(b[2]), float(b[1])))
    assert isinstance(caliper, CaliperItem)
    caliper.finish_edit()  # the mouse-release signal path


def current(window: MainWindow) -> dict[str, Any]:
    summary = window.summary
    assert summary is not None and summary.primary.assessment is not None
    tp = summary.primary.assessment.timepoints[-1]
    return {"target": tp.target.value if tp.target else None,
            "non_target": tp.non_target.value if tp.non_target else None,
            "new": tp.new_lesions, "overall": tp.overall.value if tp.overall else None,
            "sum": tp.sum_tenth_mm}


def test_a_follow_up_read_end_to_end(qtbot: Any, demo: Demo, database: Path) -> None:
    window, db = open_window(qtbot, database, demo)
    document = window.document
    assert document is not None
    follow_up = document.study.timepoints[1].date
    assert window.current_view.volume is not None and window.prior_view.volume is not None
    fu1 = truth(demo, "followup1")

    # T1: the residual enhancing nodule at the ablation margin, measured with the caliper.
    window.select_lesion("T1")
    draw(window, fu1["HCC-1-R"]["centre_mm"], fu1["HCC-1-R"]["viable_diameter_mm"])
    qtbot.wait(10)
    t1 = document.study.measurement("T1", follow_up)
    assert t1 is not None and t1.viable_mm == pytest.approx(10.0, abs=0.1)
    assert t1.viable_line is not None and t1.state == "measured"
    # T2: completely ablated, no viable tissue (typed, as a reader does).
    window.push_edit(document.set_measurement_edit("T2", follow_up, viable_mm=0.0,
                                                   state="measured"))
    # NT1 is still there.
    window.push_edit(document.set_state_edit("NT1", follow_up, "present"))
    assert current(window) == {"target": "PR", "non_target": "IR/SD", "new": False,
                               "overall": "PR", "sum": 100}

    # A new 14 mm nodule with arterial hyperenhancement and washout: N1, drawn with the caliper.
    window.ask_new_lesion = lambda role: ("liver", False)  # type: ignore[method-assign]
    window._on_grid_add_lesion_requested("new")
    assert window._selected == "N1"
    draw(window, fu1["HCC-4"]["centre_mm"], fu1["HCC-4"]["long_axis_mm"])
    n1 = document.study.measurement("N1", follow_up)
    assert n1 is not None and n1.long_axis_mm == pytest.approx(14.0, abs=0.1)
    assert current(window)["overall"] == "PR"  # not typical yet: not progression
    window.push_edit(document.set_measurement_edit("N1", follow_up, typical_hcc_pattern=True))
    assert current(window)["overall"] == "PD"
    secondary = window.summary.secondary  # type: ignore[union-attr]
    assert secondary.criteria.value == "RECIST1.1"

    # Undo the pattern, redo it.
    stack = window.stack
    assert stack is not None
    stack.undo()
    assert current(window)["overall"] == "PR"
    stack.redo()
    assert current(window)["overall"] == "PD"
    saved = document.study
    window.close()
    db.close()

    # Reopen: the same read, every edit kept.
    window2, db2 = open_window(qtbot, database, demo)
    assert window2.document is not None and window2.document.study == saved
    assert current(window2)["overall"] == "PD"
    db2.close()


def test_drawing_without_a_selected_lesion_changes_nothing(
    qtbot: Any, demo: Demo, database: Path
) -> None:
    window, db = open_window(qtbot, database, demo)
    assert window.document is not None
    before = window.document.study
    draw(window, truth(demo, "followup1")["HCC-4"]["centre_mm"], 14.0)
    assert window.document.study == before
    assert "Select a lesion" in window.statusBar().currentMessage()
    db.close()


def test_next_to_do_walks_the_baseline_lesions(qtbot: Any, demo: Demo, database: Path) -> None:
    window, db = open_window(qtbot, database, demo)
    assert window.to_do() == ["T1", "T2", "NT1"]
    window.select_next_to_do()
    assert window._selected == "T1"
    day = window.document.study.timepoints[1].date  # type: ignore[union-attr]
    # An entry without the value the criteria need is still to do; a state completes it.
    window.push_edit(window.document.set_measurement_edit("T1", day))  # type: ignore[union-attr]
    assert window.to_do() == ["T1", "T2", "NT1"]
    window.push_edit(window.document.set_state_edit("T1", day, "too_small"))  # type: ignore[union-attr]
    assert window.to_do() == ["T2", "NT1"] == window._grid.todo_lesions()
    window.select_next_to_do()
    assert window._selected == "T2"
    assert window._current == date.fromisoformat(
        str(window.document.study.timepoints[1].date))  # type: ignore[union-attr]
    db.close()


def test_scrolling_the_prior_alone_sets_a_manual_offset(
    qtbot: Any, demo: Demo, database: Path
) -> None:
    window, db = open_window(qtbot, database, demo)
    window.stop_background_work()
    current, prior = window.current_view, window.prior_view
    current.set_slice(40)
    linked = prior.slice_index
    prior.set_slice(linked + 3)  # the reader re-aligns the prior by hand
    current.set_slice(30)
    assert prior.slice_index == window._linked_prior_slice(30) + 3  # type: ignore[operator]
    db.close()


def test_the_primary_criteria_can_be_switched_and_undone(
    qtbot: Any, demo: Demo, database: Path
) -> None:
    window, db = open_window(qtbot, database, demo)
    assert window.summary is not None
    assert window.summary.primary.criteria.value == "mRECIST"
    window._criteria_box.setCurrentIndex(1)
    window._criteria_box.activated.emit(1)
    assert window.summary.primary.criteria.value == "RECIST1.1"
    assert window.summary.secondary.criteria.value == "mRECIST"
    window.stack.undo()  # type: ignore[union-attr]
    assert window.summary.primary.criteria.value == "mRECIST"
    db.close()
