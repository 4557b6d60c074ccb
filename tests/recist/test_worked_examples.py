"""Every worked example of ../shared/reference/criteria.md sections 1-3 as a test vector.

Each test names the example it encodes (E1..E5, N1..N3, B1..B5, T1..T3, ...).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recist import assess_json
from tests.recist.builders import day, new, node, non_target, read, sums_read, target

VECTORS = Path(__file__).parent / "vectors"


def follow_ups(out: dict) -> list[dict]:
    return out["timepoints"][1:]


def targets_of(out: dict) -> list[str | None]:
    return [tp["target"] for tp in follow_ups(out)]


# -- The contract's own example -----------------------------------------------------------

def test_contract_example_gives_the_documented_output() -> None:
    out = assess_json(json.loads((VECTORS / "contract_example.json").read_text()))
    base, fu = out["timepoints"]
    assert base == {"date": "2026-01-05", "sum_mm": 52.0, "target": None, "non_target": None,
                    "new_lesions": None, "overall": None}
    assert fu["sum_mm"] == 12.0 and fu["baseline_sum_mm"] == 52.0 and fu["nadir_sum_mm"] == 52.0
    assert fu["change_from_baseline_pct"] == -76.9 and fu["change_from_nadir_pct"] == -76.9
    assert (fu["target"], fu["non_target"], fu["new_lesions"], fu["overall"]) == (
        "PR", "CR", True, "PD")
    assert "new intrahepatic lesion N1: 12.0 mm with typical HCC pattern" in fu["reasons"]
    assert out["best_overall_response"] == "PD"
    assert out["progression"] == {"date": "2026-02-16", "causes": ["new_lesion"]}
    assert out["lesions"] == [
        {"id": "T1", "ablation": {"technique_efficacy": "complete", "ltp_date": None}}]
    assert out["warnings"] == []


# -- Section 1: mRECIST -------------------------------------------------------------------

def test_example_1_3_baseline_viable_sum_with_nodal_target() -> None:
    doc = read("mRECIST", [(0, [
        target("A", 34.0, "mRECIST"), target("B", 21.0, "mRECIST"),
        node("NODE", 23.0, organ="porta hepatis node"),
        non_target("C"), non_target("D"), non_target("PVTT", organ="portal vein"),
    ])])
    out = assess_json(doc)
    assert out["timepoints"][0]["sum_mm"] == 78.0
    assert out["warnings"] == []


def test_example_1_4_viable_diameter_is_used_not_the_whole_lesion() -> None:
    lesion = {"id": "T1", "role": "target", "organ": "liver",
              "long_axis_mm": 40.0, "viable_mm": 18.0}
    for criteria, expected in (("mRECIST", 18.0), ("RECIST1.1", 40.0)):
        out = assess_json(read(criteria, [(0, [lesion])]))
        assert out["timepoints"][0]["sum_mm"] == expected


def test_E1_pr_then_exact_20pct_over_nadir_is_pd_under_both() -> None:
    for criteria in ("mRECIST", "RECIST1.1"):
        out = assess_json(sums_read(criteria, [52.0, 30.0, 36.0]))
        fu1, fu2 = follow_ups(out)
        assert fu1["target"] == "PR" and fu1["change_from_baseline_pct"] == -42.3
        assert fu2["nadir_sum_mm"] == 30.0 and fu2["change_from_nadir_pct"] == 20.0
        assert fu2["target"] == "PD", criteria


def test_E2_criteria_diverge_on_the_5mm_floor() -> None:
    sums = [52.0, 20.0, 24.0]
    assert targets_of(assess_json(sums_read("mRECIST", sums))) == ["PR", "PD"]
    out = assess_json(sums_read("RECIST1.1", sums))
    assert targets_of(out) == ["PR", "PR"]
    assert follow_ups(out)[1]["change_from_baseline_pct"] == -53.8
    assert follow_ups(out)[1]["target_by_sums"] == "PR"


def test_E2_protocol_floor_for_mrecist() -> None:
    out = assess_json(sums_read("mRECIST", [52.0, 20.0, 24.0], pd_min_increase_mm=5))
    assert targets_of(out) == ["PR", "PR"]


def test_E3_sd_then_pr() -> None:
    out = assess_json(sums_read("mRECIST", [52.0, 37.0, 36.0]))
    assert targets_of(out) == ["SD", "PR"]
    assert [tp["change_from_baseline_pct"] for tp in follow_ups(out)] == [-28.8, -30.8]


def test_E4_no_viable_tissue_is_target_cr() -> None:
    out = assess_json(sums_read("mRECIST", [52.0, 0.0]))
    assert targets_of(out) == ["CR"]
    assert follow_ups(out)[0]["overall"] == "CR"


def test_E5_reenhancement_after_cr_is_pd_under_mrecist() -> None:
    # Nadir 0 without an overall CR before (a non-target persists): sum rules apply.
    tps = [(-7, [target("T1", 52.0, "mRECIST"), non_target("NT1")]),
           (56, [target("T1", 0.0, "mRECIST"), non_target("NT1")]),
           (112, [target("T1", 4.0, "mRECIST"), non_target("NT1")])]
    out = assess_json(read("mRECIST", tps))
    assert [tp["overall"] for tp in follow_ups(out)] == ["PR", "PD"]
    assert targets_of(out) == ["CR", "PD"]
    # RECIST 1.1 with the same numbers: +4 mm < 5 mm, no overall CR before: not PD.
    rec = [(d, [dict(les[0], long_axis_mm=les[0]["viable_mm"]), les[1]]) for d, les in tps]
    out = assess_json(read("RECIST1.1", rec))
    assert targets_of(out) == ["CR", "PR"]


def test_E5_reappearance_after_overall_cr_is_pd_under_both() -> None:
    for criteria in ("mRECIST", "RECIST1.1"):
        out = assess_json(sums_read(criteria, [52.0, 0.0, 4.0]))
        assert [tp["overall"] for tp in follow_ups(out)] == ["CR", "PD"], criteria
        assert any("reappeared after an overall CR" in r for r in follow_ups(out)[1]["reasons"])


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["absent", "absent", "absent"], "CR"),  # C, D and PVT lose all enhancement
        (["absent", "present", "absent"], "IR/SD"),  # D keeps an enhancing focus
        (["absent", "absent", "unequivocal_progression"], "PD"),  # PVT into main portal vein
    ],
)
def test_example_1_6_non_target_response(states: list[str], expected: str) -> None:
    ids = ["C", "D", "PVT"]
    tps = [(-7, [target("A", 34.0, "mRECIST")] + [non_target(i) for i in ids]),
           (56, [target("A", 30.0, "mRECIST")]
            + [non_target(i, s) for i, s in zip(ids, states, strict=True)])]
    out = assess_json(read("mRECIST", tps))
    assert follow_ups(out)[0]["non_target"] == expected


def _hcc_with_new(new_entries: dict[int, dict]) -> dict:
    tps = []
    for i, d in enumerate((-7, 56, 112, 168)):
        lesions = [target("T1", 40.0 if i == 0 else 35.0, "mRECIST")]
        if i in new_entries:
            lesions.append(new_entries[i])
        tps.append((d, lesions))
    return read("mRECIST", tps)


def test_N1_new_typical_13mm_nodule_is_pd() -> None:
    out = assess_json(_hcc_with_new({2: new("N1", 13.0, typical_hcc_pattern=True)}))
    fu = follow_ups(out)
    assert [tp["new_lesions"] for tp in fu] == [False, True, True]
    assert [tp["overall"] for tp in fu] == ["SD", "PD", "PD"]
    assert out["progression"] == {"date": day(112), "causes": ["new_lesion"]}


def test_N2_equivocal_nodule_confirmed_by_growth_is_dated_back() -> None:
    out = assess_json(_hcc_with_new({
        2: new("N2", 14.0, typical_hcc_pattern=False, state="unequivocal"),  # state unused
        3: new("N2", 25.0, typical_hcc_pattern=False),
    }))
    fu = follow_ups(out)
    assert [tp["new_lesions"] for tp in fu] == [False, False, True]
    assert fu[1]["overall"] == "SD"  # not rewritten afterwards (policy 11)
    assert out["progression"] == {"date": day(112), "causes": ["new_lesion"]}


def test_N3_sub_10mm_typical_nodule_counts_when_it_reaches_10mm() -> None:
    out = assess_json(_hcc_with_new({
        2: new("N3", 8.0, typical_hcc_pattern=True),
        3: new("N3", 12.0, typical_hcc_pattern=True),
    }))
    assert [tp["new_lesions"] for tp in follow_ups(out)] == [False, False, True]
    assert out["progression"] == {"date": day(168), "causes": ["new_lesion"]}


def test_new_lesion_boundary_10mm_typical() -> None:
    for size, counts in ((9.9, False), (10.0, True)):
        out = assess_json(_hcc_with_new({1: new("N1", size, typical_hcc_pattern=True)}))
        assert follow_ups(out)[0]["new_lesions"] is counts, size


def test_new_lesion_growth_boundary_10mm() -> None:
    for later, counts in ((15.9, False), (16.0, True)):
        out = assess_json(_hcc_with_new({1: new("N1", 6.0), 2: new("N1", later)}))
        assert follow_ups(out)[1]["new_lesions"] is counts, later


def test_counted_new_lesion_keeps_counting_when_no_longer_listed() -> None:
    out = assess_json(_hcc_with_new({1: new("N1", 12.0, typical_hcc_pattern=True)}))
    assert [tp["new_lesions"] for tp in follow_ups(out)] == [True, True, True]


@pytest.mark.parametrize(("cytology", "overall"), [("negative", "PR"), ("not_done", "PR"),
                                                   ("positive", "PD")])
def test_example_1_8_effusion_counts_only_with_positive_cytology(
    cytology: str, overall: str
) -> None:
    tps = [(-7, [target("T1", 50.0, "mRECIST")]),
           (56, [target("T1", 30.0, "mRECIST"),
                 new("ASC", organ="peritoneum", kind="effusion", cytology=cytology,
                     state="unequivocal")])]
    out = assess_json(read("mRECIST", tps))
    assert follow_ups(out)[0]["overall"] == overall


def test_effusion_is_never_back_dated() -> None:
    effusion = {"organ": "peritoneum", "kind": "effusion"}
    tps = [(-7, [target("T1", 50.0, "mRECIST")]),
           (56, [target("T1", 45.0, "mRECIST"), new("ASC", cytology="not_done", **effusion)]),
           (112, [target("T1", 45.0, "mRECIST"), new("ASC", cytology="positive", **effusion)])]
    out = assess_json(read("mRECIST", tps))
    assert out["progression"] == {"date": day(112), "causes": ["new_lesion"]}


def test_example_1_9_overall_table_rows() -> None:
    # target CR + non-target IR/SD + no new lesion -> PR
    out = assess_json(read("mRECIST", [(-7, [target("T1", 30.0, "mRECIST"), non_target("NT1")]),
                                       (56, [target("T1", 0.0, "mRECIST"), non_target("NT1")])]))
    assert follow_ups(out)[0]["overall"] == "PR"
    # target PR + new typical 12 mm nodule -> PD
    out = assess_json(read("mRECIST", [(-7, [target("T1", 30.0, "mRECIST")]),
                                       (56, [target("T1", 15.0, "mRECIST"),
                                             new("N1", 12.0, typical_hcc_pattern=True)])]))
    assert follow_ups(out)[0]["overall"] == "PD"
    # target SD + non-target CR -> SD
    out = assess_json(read("mRECIST", [(-7, [target("T1", 30.0, "mRECIST"), non_target("NT1")]),
                                       (56, [target("T1", 28.0, "mRECIST"),
                                             non_target("NT1", "absent")])]))
    assert follow_ups(out)[0]["overall"] == "SD"


def test_extrahepatic_new_lesion_under_mrecist_needs_unequivocal() -> None:
    for state, counts in (("equivocal", False), ("unequivocal", True)):
        out = assess_json(read("mRECIST", [(-7, [target("T1", 30.0, "mRECIST")]),
                                           (56, [target("T1", 28.0, "mRECIST"),
                                                 new("L1", 6.0, organ="lung", state=state)])]))
        assert follow_ups(out)[0]["new_lesions"] is counts


# -- Section 2: RECIST 1.1 ----------------------------------------------------------------

def test_example_2_3_baseline_sum() -> None:
    doc = read("RECIST1.1", [(0, [target("LIV", 30.0), target("LUNG", 20.0, organ="lung"),
                                  node("SUBCARINAL", 18.0)])])
    assert assess_json(doc)["timepoints"][0]["sum_mm"] == 68.0


@pytest.mark.parametrize(
    ("sums", "expected", "pct"),
    [
        ([68.0, 47.0], ["PR"], -30.9),
        ([68.0, 47.0, 57.0], ["PR", "PD"], 21.3),  # nadir 47 -> 57: +21.3 %, +10 mm
        ([68.0, 20.0, 24.0], ["PR", "PR"], 20.0),  # +20 % but +4 mm: not PD
        ([68.0, 25.0, 30.0], ["PR", "PD"], 20.0),  # +20 % and +5 mm: PD (integer test)
    ],
)
def test_example_2_4_target_response(sums: list[float], expected: list[str], pct: float) -> None:
    out = assess_json(sums_read("RECIST1.1", sums))
    assert targets_of(out) == expected
    last = follow_ups(out)[-1]
    key = "change_from_baseline_pct" if len(sums) == 2 else "change_from_nadir_pct"
    assert last[key] == pct


def test_example_2_4_cr_with_nodal_target_under_10mm() -> None:
    base = [target("LIV", 30.0), target("LUNG", 20.0, organ="lung"), node("N", 18.0)]
    fu = [target("LIV", 0.0), target("LUNG", 0.0, organ="lung"), node("N", 8.0)]
    out = assess_json(read("RECIST1.1", [(-7, base), (56, fu)]))
    assert follow_ups(out)[0]["sum_mm"] == 8.0
    assert targets_of(out) == ["CR"]
    fu[2] = node("N", 10.0)
    assert targets_of(assess_json(read("RECIST1.1", [(-7, base), (56, fu)]))) == ["PR"]


def test_too_small_counts_5mm_and_absent_0() -> None:
    doc = read("RECIST1.1", [(-7, [target("T1", 20.0), target("T2", 20.0)]),
                             (56, [target("T1", None, state="too_small"),
                                   {"id": "T2", "role": "target", "organ": "liver",
                                    "state": "absent"}])])
    out = assess_json(doc)
    assert follow_ups(out)[0]["sum_mm"] == 5.0
    assert targets_of(out) == ["PR"]


def test_example_2_6_effusion_growing_is_not_unequivocal() -> None:
    tps = [(-7, [target("T1", 50.0), non_target("EFF", organ="pleura")]),
           (56, [target("T1", 30.0), non_target("EFF", "present", organ="pleura")])]
    out = assess_json(read("RECIST1.1", tps))
    fu = follow_ups(out)[0]
    assert (fu["non_target"], fu["overall"]) == ("non-CR/non-PD", "PR")


def test_example_2_7_equivocal_new_lesion_dated_to_first_scan() -> None:
    tps = [(-7, [target("T1", 50.0)]),
           (56, [target("T1", 45.0), new("L1", 6.0, organ="lung", state="equivocal")]),
           (112, [target("T1", 45.0), new("L1", 11.0, organ="lung", state="unequivocal")])]
    out = assess_json(read("RECIST1.1", tps))
    assert [tp["overall"] for tp in follow_ups(out)] == ["SD", "PD"]
    assert out["progression"] == {"date": day(56), "causes": ["new_lesion"]}


def test_example_2_8_missing_target_but_measured_part_is_pd() -> None:
    base = [target("A", 20.0), target("B", 20.0), target("C", 10.0)]
    fu = [target("A", 40.0), target("B", 40.0)]  # C not listed
    out = assess_json(read("RECIST1.1", [(-7, base), (56, fu)]))
    fu_out = follow_ups(out)[0]
    assert fu_out["target"] == "PD"
    assert fu_out["sum_mm"] is None and fu_out["change_from_baseline_pct"] is None


def test_example_2_8_missing_target_cannot_exclude_anything_is_ne() -> None:
    base = [target("A", 20.0), target("B", 20.0), target("C", 10.0)]
    tps = [(-7, base), (56, [target("A", 15.0), target("B", 15.0), target("C", 10.0)]),
           (112, [target("A", 15.0), target("B", 15.0), target("C", None)])]
    out = assess_json(read("RECIST1.1", tps))
    assert targets_of(out) == ["SD", "NE"]
    assert follow_ups(out)[1]["overall"] == "NE"


def test_ne_time_points_are_skipped_for_the_nadir() -> None:
    base = [target("A", 30.0), target("B", 30.0)]
    tps = [(-7, base), (56, [target("A", 10.0), target("B", None)]),
           (112, [target("A", 30.0), target("B", 30.0)])]
    out = assess_json(read("RECIST1.1", tps))
    assert follow_ups(out)[1]["nadir_sum_mm"] == 60.0
    assert targets_of(out) == ["NE", "SD"]


@pytest.mark.parametrize(
    ("target_mm", "nt_state", "expected"),
    [
        (0.0, "not_evaluated", "PR"),  # target CR, non-target not evaluated
        (20.0, "not_evaluated", "PR"),  # target PR, non-target not evaluated
        (45.0, "not_evaluated", "SD"),  # target SD, non-target not evaluated
        (0.0, "absent", "CR"),
    ],
)
def test_section_2_9_overall_table_with_targets(
    target_mm: float, nt_state: str, expected: str
) -> None:
    tps = [(-7, [target("T1", 50.0), non_target("NT1")]),
           (56, [target("T1", target_mm), non_target("NT1", nt_state)])]
    assert follow_ups(assess_json(read("RECIST1.1", tps)))[0]["overall"] == expected


@pytest.mark.parametrize(
    ("criteria", "state", "expected"),
    [
        ("RECIST1.1", "absent", "CR"),
        ("RECIST1.1", "present", "non-CR/non-PD"),
        ("RECIST1.1", "not_evaluated", "NE"),
        ("RECIST1.1", "unequivocal_progression", "PD"),
        ("mRECIST", "present", "non-CR/non-PD"),  # policy 12
        ("mRECIST", "absent", "CR"),
    ],
)
def test_section_2_9_non_target_only_table(criteria: str, state: str, expected: str) -> None:
    tps = [(-7, [non_target("NT1")]), (56, [non_target("NT1", state)])]
    out = assess_json(read(criteria, tps))
    fu = follow_ups(out)[0]
    assert fu["target"] is None and fu["sum_mm"] is None
    assert fu["overall"] == expected


def test_unlisted_non_target_counts_as_not_evaluated() -> None:
    tps = [(-7, [target("T1", 50.0), non_target("NT1")]), (56, [target("T1", 30.0)])]
    fu = follow_ups(assess_json(read("RECIST1.1", tps)))[0]
    assert (fu["non_target"], fu["overall"]) == ("NE", "PR")


# -- Section 2.10: best overall response (randomisation 2023-01-01, scans q8w) ------------

def test_B1_confirmed_pr() -> None:
    out = assess_json(sums_read("RECIST1.1", [50.0, 30.0, 30.0], confirmation_required=True))
    assert out["best_overall_response"] == "PR"


def test_B2_unconfirmed_pr_followed_by_sd_is_sd() -> None:
    out = assess_json(sums_read("RECIST1.1", [50.0, 30.0, 35.5], confirmation_required=True))
    assert targets_of(out) == ["PR", "SD"]
    assert out["best_overall_response"] == "SD"


@pytest.mark.parametrize(("sd_min_days", "expected"), [(35, "SD"), (42, "PD")])
def test_B3_unconfirmed_pr_day_35_then_pd(sd_min_days: int, expected: str) -> None:
    doc = read("RECIST1.1", [(-7, [target("T1", 50.0)]), (35, [target("T1", 30.0)]),
                             (84, [target("T1", 40.0)])],
               confirmation_required=True, sd_min_days=sd_min_days)
    out = assess_json(doc)
    assert [tp["overall"] for tp in follow_ups(out)] == ["PR", "PD"]
    assert out["best_overall_response"] == expected


def test_B4_without_confirmation_sd_pr_pd_is_pr() -> None:
    out = assess_json(sums_read("RECIST1.1", [50.0, 45.0, 30.0, 40.0]))
    assert [tp["overall"] for tp in follow_ups(out)] == ["SD", "PR", "PD"]
    assert out["best_overall_response"] == "PR"


def test_B5_pr_stands_while_the_sum_drifts_up() -> None:
    out = assess_json(sums_read("RECIST1.1", [100.0, 70.0, 70.0, 80.0, 80.0],
                                confirmation_required=True))
    assert targets_of(out) == ["PR", "PR", "PR", "PR"]
    assert [tp["target_by_sums"] for tp in follow_ups(out)] == ["PR", "PR", "SD", "SD"]
    assert out["best_overall_response"] == "PR"


def test_pr_stands_also_when_a_new_lesion_makes_the_time_point_pd() -> None:
    tps = [(-7, [target("T1", 100.0)]), (56, [target("T1", 65.0)]),
           (112, [target("T1", 75.0), new("L1", 12.0, organ="lung", state="unequivocal")])]
    fu = follow_ups(assess_json(read("RECIST1.1", tps)))
    assert [tp["target_by_sums"] for tp in fu] == ["PR", "SD"]
    assert [tp["target"] for tp in fu] == ["PR", "PR"]
    assert [tp["overall"] for tp in fu] == ["PR", "PD"]


def test_pr_does_not_stand_before_confirmation() -> None:
    # PR, then SD 4 weeks later: with confirmation the SD stays SD.
    out = assess_json(sums_read("RECIST1.1", [100.0, 70.0, 80.0, 70.0],
                                confirmation_required=True))
    assert targets_of(out) == ["PR", "SD", "PR"]
    out = assess_json(sums_read("RECIST1.1", [100.0, 70.0, 80.0, 70.0]))
    assert targets_of(out) == ["PR", "PR", "PR"]


def test_confirmation_interval_boundary() -> None:
    for gap, expected in ((27, "SD"), (28, "PR")):
        doc = read("RECIST1.1", [(-7, [target("T1", 50.0)]), (56, [target("T1", 30.0)]),
                                 (56 + gap, [target("T1", 30.0)])],
                   confirmation_required=True)
        assert assess_json(doc)["best_overall_response"] == expected, gap


def test_sd_minimum_duration_boundary() -> None:
    for when, expected in ((41, "NE"), (42, "SD")):
        doc = read("RECIST1.1", [(-7, [target("T1", 50.0)]), (when, [target("T1", 45.0)])])
        assert assess_json(doc)["best_overall_response"] == expected, when


def test_early_sd_then_pd_is_pd() -> None:
    doc = read("RECIST1.1", [(-7, [target("T1", 50.0)]), (21, [target("T1", 45.0)]),
                             (77, [target("T1", 70.0)])])
    assert assess_json(doc)["best_overall_response"] == "PD"


def test_confirmed_cr() -> None:
    out = assess_json(sums_read("mRECIST", [50.0, 0.0, 0.0], confirmation_required=True))
    assert out["best_overall_response"] == "CR"
    out = assess_json(sums_read("mRECIST", [50.0, 0.0, 10.0, 10.0], confirmation_required=True))
    assert [tp["overall"] for tp in follow_ups(out)] == ["CR", "PD", "PD"]


def test_best_response_ignores_time_points_after_first_pd() -> None:
    out = assess_json(sums_read("RECIST1.1", [50.0, 62.0, 20.0]))
    assert [tp["overall"] for tp in follow_ups(out)] == ["PD", "PR"]
    assert out["best_overall_response"] == "PD"


# -- Section 3: ablation -------------------------------------------------------------------

def _ablation_read(viable_by_fu: dict[str, list[float | None]], start: int = 0,
                   fu_days: tuple[int, ...] = (30, 182)) -> dict:
    ids = list(viable_by_fu)
    tps = [(-7, [target(i, 20.0, "mRECIST", ablated=True) for i in ids])]
    for n, d in enumerate(fu_days):
        tps.append((d, [target(i, viable_by_fu[i][n], "mRECIST", ablated=True) for i in ids]))
    return read("mRECIST", tps, start_day=start)


def test_T1_technique_efficacy_per_tumour() -> None:
    out = assess_json(_ablation_read({"A": [0.0, 0.0], "B": [0.0, 0.0], "C": [7.0, 7.0]}))
    efficacy = {les["id"]: les["ablation"]["technique_efficacy"] for les in out["lesions"]}
    assert efficacy == {"A": "complete", "B": "complete", "C": "incomplete"}
    assert all(les["ablation"]["ltp_date"] is None for les in out["lesions"])


def test_T2_viable_focus_after_complete_ablation_is_ltp() -> None:
    doc = {
        "schema": "mrecist-read/1", "patient": "T2", "criteria": "mRECIST",
        "start_date": "2022-01-10",
        "timepoints": [
            {"date": "2022-01-03", "lesions": [target("T1", 20.0, "mRECIST", ablated=True)]},
            {"date": "2022-02-09", "lesions": [target("T1", 0.0, "mRECIST")]},
            {"date": "2022-07-11", "lesions": [target("T1", 9.0, "mRECIST"),
                                               new("N1", 12.0, typical_hcc_pattern=True)]},
        ],
    }
    out = assess_json(doc)
    assert out["lesions"] == [
        {"id": "T1", "ablation": {"technique_efficacy": "complete", "ltp_date": "2022-07-11"}}]
    assert out["progression"]["date"] == "2022-07-11"
    assert out["progression"]["causes"] == ["target", "new_lesion", "local_tumor_progression"]


def test_T3_residual_tumour_is_incomplete_never_ltp() -> None:
    out = assess_json(_ablation_read({"T1": [6.0, 9.0]}))
    assert out["lesions"][0]["ablation"] == {"technique_efficacy": "incomplete",
                                             "ltp_date": None}
    assert "local_tumor_progression" not in (out["progression"] or {}).get("causes", [])


def test_ablation_not_assessed_when_first_follow_up_lacks_the_lesion() -> None:
    doc = read("mRECIST", [(-7, [target("T1", 20.0, "mRECIST", ablated=True),
                                 target("T2", 20.0, "mRECIST")]),
                           (30, [target("T2", 20.0, "mRECIST")])])
    assert assess_json(doc)["lesions"][0]["ablation"]["technique_efficacy"] == "not_assessed"


def test_ablated_non_target_states() -> None:
    tps = [(-7, [target("T1", 30.0, "mRECIST"), non_target("NT1", ablated=True)]),
           (30, [target("T1", 30.0, "mRECIST"), non_target("NT1", "absent")]),
           (90, [target("T1", 30.0, "mRECIST"), non_target("NT1", "present")])]
    out = assess_json(read("mRECIST", tps))
    assert out["lesions"] == [{"id": "NT1", "ablation": {"technique_efficacy": "complete",
                                                         "ltp_date": day(90)}}]
    assert out["progression"] == {"date": day(90), "causes": ["local_tumor_progression"]}


def test_P4_ltp_is_a_progression_event_under_recist_too() -> None:
    # RECIST 1.1 read: viable_mm given alongside the long axis; LTP at day 84, no sum PD.
    base = dict(target("T1", 20.0), ablated=True, viable_mm=20.0)
    tps = [(-7, [base, target("T2", 40.0)]),
           (28, [dict(target("T1", 22.0), viable_mm=0.0), target("T2", 40.0)]),
           (84, [dict(target("T1", 22.0), viable_mm=4.0), target("T2", 40.0)])]
    out = assess_json(read("RECIST1.1", tps))
    assert [tp["overall"] for tp in follow_ups(out)] == ["SD", "SD"]
    assert out["progression"] == {"date": day(84), "causes": ["local_tumor_progression"]}


# -- Conformance warnings ----------------------------------------------------------------

def test_conformance_warnings() -> None:
    lesions = [target(f"T{i}", 20.0, organ="liver" if i < 4 else f"organ{i}") for i in range(1, 7)]
    lesions += [node("N1", 14.9), node("N2", 15.0), node("N3", 20.0)]
    lesions.append(target("SMALL", 9.9, organ="lung"))
    out = assess_json(read("RECIST1.1", [(0, lesions)]))
    codes = [w["code"] for w in out["warnings"]]
    assert codes.count("too_many_targets") == 1
    assert codes.count("too_many_targets_in_organ") == 2  # liver (3) and nodes (3)
    not_measurable = [w["message"] for w in out["warnings"]
                      if w["code"] == "target_not_measurable"]
    assert len(not_measurable) == 2
    assert any("N1" in m for m in not_measurable) and any("SMALL" in m for m in not_measurable)


def test_mrecist_target_without_enhancement_warning() -> None:
    doc = read("mRECIST", [(0, [target("T1", 0.0, "mRECIST", long_axis_mm=25.0)])])
    codes = [w["code"] for w in assess_json(doc)["warnings"]]
    assert codes == ["target_without_enhancement"]
