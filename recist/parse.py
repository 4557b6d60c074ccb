"""Parse and validate a read (``mrecist-read/1``) into :class:`recist.model.Read`.

Every problem is collected and reported with its field path, e.g.
``timepoints[2].lesions[0].viable_mm: must be a number >= 0, got -3``; the caller gets all of
them at once in :class:`ReadError`. The rules are those of
../shared/contracts/read-format.md, including the project policy (points 1 and 2).
"""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from recist.model import (
    Criteria,
    Cytology,
    FindingKind,
    LesionEntry,
    NewState,
    NonTargetState,
    Options,
    Read,
    Role,
    TargetState,
    TimePoint,
    is_intrahepatic,
)
from recist.thresholds import (
    DEFAULT_CONFIRMATION_MIN_DAYS,
    DEFAULT_SD_MIN_DAYS,
    MRECIST_PD_MIN_INCREASE_TENTH_MM,
    RECIST11_PD_MIN_INCREASE_TENTH_MM,
)

SCHEMA = "mrecist-read/1"
OPTION_NAMES = (
    "confirmation_required",
    "confirmation_min_days",
    "sd_min_days",
    "pd_min_increase_mm",
)
_TENTH = Decimal("0.1")


class ReadError(ValueError):
    """The read is invalid. ``problems`` lists one ``"field.path: what is wrong"`` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _show(value: object) -> str:
    """A JSON-like rendering of an offending value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def to_tenth_mm(value: int | float) -> int:
    """Round a millimetre value half up to 0.1 mm and return it in tenths (policy 1)."""
    if type(value) is int:
        return value * 10
    scaled = value * 10.0
    nearest = round(scaled)
    if abs(scaled - nearest) < 1e-6:  # already on the 0.1 mm grid (the common case)
        return int(nearest)
    # Round the written decimal value, not its binary approximation: 9.85 -> 9.9.
    return int(Decimal(repr(value)).quantize(_TENTH, rounding=ROUND_HALF_UP) * 10)


class _Checker:
    """Collects problems while reading one document."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def string(self, obj: dict[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}", "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}{key}", f"must be a non-empty string, got {_show(value)}")
            return None
        return value

    def boolean(self, obj: dict[str, Any], key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.add(f"{path}{key}", f"must be true or false, got {_show(value)}")
            return None
        return value

    def size(self, obj: dict[str, Any], key: str, path: str) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            self.add(f"{path}{key}", f"must be a number >= 0, got {_show(value)}")
            return None
        return to_tenth_mm(value)

    def date(self, obj: dict[str, Any], key: str, path: str) -> date | None:
        value = obj.get(key)
        if value is None:
            self.add(f"{path}{key}", "is required")
            return None
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(f"{path}{key}", f"must be an ISO date YYYY-MM-DD, got {_show(value)}")
        return None

    def enum(
        self, obj: dict[str, Any], key: str, path: str, enum_type: Any, default: Any = None
    ) -> Any:
        value = obj.get(key)
        if value is None:
            return default
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            allowed = ", ".join(member.value for member in enum_type)
            self.add(f"{path}{key}", f"must be one of {allowed}; got {_show(value)}")
            return default


def _parse_options(chk: _Checker, raw: Any, criteria: Criteria | None) -> Options:
    floor = (
        RECIST11_PD_MIN_INCREASE_TENTH_MM
        if criteria is Criteria.RECIST11
        else MRECIST_PD_MIN_INCREASE_TENTH_MM
    )
    confirmation_required = False
    confirmation_min_days = DEFAULT_CONFIRMATION_MIN_DAYS
    sd_min_days = DEFAULT_SD_MIN_DAYS
    if raw is None:
        return Options(confirmation_required, confirmation_min_days, sd_min_days, floor)
    if not isinstance(raw, dict):
        chk.add("options", f"must be an object, got {_kind_of(raw)}")
        return Options(confirmation_required, confirmation_min_days, sd_min_days, floor)
    for key in raw:
        if key not in OPTION_NAMES:
            chk.add(f"options.{key}", f"unknown option (known: {', '.join(OPTION_NAMES)})")
    flag = chk.boolean(raw, "confirmation_required", "options.")
    if flag is not None:
        confirmation_required = flag
    for key in ("confirmation_min_days", "sd_min_days"):
        value = raw.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value != int(value)
            or value < 0
        ):
            chk.add(f"options.{key}", f"must be a whole number of days >= 0, got {_show(value)}")
        elif key == "confirmation_min_days":
            confirmation_min_days = int(value)
        else:
            sd_min_days = int(value)
    increase = chk.size(raw, "pd_min_increase_mm", "options.")
    if increase is not None:
        floor = increase
    return Options(confirmation_required, confirmation_min_days, sd_min_days, floor)


class _LesionHistory:
    """What the first entry of a lesion fixed, for checking the later entries."""

    __slots__ = ("role", "organ", "nodal", "ablated", "kind", "where")

    def __init__(
        self, role: Role, organ: str, nodal: bool, ablated: bool, kind: FindingKind, where: str
    ) -> None:
        self.role = role
        self.organ = organ
        self.nodal = nodal
        self.ablated = ablated
        self.kind = kind
        self.where = where


_ROLES = {member.value: member for member in Role}
_TARGET_STATES = {member.value: member for member in TargetState}
_NON_TARGET_STATES = {member.value: member for member in NonTargetState}
_NEW_STATES = {member.value: member for member in NewState}
_INF = float("inf")


def _size(
    chk: _Checker, raw: dict[str, Any], value: Any, key: str, i: int, j: int
) -> int | None:
    """A size in tenths of a mm: fast for plain numbers, else the checker's message."""
    if value is None:
        return None
    kind = type(value)
    if kind is float and 0.0 <= value < _INF:
        return to_tenth_mm(value)
    if kind is int and value >= 0:
        return int(value) * 10
    return chk.size(raw, key, _lp(i, j))


