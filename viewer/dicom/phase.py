"""Contrast phase labels for CT/MR series: non-contrast, arterial, portal venous, delayed.

Evidence, strongest first: SeriesDescription keywords; the delay between ContrastBolusStartTime
(0018,1042) and the acquisition; the order of acquisitions within the study; the absence of
contrast tags. A :class:`PhaseLabel` is data: the application stores user overrides made with
:meth:`PhaseLabel.with_override`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Phase(StrEnum):
    """Contrast phase of a series."""

    NON_CONTRAST = "non_contrast"
    ARTERIAL = "arterial"
    PORTAL_VENOUS = "portal_venous"
    DELAYED = "delayed"
    UNKNOWN = "unknown"


# Delay after the start of injection, in seconds (typical liver protocols: arterial 20-45 s,
# portal venous 60-80 s, delayed/equilibrium >= 120 s). Boundaries sit between the ranges.
ARTERIAL_MIN_DELAY_S = 10.0
PORTAL_MIN_DELAY_S = 52.0
DELAYED_MIN_DELAY_S = 100.0
SAME_ACQUISITION_S = 5.0
"""Series acquired within this many seconds are reconstructions of one acquisition."""

_PHRASES: tuple[tuple[str, Phase], ...] = (
    (r"\bnon[\s_-]*contrast\b|\bnon[\s_-]*enhanced\b|\bun[\s_-]*enhanced\b", Phase.NON_CONTRAST),
    (r"\bw/?o\b|\bwithout\b|\bpre[\s_-]*contrast\b|\bsans\b|\bohne\b", Phase.NON_CONTRAST),
    (r"\b(late|early)[\s_-]*arterial\b", Phase.ARTERIAL),
    (r"\bportal[\s_-]*venous\b|\bportal\b|\bp[\s_-]?v\b|\bpvp\b|\bvenous\b|\bven\b",
     Phase.PORTAL_VENOUS),
    (r"\bdelay(ed)?\b|\bequilibrium\b|\beq\b|\btransitional\b|\bhepatobiliary\b|\bhbp\b"
     r"|\b\d+\s*min\b|\blate\b(?![\s_-]*art)", Phase.DELAYED),
    (r"\bart(erial)?\b|\bhap\b|\blap\b|\beap\b|\barterielle?\b|\bcta\b", Phase.ARTERIAL),
    (r"\bplain\b|\bnative?\b|\bnc\b|\bpre\b|\bnoncontrast\b|\bprecontrast\b|\bnon[\s_-]*con\b"
     r"|\bunenhanced\b|\bnativ\b", Phase.NON_CONTRAST),
)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), ph) for p, ph in _PHRASES)


@dataclass(frozen=True)
class PhaseLabel:
    """A phase label with its confidence in [0, 1] and the reason in plain text."""

    phase: Phase
    confidence: float
    reason: str
    overridden: bool = False

    def with_override(self, phase: Phase | str) -> PhaseLabel:
        """The label a user set by hand (confidence 1), keeping the automatic one in the reason."""
        chosen = Phase(phase)
        return PhaseLabel(
            chosen,
            1.0,
            f"set by the user (automatic label was {self.phase.value}: {self.reason})",
            overridden=True,
        )


UNKNOWN_LABEL = PhaseLabel(Phase.UNKNOWN, 0.0, "no description keyword, contrast tag or timing")


@dataclass(frozen=True)
class PhaseEvidence:
    """What one series says about its phase. Times are ``datetime`` (date may be a dummy)."""

    description: str = ""
    contrast_agent: str = ""
    contrast_start: datetime | None = None
    acquired: datetime | None = None


def phase_from_description(description: str) -> tuple[Phase, str] | None:
    """Phase named by a SeriesDescription, with the matched text; ``None`` if none or ambiguous.

    Examples: ``"Arterial 2.5mm"`` -> arterial, ``"PV 1.25"`` -> portal venous,
    ``"LIVER PLAIN"`` -> non-contrast, ``"Delayed 3 min"`` -> delayed.
    """
    text = description.replace("_", " ")
    for rx, phase in _COMPILED:
        m = rx.search(text)
        if m:
            # A later, different phase word makes it ambiguous ("art + ven"): report none.
            others = {
                ph for rx2, ph in _COMPILED
                if ph != phase and rx2.search(text) and not _is_sub_match(rx2, text, m)
            }
            if others:
                return None
            return phase, m.group(0).strip()
    return None


def _is_sub_match(rx: re.Pattern[str], text: str, m: re.Match[str]) -> bool:
    """True if every match of ``rx`` lies inside the already accepted match ``m``."""
    return all(m.start() <= o.start() and o.end() <= m.end() for o in rx.finditer(text))


def phase_from_delay(delay_s: float) -> Phase:
    """Phase expected ``delay_s`` seconds after the start of contrast injection."""
    if delay_s < ARTERIAL_MIN_DELAY_S:
        return Phase.NON_CONTRAST if delay_s < 0 else Phase.ARTERIAL
    if delay_s < PORTAL_MIN_DELAY_S:
        return Phase.ARTERIAL
    if delay_s < DELAYED_MIN_DELAY_S:
        return Phase.PORTAL_VENOUS
    return Phase.DELAYED


def _order_labels(ev: Sequence[PhaseEvidence]) -> dict[int, tuple[Phase, str]]:
    """Phases from acquisition order within a study (no bolus start time)."""
    timed = sorted((e.acquired, i) for i, e in enumerate(ev) if e.acquired is not None)
    if len(timed) < 2:
        return {}
    # Group reconstructions of the same acquisition.
    groups: list[list[int]] = []
    times: list[datetime] = []
    for t, i in timed:
        if times and (t - times[-1]).total_seconds() <= SAME_ACQUISITION_S:
            groups[-1].append(i)
        else:
            groups.append([i])
            times.append(t)
    if len(groups) < 2:
        return {}
    out: dict[int, tuple[Phase, str]] = {}
    start = 0
    first_desc = [phase_from_description(ev[i].description) for i in groups[0]]
    first_plain = all(not ev[i].contrast_agent for i in groups[0]) or any(
        d is not None and d[0] == Phase.NON_CONTRAST for d in first_desc
    )
    if first_plain and len(groups) >= 2:
        for i in groups[0]:
            out[i] = (Phase.NON_CONTRAST, "first acquisition of the study, no contrast agent tag")
        start = 1
    sequence = (Phase.ARTERIAL, Phase.PORTAL_VENOUS, Phase.DELAYED)
    t0 = times[start]
    for rank, g in enumerate(groups[start : start + 3]):
        gap = (times[start + rank] - t0).total_seconds()
        ph = sequence[rank]
        if rank == 1 and gap > 150:
            ph = Phase.DELAYED
        for i in g:
            out[i] = (ph, f"acquisition {rank + 1} after contrast by time order (+{gap:.0f} s)")
    return out


def label_phases(evidence: Sequence[PhaseEvidence]) -> list[PhaseLabel]:
    """Label every series of one study.

    Parameters
    ----------
    evidence
        One entry per series of the same study.

    Returns
    -------
    list of PhaseLabel
        In the order of ``evidence``.
    """
    order = _order_labels(evidence)
    labels: list[PhaseLabel] = []
    for i, ev in enumerate(evidence):
        desc = phase_from_description(ev.description)
        timing: tuple[Phase, str, float] | None = None
        if ev.contrast_start is not None and ev.acquired is not None:
            delay = (ev.acquired - ev.contrast_start).total_seconds()
            timing = (phase_from_delay(delay), f"{delay:.0f} s after ContrastBolusStartTime", 0.7)
        elif i in order:
            timing = (order[i][0], order[i][1], 0.4)
        if desc is not None:
            phase, word = desc
            reason = f"SeriesDescription {ev.description!r} says {word!r}"
            conf = 0.8
            if timing is not None and timing[0] == phase:
                conf, reason = 0.95, f"{reason}; {timing[1]} agrees"
            elif timing is not None:
                conf, reason = 0.5, f"{reason}; but {timing[1]} suggests {timing[0].value}"
            if phase == Phase.NON_CONTRAST and ev.contrast_agent:
                conf = min(conf, 0.5)
                reason += f"; but ContrastBolusAgent is {ev.contrast_agent!r}"
            labels.append(PhaseLabel(phase, conf, reason))
        elif timing is not None:
            labels.append(PhaseLabel(timing[0], timing[2], timing[1]))
        elif ev.contrast_agent:
            labels.append(
                PhaseLabel(
                    Phase.UNKNOWN, 0.0,
                    f"ContrastBolusAgent {ev.contrast_agent!r} but no timing or keyword",
                )
            )
        elif len(evidence) > 1 and any(e.contrast_agent for e in evidence):
            labels.append(
                PhaseLabel(
                    Phase.NON_CONTRAST, 0.5,
                    "no ContrastBolusAgent while other series of the study have one",
                )
            )
        else:
            labels.append(UNKNOWN_LABEL)
    return labels


def parse_dicom_datetime(date: str, time: str) -> datetime | None:
    """``datetime`` from DICOM DA (YYYYMMDD) and TM (HHMMSS.FFFFFF) strings.

    A missing date gives 1900-01-01 so that times of one study still compare.
    """
    t = time.strip().replace(":", "")
    if not t:
        return None
    try:
        hh = int(t[0:2])
        mm = int(t[2:4]) if len(t) >= 4 else 0
        ss = float(t[4:]) if len(t) > 4 else 0.0
        d = date.strip().replace(".", "")
        year, month, day = (int(d[0:4]), int(d[4:6]), int(d[6:8])) if len(d) >= 8 else (1900, 1, 1)
        sec = int(ss)
        micro = int(round((ss - sec) * 1e6)) % 1_000_000
        return datetime(year, month, day, hh, mm, min(sec, 59), micro)
    except ValueError:
        return None
