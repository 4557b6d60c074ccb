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


class _StandingPR:
    """Policy 8: once a PR stands, a later follow-up whose target response by the sums would
    be SD is PR instead (RECIST Working Group FAQ; a CR also makes a PR stand; NE stays NE).

    Without ``confirmation_required`` a PR (or CR) stands from its first follow-up. With it,
    from the first later follow-up, before the first overall PD and at least
    ``confirmation_min_days`` after, that itself meets the PR (or CR) threshold. Both only look
    back, so the rule is applied in the same single pass as the rest.
    """

    __slots__ = ("options", "since", "responding", "pd_seen")

    def __init__(self, options: Options) -> None:
        self.options = options
        self.since: date | None = None  # the date from which the PR stands
        self.responding: list[date] = []  # earlier follow-ups meeting PR/CR, unconfirmed
        self.pd_seen = False

    def applies(self, by_sums: Response | None) -> bool:
        return self.since is not None and by_sums is Response.SD

    def record(self, when: date, by_sums: Response | None, overall: Response) -> None:
        if self.since is None and by_sums in (Response.PR, Response.CR):
            if not self.options.confirmation_required:
                self.since = when
            elif not self.pd_seen and overall is not Response.PD:
                minimum = self.options.confirmation_min_days
                if any((when - first).days >= minimum for first in self.responding):
                    self.since = when
                self.responding.append(when)
        if overall is Response.PD:
            self.pd_seen = True


def assess(read: Read) -> Assessment:
    """Assess a validated read (see :func:`recist.parse.parse_read`)."""
    criteria = read.criteria
    options = read.options
    start_date = read.start_date
    base = target_baseline(read.baseline, criteria)
    nt_first = read.first_appearances(Role.NON_TARGET)
    findings = track_new_findings(read)
    dates = [tp.date for tp in read.timepoints]
    date_texts = [d.isoformat() for d in dates]

    baseline_sum = base.sum_tenth_mm
    nadir = baseline_sum
    nadir_index = 0
    floor = options.pd_min_increase_tenth_mm
    after_overall_cr = False
    standing = _StandingPR(options)
    first_pd: TimePointAssessment | None = None
    timepoints = [
        TimePointAssessment(
            dates[0], (dates[0] - start_date).days, True, baseline_sum, baseline_sum,
            baseline_sum, dates[0], None, None, None, None, None, None, None,
            (f"baseline sum {mm(baseline_sum)} mm" if baseline_sum is not None
             else "baseline: non-target disease only",),
        )
    ]
    for index in range(1, len(read.timepoints)):
        tp = read.timepoints[index]
        when = dates[index]
        reasons: list[str] = []
        target: TargetResult | None = None
        by_sums: Response | None = None
        nadir_before, nadir_index_before = nadir, nadir_index
        if nadir is not None:
            target = assess_targets(
                tp, base, criteria, nadir, f"{mm(nadir)} mm ({date_texts[nadir_index]})",
                floor, after_overall_cr,
            )
            by_sums = target.response
            reasons.extend(target.reasons)
            if target.sum_tenth_mm is not None and target.sum_tenth_mm < nadir:
                nadir, nadir_index = target.sum_tenth_mm, index
        nt = assess_non_targets(read, index, nt_first)
        counts, why_new = new_lesion_reasons(findings, index, date_texts)
        overall, why = overall_response(by_sums, nt.response, counts)
        target_response = by_sums
        if standing.applies(by_sums):
            target_response = Response.PR
            reasons.append(
                f"target PR: a PR stands since {standing.since} and the sums do not meet PD "
                "(RECIST Working Group FAQ, policy 8)"
            )
            overall, why = overall_response(Response.PR, nt.response, counts)
        standing.record(when, by_sums, overall)
        if overall is Response.CR:
            after_overall_cr = True
        reasons.extend(nt.reasons)
        reasons.extend(why_new)
        reasons.append(why)
        total = target.sum_tenth_mm if target else None
        assessed = TimePointAssessment(
            when,
            (when - start_date).days,
            False,
            total,
            baseline_sum,
            nadir_before,
            dates[nadir_index_before] if nadir_before is not None else None,
            None if total is None else pct_tenths(total, baseline_sum),  # type: ignore[arg-type]
            None if total is None else pct_tenths(total, nadir_before),  # type: ignore[arg-type]
            target_response,
            by_sums,
            nt.response,
            counts,
            overall,
            tuple(reasons),
        )
        timepoints.append(assessed)
        if first_pd is None and overall is Response.PD:
            first_pd = assessed

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
        if first_pd.target is Response.PD:
            events.append((first_pd.date, "target"))
        if first_pd.non_target is Response.PD:
            events.append((first_pd.date, "non_target"))
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
