"""Baseline conformance warnings: problems that do not stop the assessment.

Codes of the contract: ``too_many_targets`` (over 5), ``too_many_targets_in_organ`` (over 2
in one organ; all nodes count as one organ), ``target_not_measurable``,
``target_without_enhancement`` (mRECIST). Source: RECIST 1.1 sections 3.1 and 3.3 (taken over
by mRECIST; criteria.md 1.3 and 2.2-2.3), EORTC RECIST FAQ for the node grouping (A5).
"""

from __future__ import annotations

from dataclasses import dataclass

from recist.model import Criteria, Read, Role, TargetState
from recist.targets import mm
from recist.thresholds import (
    MAX_TARGETS_PER_ORGAN,
    MAX_TARGETS_TOTAL,
    MIN_MEASURABLE_NODE_SHORT_AXIS_TENTH_MM,
    MIN_MEASURABLE_NON_NODAL_TENTH_MM,
    NODAL_ORGAN_GROUP,
)


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def baseline_warnings(read: Read) -> list[Warning]:
    warnings: list[Warning] = []
    targets = [e for e in read.baseline.lesions if e.role is Role.TARGET]
    if len(targets) > MAX_TARGETS_TOTAL:
        warnings.append(
            Warning(
                "too_many_targets",
                f"{len(targets)} target lesions at baseline; at most {MAX_TARGETS_TOTAL}",
            )
        )
    by_organ: dict[str, list[str]] = {}
    for entry in targets:
        organ = NODAL_ORGAN_GROUP if entry.nodal else entry.organ.strip().lower()
        by_organ.setdefault(organ, []).append(entry.id)
    for organ, ids in by_organ.items():
        if len(ids) > MAX_TARGETS_PER_ORGAN:
            warnings.append(
                Warning(
                    "too_many_targets_in_organ",
                    f"{len(ids)} targets in {organ} ({', '.join(ids)}); at most "
                    f"{MAX_TARGETS_PER_ORGAN} per organ (all lymph nodes count as one organ)",
                )
            )
    for entry in targets:
        if entry.state is TargetState.TOO_SMALL:
            warnings.append(
                Warning(
                    "target_not_measurable",
                    f"{entry.id} is too small to measure at baseline; a target must be "
                    "measurable",
                )
            )
            continue
        if entry.state is TargetState.ABSENT:
            warnings.append(
                Warning("target_not_measurable", f"{entry.id} is absent at baseline")
            )
            continue
        if entry.nodal:
            size = entry.short_axis_tenth_mm
            if size is not None and size < MIN_MEASURABLE_NODE_SHORT_AXIS_TENTH_MM:
                warnings.append(
                    Warning(
                        "target_not_measurable",
                        f"{entry.id}: nodal target {mm(size)} mm short axis at baseline; "
                        "a target node needs >= 15 mm",
                    )
                )
        else:
            size = entry.long_axis_tenth_mm
            if size is None:
                size = entry.viable_tenth_mm
            if size is not None and size < MIN_MEASURABLE_NON_NODAL_TENTH_MM:
                warnings.append(
                    Warning(
                        "target_not_measurable",
                        f"{entry.id}: {mm(size)} mm at baseline; a non-nodal target needs "
                        ">= 10 mm longest diameter",
                    )
                )
        if (
            read.criteria is Criteria.MRECIST
            and entry.viable_tenth_mm == 0
        ):
            warnings.append(
                Warning(
                    "target_without_enhancement",
                    f"{entry.id}: no arterially enhancing (viable) tissue at baseline; an "
                    "mRECIST target must show intratumoral arterial enhancement",
                )
            )
    return warnings
