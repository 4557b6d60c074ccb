"""The read (input) as typed, validated, immutable values.

Built only by :func:`recist.parse.parse_read`, which checks every rule of the read format
(../shared/contracts/read-format.md). Sizes are integers in tenths of a millimetre.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from recist.thresholds import INTRAHEPATIC_ORGAN


def is_intrahepatic(organ: str) -> bool:
    """Whether ``organ`` marks an intrahepatic lesion (the contract's ``"liver"``, compared
    without case or surrounding spaces)."""
    return organ.strip().lower() == INTRAHEPATIC_ORGAN


class Criteria(StrEnum):
    MRECIST = "mRECIST"
    RECIST11 = "RECIST1.1"


class Role(StrEnum):
    TARGET = "target"
    NON_TARGET = "non_target"
    NEW = "new"


class TargetState(StrEnum):
    MEASURED = "measured"
    TOO_SMALL = "too_small"
    ABSENT = "absent"
    NOT_EVALUATED = "not_evaluated"


class NonTargetState(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    UNEQUIVOCAL_PROGRESSION = "unequivocal_progression"
    NOT_EVALUATED = "not_evaluated"


class NewState(StrEnum):
    EQUIVOCAL = "equivocal"
    UNEQUIVOCAL = "unequivocal"


class FindingKind(StrEnum):
    LESION = "lesion"
    EFFUSION = "effusion"


class Cytology(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NOT_DONE = "not_done"


class Response(StrEnum):
    """Time-point and best overall response categories, spelled as in the contract."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"
    IR_SD = "IR/SD"  # mRECIST non-target: incomplete response / stable disease
    NON_CR_NON_PD = "non-CR/non-PD"


@dataclass(frozen=True, slots=True)
class Options:
    confirmation_required: bool
    confirmation_min_days: int
    sd_min_days: int
    pd_min_increase_tenth_mm: int


class LesionEntry(NamedTuple):
    """One lesion at one time point (immutable; a NamedTuple because reads hold many).

    ``nodal``, ``ablated``, ``kind`` and ``organ`` are resolved from the lesion's first entry.
    ``state`` holds the role's state value (a TargetState, NonTargetState or NewState, or
    ``None`` for a new finding whose state was not given).
    """

    id: str
    role: Role
    organ: str
    nodal: bool
    ablated: bool
    state: TargetState | NonTargetState | NewState | None
    long_axis_tenth_mm: int | None
    short_axis_tenth_mm: int | None
    viable_tenth_mm: int | None
    typical_hcc_pattern: bool
    kind: FindingKind
    cytology: Cytology

    @property
    def intrahepatic(self) -> bool:
        return is_intrahepatic(self.organ)

    @property
    def size_tenth_mm(self) -> int | None:
        """The finding's size: short axis for nodes, long axis otherwise."""
        return self.short_axis_tenth_mm if self.nodal else self.long_axis_tenth_mm


class TimePoint(NamedTuple):
    """One time point: its date and the lesions listed, with an index by lesion id."""

    date: datetime.date
    lesions: tuple[LesionEntry, ...]
    by_id: dict[str, LesionEntry]

    @classmethod
    def of(cls, when: datetime.date, lesions: tuple[LesionEntry, ...]) -> TimePoint:
        return cls(when, lesions, {lesion.id: lesion for lesion in lesions})

    def entry(self, lesion_id: str) -> LesionEntry | None:
        return self.by_id.get(lesion_id)


@dataclass(frozen=True, slots=True)
class Read:
    """One reader's read of one patient (``mrecist-read/1``)."""

    patient: str
    reader: str | None
    criteria: Criteria
    start_date: date
    options: Options
    timepoints: tuple[TimePoint, ...]
    # Every lesion's first entry, in order of first appearance, and the index of the time
    # point that first lists it (built once by the parser).
    first_entries: dict[str, LesionEntry]
    first_seen: dict[str, int]

    def first_appearances(self, role: Role) -> dict[str, int]:
        """Lesion id -> index of the first time point listing it, for one role."""
        first = self.first_entries
        return {i: n for i, n in self.first_seen.items() if first[i].role is role}

    @property
    def baseline(self) -> TimePoint:
        return self.timepoints[0]

    @property
    def follow_ups(self) -> tuple[TimePoint, ...]:
        return self.timepoints[1:]
