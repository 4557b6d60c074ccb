"""Convert the reading document to and from JSON, Qt-free.

* :func:`study_to_read_json` / :func:`study_from_read_json`: the public ``mrecist-read/1``
  contract (../shared/contracts/read-format.md). Besides the contract's fields the export
  carries harmless extras, which readers of the contract ignore (policy 1): ``tracking_uid``
  per lesion entry, ``series`` (phase -> SeriesInstanceUID) per time point, the drawn lines
  ``long_axis_line``/``short_axis_line``/``viable_line`` (end points in patient mm and the
  SOP Instance UID), and a top-level ``lesion_registry`` listing every lesion in document
  order (also lesions without an entry yet), so a study survives the round trip exactly.
* :func:`edit_to_json` / :func:`edit_from_json`: a lossless encoding of edits for the audit
  trail.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from app.document import (
    Caliper,
    Criteria,
    Lesion,
    Measurement,
    PointMm,
    ReadOptions,
    Role,
    Study,
    TimePoint,
    new_tracking_uid,
)

__all__ = [
    "SCHEMA",
    "ReadFormatError",
    "edit_from_json",
    "edit_to_json",
    "study_from_read_json",
    "study_to_read_json",
]

SCHEMA = "mrecist-read/1"
_LINES = ("long_axis_line", "short_axis_line", "viable_line")
_VALUES_MM = ("long_axis_mm", "short_axis_mm", "viable_mm")


class ReadFormatError(ValueError):
    """A read document cannot be turned into a study; ``problems`` are "path: message"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _caliper_json(line: Caliper) -> dict[str, Any]:
    return {
        "start_mm": line.start.as_list(),
        "end_mm": line.end.as_list(),
        "sop_instance_uid": line.sop_instance_uid,
    }


def _lesion_json(lesion: Lesion) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": lesion.lesion_id,
        "role": lesion.role.value,
        "organ": lesion.organ,
        "nodal": lesion.nodal,
        "ablated": lesion.ablated,
    }
    if lesion.kind is not None:
        obj["kind"] = lesion.kind
    obj["tracking_uid"] = lesion.tracking_uid
    return obj


def _entry_json(lesion: Lesion, entry: Measurement) -> dict[str, Any]:
    obj = _lesion_json(lesion)
    del obj["tracking_uid"]
    for name in _VALUES_MM:
        value = getattr(entry, name)
        if value is not None:
            obj[name] = value
    for name in ("state", "typical_hcc_pattern", "cytology"):
        value = getattr(entry, name)
        if value is not None:
            obj[name] = value
    obj["tracking_uid"] = lesion.tracking_uid
    for name in _LINES:
        line = getattr(entry, name)
        if line is not None:
            obj[name] = _caliper_json(line)
    return obj


def study_to_read_json(study: Study) -> dict[str, Any]:
    """Return ``study`` as an ``mrecist-read/1`` document (a JSON-ready dict).

    A lesion appears at the time points where it has an entry, in lesion order.
    """
    lesions = {lesion.lesion_id: lesion for lesion in study.lesions}
    obj: dict[str, Any] = {"schema": SCHEMA, "patient": study.patient_id}
    if study.reader_id is not None:
        obj["reader"] = study.reader_id
    obj["criteria"] = study.criteria.value
    obj["start_date"] = study.start_date.isoformat()
    obj["options"] = study.options.to_json()
    obj["lesion_registry"] = [_lesion_json(lesion) for lesion in study.lesions]
    obj["timepoints"] = []
    for tp in study.timepoints:
        tp_obj: dict[str, Any] = {"date": tp.date.isoformat()}
        if tp.series:
            tp_obj["series"] = dict(tp.series)
        tp_obj["lesions"] = [_entry_json(lesions[m.lesion_id], m) for m in tp.measurements]
        obj["timepoints"].append(tp_obj)
    return obj


