"""The document maps one to one onto the mrecist-read/1 contract."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import recist
from app.document import Criteria, Role, Study, StudyDocument
from app.read_json import (
    ReadFormatError,
    edit_from_json,
    edit_to_json,
    study_from_read_json,
    study_to_read_json,
)
from tests.app.strategies import draw_edit

CONTRACT_LESION_FIELDS = {
    "id", "role", "organ", "nodal", "ablated", "long_axis_mm", "short_axis_mm", "viable_mm",
    "state", "typical_hcc_pattern", "kind", "cytology",
}
EXTRAS = {"tracking_uid", "long_axis_line", "short_axis_line", "viable_line"}


def _strip_extras(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k != "lesion_registry"}
    out["timepoints"] = [
        {
            "date": tp["date"],
            "lesions": [{k: v for k, v in e.items() if k not in EXTRAS} for e in tp["lesions"]],
        }
        for tp in obj["timepoints"]
    ]
    return out


def test_contract_example_imports_with_ids_roles_and_states(
    example_read: dict[str, Any],
) -> None:
    study = study_from_read_json(example_read)
    assert study.patient_id == "P-017" and study.reader_id == "R1"
    assert study.criteria is Criteria.MRECIST and study.start_date == date(2026, 1, 12)
    assert [lesion.lesion_id for lesion in study.lesions] == ["T1", "T2", "NT1", "N1"]
    assert study.lesion("NT1").role is Role.NON_TARGET  # type: ignore[union-attr]
    t1 = study.lesion("T1")
    assert t1 is not None and t1.ablated and not t1.nodal
    follow_up = study.timepoints[1]
    assert follow_up.measurement("NT1").state == "absent"  # type: ignore[union-attr]
    n1 = follow_up.measurement("N1")
    assert n1 is not None and n1.typical_hcc_pattern and n1.state == "unequivocal"
    assert follow_up.measurement("T1").viable_mm == 0.0  # type: ignore[union-attr]


def test_export_has_exactly_the_contract_structure(example_read: dict[str, Any]) -> None:
    exported = study_to_read_json(study_from_read_json(example_read))
    assert set(exported) <= {"schema", "patient", "reader", "criteria", "start_date", "options",
                             "timepoints", "lesion_registry"}
    for tp in exported["timepoints"]:
        assert set(tp) <= {"date", "lesions", "series"}
        for entry in tp["lesions"]:
            assert set(entry) <= CONTRACT_LESION_FIELDS | EXTRAS
    # Without the extras (and the defaults it spells out) it is the input again.
    stripped = _strip_extras(exported)
    for tp in example_read["timepoints"]:
        for entry in tp["lesions"]:
            entry.setdefault("nodal", False)
            entry.setdefault("ablated", False)
    assert stripped == example_read


def test_export_is_valid_engine_input_and_assesses_like_the_original(
    example_read: dict[str, Any],
) -> None:
    exported = study_to_read_json(study_from_read_json(example_read))
    exported = json.loads(json.dumps(exported))
    ours = recist.assess(recist.parse_read(exported)).to_json()
    theirs = recist.assess(recist.parse_read(example_read)).to_json()
    assert ours == theirs
    assert ours["best_overall_response"] == "PD"


def test_round_trip_document_json_document(example_read: dict[str, Any]) -> None:
    study = study_from_read_json(example_read)
    again = study_from_read_json(json.loads(json.dumps(study_to_read_json(study))))
    assert again == study
    # Tracking UIDs are kept for life, not regenerated on import.
    assert [x.tracking_uid for x in again.lesions] == [x.tracking_uid for x in study.lesions]


def test_structural_problems_name_the_field_path(example_read: dict[str, Any]) -> None:
    example_read["criteria"] = "WHO"
    example_read["timepoints"][1]["lesions"][0]["viable_mm"] = "big"
    example_read["timepoints"][0]["lesions"][2]["role"] = "sidekick"
    with pytest.raises(ReadFormatError) as info:
        study_from_read_json(example_read)
    problems = info.value.problems
    assert "criteria: unknown criteria 'WHO'" in problems
    assert any(p.startswith("timepoints[1].lesions[0].viable_mm:") for p in problems)
    assert any(p.startswith("timepoints[0].lesions[2].role:") for p in problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=st.integers(1, 25))
def test_edits_survive_the_audit_encoding(data: st.DataObject, steps: int) -> None:
    doc = StudyDocument(Study("P-2", Criteria.RECIST11, date(2026, 1, 1)))
    for _ in range(steps):
        edit = draw_edit(data, doc)
        encoded = json.loads(json.dumps(edit_to_json(edit)))
        assert edit_from_json(encoded) == edit
        doc.apply(edit)
