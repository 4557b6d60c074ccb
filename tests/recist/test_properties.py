"""Property-based tests (hypothesis). Skipped where only pytest is installed."""

from __future__ import annotations

from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from recist import assess_json  # noqa: E402
from tests.recist.builders import day  # noqa: E402

CRITERIA = st.sampled_from(["mRECIST", "RECIST1.1"])
# Sizes in whole tenths of a mm, so scaling by an integer stays on the 0.1 mm grid.
SIZE = st.integers(min_value=0, max_value=600)


def build(criteria: str, series: list[list[int]], scale: int = 1) -> dict[str, Any]:
    """``series[t][i]`` = tenths of mm of target i at time point t."""
    key = "viable_mm" if criteria == "mRECIST" else "long_axis_mm"
    tps = []
    for t, values in enumerate(series):
        lesions = [{"id": f"T{i}", "role": "target", "organ": f"organ{i}",
                    key: v * scale / 10} for i, v in enumerate(values)]
        tps.append({"date": day(-7 if t == 0 else 56 * t), "lesions": lesions})
    return {"schema": "mrecist-read/1", "patient": "H", "criteria": criteria,
            "start_date": day(0), "options": {"pd_min_increase_mm": 0}, "timepoints": tps}


@st.composite
def reads(draw: Any) -> tuple[str, list[list[int]]]:
    criteria = draw(CRITERIA)
    n_targets = draw(st.integers(1, 5))
    n_tps = draw(st.integers(2, 6))
    baseline = draw(st.lists(st.integers(100, 600), min_size=n_targets, max_size=n_targets))
    later = draw(st.lists(st.lists(SIZE, min_size=n_targets, max_size=n_targets),
                          min_size=n_tps - 1, max_size=n_tps - 1))
    return criteria, [baseline, *later]


@settings(max_examples=150, deadline=None)
@given(reads(), st.integers(2, 7))
def test_scaling_every_diameter_never_changes_a_category(
    case: tuple[str, list[list[int]]], factor: int
) -> None:
    criteria, series = case
    plain = assess_json(build(criteria, series))
    scaled = assess_json(build(criteria, series, factor))
    for a, b in zip(plain["timepoints"], scaled["timepoints"], strict=True):
        assert (a["target"], a["overall"]) == (b["target"], b["overall"])
    assert plain["best_overall_response"] == scaled["best_overall_response"]


@settings(max_examples=150, deadline=None)
@given(reads(), st.integers(0, 5), st.integers(1, 300))
def test_more_growth_never_turns_pd_into_non_pd(
    case: tuple[str, list[list[int]]], lesion: int, extra: int
) -> None:
    criteria, series = case
    before = assess_json(build(criteria, series))
    last = len(series) - 1
    grown = [list(values) for values in series]
    grown[last][lesion % len(grown[last])] += extra
    after = assess_json(build(criteria, grown))
    if before["timepoints"][last]["target"] == "PD":
        assert after["timepoints"][last]["target"] == "PD"


@settings(max_examples=100, deadline=None)
@given(reads())
def test_assessment_is_deterministic_and_complete(case: tuple[str, list[list[int]]]) -> None:
    criteria, series = case
    out = assess_json(build(criteria, series))
    assert out == assess_json(build(criteria, series))
    assert len(out["timepoints"]) == len(series)
    for tp in out["timepoints"][1:]:
        assert tp["target"] in {"CR", "PR", "SD", "PD", "NE"}
        assert tp["reasons"], "every follow-up explains itself"
    assert out["best_overall_response"] in {"CR", "PR", "SD", "PD", "NE", "non-CR/non-PD"}
