"""Assess a read: every time point, best overall response, progression, ablation outcomes.

``assess(read)`` is pure: the same read always gives the same :class:`Assessment`, which
carries the human-readable reasons for every category (the sums, the reference used, the %
change and the rule that fired). ``Assessment.to_json()`` is the ``mrecist-assessment/1``
document of ../shared/contracts/read-format.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from recist.ablation import AblationOutcome, ablation_outcomes
from recist.conformance import Warning, baseline_warnings
from recist.findings import (
    assess_non_targets,
    first_appearances,
    new_lesion_reasons,
    track_new_findings,
)
from recist.model import Criteria, Options, Read, Response, Role
from recist.overall import BestResponse, best_overall_response, overall_response
from recist.parse import parse_read
from recist.targets import (
    TargetResult,
    assess_targets,
    mm,
    pct_tenths,
    target_baseline,
)

OUTPUT_SCHEMA = "mrecist-assessment/1"
CAUSE_ORDER = ("target", "non_target", "new_lesion", "local_tumor_progression")


class TimePointAssessment(NamedTuple):
    """The assessment of one time point. Sizes in tenths of a mm, percentages in tenths of a
    percent (exact values are kept; rounding happens only for display). Immutable."""

    date: datetime.date
    days_from_start: int
    is_baseline: bool
    sum_tenth_mm: int | None
    baseline_sum_tenth_mm: int | None
    nadir_sum_tenth_mm: int | None
    nadir_date: datetime.date | None
    change_from_baseline_pct_tenths: int | None
    change_from_nadir_pct_tenths: int | None
    target: Response | None
    target_by_sums: Response | None  # before the 'PR stands' rule (policy 8; A3)
    non_target: Response | None
    new_lesions: bool | None
    overall: Response | None
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        def tenths(value: int | None) -> float | None:
            return None if value is None else value / 10

        out: dict[str, Any] = {"date": self.date.isoformat(), "sum_mm": tenths(self.sum_tenth_mm)}
        if not self.is_baseline:
            out["baseline_sum_mm"] = tenths(self.baseline_sum_tenth_mm)
            out["nadir_sum_mm"] = tenths(self.nadir_sum_tenth_mm)
            out["change_from_baseline_pct"] = tenths(self.change_from_baseline_pct_tenths)
            out["change_from_nadir_pct"] = tenths(self.change_from_nadir_pct_tenths)
        out["target"] = self.target.value if self.target else None
        out["non_target"] = self.non_target.value if self.non_target else None
        out["new_lesions"] = self.new_lesions
        out["overall"] = self.overall.value if self.overall else None
        if not self.is_baseline:
            out["reasons"] = list(self.reasons)
            out["days_from_start"] = self.days_from_start
            out["nadir_date"] = self.nadir_date.isoformat() if self.nadir_date else None
            out["target_by_sums"] = self.target_by_sums.value if self.target_by_sums else None
        return out


@dataclass(frozen=True, slots=True)
class Progression:
    date: date
    causes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "causes": list(self.causes)}


@dataclass(frozen=True, slots=True)
class Assessment:
    patient: str
    reader: str | None
    criteria: Criteria
    options: Options
    timepoints: tuple[TimePointAssessment, ...]
    best: BestResponse
    progression: Progression | None
    ablation: tuple[AblationOutcome, ...]
    warnings: tuple[Warning, ...]

    @property
    def best_overall_response(self) -> Response:
        return self.best.response

    def to_json(self) -> dict[str, Any]:
        """The ``mrecist-assessment/1`` document."""
        out: dict[str, Any] = {
            "schema": OUTPUT_SCHEMA,
            "patient": self.patient,
            "criteria": self.criteria.value,
            "timepoints": [tp.to_json() for tp in self.timepoints],
            "best_overall_response": self.best.response.value,
            "progression": self.progression.to_json() if self.progression else None,
            "lesions": [
                {"id": outcome.lesion_id, "ablation": outcome.to_json()}
                for outcome in self.ablation
            ],
            "warnings": [w.to_json() for w in self.warnings],
        }
        if self.reader is not None:
            out["reader"] = self.reader
        out["best_overall_response_reason"] = self.best.reason
        out["options"] = {
            "confirmation_required": self.options.confirmation_required,
            "confirmation_min_days": self.options.confirmation_min_days,
            "sd_min_days": self.options.sd_min_days,
            "pd_min_increase_mm": self.options.pd_min_increase_tenth_mm / 10,
        }
        return out


def _pr_stands_from(
    raw: list[Response | None], dates: list[date], first_pd: int | None, options: Options
) -> int | None:
    """Index of the follow-up from which a PR stands (policy 8), or ``None``.

    ``raw`` holds the target response by the sums for each follow-up. Without confirmation,
    a PR (or CR) stands from its first time point; with confirmation, from the first later
    time point, before the first overall PD and at least ``confirmation_min_days`` after, that
    itself meets the PR (or CR) threshold.
    """
    responding = (Response.PR, Response.CR)
    if not options.confirmation_required:
        return next((i for i, response in enumerate(raw) if response in responding), None)
    end = len(raw) if first_pd is None else first_pd
    for i in range(end):
        if raw[i] not in responding:
            continue
        for j in range(i + 1, end):
            if raw[j] in responding and (dates[j] - dates[i]).days >= (
                options.confirmation_min_days
            ):
                return j
    return None


def assess(read: Read) -> Assessment:
    """Assess a validated read (see :func:`recist.parse.parse_read`)."""
    criteria = read.criteria
    options = read.options
    base = target_baseline(read.baseline, criteria)
    nt_first = first_appearances(read, Role.NON_TARGET)
    findings = track_new_findings(read)
    dates = [tp.date for tp in read.timepoints]
    date_texts = [d.isoformat() for d in dates]

    baseline_sum = base.sum_tenth_mm
    nadir = baseline_sum
    nadir_index = 0
    after_overall_cr = False
    targets: list[TargetResult | None] = []
    non_targets: list[Response | None] = []
    nt_reasons: list[tuple[str, ...]] = []
    new_flags: list[bool] = []
    new_reasons: list[tuple[str, ...]] = []
    overall: list[Response] = []
    overall_reasons: list[str] = []
    nadirs: list[tuple[int | None, int]] = []

    for index in range(1, len(read.timepoints)):
        tp = read.timepoints[index]
        nadirs.append((nadir, nadir_index))
        target: TargetResult | None = None
        if baseline_sum is not None and nadir is not None:
            nadir_label = f"{mm(nadir)} mm ({date_texts[nadir_index]})"
            target = assess_targets(
                tp, base, criteria, nadir, nadir_label,
                options.pd_min_increase_tenth_mm, after_overall_cr,
            )
            if target.sum_tenth_mm is not None and target.sum_tenth_mm < nadir:
                nadir, nadir_index = target.sum_tenth_mm, index
        nt = assess_non_targets(read, index, nt_first)
        counts, why_new = new_lesion_reasons(findings, index, date_texts)
        result, why = overall_response(target.response if target else None, nt.response, counts)
        targets.append(target)
        non_targets.append(nt.response)
        nt_reasons.append(nt.reasons)
        new_flags.append(counts)
        new_reasons.append(why_new)
        overall.append(result)
        overall_reasons.append(why)
        after_overall_cr = after_overall_cr or result is Response.CR

    follow_dates = dates[1:]
    first_pd = next((i for i, r in enumerate(overall) if r is Response.PD), None)
    raw = [t.response if t else None for t in targets]
    stands = _pr_stands_from(raw, follow_dates, first_pd, options)

    timepoints = [
        TimePointAssessment(
            dates[0], (dates[0] - read.start_date).days, True, baseline_sum, baseline_sum,
            baseline_sum, dates[0], None, None, None, None, None, None, None,
            (f"baseline sum {mm(baseline_sum)} mm" if baseline_sum is not None
             else "baseline: non-target disease only",),
        )
    ]
    for i, target in enumerate(targets):
        target_response = raw[i]
        reasons: list[str] = list(target.reasons) if target else []
        overall_i, why = overall[i], overall_reasons[i]
        if stands is not None and stands < i and target_response is Response.SD:
            target_response = Response.PR
            reasons.append(
                f"target PR: a PR stands since {follow_dates[stands]} and the sums do not "
                "meet PD (RECIST Working Group FAQ, policy 8)"
            )
            overall_i, why = overall_response(Response.PR, non_targets[i], new_flags[i])
        reasons.extend(nt_reasons[i])
        reasons.extend(new_reasons[i])
        reasons.append(why)
        total = target.sum_tenth_mm if target else None
        nadir_i, nadir_index_i = nadirs[i]
        timepoints.append(
            TimePointAssessment(
                date=follow_dates[i],
                days_from_start=(follow_dates[i] - read.start_date).days,
                is_baseline=False,
                sum_tenth_mm=total,
                baseline_sum_tenth_mm=baseline_sum,
                nadir_sum_tenth_mm=nadir_i,
                nadir_date=dates[nadir_index_i] if nadir_i is not None else None,
                change_from_baseline_pct_tenths=(
                    pct_tenths(total, baseline_sum)
                    if total is not None and baseline_sum is not None else None
                ),
                change_from_nadir_pct_tenths=(
                    pct_tenths(total, nadir_i)
                    if total is not None and nadir_i is not None else None
                ),
                target=target_response,
                target_by_sums=raw[i],
                non_target=non_targets[i],
                new_lesions=new_flags[i],
                overall=overall_i,
                reasons=tuple(reasons),
            )
        )

    best = best_overall_response(
        [(tp.date, tp.overall) for tp in timepoints[1:] if tp.overall is not None],
        read.start_date,
        options.sd_min_days,
        options.confirmation_required,
        options.confirmation_min_days,
        non_target_only=baseline_sum is None,
    )

    outcomes = ablation_outcomes(read)
    events: list[tuple[date, str]] = []
    if first_pd is not None:
        tp_pd = timepoints[first_pd + 1]
        if tp_pd.target is Response.PD:
            events.append((tp_pd.date, "target"))
        if tp_pd.non_target is Response.PD:
            events.append((tp_pd.date, "non_target"))
    for finding in findings:
        if finding.counted_from is not None and finding.dated_to is not None:
            events.append((dates[finding.dated_to], "new_lesion"))
    for outcome in outcomes:
        if outcome.ltp_date is not None:
            events.append((outcome.ltp_date, "local_tumor_progression"))
    progression = None
    if events:
        first_date = min(when for when, _ in events)
        causes = {cause for when, cause in events if when == first_date}
        progression = Progression(first_date, tuple(c for c in CAUSE_ORDER if c in causes))

    return Assessment(
        patient=read.patient,
        reader=read.reader,
        criteria=criteria,
        options=options,
        timepoints=tuple(timepoints),
        best=best,
        progression=progression,
        ablation=tuple(outcomes),
        warnings=tuple(baseline_warnings(read)),
    )


def assess_json(obj: Any) -> dict[str, Any]:
    """Validate a decoded read document and return the assessment document.

    Raises :class:`recist.parse.ReadError` for invalid input.
    """
    return assess(parse_read(obj)).to_json()
