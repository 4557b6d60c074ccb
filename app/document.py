"""The reading document: one reader's read of one patient, Qt-free.

The state is a tree of frozen value objects that maps one to one onto the ``mrecist-read/1``
format of ../shared/contracts/read-format.md:

``Study`` (patient, reader, criteria, start date, options)
  -> ``Lesion`` (stable id ``T1``/``NT1``/``N1``, role, organ, nodal, ablated, tracking UID)
  -> ``TimePoint`` (date, series per contrast phase)
     -> ``Measurement`` (one lesion entry: diameters in mm, state, calipers in patient mm).

:class:`StudyDocument` holds the current ``Study`` and changes it only through edits
(``app.edits``): ``apply(edit)`` returns the inverse edit, so undo is ``apply(inverse)``.
Listeners subscribe to :attr:`StudyDocument.changed` (a plain callback registry, no Qt).
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from recist.model import (
    Criteria,
    Cytology,
    FindingKind,
    NewState,
    NonTargetState,
    Role,
    TargetState,
    is_intrahepatic,
)

if TYPE_CHECKING:
    from app.edits import Edit

__all__ = [
    "CYTOLOGY_VALUES",
    "KIND_VALUES",
    "STATES_BY_ROLE",
    "Callbacks",
    "Caliper",
    "Criteria",
    "DocumentChange",
    "EditConflictError",
    "EditError",
    "Lesion",
    "Measurement",
    "PointMm",
    "ReadOptions",
    "Role",
    "Study",
    "StudyDocument",
    "TimePoint",
    "new_tracking_uid",
    "next_lesion_id",
]

_log = logging.getLogger(__name__)


#: Allowed ``state`` values per role (contract, "Lesion entry").
STATES_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.TARGET: tuple(state.value for state in TargetState),
    Role.NON_TARGET: tuple(state.value for state in NonTargetState),
    Role.NEW: tuple(state.value for state in NewState),
}
#: Allowed ``kind`` values of a new finding.
KIND_VALUES: tuple[str, ...] = tuple(kind.value for kind in FindingKind)
#: Allowed ``cytology`` values of an effusion.
CYTOLOGY_VALUES: tuple[str, ...] = tuple(result.value for result in Cytology)

ROLE_PREFIX: dict[Role, str] = {Role.TARGET: "T", Role.NON_TARGET: "NT", Role.NEW: "N"}
_ID_PATTERN = re.compile(r"^(NT|T|N)([1-9][0-9]*)$")


class EditError(ValueError):
    """An edit cannot be applied to the document (unknown lesion, invalid value, ...)."""


class EditConflictError(EditError):
    """An edit's ``before`` state does not match the document (stale or double-applied)."""


def new_tracking_uid() -> str:
    """Return a new DICOM UID for lesion tracking (Tracking UID, (0062,0021)).

    Uses the UUID-derived root ``2.25`` (DICOM PS3.5 B.2), so no organisation root is needed.

    Returns
    -------
    str
        ``"2.25."`` followed by the decimal value of a random UUID (at most 44 characters).
    """
    return f"2.25.{uuid.uuid4().int}"


@dataclass(frozen=True)
class PointMm:
    """A point in DICOM patient coordinates (LPS), in millimetres."""

    x_mm: float
    y_mm: float
    z_mm: float

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.x_mm, self.y_mm, self.z_mm)):
            raise EditError(f"point coordinates must be finite, got {self}")

    def as_list(self) -> list[float]:
        """Return ``[x_mm, y_mm, z_mm]``."""
        return [self.x_mm, self.y_mm, self.z_mm]


@dataclass(frozen=True)
class Caliper:
    """A drawn line: two end points in patient mm and the image they were drawn on.

    Parameters
    ----------
    start, end : PointMm
        End points in patient coordinates (mm).
    sop_instance_uid : str
        SOP Instance UID (0008,0018) of the image the line was drawn on.
    """

    start: PointMm
    end: PointMm
    sop_instance_uid: str

    @property
    def length_mm(self) -> float:
        """Euclidean length of the line in mm."""
        return math.dist(self.start.as_list(), self.end.as_list())


@dataclass(frozen=True)
class Measurement:
    """One lesion entry at one time point (contract "Lesion entry", per time point values).

    ``None`` means the field is absent from the entry. Lesion-wide attributes (role, organ,
    nodal, ablated, kind) live on :class:`Lesion`.
    """

    lesion_id: str
    long_axis_mm: float | None = None
    short_axis_mm: float | None = None
    viable_mm: float | None = None
    state: str | None = None
    typical_hcc_pattern: bool | None = None
    cytology: str | None = None
    long_axis_line: Caliper | None = None
    short_axis_line: Caliper | None = None
    viable_line: Caliper | None = None

    def values_mm(self) -> tuple[float | None, float | None, float | None]:
        """Return ``(long_axis_mm, short_axis_mm, viable_mm)``."""
        return (self.long_axis_mm, self.short_axis_mm, self.viable_mm)


