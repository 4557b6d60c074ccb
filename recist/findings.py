"""Non-target lesions and new findings.

Non-target response per time point (criteria.md 1.6 and 2.6; policy 9) and, per new finding,
the time point from which it counts as progression and the date progression is dated back
to (criteria.md 1.7, 1.8, 2.7; policies 10 and 11).
"""

from __future__ import annotations

from dataclasses import dataclass

from recist.model import (
    Criteria,
    Cytology,
    FindingKind,
    LesionEntry,
    NewState,
    NonTargetState,
    Read,
    Response,
    Role,
)
from recist.targets import mm
from recist.thresholds import MRECIST_NEW_LESION_GROWTH_TENTH_MM, MRECIST_NEW_LESION_MIN_TENTH_MM


@dataclass(frozen=True, slots=True)
class NonTargetResult:
    response: Response | None  # None when the read has no non-target lesions yet
    reasons: tuple[str, ...]


def assess_non_targets(
    read: Read, index: int, first_seen: dict[str, int]
) -> NonTargetResult:
    """Non-target response at follow-up ``index``: PD if any shows unequivocal progression,
    else NE if any is not evaluated (or not listed, policy 9), else CR if all are gone, else
    IR/SD (mRECIST) or non-CR/non-PD (RECIST 1.1)."""
    get = read.timepoints[index].by_id.get
    states: list[tuple[str, NonTargetState]] = []
    unlisted: list[str] = []
    for lesion_id, first in first_seen.items():
        if first <= index:
            entry = get(lesion_id)
            if entry is None:
                unlisted.append(lesion_id)
                states.append((lesion_id, NonTargetState.NOT_EVALUATED))
            else:
                states.append((lesion_id, entry.state))  # type: ignore[arg-type]
    if not states:
        return NonTargetResult(None, ())
    kinds = {state for _, state in states}
    listing = "non-targets: " + ", ".join(
        [f"{i} {s.value.replace('_', ' ')}" for i, s in states])

    def ids(wanted: NonTargetState) -> str:
        return ", ".join([i for i, s in states if s is wanted])

    if NonTargetState.UNEQUIVOCAL_PROGRESSION in kinds:
        return NonTargetResult(Response.PD, (
            listing,
            "non-target PD: unequivocal progression of "
            + ids(NonTargetState.UNEQUIVOCAL_PROGRESSION),
        ))
    if NonTargetState.NOT_EVALUATED in kinds:
        note = f" ({', '.join(unlisted)} not listed at this time point)" if unlisted else ""
        return NonTargetResult(Response.NE, (
            listing, f"non-target NE: {ids(NonTargetState.NOT_EVALUATED)} not evaluated{note}"))
    if len(kinds) == 1 and NonTargetState.ABSENT in kinds:
        gone = (
            "intratumoral arterial enhancement gone from all non-targets"
            if read.criteria is Criteria.MRECIST
            else "all non-target lesions gone"
        )
        return NonTargetResult(Response.CR, (listing, f"non-target CR: {gone}"))
    if read.criteria is Criteria.MRECIST:
        return NonTargetResult(Response.IR_SD, (
            listing,
            "non-target IR/SD: arterial enhancement persists in " + ids(NonTargetState.PRESENT),
        ))
    return NonTargetResult(Response.NON_CR_NON_PD, (
        listing, f"non-target non-CR/non-PD: {ids(NonTargetState.PRESENT)} persist"))


@dataclass(frozen=True, slots=True)
class NewFinding:
    """The history of one new finding across the read.

    ``counted_from`` is the index of the first time point at which it counts as progression
    (``None`` if it never does); ``dated_to`` the index progression is dated back to
    (policy 11); ``notes`` one explanation per time point index where it is listed.
    """

    id: str
    first_seen: int
    counted_from: int | None
    dated_to: int | None
    why_counted: str
    notes: dict[int, str]


def _describe(entry: LesionEntry) -> str:
    where = "intrahepatic" if entry.intrahepatic else entry.organ
    if entry.kind is FindingKind.EFFUSION:
        return f"new effusion {entry.id} ({entry.organ})"
    return f"new {where} lesion {entry.id}"


def _size_text(size: int | None) -> str:
    return "size not given" if size is None else f"{mm(size)} mm"