class _Reader:
    """Collects "path: message" problems while picking fields out of a JSON object."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def get(self, obj: dict[str, Any], key: str, path: str, kinds: tuple[type, ...],
            required: bool = False) -> Any:
        value = obj.get(key)
        if value is None:
            if required:
                self.problems.append(f"{path}{key}: required")
            return None
        if isinstance(value, bool) and bool not in kinds:
            self.problems.append(f"{path}{key}: must not be a boolean")
            return None
        if not isinstance(value, kinds):
            self.problems.append(f"{path}{key}: wrong type {type(value).__name__}")
            return None
        return value

    def day(self, obj: dict[str, Any], key: str, path: str) -> date | None:
        text = self.get(obj, key, path, (str,), required=True)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"{path}{key}: not an ISO date: {text!r}")
            return None

    def caliper(self, obj: dict[str, Any], key: str, path: str) -> Caliper | None:
        value = self.get(obj, key, path, (dict,))
        if value is None:
            return None
        try:
            start, end = (PointMm(*map(float, value[k])) for k in ("start_mm", "end_mm"))
            return Caliper(start, end, str(value["sop_instance_uid"]))
        except (KeyError, TypeError, ValueError) as exc:
            self.problems.append(f"{path}{key}: malformed line ({exc})")
            return None


def study_from_read_json(obj: dict[str, Any]) -> Study:
    """Build a :class:`Study` from an ``mrecist-read/1`` document.

    Lesions and their attributes come from ``lesion_registry`` when present, else from their
    first entry, ordered by first appearance. Lesions without a ``tracking_uid`` get one.
    The caller validates the clinical rules with ``recist.parse_read`` (``app.read_io`` does).

    Raises
    ------
    ReadFormatError
        The document's structure does not fit (with one "field.path: message" per problem).
    """
    r = _Reader()
    if not isinstance(obj, dict):
        raise ReadFormatError(["$: must be an object"])
    if obj.get("schema") != SCHEMA:
        r.problems.append(f"schema: must be {SCHEMA!r}, got {obj.get('schema')!r}")
    patient = r.get(obj, "patient", "", (str,), required=True)
    reader = r.get(obj, "reader", "", (str,))
    criteria_text = r.get(obj, "criteria", "", (str,), required=True)
    criteria = None
    if criteria_text is not None:
        try:
            criteria = Criteria(criteria_text)
        except ValueError:
            r.problems.append(f"criteria: unknown criteria {criteria_text!r}")
    start = r.day(obj, "start_date", "")
    options_obj = r.get(obj, "options", "", (dict,)) or {}
    try:
        options = ReadOptions(**options_obj)
    except TypeError as exc:
        r.problems.append(f"options: {exc}")
        options = ReadOptions()
    lesions: dict[str, Lesion] = {}
    for k, item in enumerate(r.get(obj, "lesion_registry", "", (list,)) or []):
        _read_lesion(r, item, f"lesion_registry[{k}].", lesions)
    timepoints: list[TimePoint] = []
    for i, tp_obj in enumerate(r.get(obj, "timepoints", "", (list,), required=True) or []):
        path = f"timepoints[{i}]."
        if not isinstance(tp_obj, dict):
            r.problems.append(f"timepoints[{i}]: must be an object")
            continue
        day = r.day(tp_obj, "date", path)
        series = r.get(tp_obj, "series", path, (dict,)) or {}
        entries: list[Measurement] = []
        for j, e in enumerate(r.get(tp_obj, "lesions", path, (list,), required=True) or []):
            entry = _read_entry(r, e, f"{path}lesions[{j}].", lesions)
            if entry is not None:
                entries.append(entry)
        seen = [m.lesion_id for m in entries]
        for lesion_id in sorted({x for x in seen if seen.count(x) > 1}):
            r.problems.append(f"{path}lesions: {lesion_id} is listed more than once")
        if day is not None:
            if any(tp.date == day for tp in timepoints):
                r.problems.append(f"{path}date: {day.isoformat()} is used twice")
            pairs = tuple(sorted((str(k), str(v)) for k, v in series.items()))
            timepoints.append(TimePoint(day, pairs, tuple(entries)))
    if r.problems or patient is None or criteria is None or start is None:
        raise ReadFormatError(r.problems)
    order = {lesion_id: n for n, lesion_id in enumerate(lesions)}
    timepoints = [
        dataclasses.replace(
            tp, measurements=tuple(sorted(tp.measurements, key=lambda m: order[m.lesion_id]))
        )
        for tp in sorted(timepoints, key=lambda tp: tp.date)
    ]
    return Study(
        patient, criteria, start, reader, options, tuple(lesions.values()), tuple(timepoints)
    )


def _read_lesion(r: _Reader, e: Any, path: str, lesions: dict[str, Lesion]) -> str | None:
    """Register the lesion described by ``e`` unless known; return its id (None: invalid)."""
    if not isinstance(e, dict):
        r.problems.append(f"{path.rstrip('.')}: must be an object")
        return None
    lesion_id = r.get(e, "id", path, (str,), required=True)
    role_text = r.get(e, "role", path, (str,), required=True)
    if lesion_id is None or role_text is None:
        return None
    try:
        role = Role(role_text)
    except ValueError:
        r.problems.append(f"{path}role: unknown role {role_text!r}")
        return None
    if lesion_id not in lesions:
        lesions[lesion_id] = Lesion(
            lesion_id,
            role,
            r.get(e, "organ", path, (str,), required=True) or "",
            bool(r.get(e, "nodal", path, (bool,))),
            bool(r.get(e, "ablated", path, (bool,))),
            r.get(e, "kind", path, (str,)),
            r.get(e, "tracking_uid", path, (str,)) or new_tracking_uid(),
        )
    elif lesions[lesion_id].role != role:
        r.problems.append(f"{path}role: {lesion_id} was {lesions[lesion_id].role.value}")
        return None
    return str(lesion_id)


def _read_entry(
    r: _Reader, e: Any, path: str, lesions: dict[str, Lesion]
) -> Measurement | None:
    lesion_id = _read_lesion(r, e, path, lesions)
    if lesion_id is None:
        return None
    values = {}
    for name in _VALUES_MM:
        value = r.get(e, name, path, (int, float))
        values[name] = None if value is None else float(value)
    return Measurement(
        lesion_id,
        **values,
        state=r.get(e, "state", path, (str,)),
        typical_hcc_pattern=r.get(e, "typical_hcc_pattern", path, (bool,)),
        cytology=r.get(e, "cytology", path, (str,)),
        long_axis_line=r.caliper(e, "long_axis_line", path),
        short_axis_line=r.caliper(e, "short_axis_line", path),
        viable_line=r.caliper(e, "viable_line", path),
    )


# Lossless edit encoding for the audit trail.

_VALUE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Caliper, Lesion, Measurement, PointMm, ReadOptions, Study, TimePoint)
}


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$type": type(value).__name__, **fields}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, (Role, Criteria)):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    from app.edits import EDIT_TYPES

    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    name = value["$type"]
    cls = _VALUE_TYPES.get(name) or EDIT_TYPES[name]
    fields = {k: _decode(v) for k, v in value.items() if k != "$type"}
    if cls is Lesion:
        fields["role"] = Role(fields["role"])
    if cls is Study:
        fields["criteria"] = Criteria(fields["criteria"])
    if name == "SetCriteria":
        fields = {k: Criteria(v) for k, v in fields.items()}
    return cls(**fields)


def edit_to_json(edit: Any) -> dict[str, Any]:
    """Return a JSON-ready, lossless encoding of an edit (``{"$type": "SetMeasurement", ...}``)."""
    encoded: dict[str, Any] = _encode(edit)
    return encoded


def edit_from_json(obj: dict[str, Any]) -> Any:
    """Decode what :func:`edit_to_json` produced back into an equal edit."""
    return _decode(obj)


def value_to_json(value: Any) -> Any:
    """Encode a document value (lesion, entry, time point, ...) like :func:`edit_to_json`."""
    return _encode(value)
