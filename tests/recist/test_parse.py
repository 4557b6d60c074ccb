"""Every kind of invalid input is reported with its field path (contract; policies 1-2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recist import ReadError, loads_read, parse_read
from recist.model import Criteria, TargetState

EXAMPLE = json.loads((Path(__file__).parent / "vectors" / "contract_example.json").read_text())


def problems_of(mutate: Callable[[dict[str, Any]], Any]) -> list[str]:
    doc = copy.deepcopy(EXAMPLE)
    mutate(doc)
    with pytest.raises(ReadError) as info:
        parse_read(doc)
    return info.value.problems


def lesion(doc: dict[str, Any], tp: int, n: int) -> dict[str, Any]:
    return doc["timepoints"][tp]["lesions"][n]


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("negative size", lambda d: lesion(d, 1, 0).update(viable_mm=-3),
     "timepoints[1].lesions[0].viable_mm: must be a number >= 0, got -3"),
    ("string size", lambda d: lesion(d, 0, 1).update(short_axis_mm="18"),
     'timepoints[0].lesions[1].short_axis_mm: must be a number >= 0, got "18"'),
    ("boolean size", lambda d: lesion(d, 0, 1).update(short_axis_mm=True),
     "timepoints[0].lesions[1].short_axis_mm: must be a number >= 0, got true"),
    ("unknown schema", lambda d: d.update(schema="mrecist-read/2"),
     'schema: unknown schema "mrecist-read/2"'),
    ("missing schema", lambda d: d.pop("schema"), "schema: is required"),
    ("missing patient", lambda d: d.pop("patient"), "patient: is required"),
    ("bad criteria", lambda d: d.update(criteria="RECIST"),
     'criteria: must be one of mRECIST, RECIST1.1; got "RECIST"'),
    ("bad start date", lambda d: d.update(start_date="2026-13-01"),
     'start_date: must be an ISO date YYYY-MM-DD, got "2026-13-01"'),
    ("compact date", lambda d: d.update(start_date="20260112"), "start_date: must be an ISO"),
    ("dates out of order", lambda d: d["timepoints"][1].update(date="2026-01-05"),
     "timepoints[1].date: must be after the previous time point (2026-01-05)"),
    ("unknown role", lambda d: lesion(d, 0, 2).update(role="nontarget"),
     "timepoints[0].lesions[2].role: must be one of target, non_target, new"),
    ("unknown state", lambda d: lesion(d, 1, 2).update(state="gone"),
     "timepoints[1].lesions[2].state: must be one of present, absent"),
    ("two roles", lambda d: lesion(d, 1, 2).update(role="target", viable_mm=0),
     "timepoints[1].lesions[2].role: lesion \"NT1\" is non_target at timepoints[0]"),
    ("late target", lambda d: d["timepoints"][1]["lesions"].append(
        {"id": "T9", "role": "target", "organ": "liver", "viable_mm": 12}),
     'timepoints[1].lesions[4].id: target "T9" first appears after baseline'),
    ("new at baseline", lambda d: d["timepoints"][0]["lesions"].append(
        {"id": "N0", "role": "new", "organ": "liver", "long_axis_mm": 12}),
     'timepoints[0].lesions[3].role: a new finding ("N0") cannot be at baseline'),
    ("baseline not evaluated", lambda d: lesion(d, 0, 0).update(state="not_evaluated"),
     "timepoints[0].lesions[0].state: a baseline target must be evaluated"),
    ("measured without viable", lambda d: lesion(d, 1, 0).pop("viable_mm"),
     "timepoints[1].lesions[0].viable_mm: required for a measured non-nodal target under mRECIST"),
    ("node without short axis", lambda d: lesion(d, 0, 1).pop("short_axis_mm"),
     "timepoints[0].lesions[1].short_axis_mm: required for a measured nodal target"),
    ("nodal changed", lambda d: lesion(d, 1, 1).update(nodal=False),
     "timepoints[1].lesions[1].nodal: fixed by the lesion's first entry (timepoints[0]: true)"),
    ("ablated changed", lambda d: lesion(d, 1, 0).update(ablated=False),
     "timepoints[1].lesions[0].ablated: fixed by the lesion's first entry"),
    ("duplicate id", lambda d: d["timepoints"][1]["lesions"].append(lesion(d, 1, 0)),
     'timepoints[1].lesions[4].id: "T1" is listed twice at this time point'),
    ("unknown option", lambda d: d["options"].update(confirm=True),
     "options.confirm: unknown option"),
    ("bad option type", lambda d: d["options"].update(sd_min_days="42"),
     'options.sd_min_days: must be a whole number of days >= 0, got "42"'),
    ("fractional days", lambda d: d["options"].update(confirmation_min_days=28.5),
     "options.confirmation_min_days: must be a whole number of days >= 0, got 28.5"),
    ("bad floor", lambda d: d["options"].update(pd_min_increase_mm=-1),
     "options.pd_min_increase_mm: must be a number >= 0, got -1"),
    ("options not object", lambda d: d.update(options=[]), "options: must be an object"),
    ("no timepoints", lambda d: d.update(timepoints=[]),
     "timepoints: must contain at least the baseline time point"),
    ("timepoints not array", lambda d: d.update(timepoints={}),
     "timepoints: must be an array, got an object"),
    ("lesion not object", lambda d: d["timepoints"][0]["lesions"].append(3),
     "timepoints[0].lesions[3]: must be an object, got a number"),
    ("empty baseline", lambda d: d["timepoints"][0].update(lesions=[]),
     "timepoints[0].lesions: the baseline needs at least one target or non-target lesion"),
    ("missing organ", lambda d: lesion(d, 0, 2).pop("organ"),
     "timepoints[0].lesions[2].organ: is required"),
    ("non-target without state", lambda d: lesion(d, 0, 2).pop("state"),
     "timepoints[0].lesions[2].state: is required for a non_target lesion"),
    ("bad cytology", lambda d: lesion(d, 1, 3).update(kind="effusion", cytology="maybe"),
     "timepoints[1].lesions[3].cytology: must be one of positive, negative, not_done"),
    ("bad typical flag", lambda d: lesion(d, 1, 3).update(typical_hcc_pattern="yes"),
     'timepoints[1].lesions[3].typical_hcc_pattern: must be true or false, got "yes"'),
    ("recist new lesion without state", lambda d: (
        d.update(criteria="RECIST1.1"),
        [les.update(long_axis_mm=les.get("long_axis_mm", 20)) for tp in d["timepoints"]
         for les in tp["lesions"]], lesion(d, 1, 3).pop("state")),
     "timepoints[1].lesions[3].state: is required for this new finding under RECIST1.1"),
]


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invalid_input_names_the_field(
    name: str, mutate: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    problems = problems_of(mutate)
    assert any(p.startswith(expected) for p in problems), problems


def test_root_must_be_an_object() -> None:
    with pytest.raises(ReadError) as info:
        parse_read([EXAMPLE])
    assert info.value.problems == ["$: must be a JSON object, got an array"]


def test_all_problems_are_reported_at_once() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["criteria"] = "x"
        lesion(d, 1, 0)["viable_mm"] = -1
        lesion(d, 1, 1)["short_axis_mm"] = "a"
    assert len(problems_of(mutate)) == 3


def test_unknown_fields_are_ignored_and_null_means_absent() -> None:
    doc = copy.deepcopy(EXAMPLE)
    doc["extra"] = {"anything": 1}
    lesion(doc, 0, 0)["comment"] = "new writers may add fields"
    lesion(doc, 0, 0)["state"] = None
    doc["reader"] = None
    read = parse_read(doc)
    assert read.reader is None
    assert read.timepoints[0].lesions[0].state is TargetState.MEASURED
    assert read.criteria is Criteria.MRECIST


def test_fixed_attributes_may_be_omitted_later() -> None:
    doc = copy.deepcopy(EXAMPLE)
    del lesion(doc, 1, 1)["nodal"]
    del lesion(doc, 1, 0)["ablated"]
    read = parse_read(doc)
    fu = read.timepoints[1]
    assert fu.entry("T2") is not None and fu.entry("T2").nodal  # type: ignore[union-attr]
    assert fu.entry("T1").ablated  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("{", "$: not valid JSON"), ("[1, NaN]", "$: not valid JSON"), ("", "$: not valid JSON"),
     ('"x"', "$: must be a JSON object, got a string")],
)
def test_bad_json_text(text: str, expected: str) -> None:
    with pytest.raises(ReadError) as info:
        loads_read(text)
    assert info.value.problems[0].startswith(expected)


def test_nan_size_is_rejected_not_compared() -> None:
    doc = copy.deepcopy(EXAMPLE)
    lesion(doc, 1, 0)["viable_mm"] = float("nan")
    with pytest.raises(ReadError) as info:
        parse_read(doc)
    assert info.value.problems == [
        "timepoints[1].lesions[0].viable_mm: must be a number >= 0, got NaN"]
