"""Target lesions: the per-lesion value, the sum, and the target response of one time point.

All arithmetic is on integers in tenths of a millimetre; thresholds are the exact integer
forms of ../shared/reference/criteria.md section 0.2 (contract policy 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from recist.model import Criteria, LesionEntry, Response, Role, TargetState, TimePoint
from recist.thresholds import (
    NODE_NORMAL_BELOW_TENTH_MM,
    PD_INCREASE_RATIO,
    PR_DECREASE_RATIO,
    TOO_SMALL_VALUE_TENTH_MM,
)


def mm(tenths: int) -> str:
    """Tenths of a mm as a display string in mm with one decimal: 523 -> '52.3'."""
    return f"{tenths / 10:.1f}"


def pct_tenths(now: int, reference: int) -> int | None:
    """Percent change from ``reference`` to ``now`` in tenths of a percent, rounded half up
    (away from zero) from the exact ratio; ``None`` when the reference is 0."""
    if reference == 0:
        return None
    num = 1000 * (now - reference)
    sign = -1 if num < 0 else 1
    return sign * ((2 * abs(num) + reference) // (2 * reference))


def pct_text(tenths_pct: int | None) -> str:
    if tenths_pct is None:
        return "n/a"
    return ("+" if tenths_pct > 0 else "") + mm(tenths_pct) + " %"


def meets_pr(now: int, baseline: int) -> bool:
    """Decrease of at least 30 % from baseline: ``10*(B - N) >= 3*B``."""
    num, den = PR_DECREASE_RATIO
    return den * (baseline - now) >= num * baseline


def meets_pd(now: int, nadir: int, floor_tenth_mm: int) -> bool:
    """Increase of at least 20 % over the nadir (``5*(N - nadir) >= nadir``, ``N > nadir``)
    and of at least ``floor_tenth_mm`` in absolute terms."""
    num, den = PD_INCREASE_RATIO
    increase = now - nadir
    return increase > 0 and den * increase >= num * nadir and increase >= floor_tenth_mm


_SHORT_AXIS = LesionEntry._fields.index("short_axis_tenth_mm")
_LONG_AXIS = LesionEntry._fields.index("long_axis_tenth_mm")
_VIABLE = LesionEntry._fields.index("viable_tenth_mm")


def target_values(
    tp: TimePoint, ids: tuple[str, ...], value_fields: tuple[int, ...]
) -> list[int | None]:
    """The value each target adds to the sum at ``tp``; ``None`` when it is missing or not
    evaluated.

    ``value_fields`` holds, per target, the LesionEntry field of its measured value: RECIST 1.1
    the long axis, mRECIST the viable diameter, the short axis for nodes under both (policy 4,
    ambiguity A10). ``too_small`` counts 5 mm, ``absent`` 0.
    """
    get = tp.by_id.get
    values: list[int | None] = []
    for lesion_id, value_field in zip(ids, value_fields, strict=True):
        entry = get(lesion_id)
        if entry is None:
            values.append(None)
            continue
        state = entry.state
        if state is TargetState.MEASURED:
            values.append(entry[value_field])  # type: ignore[arg-type]  # a size field
        elif state is TargetState.TOO_SMALL:
            values.append(TOO_SMALL_VALUE_TENTH_MM)
        elif state is TargetState.ABSENT:
            values.append(0)
        else:
            values.append(None)
    return values


@dataclass(frozen=True, slots=True)
class TargetBaseline:
    ids: tuple[str, ...]
    nodal: tuple[bool, ...]
    sum_tenth_mm: int | None  # None when there are no targets
    # Per target, the LesionEntry field holding its measured value under the criteria.
    value_fields: tuple[int, ...] = ()

    def values(self, tp: TimePoint) -> list[int | None]:
        """Each target's value at ``tp`` (see :func:`target_values`)."""
        return target_values(tp, self.ids, self.value_fields)


def target_baseline(baseline: TimePoint, criteria: Criteria) -> TargetBaseline:
    entries = [e for e in baseline.lesions if e.role is Role.TARGET]
    if not entries:
        return TargetBaseline((), (), None)
    ids = tuple(e.id for e in entries)
    non_nodal = _VIABLE if criteria is Criteria.MRECIST else _LONG_AXIS
    fields = tuple(_SHORT_AXIS if e.nodal else non_nodal for e in entries)
    total = sum(v for v in target_values(baseline, ids, fields) if v is not None)
    return TargetBaseline(ids, tuple(e.nodal for e in entries), total, fields)


