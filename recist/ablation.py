"""Ablation outcomes per ablated lesion: technique efficacy and local tumour progression.

Terms of Ahmed et al., Radiology 2014;273:241 (criteria.md 3.2) as decided by contract
policy 15: the first follow-up after the ablation decides technique efficacy (complete /
incomplete = residual unablated tumour, never LTP / not assessed); viable tissue at a later
follow-up after an earlier follow-up that showed none is local tumour progression (LTP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from recist.model import LesionEntry, NonTargetState, Read, Role, TargetState


class TechniqueEfficacy(StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    NOT_ASSESSED = "not_assessed"


def viable_tissue(entry: LesionEntry | None) -> bool | None:
    """True: viable tissue; False: none; None: unknown (policy 15)."""
    if entry is None:
        return None
    if entry.role is Role.TARGET:
        if entry.state is TargetState.TOO_SMALL:
            return True
        if entry.state is TargetState.ABSENT:
            return False
        if entry.state is TargetState.MEASURED and entry.viable_tenth_mm is not None:
            return entry.viable_tenth_mm > 0
        return None
    if entry.role is Role.NON_TARGET:
        if entry.state in (NonTargetState.PRESENT, NonTargetState.UNEQUIVOCAL_PROGRESSION):
            return True
        if entry.state is NonTargetState.ABSENT:
            return False
    return None


@dataclass(frozen=True, slots=True)
class AblationOutcome:
    lesion_id: str
    technique_efficacy: TechniqueEfficacy
    ltp_date: date | None
    first_follow_up: date | None
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "technique_efficacy": self.technique_efficacy.value,
            "ltp_date": self.ltp_date.isoformat() if self.ltp_date else None,
        }


def ablation_outcomes(read: Read) -> list[AblationOutcome]:
    """One outcome per ablated lesion, in order of first appearance."""
    ablated = [
        lesion_id
        for lesion_id, entry in read.first_entries.items()
        if entry.ablated and entry.role is not Role.NEW
    ]
    # Follow-ups after the ablation (start_date); a scan on the day itself is peri-procedural.
    follow_ups = [tp for tp in read.follow_ups if tp.date > read.start_date]
    outcomes = []
    for lesion_id in ablated:
        reasons: list[str] = []
        if not follow_ups:
            outcomes.append(
                AblationOutcome(
                    lesion_id, TechniqueEfficacy.NOT_ASSESSED, None, None,
                    (f"{lesion_id}: no follow-up after the ablation on {read.start_date}",),
                )
            )
            continue
        first = follow_ups[0]
        status = viable_tissue(first.entry(lesion_id))
        if status is None:
            efficacy = TechniqueEfficacy.NOT_ASSESSED
            reasons.append(
                f"{lesion_id}: viable tissue unknown at the first follow-up {first.date}"
            )
        elif status:
            efficacy = TechniqueEfficacy.INCOMPLETE
            reasons.append(
                f"{lesion_id}: viable tissue at the first follow-up {first.date}: residual "
                "unablated tumour (incomplete ablation, not LTP)"
            )
        else:
            efficacy = TechniqueEfficacy.COMPLETE
            reasons.append(f"{lesion_id}: no viable tissue at the first follow-up {first.date}")
        ltp: date | None = None
        seen_clear = status is False
        for tp in follow_ups[1:]:
            status = viable_tissue(tp.entry(lesion_id))
            if status is True and seen_clear:
                ltp = tp.date
                reasons.append(
                    f"{lesion_id}: viable tissue on {tp.date} after a follow-up without any: "
                    f"local tumour progression, {(tp.date - read.start_date).days} days "
                    "after the ablation"
                )
                break
            if status is False:
                seen_clear = True
        outcomes.append(AblationOutcome(lesion_id, efficacy, ltp, first.date, tuple(reasons)))
    return outcomes
