"""Hypothesis helpers: draw a random edit that fits the current document state."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import strategies as st

from app.document import (
    CYTOLOGY_VALUES,
    STATES_BY_ROLE,
    Caliper,
    Criteria,
    PointMm,
    ReadOptions,
    Role,
    Study,
    StudyDocument,
    TimePoint,
)
from app.edits import (
    AddTimePoint,
    Edit,
    RemoveTimePoint,
    SetCriteria,
    SetLesionAttributes,
    SetMeasurement,
    SetOptions,
    SetStartDate,
    SetTimePointSeries,
)

DATES = [date(2026, 1, 5) + timedelta(days=42 * k) for k in range(6)]
ORGANS = ["liver", "lung", "lymph node", "peritoneum"]
PHASES = ["arterial", "portal_venous", "delayed"]

sizes_mm = st.one_of(
    st.none(), st.integers(0, 3000).map(lambda tenths: tenths / 10)
)
uids = st.integers(1, 10**6).map(lambda n: f"1.2.826.0.1.3680043.10.{n}")
coordinates_mm = st.floats(-400, 400, allow_nan=False, allow_infinity=False)
points = st.builds(PointMm, coordinates_mm, coordinates_mm, coordinates_mm)
calipers = st.one_of(st.none(), st.builds(Caliper, points, points, uids))
series = st.lists(st.tuples(st.sampled_from(PHASES), uids), unique_by=lambda p: p[0], max_size=3)
options = st.builds(
    ReadOptions,
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.integers(0, 90)),
    st.one_of(st.none(), st.integers(0, 90)),
    st.one_of(st.none(), st.sampled_from([0.0, 5.0, 2.5])),
)


def draw_edit(data: st.DataObject, doc: StudyDocument) -> Edit:
    """Draw one edit that applies cleanly to ``doc``'s current state."""
    study: Study = doc.study
    kinds = ["add_tp", "criteria", "start", "options"]
    if study.timepoints:
        kinds += ["remove_tp", "series", "add_lesion", "add_lesion"]
    if study.lesions and study.timepoints:
        kinds += ["measure", "measure", "measure", "state", "clear", "attributes", "remove"]
    kind = data.draw(st.sampled_from(kinds))
    if kind == "add_tp":
        free = [d for d in DATES if study.timepoint(d) is None]
        if not free:
            return SetStartDate(study.start_date, study.start_date + timedelta(days=1))
        day = data.draw(st.sampled_from(free))
        return AddTimePoint(TimePoint(day, tuple(sorted(data.draw(series)))))
    if kind == "criteria":
        after = data.draw(st.sampled_from(list(Criteria)))
        return SetCriteria(study.criteria, after)
    if kind == "start":
        return SetStartDate(study.start_date, data.draw(st.sampled_from(DATES)))
    if kind == "options":
        return SetOptions(study.options, data.draw(options))
    tp = data.draw(st.sampled_from(study.timepoints))
    if kind == "remove_tp":
        return RemoveTimePoint(tp)
    if kind == "series":
        return SetTimePointSeries(tp.date, tp.series, tuple(sorted(data.draw(series))))
    if kind == "add_lesion":
        role = data.draw(st.sampled_from(list(Role)))
        return doc.new_lesion_edit(
            role,
            data.draw(st.sampled_from(ORGANS)),
            tp.date,
            nodal=data.draw(st.booleans()),
            ablated=data.draw(st.booleans()),
            kind=data.draw(st.sampled_from([None, "lesion", "effusion"]))
            if role is Role.NEW
            else None,
        )
    lesion = data.draw(st.sampled_from(study.lesions))
    if kind == "remove":
        return doc.remove_lesion_edit(lesion.lesion_id)
    if kind == "attributes":
        after = replace(
            lesion,
            organ=data.draw(st.sampled_from(ORGANS)),
            nodal=data.draw(st.booleans()),
            ablated=data.draw(st.booleans()),
        )
        return SetLesionAttributes(lesion, after)
    if kind == "clear":
        return SetMeasurement(lesion.lesion_id, tp.date, tp.measurement(lesion.lesion_id), None)
    if kind == "state":
        state = data.draw(st.one_of(st.none(), st.sampled_from(STATES_BY_ROLE[lesion.role])))
        return doc.set_state_edit(lesion.lesion_id, tp.date, state)
    return doc.set_measurement_edit(
        lesion.lesion_id,
        tp.date,
        long_axis_mm=data.draw(sizes_mm),
        short_axis_mm=data.draw(sizes_mm),
        viable_mm=data.draw(sizes_mm),
        typical_hcc_pattern=data.draw(st.one_of(st.none(), st.booleans())),
        cytology=data.draw(st.one_of(st.none(), st.sampled_from(CYTOLOGY_VALUES))),
        long_axis_line=data.draw(calipers),
        viable_line=data.draw(calipers),
    )
