"""What a finished caliper sets on a lesion (Qt-free).

A caliper measures a length; which field of the lesion entry it fills depends on the lesion and
the criteria: the short axis for nodes, the viable (arterially enhancing) diameter for an
mRECIST non-nodal target, the long axis otherwise, unless the reader chose explicitly.
Lengths are taken to 0.1 mm half up, exactly as the engine takes them (policy 1).
"""

from __future__ import annotations

from enum import StrEnum

from app.document import Caliper, Lesion, PointMm
from recist.model import Criteria, Role
from recist.parse import to_tenth_mm
from viewer.geometry import CaliperMeasurement


class MeasureTarget(StrEnum):
    """The entry field a finished caliper sets."""

    AUTO = "auto"
    LONG_AXIS = "long_axis"
    VIABLE = "viable"
    SHORT_AXIS = "short_axis"


def resolve_target(lesion: Lesion, criteria: Criteria, chosen: MeasureTarget) -> MeasureTarget:
    """The field ``AUTO`` stands for on this lesion under these criteria."""
    if chosen is not MeasureTarget.AUTO:
        return chosen
    if lesion.nodal:
        return MeasureTarget.SHORT_AXIS
    if lesion.role is Role.TARGET and criteria is Criteria.MRECIST:
        return MeasureTarget.VIABLE
    return MeasureTarget.LONG_AXIS


def to_mm(length_mm: float) -> float:
    """A length taken to 0.1 mm, half up (as ``recist`` does with every measurement)."""
    return to_tenth_mm(length_mm) / 10


def measurement_values(lesion: Lesion, target: MeasureTarget, m: CaliperMeasurement
                       ) -> dict[str, object]:
    """The entry fields to set from a finished caliper (for ``set_measurement_edit``)."""
    uid = m.sop_instance_uid or ""
    line = Caliper(PointMm(*m.start_patient_mm), PointMm(*m.end_patient_mm), uid)
    values: dict[str, object] = {f"{target.value}_mm": to_mm(m.length_mm),
                                 f"{target.value}_line": line}
    if m.short_axis_mm is not None and m.short_start_patient_mm and m.short_end_patient_mm:
        values["short_axis_mm"] = to_mm(m.short_axis_mm)
        values["short_axis_line"] = Caliper(PointMm(*m.short_start_patient_mm),
                                            PointMm(*m.short_end_patient_mm), uid)
    if lesion.role is Role.TARGET:
        values["state"] = "measured"
    return values
