"""Which field a finished caliper sets, and how its length is rounded."""

from __future__ import annotations

import pytest

from app.document import Lesion
from app.measuring import MeasureTarget, measurement_values, resolve_target, to_mm
from recist.model import Criteria, Role
from viewer.geometry import CaliperMeasurement, Plane


def caliper(length_mm: float, short_mm: float | None = None) -> CaliperMeasurement:
    short = {} if short_mm is None else {
        "short_start_px": (0.0, 0.0), "short_end_px": (0.0, 1.0),
        "short_start_patient_mm": (0.0, -short_mm / 2, 5.0),
        "short_end_patient_mm": (0.0, short_mm / 2, 5.0), "short_axis_mm": short_mm}
    return CaliperMeasurement(Plane.AXIAL, 3, (0.0, 0.0), (1.0, 0.0), (-length_mm / 2, 0.0, 5.0),
                              (length_mm / 2, 0.0, 5.0), length_mm, sop_instance_uid="1.2.3",
                              **short)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "nodal", "criteria", "expected"),
    [
        (Role.TARGET, False, Criteria.MRECIST, MeasureTarget.VIABLE),
        (Role.TARGET, False, Criteria.RECIST11, MeasureTarget.LONG_AXIS),
        (Role.TARGET, True, Criteria.MRECIST, MeasureTarget.SHORT_AXIS),
        (Role.TARGET, True, Criteria.RECIST11, MeasureTarget.SHORT_AXIS),
        (Role.NEW, False, Criteria.MRECIST, MeasureTarget.LONG_AXIS),
        (Role.NEW, True, Criteria.MRECIST, MeasureTarget.SHORT_AXIS),
    ],
)
def test_auto_follows_lesion_and_criteria(role: Role, nodal: bool, criteria: Criteria,
                                          expected: MeasureTarget) -> None:
    lesion = Lesion("X1", role, "liver", nodal=nodal)
    assert resolve_target(lesion, criteria, MeasureTarget.AUTO) is expected
    assert resolve_target(lesion, criteria, MeasureTarget.LONG_AXIS) is MeasureTarget.LONG_AXIS


def test_values_carry_the_line_and_the_state() -> None:
    values = measurement_values(Lesion("T1", Role.TARGET, "liver"), MeasureTarget.VIABLE,
                                caliper(18.04))
    assert values["viable_mm"] == 18.0 and values["state"] == "measured"
    line = values["viable_line"]
    assert line.sop_instance_uid == "1.2.3"  # type: ignore[attr-defined]
    assert line.length_mm == pytest.approx(18.04)  # type: ignore[attr-defined]
    new = measurement_values(Lesion("N1", Role.NEW, "liver"), MeasureTarget.LONG_AXIS,
                             caliper(12.0))
    assert "state" not in new and new["long_axis_mm"] == 12.0


def test_bidirectional_sets_the_short_axis_too() -> None:
    values = measurement_values(Lesion("T1", Role.TARGET, "liver"), MeasureTarget.LONG_AXIS,
                                caliper(30.0, 21.26))
    assert (values["long_axis_mm"], values["short_axis_mm"]) == (30.0, 21.3)


@pytest.mark.parametrize(("length", "mm"), [(9.85, 9.9), (9.849, 9.8), (14.25, 14.3), (0.04, 0.0)])
def test_lengths_are_taken_half_up_like_the_engine(length: float, mm: float) -> None:
    assert to_mm(length) == mm