def _lp(i: int, j: int, suffix: str = ".") -> str:
    """Field-path prefix of lesion ``j`` of time point ``i`` (built only for messages)."""
    return f"timepoints[{i}].lesions[{j}]{suffix}"


def _parse_lesion(
    chk: _Checker,
    raw: Any,
    i: int,
    j: int,
    criteria: Criteria | None,
    history: dict[str, _LesionHistory],
) -> LesionEntry | None:
    if type(raw) is not dict:
        chk.add(_lp(i, j, ""),
                f"must be an object, got {_kind_of(raw)}")
        return None
    # Each field: a fast check for the plainly valid value, else the checker's message (the
    # path is built only then).
    before = len(chk.problems)
    get = raw.get
    value = get("id")
    lesion_id = value if type(value) is str and value.strip() else (
        chk.string(raw, "id", _lp(i, j), required=True))
    value = get("role")
    role = _ROLES.get(value) if type(value) is str else None
    if role is None:
        if value is None:
            chk.add(_lp(i, j) + "role", "is required")
        else:
            chk.enum(raw, "role", _lp(i, j), Role)
    value = get("organ")
    organ = value if type(value) is str and value.strip() else (
        chk.string(raw, "organ", _lp(i, j), required=True))
    value = get("nodal")
    nodal = value if value is None or type(value) is bool else (
        chk.boolean(raw, "nodal", _lp(i, j)))
    value = get("ablated")
    ablated = value if value is None or type(value) is bool else (
        chk.boolean(raw, "ablated", _lp(i, j)))
    value = get("typical_hcc_pattern")
    typical = value if value is None or type(value) is bool else (
        chk.boolean(raw, "typical_hcc_pattern", _lp(i, j)))
    kind = chk.enum(raw, "kind", _lp(i, j), FindingKind) if "kind" in raw else None
    cytology = (
        chk.enum(raw, "cytology", _lp(i, j), Cytology, Cytology.NOT_DONE)
        if "cytology" in raw else Cytology.NOT_DONE
    )
    long_axis = _size(chk, raw, get("long_axis_mm"), "long_axis_mm", i, j)
    short_axis = _size(chk, raw, get("short_axis_mm"), "short_axis_mm", i, j)
    viable = _size(chk, raw, get("viable_mm"), "viable_mm", i, j)

    if lesion_id is None or role is None or organ is None:
        return None
    first = history.get(lesion_id)
    if first is None:
        if role is Role.TARGET and i > 0:
            chk.add(
                _lp(i, j) + "id",
                f"target {_show(lesion_id)} first appears after baseline; "
                "targets are fixed at baseline",
            )
        if role is Role.NEW and i == 0:
            chk.add(_lp(i, j) + "role", f"a new finding ({_show(lesion_id)}) cannot be at baseline")
        first = _LesionHistory(
            role,
            organ,
            bool(nodal),
            bool(ablated),
            kind or FindingKind.LESION,
            f"timepoints[{i}]",
        )
        history[lesion_id] = first
    else:
        if role is not first.role:
            chk.add(
                _lp(i, j) + "role",
                f"lesion {_show(lesion_id)} is {first.role.value} at {first.where}; "
                f"a lesion keeps its role for the whole read, got {_show(role.value)}",
            )
        # nodal, ablated and kind: a later entry may omit them, not change them (policy 2).
        if (
            (nodal is not None and nodal is not first.nodal)
            or (ablated is not None and ablated is not first.ablated)
            or (kind is not None and kind is not first.kind)
        ):
            for key, value, fixed in (("nodal", nodal, first.nodal),
                                      ("ablated", ablated, first.ablated),
                                      ("kind", kind, first.kind)):
                if value is not None and value != fixed:
                    shown = fixed.value if isinstance(fixed, FindingKind) else fixed
                    chk.add(
                        _lp(i, j) + key,
                        f"fixed by the lesion's first entry ({first.where}: {_show(shown)}), "
                        f"got {_show(raw.get(key))}",
                    )

    raw_state = get("state")
    state: TargetState | NonTargetState | NewState | None
    if role is Role.TARGET:
        if raw_state is None:
            state = TargetState.MEASURED
        else:
            state = _TARGET_STATES.get(raw_state) if type(raw_state) is str else None
            if state is None:
                state = chk.enum(raw, "state", _lp(i, j), TargetState, TargetState.MEASURED)
        if state is TargetState.NOT_EVALUATED and i == 0:
            chk.add(_lp(i, j) + "state", 'a baseline target must be evaluated, got "not_evaluated"')
        if state is TargetState.MEASURED and criteria is not None:
            if first.nodal:
                needed, value = "short_axis_mm", short_axis
            elif criteria is Criteria.MRECIST:
                needed, value = "viable_mm", viable
            else:
                needed, value = "long_axis_mm", long_axis
            if value is None and get(needed) is None:
                what = "nodal" if first.nodal else "non-nodal"
                chk.add(
                    _lp(i, j) + needed,
                    f"required for a measured {what} target under {criteria.value}",
                )
    elif role is Role.NON_TARGET:
        state = _NON_TARGET_STATES.get(raw_state) if type(raw_state) is str else None
        if raw_state is None:
            allowed = ", ".join(s.value for s in NonTargetState)
            chk.add(_lp(i, j) + "state", f"is required for a non_target lesion ({allowed})")
        elif state is None:
            chk.enum(raw, "state", _lp(i, j), NonTargetState)
    else:
        state = _NEW_STATES.get(raw_state) if type(raw_state) is str else None
        if state is None and raw_state is not None:
            chk.enum(raw, "state", _lp(i, j), NewState)
        needs_state = first.kind is FindingKind.LESION and not (
            criteria is Criteria.MRECIST and is_intrahepatic(first.organ)
        )
        if needs_state and raw_state is None and criteria is not None:
            chk.add(
                _lp(i, j) + "state",
                f"is required for this new finding under {criteria.value} "
                "(equivocal or unequivocal)",
            )

    if len(chk.problems) != before:
        return None
    return LesionEntry(
        lesion_id, first.role, first.organ, first.nodal, first.ablated, state,
        long_axis, short_axis, viable, bool(typical), first.kind, cytology,
    )


