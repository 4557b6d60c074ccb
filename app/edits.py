"""Edits of the reading document: commands as data (Qt-free).

Each user change is a frozen dataclass holding absolute before/after states, never deltas.
:func:`apply_edit` is pure: ``apply_edit(study, edit) -> (new_study, inverse_edit)``; undo is
applying the inverse. Each edit has a human ``label`` for the undo menu and the audit trail
("Measure T1 at 2026-02-16"). ``app.undo`` wraps these in a ``QUndoCommand``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from app.document import (
    CYTOLOGY_VALUES,
    KIND_VALUES,
    STATES_BY_ROLE,
    Criteria,
    EditConflictError,
    EditError,
    Lesion,
    Measurement,
    ReadOptions,
    Role,
    Study,
    TimePoint,
)

__all__ = [
    "AddLesion",
    "AddTimePoint",
    "Edit",
    "RemoveLesion",
    "RemoveTimePoint",
    "SetCriteria",
    "SetLesionAttributes",
    "SetLesionState",
    "SetMeasurement",
    "SetOptions",
    "SetStartDate",
    "SetTimePointSeries",
    "apply_edit",
]


@dataclass(frozen=True)
class AddTimePoint:
    """Add a time point (with any entries it carries); its place follows from its date."""

    time_point: TimePoint

    @property
    def label(self) -> str:
        return f"Add time point {self.time_point.date.isoformat()}"


@dataclass(frozen=True)
class RemoveTimePoint:
    """Remove a time point; holds its full content so the inverse can restore it."""

    time_point: TimePoint

    @property
    def label(self) -> str:
        return f"Remove time point {self.time_point.date.isoformat()}"


@dataclass(frozen=True)
class SetTimePointSeries:
    """Change which series is which contrast phase at one time point."""

    date: date
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        return f"Assign series at {self.date.isoformat()}"


@dataclass(frozen=True)
class AddLesion:
    """Add a lesion at ``position`` in the lesion list, with its entries ``(date, entry)``."""

    lesion: Lesion
    position: int
    measurements: tuple[tuple[date, Measurement], ...] = ()

    @property
    def label(self) -> str:
        return f"Add {self.lesion.lesion_id}"


@dataclass(frozen=True)
class RemoveLesion:
    """Remove a lesion and all its entries (held here so the inverse restores them)."""

    lesion: Lesion
    position: int
    measurements: tuple[tuple[date, Measurement], ...] = ()

    @property
    def label(self) -> str:
        return f"Remove {self.lesion.lesion_id}"


@dataclass(frozen=True)
class SetLesionAttributes:
    """Change a lesion's organ, nodal, ablated or kind (id, role and tracking UID are fixed)."""

    before: Lesion
    after: Lesion

    @property
    def label(self) -> str:
        return f"Edit {self.after.lesion_id}"


@dataclass(frozen=True)
class SetMeasurement:
    """Set one lesion entry at one time point; ``None`` means "no entry"."""

    lesion_id: str
    date: date
    before: Measurement | None
    after: Measurement | None

    @property
    def label(self) -> str:
        verb = "Clear" if self.after is None else "Measure"
        return f"{verb} {self.lesion_id} at {self.date.isoformat()}"


@dataclass(frozen=True)
class SetLesionState:
    """Set the ``state`` of an existing lesion entry (``None``: the contract default)."""

    lesion_id: str
    date: date
    before: str | None
    after: str | None

    @property
    def label(self) -> str:
        state = "default state" if self.after is None else self.after.replace("_", " ")
        return f"Mark {self.lesion_id} {state} at {self.date.isoformat()}"


@dataclass(frozen=True)
class SetCriteria:
    """Switch the read between mRECIST and RECIST 1.1."""

    before: Criteria
    after: Criteria

    @property
    def label(self) -> str:
        return f"Set criteria to {self.after}"


@dataclass(frozen=True)
class SetStartDate:
    """Change the treatment start date."""

    before: date
    after: date

    @property
    def label(self) -> str:
        return f"Set start date to {self.after.isoformat()}"


@dataclass(frozen=True)
class SetOptions:
    """Change the assessment options."""

    before: ReadOptions
    after: ReadOptions

    @property
    def label(self) -> str:
        return "Set assessment options"


Edit = (
    AddTimePoint
    | RemoveTimePoint
    | SetTimePointSeries
    | AddLesion
    | RemoveLesion
    | SetLesionAttributes
    | SetMeasurement
    | SetLesionState
    | SetCriteria
    | SetStartDate
    | SetOptions
)
#: Every edit class, by name (used to (de)serialise edits for the audit trail).
EDIT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        AddTimePoint,
        RemoveTimePoint,
        SetTimePointSeries,
        AddLesion,
        RemoveLesion,
        SetLesionAttributes,
        SetMeasurement,
        SetLesionState,
        SetCriteria,
        SetStartDate,
        SetOptions,
    )
}


