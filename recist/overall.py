"""Overall time-point response and best overall response.

Overall response: RECIST 1.1 tables (criteria.md 2.9), used for mRECIST with IR/SD in place of
non-CR/non-PD (criteria.md 1.9, ambiguity A12, policy 12). Best overall response: RECIST 1.1
section 4.4 with Table 3 when confirmation is required (criteria.md 2.10, policy 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recist.model import Response

_NON_PD_NON_TARGET = (Response.IR_SD, Response.NON_CR_NON_PD)


def overall_response(
    target: Response | None, non_target: Response | None, new_lesions: bool
) -> tuple[Response, str]:
    """The overall response of one follow-up and the table row that gave it."""
    if target is Response.PD:
        return Response.PD, "overall PD: target PD"
    if non_target is Response.PD:
        return Response.PD, "overall PD: non-target PD"
    if new_lesions:
        return Response.PD, "overall PD: new lesion"
    if target is None:
        # Non-target disease only (RECIST 1.1 table 2; policy 12 for mRECIST).
        if non_target is Response.CR:
            return Response.CR, "overall CR: non-target CR, no new lesion (non-target disease only)"
        if non_target is Response.NE or non_target is None:
            return Response.NE, "overall NE: non-targets not all evaluated"
        return (
            Response.NON_CR_NON_PD,
            "overall non-CR/non-PD: non-target disease persists (non-target disease only)",
        )
    if target is Response.NE:
        return Response.NE, "overall NE: targets not all evaluated and no PD shown"
    if target is Response.CR:
        if non_target is None or non_target is Response.CR:
            return Response.CR, "overall CR: target CR, non-target CR or none, no new lesion"
        if non_target is Response.NE:
            return Response.PR, "overall PR: target CR with non-targets not all evaluated"
        return Response.PR, f"overall PR: target CR with non-target {non_target.value}"
    if target is Response.PR:
        return Response.PR, "overall PR: target PR, non-targets not PD, no new lesion"
    return Response.SD, "overall SD: target SD, non-targets not PD, no new lesion"


@dataclass(frozen=True, slots=True)
class BestResponse:
    response: Response
    reason: str
    first_response_date: date | None  # first CR/PR time point that counted, for DoR


_RANK = {
    Response.CR: 0,
    Response.PR: 1,
    Response.SD: 2,
    Response.NON_CR_NON_PD: 3,
    Response.PD: 4,
}


def best_overall_response(
    responses: list[tuple[date, Response]],
    start_date: date,
    sd_min_days: int,
    confirmation_required: bool,
    confirmation_min_days: int,
    non_target_only: bool,
) -> BestResponse:
    """Best overall response over the follow-ups up to and including the first overall PD.

    ``responses`` are the overall responses of the follow-ups in date order. SD and
    non-CR/non-PD count only at or after ``sd_min_days`` from ``start_date``.
    """
    window: list[tuple[date, Response]] = []
    for item in responses:
        window.append(item)
        if item[1] is Response.PD:
            break
    stable = Response.NON_CR_NON_PD if non_target_only else Response.SD

    def sd_met(when: date) -> bool:
        return (when - start_date).days >= sd_min_days

    if not confirmation_required:
        candidates: list[tuple[Response, date]] = []
        for when, response in window:
            if response in (Response.SD, Response.NON_CR_NON_PD) and not sd_met(when):
                continue
            if response in _RANK:
                candidates.append((response, when))
        if not candidates:
            return BestResponse(
                Response.NE,
                "no follow-up qualifies (SD needs >= "
                f"{sd_min_days} days from the start date)" if window else "no follow-up yet",
                None,
            )
        best, when = min(candidates, key=lambda c: (_RANK[c[0]], c[1]))
        first_response = next(
            (w for w, r in window if r in (Response.CR, Response.PR)), None
        )
        return BestResponse(best, f"best time-point response {best.value} on {when}",
                            first_response)

    # Confirmation required: a CR (PR) counts when a later time point, at least
    # confirmation_min_days after, is CR (CR or PR). CR then PR gives PR (policy 13).
    def confirmed(levels: tuple[Response, ...], later_levels: tuple[Response, ...]) -> (
        tuple[date, date] | None
    ):
        for i, (first_date, first) in enumerate(window):
            if first not in levels:
                continue
            for later_date, later in window[i + 1:]:
                if later in later_levels and (
                    (later_date - first_date).days >= confirmation_min_days
                ):
                    return first_date, later_date
        return None

    cr = confirmed((Response.CR,), (Response.CR,))
    if cr is not None:
        return BestResponse(Response.CR, f"CR on {cr[0]} confirmed on {cr[1]}", cr[0])
    pr = confirmed((Response.CR, Response.PR), (Response.CR, Response.PR))
    if pr is not None:
        return BestResponse(Response.PR, f"response on {pr[0]} confirmed on {pr[1]}", pr[0])
    # Unconfirmed responses fall back to SD when the SD minimum is met, else PD if PD
    # follows, else NE (RECIST 1.1 Table 3; policy 13).
    fallbacks = [
        (stable if response in (Response.CR, Response.PR) else response, when, response)
        for when, response in window
        if response in (Response.CR, Response.PR, Response.SD, Response.NON_CR_NON_PD)
        and sd_met(when)
    ]
    if fallbacks:
        best, when, was = min(fallbacks, key=lambda c: (_RANK[c[0]], c[1]))
        note = f" ({was.value} not confirmed)" if was is not best else ""
        return BestResponse(best, f"{best.value} on {when}{note}", None)
    if any(r is Response.PD for _, r in window):
        return BestResponse(
            Response.PD, "no confirmed response and SD minimum not met before PD", None
        )
    return BestResponse(Response.NE, "no confirmed response and SD minimum not met", None)