@dataclass(frozen=True)
class Lesion:
    """A lesion followed through the read; its id, role and tracking UID never change."""

    lesion_id: str
    role: Role
    organ: str
    nodal: bool = False
    ablated: bool = False
    kind: str | None = None
    tracking_uid: str = field(default_factory=new_tracking_uid)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "role", Role(self.role))
        except ValueError as exc:
            raise EditError(f"{self.lesion_id}.role: {self.role!r} is not a role") from exc

    @property
    def is_intrahepatic(self) -> bool:
        """True when the organ is the liver (the criteria engine's rule)."""
        return is_intrahepatic(self.organ)


@dataclass(frozen=True)
class TimePoint:
    """One imaging time point: its date, its series per phase, and its lesion entries.

    Parameters
    ----------
    date : datetime.date
        Study date of the time point.
    series : tuple of (str, str)
        ``(phase, SeriesInstanceUID)`` pairs sorted by phase, e.g. ``("arterial", "1.2...")``.
    measurements : tuple of Measurement
        Lesion entries, in the order of :attr:`Study.lesions`.
    """

    date: date
    series: tuple[tuple[str, str], ...] = ()
    measurements: tuple[Measurement, ...] = ()

    def measurement(self, lesion_id: str) -> Measurement | None:
        """Return the entry of ``lesion_id`` at this time point, or None."""
        for m in self.measurements:
            if m.lesion_id == lesion_id:
                return m
        return None

    def series_uid(self, phase: str) -> str | None:
        """Return the SeriesInstanceUID assigned to ``phase``, or None."""
        return dict(self.series).get(phase)


@dataclass(frozen=True)
class ReadOptions:
    """Assessment options of the contract; ``None`` means "not set, use the default"."""

    confirmation_required: bool | None = None
    confirmation_min_days: int | None = None
    sd_min_days: int | None = None
    pd_min_increase_mm: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the contract's ``options`` object (only the options that are set)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Study:
    """One reader's read of one patient: the whole document state (immutable)."""

    patient_id: str
    criteria: Criteria
    start_date: date
    reader_id: str | None = None
    options: ReadOptions = ReadOptions()
    lesions: tuple[Lesion, ...] = ()
    timepoints: tuple[TimePoint, ...] = ()

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "criteria", Criteria(self.criteria))
        except ValueError as exc:
            raise EditError(f"criteria: {self.criteria!r} is not a criteria") from exc

    def lesion(self, lesion_id: str) -> Lesion | None:
        """Return the lesion with ``lesion_id``, or None."""
        for lesion in self.lesions:
            if lesion.lesion_id == lesion_id:
                return lesion
        return None

    def timepoint(self, day: date) -> TimePoint | None:
        """Return the time point dated ``day``, or None."""
        for tp in self.timepoints:
            if tp.date == day:
                return tp
        return None

    def measurement(self, lesion_id: str, day: date) -> Measurement | None:
        """Return the entry of ``lesion_id`` at ``day``, or None."""
        tp = self.timepoint(day)
        return None if tp is None else tp.measurement(lesion_id)

    def lesion_position(self, lesion_id: str) -> int:
        """Return the index of ``lesion_id`` in :attr:`lesions` (EditError if unknown)."""
        for i, lesion in enumerate(self.lesions):
            if lesion.lesion_id == lesion_id:
                return i
        raise EditError(f"no lesion {lesion_id!r}")

    @property
    def baseline(self) -> TimePoint | None:
        """The first time point, or None when there is none."""
        return self.timepoints[0] if self.timepoints else None

    def to_read_json(self) -> dict[str, Any]:
        """Return this read as an ``mrecist-read/1`` document (see ``app.read_json``)."""
        from app.read_json import study_to_read_json

        return study_to_read_json(self)

    @classmethod
    def from_read_json(cls, obj: dict[str, Any]) -> Study:
        """Build a study from an ``mrecist-read/1`` document (see ``app.read_json``)."""
        from app.read_json import study_from_read_json

        return study_from_read_json(obj)


def next_lesion_id(study: Study, role: Role) -> str:
    """Return the next free lesion id for ``role``: ``T<n+1>``, ``NT<n+1>`` or ``N<n+1>``.

    ``n`` is the highest number in use for that role's prefix.
    """
    prefix = ROLE_PREFIX[role]
    highest = 0
    for lesion in study.lesions:
        match = _ID_PATTERN.match(lesion.lesion_id)
        if match and match.group(1) == prefix:
            highest = max(highest, int(match.group(2)))
    return f"{prefix}{highest + 1}"