def _check(current: object, before: object, after: object, what: str) -> None:
    """Accept ``current == before`` (normal) or ``== after`` (re-applying is harmless)."""
    if current != before and current != after:
        raise EditConflictError(f"{what}: the document does not hold the edit's before state")


def _check_entry(study: Study, lesion: Lesion, entry: Measurement) -> None:
    """Raise EditError when ``entry`` has values the contract does not allow."""
    where = f"{lesion.lesion_id}"
    if entry.lesion_id != lesion.lesion_id:
        raise EditError(f"{where}: entry belongs to {entry.lesion_id}")
    for name, value in (
        ("long_axis_mm", entry.long_axis_mm),
        ("short_axis_mm", entry.short_axis_mm),
        ("viable_mm", entry.viable_mm),
    ):
        if value is not None and (
            isinstance(value, bool) or not math.isfinite(value) or value < 0
        ):
            raise EditError(f"{where}.{name}: must be a number >= 0, got {value!r}")
    if entry.state is not None and entry.state not in STATES_BY_ROLE[lesion.role]:
        allowed = ", ".join(STATES_BY_ROLE[lesion.role])
        raise EditError(f"{where}.state: {entry.state!r} is not one of {allowed}")
    if entry.cytology is not None and entry.cytology not in CYTOLOGY_VALUES:
        raise EditError(f"{where}.cytology: {entry.cytology!r} is not allowed")


def _check_lesion(lesion: Lesion) -> None:
    if not isinstance(lesion.role, Role):
        raise EditError(f"{lesion.lesion_id}.role: {lesion.role!r} is not a role")
    if lesion.kind is not None and lesion.kind not in KIND_VALUES:
        raise EditError(f"{lesion.lesion_id}.kind: {lesion.kind!r} is not allowed")


def _with_entry(study: Study, day: date, entry: Measurement | None, lesion_id: str) -> Study:
    """Return ``study`` with the entry of ``lesion_id`` at ``day`` replaced (None: removed)."""
    timepoints = []
    order = {lesion.lesion_id: i for i, lesion in enumerate(study.lesions)}
    for tp in study.timepoints:
        if tp.date == day:
            kept = [m for m in tp.measurements if m.lesion_id != lesion_id]
            if entry is not None:
                kept.append(entry)
            kept.sort(key=lambda m: order[m.lesion_id])
            tp = replace(tp, measurements=tuple(kept))
        timepoints.append(tp)
    return replace(study, timepoints=tuple(timepoints))


def _require_timepoint(study: Study, day: date) -> TimePoint:
    tp = study.timepoint(day)
    if tp is None:
        raise EditError(f"no time point dated {day.isoformat()}")
    return tp


def _require_lesion(study: Study, lesion_id: str) -> Lesion:
    lesion = study.lesion(lesion_id)
    if lesion is None:
        raise EditError(f"no lesion {lesion_id!r}")
    return lesion


