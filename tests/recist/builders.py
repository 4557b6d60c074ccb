"""Compact builders for read documents (plain dicts in the mrecist-read/1 format)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

START = date(2023, 1, 1)


def day(n: int) -> str:
    """ISO date ``n`` days after 2023-01-01 (the examples' randomisation date)."""
    return (START + timedelta(days=n)).isoformat()


def target(lesion_id: str, value_mm: float | None, criteria: str = "RECIST1.1",
           organ: str = "liver", **extra: Any) -> dict[str, Any]:
    """A non-nodal target whose criterion value is ``value_mm`` (None: not evaluated)."""
    entry: dict[str, Any] = {"id": lesion_id, "role": "target", "organ": organ}
    if value_mm is None:
        entry["state"] = "not_evaluated"
    elif criteria == "mRECIST":
        entry["viable_mm"] = value_mm
        entry["long_axis_mm"] = max(value_mm, 10.0)
    else:
        entry["long_axis_mm"] = value_mm
    entry.update(extra)
    return entry


def node(lesion_id: str, short_mm: float, **extra: Any) -> dict[str, Any]:
    entry = {"id": lesion_id, "role": "target", "organ": "lymph node", "nodal": True,
             "short_axis_mm": short_mm}
    entry.update(extra)
    return entry


def non_target(lesion_id: str, state: str = "present", **extra: Any) -> dict[str, Any]:
    entry = {"id": lesion_id, "role": "non_target", "organ": "liver", "state": state}
    entry.update(extra)
    return entry


def new(lesion_id: str, size_mm: float | None = None, organ: str = "liver",
        **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": lesion_id, "role": "new", "organ": organ}
    if size_mm is not None:
        entry["long_axis_mm"] = size_mm
    entry.update(extra)
    return entry


def read(criteria: str, timepoints: list[tuple[int, list[dict[str, Any]]]],
         start_day: int = 0, **options: Any) -> dict[str, Any]:
    """A read with time points given as (day offset, lesions)."""
    return {
        "schema": "mrecist-read/1",
        "patient": "TEST-1",
        "criteria": criteria,
        "start_date": day(start_day),
        "options": options,
        "timepoints": [{"date": day(d), "lesions": lesions} for d, lesions in timepoints],
    }


def sums_read(criteria: str, sums: list[float | None], interval_days: int = 56,
              **options: Any) -> dict[str, Any]:
    """One target whose value is each sum in turn; baseline at day -7, then every
    ``interval_days``. Useful for the sum-only worked examples."""
    tps = [(-7 if i == 0 else i * interval_days, [target("T1", s, criteria)])
           for i, s in enumerate(sums)]
    return read(criteria, tps, **options)