@dataclass(frozen=True, slots=True)
class TargetResult:
    """Target response of one follow-up before the 'PR stands' rule (policy 8)."""

    response: Response
    sum_tenth_mm: int | None
    reasons: tuple[str, ...]


def _values_text(ids: tuple[str, ...], values: list[int | None]) -> str:
    return ", ".join([
        f"{lesion_id} not evaluated" if value is None else f"{lesion_id} {value / 10:.1f}"
        for lesion_id, value in zip(ids, values, strict=True)
    ])


def assess_targets(
    tp: TimePoint,
    base: TargetBaseline,
    criteria: Criteria,
    nadir: int,
    nadir_label: str,
    floor_tenth_mm: int,
    after_overall_cr: bool,
) -> TargetResult:
    """Target response at one follow-up, in the order of policy 5: reappearance after CR,
    missing targets, CR, PD, PR, SD."""
    assert base.sum_tenth_mm is not None
    baseline_sum = base.sum_tenth_mm
    values = base.values(tp)
    what = "viable diameters" if criteria is Criteria.MRECIST else "diameters"
    listing = _values_text(base.ids, values)

    # Policy 7: once an overall CR was assigned, reappearance of any target is PD.
    if after_overall_cr:
        back = [
            lesion_id
            for lesion_id, value, nodal in zip(base.ids, values, base.nodal, strict=True)
            if value is not None
            and (value >= NODE_NORMAL_BELOW_TENTH_MM if nodal else value > 0)
        ]
        if back:
            known = None if None in values else sum(v for v in values if v is not None)
            return TargetResult(
                Response.PD,
                known,
                (
                    f"targets ({what}): {listing}",
                    f"target PD: {', '.join(back)} reappeared after an overall CR "
                    "(reappearance after CR is progression; EORTC RECIST FAQ, policy 7)",
                ),
            )

    if None in values:
        missing = [i for i, v in zip(base.ids, values, strict=True) if v is None]
        lower = sum(v for v in values if v is not None)
        if meets_pd(lower, nadir, floor_tenth_mm):
            return TargetResult(
                Response.PD,
                None,
                (
                    f"targets ({what}): {listing}",
                    f"target PD although {', '.join(missing)} not evaluated: the measured "
                    f"targets alone sum {mm(lower)} mm, {pct_text(pct_tenths(lower, nadir))} "
                    f"and +{mm(lower - nadir)} mm over the nadir {nadir_label}",
                ),
            )
        return TargetResult(
            Response.NE,
            None,
            (
                f"targets ({what}): {listing}",
                f"target NE: {', '.join(missing)} not evaluated and the measured targets "
                f"alone ({mm(lower)} mm) do not reach PD over the nadir {nadir_label}",
            ),
        )

    total: int = sum(values)  # type: ignore[arg-type]  # None was ruled out above
    head = f"targets ({what}): {listing}; sum {mm(total)} mm"
    compare = (
        f"vs baseline {mm(baseline_sum)} mm: {pct_text(pct_tenths(total, baseline_sum))}; "
        f"vs nadir {nadir_label}: {pct_text(pct_tenths(total, nadir))}"
    )
    complete = True  # CR: every non-nodal target 0 and every nodal target under 10 mm
    for value, nodal in zip(values, base.nodal, strict=True):
        if (value >= NODE_NORMAL_BELOW_TENTH_MM) if nodal else value:  # type: ignore[operator]
            complete = False
            break
    if complete:
        rule = (
            "no viable (arterially enhancing) tissue left in any target"
            if criteria is Criteria.MRECIST
            else "all non-nodal targets gone"
        )
        if any(base.nodal):
            rule += " and every nodal target under 10 mm short axis"
        return TargetResult(Response.CR, total, (head, compare, f"target CR: {rule}"))
    if meets_pd(total, nadir, floor_tenth_mm):
        floor_text = f" and >= {mm(floor_tenth_mm)} mm" if floor_tenth_mm else ""
        return TargetResult(
            Response.PD,
            total,
            (
                head,
                compare,
                f"target PD: +{mm(total - nadir)} mm over the nadir, >= 20 %{floor_text}",
            ),
        )
    if meets_pr(total, baseline_sum):
        return TargetResult(
            Response.PR,
            total,
            (head, compare, "target PR: decrease of at least 30 % from baseline"),
        )
    why = "less than 30 % decrease from baseline and no PD over the nadir"
    if meets_pd(total, nadir, 0):
        why = (
            f"+20 % over the nadir but only +{mm(total - nadir)} mm "
            f"(PD needs >= {mm(floor_tenth_mm)} mm)"
        )
    return TargetResult(Response.SD, total, (head, compare, f"target SD: {why}"))