def apply_edit(study: Study, edit: Edit) -> tuple[Study, Edit]:
    """Apply ``edit`` to ``study``; pure.

    Parameters
    ----------
    study : Study
        The state before.
    edit : Edit
        Any edit of this module.

    Returns
    -------
    (Study, Edit)
        The state after, and the inverse edit (applying it to the state after gives back
        ``study``).

    Raises
    ------
    EditError
        The edit does not fit ``study`` (unknown lesion or date, invalid value, duplicate).
    EditConflictError
        The edit's ``before`` state is not what ``study`` holds.
    """
    match edit:
        case SetMeasurement(lesion_id, day, before, after):
            lesion = _require_lesion(study, lesion_id)
            _require_timepoint(study, day)
            _check(study.measurement(lesion_id, day), before, after, edit.label)
            if after is not None:
                _check_entry(study, lesion, after)
            return _with_entry(study, day, after, lesion_id), SetMeasurement(
                lesion_id, day, after, before
            )
        case SetLesionState(lesion_id, day, before, after):
            lesion = _require_lesion(study, lesion_id)
            entry = study.measurement(lesion_id, day)
            if entry is None:
                raise EditError(f"{edit.label}: {lesion_id} has no entry at {day.isoformat()}")
            _check(entry.state, before, after, edit.label)
            new_entry = replace(entry, state=after)
            _check_entry(study, lesion, new_entry)
            return _with_entry(study, day, new_entry, lesion_id), SetLesionState(
                lesion_id, day, after, before
            )
        case AddLesion(lesion, position, measurements):
            _check_lesion(lesion)
            if study.lesion(lesion.lesion_id) is not None:
                raise EditError(f"{edit.label}: lesion {lesion.lesion_id} exists already")
            if any(x.tracking_uid == lesion.tracking_uid for x in study.lesions):
                raise EditError(f"{edit.label}: tracking UID {lesion.tracking_uid} in use")
            if not 0 <= position <= len(study.lesions):
                raise EditError(f"{edit.label}: position {position} out of range")
            lesions = study.lesions[:position] + (lesion,) + study.lesions[position:]
            new = replace(study, lesions=lesions)
            for day, entry in measurements:
                _require_timepoint(new, day)
                _check_entry(new, lesion, entry)
                new = _with_entry(new, day, entry, lesion.lesion_id)
            return new, RemoveLesion(lesion, position, measurements)
        case RemoveLesion(lesion, position, measurements):
            current = _require_lesion(study, lesion.lesion_id)
            entries = tuple(
                (tp.date, m)
                for tp in study.timepoints
                if (m := tp.measurement(lesion.lesion_id)) is not None
            )
            if (
                current != lesion
                or study.lesion_position(lesion.lesion_id) != position
                or entries != measurements
            ):
                raise EditConflictError(f"{edit.label}: the lesion or its entries changed")
            timepoints = tuple(
                replace(
                    tp,
                    measurements=tuple(
                        m for m in tp.measurements if m.lesion_id != lesion.lesion_id
                    ),
                )
                for tp in study.timepoints
            )
            lesions = study.lesions[:position] + study.lesions[position + 1 :]
            new = replace(study, lesions=lesions, timepoints=timepoints)
            return new, AddLesion(lesion, position, measurements)
        case SetLesionAttributes(before, after):
            current = _require_lesion(study, before.lesion_id)
            fixed = ("lesion_id", "role", "tracking_uid")
            if any(getattr(before, f) != getattr(after, f) for f in fixed):
                raise EditError(f"{edit.label}: id, role and tracking UID cannot change")
            _check(current, before, after, edit.label)
            _check_lesion(after)
            position = study.lesion_position(before.lesion_id)
            lesions = study.lesions[:position] + (after,) + study.lesions[position + 1 :]
            return replace(study, lesions=lesions), SetLesionAttributes(after, before)
        case AddTimePoint(tp):
            if study.timepoint(tp.date) is not None:
                raise EditError(f"{edit.label}: a time point with that date exists")
            if len({phase for phase, _ in tp.series}) != len(tp.series):
                raise EditError(f"{edit.label}: a phase is assigned twice")
            order = {lesion.lesion_id: i for i, lesion in enumerate(study.lesions)}
            for entry in tp.measurements:
                _check_entry(study, _require_lesion(study, entry.lesion_id), entry)
            tp = replace(
                tp,
                series=tuple(sorted(tp.series)),
                measurements=tuple(sorted(tp.measurements, key=lambda m: order[m.lesion_id])),
            )
            timepoints = tuple(sorted((*study.timepoints, tp), key=lambda t: t.date))
            return replace(study, timepoints=timepoints), RemoveTimePoint(tp)
        case RemoveTimePoint(tp):
            if study.timepoint(tp.date) != tp:
                raise EditConflictError(f"{edit.label}: the time point changed or is missing")
            timepoints = tuple(t for t in study.timepoints if t.date != tp.date)
            return replace(study, timepoints=timepoints), AddTimePoint(tp)
        case SetTimePointSeries(day, before, after):
            tp = _require_timepoint(study, day)
            if len({phase for phase, _ in after}) != len(after):
                raise EditError(f"{edit.label}: a phase is assigned twice")
            _check(tp.series, tuple(sorted(before)), tuple(sorted(after)), edit.label)
            new_tp = replace(tp, series=tuple(sorted(after)))
            timepoints = tuple(new_tp if t.date == day else t for t in study.timepoints)
            inverse = SetTimePointSeries(day, tuple(sorted(after)), tuple(sorted(before)))
            return replace(study, timepoints=timepoints), inverse
        case SetCriteria(before, after):
            _check(study.criteria, before, after, edit.label)
            return replace(study, criteria=Criteria(after)), SetCriteria(after, before)
        case SetStartDate(before, after):
            _check(study.start_date, before, after, edit.label)
            return replace(study, start_date=after), SetStartDate(after, before)
        case SetOptions(before, after):
            _check(study.options, before, after, edit.label)
            return replace(study, options=after), SetOptions(after, before)
    raise EditError(f"not an edit: {edit!r}")
