"""Both sides of every threshold, including the floating-point traps (criteria.md 0.2)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from recist import assess_json
from recist.parse import to_tenth_mm
from recist.targets import meets_pd, meets_pr, pct_tenths
from tests.recist.builders import read, sums_read, target


def test_14_to_9_8_is_exactly_30pct_and_pr() -> None:
    # Naive float: (14.0 - 9.8) / 14.0 * 100 == 29.999999999999993 -> would miss PR.
    assert (14.0 - 9.8) / 14.0 * 100 < 30
    out = assess_json(sums_read("RECIST1.1", [14.0, 9.8]))
    assert out["timepoints"][1]["target"] == "PR"
    assert out["timepoints"][1]["change_from_baseline_pct"] == -30.0


def test_nadir_30_to_36_is_exactly_20pct_and_pd() -> None:
    assert 36 / 30 - 1 < 0.2  # the float trap
    for criteria in ("mRECIST", "RECIST1.1"):
        out = assess_json(sums_read(criteria, [30.0, 36.0]))
        assert out["timepoints"][1]["target"] == "PD", criteria


def test_nadir_25_to_30_is_pd_under_recist() -> None:
    assert 30 / 25 - 1 < 0.2
    out = assess_json(sums_read("RECIST1.1", [60.0, 25.0, 30.0]))
    assert out["timepoints"][2]["target"] == "PD"


def test_70_to_49_is_pr_by_exact_arithmetic_not_by_luck() -> None:
    assert 49 / 70 - 1 < -0.3  # float passes by luck; the integer rule must agree
    assert meets_pr(490, 700)
    assert not meets_pr(491, 700)


@pytest.mark.parametrize(("now", "pr"), [(9.8, True), (9.9, False)])
def test_pr_boundary_both_sides(now: float, pr: bool) -> None:
    out = assess_json(sums_read("RECIST1.1", [14.0, now]))
    assert (out["timepoints"][1]["target"] == "PR") is pr


@pytest.mark.parametrize(
    ("criteria", "sums", "expected"),
    [
        ("mRECIST", [30.0, 35.9], "SD"),  # +19.7 %
        ("mRECIST", [30.0, 36.0], "PD"),  # +20.0 %
        ("RECIST1.1", [60.0, 20.0, 24.9], "PR"),  # +24.5 % but +4.9 mm
        ("RECIST1.1", [60.0, 20.0, 25.0], "PD"),  # +25 % and +5.0 mm
        ("RECIST1.1", [100.0, 40.0, 47.9], "PR"),  # +7.9 mm but +19.75 %
        ("RECIST1.1", [100.0, 40.0, 48.0], "PD"),  # +20 % and +8 mm
    ],
)
def test_pd_boundaries_both_sides(criteria: str, sums: list[float], expected: str) -> None:
    out = assess_json(sums_read(criteria, sums))
    assert out["timepoints"][-1]["target"] == expected


def test_integer_rules_agree_with_exact_fractions_on_a_dense_grid() -> None:
    # Baselines 10-300 mm on the 0.1 mm grid, each with the values around its thresholds.
    checked = 0
    for baseline in range(100, 3001):
        pr_edge = baseline * 7 // 10
        for now in range(pr_edge - 2, pr_edge + 3):
            exact = Fraction(baseline - now, baseline) >= Fraction(3, 10)
            assert meets_pr(now, baseline) is exact
            checked += 1
        pd_edge = baseline * 6 // 5
        for now in range(pd_edge - 2, pd_edge + 3):
            exact = now > baseline and Fraction(now - baseline, baseline) >= Fraction(1, 5)
            assert meets_pd(now, baseline, 0) is exact
            assert meets_pd(now, baseline, 50) is (exact and now - baseline >= 50)
            checked += 1
    assert checked == 2901 * 10


def test_percentages_are_rounded_half_up_from_exact_values() -> None:
    assert pct_tenths(300, 520) == -423  # -42.307... -> -42.3
    assert pct_tenths(370, 520) == -288  # -28.846... -> -28.8
    assert pct_tenths(360, 300) == 200
    assert pct_tenths(1, 8) == -875  # -87.5 exactly
    assert pct_tenths(3, 16) == -813  # -81.25 -> -81.3 (half away from zero)
    assert pct_tenths(5, 0) is None


@pytest.mark.parametrize(
    ("written", "tenths"),
    [(9.85, 99), (9.84, 98), (0.05, 1), (12, 120), (36.0, 360), (9.8, 98), (1e-9, 0),
     (0.15, 2), (2.25, 23)],
)
def test_measurements_are_taken_to_0_1_mm_half_up(written: float, tenths: int) -> None:
    assert to_tenth_mm(written) == tenths


def test_rounding_happens_before_the_threshold() -> None:
    # 14.0 -> 9.84 is taken as 9.8 mm (policy 1), hence exactly -30 %: PR.
    out = assess_json(read("RECIST1.1", [(-7, [target("T1", 14.0)]), (56, [target("T1", 9.84)])]))
    assert out["timepoints"][1]["target"] == "PR"