T = TypeVar("T")


class Callbacks(Generic[T]):
    """A tiny, Qt-free callback registry (observer pattern).

    A callback that raises is logged and does not stop the others.
    """

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[T], None]:
        """Register ``callback``; returns it, so this works as a decorator."""
        self._callbacks.append(callback)
        return callback

    def unsubscribe(self, callback: Callable[[T], None]) -> None:
        """Remove ``callback`` (no error when it is not registered)."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        """Call every registered callback with ``value``."""
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception:
                _log.exception("document listener %r failed", callback)

    def __len__(self) -> int:
        return len(self._callbacks)


@dataclass(frozen=True)
class DocumentChange:
    """Sent to listeners after an edit: the edit, its inverse, and the state before/after."""

    edit: Edit
    inverse: Edit
    before: Study
    after: Study


#: ``committer(edit, before, after)`` persists an edit; raising leaves the document unchanged.
Committer = Callable[["Edit", Study, Study], None]


class StudyDocument:
    """The mutable holder of a :class:`Study`, changed only by :meth:`apply`.

    Parameters
    ----------
    study : Study
        The initial state.
    committer : callable, optional
        ``committer(edit, before, after)`` is called before the new state becomes current, e.g.
        to commit it to the database. If it raises, the document is unchanged and listeners are
        not told: the screen never shows an edit that was not saved.
    """

    def __init__(self, study: Study, *, committer: Committer | None = None) -> None:
        self._study = study
        self._committer = committer
        self.changed: Callbacks[DocumentChange] = Callbacks()

    @property
    def study(self) -> Study:
        """The current state."""
        return self._study

    def apply(self, edit: Edit) -> Edit:
        """Perform ``edit`` and return its inverse (``apply(inverse)`` undoes it).

        Raises
        ------
        EditError
            The edit does not fit the current state; nothing changed.
        """
        from app.edits import apply_edit

        before = self._study
        after, inverse = apply_edit(before, edit)
        if self._committer is not None:
            self._committer(edit, before, after)
        self._study = after
        self.changed.emit(DocumentChange(edit, inverse, before, after))
        return inverse

    def to_read_json(self) -> dict[str, Any]:
        """Return the current state as an ``mrecist-read/1`` document."""
        return self._study.to_read_json()

    @classmethod
    def from_read_json(cls, obj: dict[str, Any]) -> StudyDocument:
        """Create a document from an ``mrecist-read/1`` document."""
        return cls(Study.from_read_json(obj))

    # Edit builders: read the current state, so callers only say what they want.

    def new_lesion_edit(
        self,
        role: Role,
        organ: str,
        day: date,
        *,
        nodal: bool = False,
        ablated: bool = False,
        kind: str | None = None,
    ) -> Edit:
        """Return an ``AddLesion`` for a new lesion first seen at ``day`` (next free id)."""
        from app.edits import AddLesion

        lesion = Lesion(next_lesion_id(self._study, role), role, organ, nodal, ablated, kind)
        entry = Measurement(lesion.lesion_id)
        return AddLesion(lesion, len(self._study.lesions), ((day, entry),))

    def set_measurement_edit(self, lesion_id: str, day: date, **values: Any) -> Edit:
        """Return a ``SetMeasurement`` changing the named fields of one entry.

        ``values`` are :class:`Measurement` fields (``long_axis_mm=34.0``, ``state=...``);
        the entry is created when missing.
        """
        from app.edits import SetMeasurement

        before = self._study.measurement(lesion_id, day)
        after = replace(before or Measurement(lesion_id), **values)
        return SetMeasurement(lesion_id, day, before, after)

    def set_state_edit(self, lesion_id: str, day: date, state: str | None) -> Edit:
        """Return a ``SetLesionState`` (or a ``SetMeasurement`` when there is no entry yet)."""
        from app.edits import SetLesionState

        before = self._study.measurement(lesion_id, day)
        if before is None:
            return self.set_measurement_edit(lesion_id, day, state=state)
        return SetLesionState(lesion_id, day, before.state, state)

    def remove_lesion_edit(self, lesion_id: str) -> Edit:
        """Return a ``RemoveLesion`` that also removes the lesion's entries at every date."""
        from app.edits import RemoveLesion

        position = self._study.lesion_position(lesion_id)
        entries = tuple(
            (tp.date, m)
            for tp in self._study.timepoints
            if (m := tp.measurement(lesion_id)) is not None
        )
        return RemoveLesion(self._study.lesions[position], position, entries)
