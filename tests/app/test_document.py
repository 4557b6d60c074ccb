"""The reading document and its edits: apply returns the inverse, undo/redo round trips."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.document import (
    Caliper,
    Criteria,
    DocumentChange,
    EditConflictError,
    EditError,
    Lesion,
    Measurement,
    PointMm,
    Role,
    Study,
    StudyDocument,
    new_tracking_uid,
    next_lesion_id,
)
from app.edits import (
    AddTimePoint,
    SetCriteria,
    SetLesionAttributes,
    SetLesionState,
    SetMeasurement,
    apply_edit,
)
from tests.app.strategies import draw_edit

BASELINE = date(2026, 1, 5)
FOLLOW_UP = date(2026, 2, 16)


def _doc(example_read: dict[str, Any]) -> StudyDocument:
    return StudyDocument.from_read_json(example_read)


def test_tracking_uid_is_a_uuid_derived_dicom_uid() -> None:
    uid = new_tracking_uid()
    assert re.fullmatch(r"2\.25\.(0|[1-9][0-9]*)", uid)
    assert len(uid) <= 64
    assert uid != new_tracking_uid()


def test_lesion_ids_are_numbered_per_role(example_read: dict[str, Any]) -> None:
    study = _doc(example_read).study
    assert next_lesion_id(study, Role.TARGET) == "T3"
    assert next_lesion_id(study, Role.NON_TARGET) == "NT2"
    assert next_lesion_id(study, Role.NEW) == "N2"


def test_new_lesion_gets_next_id_and_keeps_its_tracking_uid(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    edit = doc.new_lesion_edit(Role.NON_TARGET, "lung", FOLLOW_UP)
    inverse = doc.apply(edit)
    lesion = doc.study.lesion("NT2")
    assert lesion is not None and lesion.role is Role.NON_TARGET
    assert edit.label == "Add NT2"
    doc.apply(inverse)
    assert doc.study.lesion("NT2") is None
    doc.apply(edit)  # redo: the same lesion, same tracking UID
    assert doc.study.lesion("NT2") == lesion


def test_measure_label_and_undo(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    original = doc.study
    line = Caliper(PointMm(1.0, 2.0, 3.0), PointMm(21.0, 2.0, 3.0), "1.2.3.4")
    edit = doc.set_measurement_edit("T1", FOLLOW_UP, viable_mm=20.0, viable_line=line)
    assert edit.label == "Measure T1 at 2026-02-16"
    inverse = doc.apply(edit)
    entry = doc.study.measurement("T1", FOLLOW_UP)
    assert entry is not None and entry.viable_mm == 20.0 and entry.viable_line == line
    assert entry.long_axis_mm == 36.0  # other values kept
    assert line.length_mm == pytest.approx(20.0)
    doc.apply(inverse)
    assert doc.study == original


def test_state_edit_label(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    edit = doc.set_state_edit("NT1", FOLLOW_UP, "unequivocal_progression")
    assert isinstance(edit, SetLesionState)
    assert edit.label == "Mark NT1 unequivocal progression at 2026-02-16"
    doc.apply(edit)
    entry = doc.study.measurement("NT1", FOLLOW_UP)
    assert entry is not None and entry.state == "unequivocal_progression"


def test_remove_lesion_removes_entries_and_undo_restores_them(
    example_read: dict[str, Any],
) -> None:
    doc = _doc(example_read)
    original = doc.study
    inverse = doc.apply(doc.remove_lesion_edit("T1"))
    assert doc.study.lesion("T1") is None
    assert all(tp.measurement("T1") is None for tp in doc.study.timepoints)
    doc.apply(inverse)
    assert doc.study == original


def test_stale_edit_is_refused_and_changes_nothing(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    stale = SetMeasurement("T1", FOLLOW_UP, Measurement("T1", long_axis_mm=1.0),
                           Measurement("T1", long_axis_mm=2.0))
    before = doc.study
    with pytest.raises(EditConflictError):
        doc.apply(stale)
    assert doc.study is before


def test_reapplying_an_edit_is_harmless(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    edit = doc.set_measurement_edit("T2", FOLLOW_UP, short_axis_mm=9.0)
    doc.apply(edit)
    after = doc.study
    doc.apply(edit)
    assert doc.study == after


@pytest.mark.parametrize(
    "values",
    [{"viable_mm": -3.0}, {"long_axis_mm": float("nan")}, {"state": "present"},
     {"cytology": "maybe"}],
)
def test_invalid_values_are_refused(example_read: dict[str, Any], values: dict[str, Any]) -> None:
    doc = _doc(example_read)
    with pytest.raises(EditError):
        doc.apply(doc.set_measurement_edit("T1", FOLLOW_UP, **values))


def test_id_role_and_tracking_uid_cannot_change(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    lesion = doc.study.lesion("T1")
    assert lesion is not None
    with pytest.raises(EditError):
        doc.apply(SetLesionAttributes(lesion, replace(lesion, role=Role.NON_TARGET)))
    with pytest.raises(EditError):
        doc.apply(SetLesionAttributes(lesion, replace(lesion, tracking_uid=new_tracking_uid())))


def test_unknown_lesion_or_date_is_refused(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    with pytest.raises(EditError):
        doc.apply(SetMeasurement("T9", FOLLOW_UP, None, Measurement("T9")))
    with pytest.raises(EditError):
        doc.apply(SetMeasurement("T1", date(2030, 1, 1), None, Measurement("T1")))
    with pytest.raises(EditError):
        doc.apply(AddTimePoint(doc.study.timepoints[0]))


def test_listeners_are_told_after_each_change(example_read: dict[str, Any]) -> None:
    doc = _doc(example_read)
    seen: list[DocumentChange] = []
    doc.changed.subscribe(seen.append)

    def broken(_change: DocumentChange) -> None:
        raise RuntimeError("listener bug")

    doc.changed.subscribe(broken)
    edit = SetCriteria(doc.study.criteria, Criteria.RECIST11)
    inverse = doc.apply(edit)
    assert len(seen) == 1 and seen[0].edit == edit and seen[0].inverse == inverse
    assert seen[0].after is doc.study
    doc.changed.unsubscribe(seen.append)
    doc.apply(inverse)
    assert len(seen) == 1


def test_failed_commit_leaves_document_and_listeners_untouched(
    example_read: dict[str, Any],
) -> None:
    def failing(*_args: object) -> None:
        raise OSError("disk full")

    doc = StudyDocument(Study.from_read_json(example_read), committer=failing)
    seen: list[DocumentChange] = []
    doc.changed.subscribe(seen.append)
    before = doc.study
    with pytest.raises(OSError):
        doc.apply(doc.set_measurement_edit("T1", FOLLOW_UP, viable_mm=3.0))
    assert doc.study is before and seen == []


def test_pure_apply_does_not_touch_its_input(example_read: dict[str, Any]) -> None:
    study = Study.from_read_json(example_read)
    new, inverse = apply_edit(study, SetMeasurement(
        "N1", FOLLOW_UP, study.measurement("N1", FOLLOW_UP), None))
    assert study.measurement("N1", FOLLOW_UP) is not None
    assert new.measurement("N1", FOLLOW_UP) is None
    assert apply_edit(new, inverse)[0] == study


def test_lesion_defaults() -> None:
    lesion = Lesion("T1", Role.TARGET, "liver")
    assert lesion.is_intrahepatic and not lesion.nodal and lesion.tracking_uid.startswith("2.25.")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=st.integers(1, 40))
def test_random_edits_undo_to_original_and_redo_to_final(
    data: st.DataObject, steps: int
) -> None:
    doc = StudyDocument(Study("P-1", Criteria.MRECIST, BASELINE))
    original = doc.study
    done: list[tuple[Any, Any]] = []
    states = [doc.study]
    for _ in range(steps):
        edit = draw_edit(data, doc)
        inverse = doc.apply(edit)
        done.append((edit, inverse))
        states.append(doc.study)
        assert isinstance(edit.label, str) and edit.label
    final = doc.study
    for (_edit, inverse), expected in zip(reversed(done), reversed(states[:-1]), strict=True):
        doc.apply(inverse)
        assert doc.study == expected
    assert doc.study == original
    for edit, _inverse in done:
        doc.apply(edit)
    assert doc.study == final
    # The contract JSON (with its extras) carries the whole document.
    assert Study.from_read_json(final.to_read_json()) == final


def test_intrahepatic_is_decided_as_the_engine_decides() -> None:
    from recist.model import is_intrahepatic

    for organ in ("liver", " Liver ", "LIVER", "lung", "liver dome?"):
        lesion = Lesion("N1", Role.NEW, organ)
        assert lesion.is_intrahepatic is is_intrahepatic(organ)
    assert Lesion("N1", Role.NEW, " Liver ").is_intrahepatic