def track_new_findings(read: Read) -> list[NewFinding]:
    """Decide, for every new finding, when it counts and to which date it is dated."""
    entries: dict[str, list[tuple[int, LesionEntry]]] = {}
    timepoints = read.timepoints
    for lesion_id, first in read.first_seen.items():
        if read.first_entries[lesion_id].role is Role.NEW:
            history = entries[lesion_id] = []
            for index in range(first, len(timepoints)):
                entry = timepoints[index].by_id.get(lesion_id)
                if entry is not None:
                    history.append((index, entry))
    findings: list[NewFinding] = []
    mrecist = read.criteria is Criteria.MRECIST
    for lesion_id, history in entries.items():
        first_index, first_entry = history[0]
        counted: int | None = None
        dated: int | None = None
        why = ""
        notes: dict[int, str] = {}
        label = _describe(first_entry)
        if first_entry.kind is FindingKind.EFFUSION:
            # Counts only from the first positive cytology; never back-dated (policy 10).
            for index, entry in history:
                if entry.cytology is Cytology.POSITIVE:
                    counted = dated = index
                    why = f"{label}: cytology positive for malignancy"
                    notes[index] = why
                    break
                notes[index] = (
                    f"{label}: cytology {entry.cytology.value.replace('_', ' ')}; an effusion "
                    "counts only when cytology proves it malignant"
                )
        elif mrecist and first_entry.intrahepatic:
            # mRECIST intrahepatic: >= 10 mm with the typical HCC pattern, or growth >= 10 mm
            # since first seen; the reader's state is not used (policy 10).
            first_size = first_entry.size_tenth_mm
            for index, entry in history:
                size = entry.size_tenth_mm
                grown = (
                    size is not None
                    and first_size is not None
                    and size - first_size >= MRECIST_NEW_LESION_GROWTH_TENTH_MM
                )
                typical = (
                    size is not None
                    and size >= MRECIST_NEW_LESION_MIN_TENTH_MM
                    and entry.typical_hcc_pattern
                )
                if typical or grown:
                    counted = index
                    if typical:
                        why = f"{label}: {mm(size or 0)} mm with typical HCC pattern"
                    else:
                        why = (
                            f"{label}: grew {mm((size or 0) - (first_size or 0))} mm since "
                            f"first seen ({mm(first_size or 0)} -> {mm(size or 0)} mm)"
                        )
                    notes[index] = why
                    break
                pattern = "typical HCC pattern" if entry.typical_hcc_pattern else (
                    "no typical HCC pattern"
                )
                notes[index] = (
                    f"{label}: {_size_text(size)}, {pattern}: not progression yet "
                    "(needs >= 10 mm with arterial hyperenhancement and washout, "
                    "or growth >= 10 mm)"
                )
            if counted is not None:
                for index, entry in history:
                    size = entry.size_tenth_mm
                    if size is not None and size >= MRECIST_NEW_LESION_MIN_TENTH_MM:
                        dated = index
                        break
        else:
            for index, entry in history:
                if entry.state is NewState.UNEQUIVOCAL:
                    counted = index
                    dated = first_index
                    why = f"{label}: unequivocal ({_size_text(entry.size_tenth_mm)})"
                    notes[index] = why
                    break
                notes[index] = f"{label}: equivocal, not progression until unequivocal"
        findings.append(NewFinding(lesion_id, first_index, counted, dated, why, notes))
    return findings


def new_lesion_reasons(
    findings: list[NewFinding], index: int, dates: list[str]
) -> tuple[bool, tuple[str, ...]]:
    """Whether new findings count as progression at time point ``index``, with reasons."""
    counts = False
    reasons: list[str] = []
    for finding in findings:
        if finding.counted_from is not None and finding.counted_from <= index:
            counts = True
            if finding.counted_from == index:
                reason = finding.why_counted
                if finding.dated_to is not None and finding.dated_to < index:
                    reason += (
                        f"; progression dated back to {dates[finding.dated_to]}, "
                        "when it was first seen (policy 11)"
                    )
                reasons.append(reason)
            else:
                reasons.append(
                    f"{finding.id} counted as progression since "
                    f"{dates[finding.counted_from]} and keeps counting"
                )
        elif index in finding.notes:
            reasons.append(finding.notes[index])
    return counts, tuple(reasons)