def parse_read(obj: Any) -> Read:
    """Validate a decoded ``mrecist-read/1`` document and return the typed read.

    Raises
    ------
    ReadError
        With every problem found, each naming its field path.
    """
    chk = _Checker()
    if not isinstance(obj, dict):
        raise ReadError([f"$: must be a JSON object, got {_kind_of(obj)}"])
    schema = obj.get("schema")
    if schema is None:
        chk.add("schema", f"is required (\"{SCHEMA}\")")
    elif schema != SCHEMA:
        chk.add("schema", f"unknown schema {_show(schema)}, expected \"{SCHEMA}\"")
    patient = chk.string(obj, "patient", "", required=True)
    reader = chk.string(obj, "reader", "", required=False)
    criteria = chk.enum(obj, "criteria", "", Criteria)
    if obj.get("criteria") is None:
        chk.add("criteria", "is required (\"mRECIST\" or \"RECIST1.1\")")
    start_date = chk.date(obj, "start_date", "")
    options = _parse_options(chk, obj.get("options"), criteria)

    raw_tps = obj.get("timepoints")
    timepoints: list[TimePoint] = []
    if raw_tps is None:
        chk.add("timepoints", "is required")
    elif not isinstance(raw_tps, list):
        chk.add("timepoints", f"must be an array, got {_kind_of(raw_tps)}")
    elif not raw_tps:
        chk.add("timepoints", "must contain at least the baseline time point")
    else:
        history: dict[str, _LesionHistory] = {}
        previous: date | None = None
        for i, raw_tp in enumerate(raw_tps):
            path = f"timepoints[{i}]"
            if not isinstance(raw_tp, dict):
                chk.add(path, f"must be an object, got {_kind_of(raw_tp)}")
                continue
            tp_date = chk.date(raw_tp, "date", path + ".")
            if tp_date is not None and previous is not None and tp_date <= previous:
                chk.add(
                    f"{path}.date",
                    f"must be after the previous time point ({previous.isoformat()}), "
                    f"got {_show(raw_tp.get('date'))}",
                )
            if tp_date is not None:
                previous = tp_date
            raw_lesions = raw_tp.get("lesions")
            if raw_lesions is None:
                raw_lesions = []
            if not isinstance(raw_lesions, list):
                chk.add(f"{path}.lesions", f"must be an array, got {_kind_of(raw_lesions)}")
                continue
            entries: list[LesionEntry] = []
            seen: set[str] = set()
            for j, raw_lesion in enumerate(raw_lesions):
                entry = _parse_lesion(chk, raw_lesion, i, j, criteria, history)
                if entry is None:
                    continue
                if entry.id in seen:
                    chk.add(_lp(i, j, ".id"),
                            f"{_show(entry.id)} is listed twice at this time point")
                    continue
                seen.add(entry.id)
                entries.append(entry)
            if i == 0 and not any(e.role is not Role.NEW for e in entries):
                if not any(p.startswith(path) for p in chk.problems):
                    chk.add(
                        f"{path}.lesions",
                        "the baseline needs at least one target or non-target lesion",
                    )
            if tp_date is not None:
                timepoints.append(TimePoint.of(tp_date, tuple(entries)))

    if chk.problems:
        raise ReadError(chk.problems)
    assert patient is not None and criteria is not None and start_date is not None
    first_entries: dict[str, LesionEntry] = {}
    first_seen: dict[str, int] = {}
    for index, tp in enumerate(timepoints):
        for entry in tp.lesions:
            if entry.id not in first_seen:
                first_seen[entry.id] = index
                first_entries[entry.id] = entry
    return Read(
        patient=patient,
        reader=reader,
        criteria=criteria,
        start_date=start_date,
        options=options,
        timepoints=tuple(timepoints),
        first_entries=first_entries,
        first_seen=first_seen,
    )


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON number")


def loads_read(text: str) -> Read:
    """Decode JSON text and validate it as a read. Raises :class:`ReadError`."""
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ReadError([f"$: not valid JSON: {exc}"]) from None
    return parse_read(obj)
