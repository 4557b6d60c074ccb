"""Contrast phase labelling from descriptions, contrast tags and timing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from viewer.dicom.phase import (
    Phase,
    PhaseEvidence,
    label_phases,
    parse_dicom_datetime,
    phase_from_delay,
    phase_from_description,
)


@pytest.mark.parametrize(
    ("description", "phase"),
    [
        ("Arterial 2.5mm", Phase.ARTERIAL),
        ("ART", Phase.ARTERIAL),
        ("LATE ARTERIAL", Phase.ARTERIAL),
        ("HAP 1.25 B30f", Phase.ARTERIAL),
        ("PV 2.5mm", Phase.PORTAL_VENOUS),
        ("PORTAL VENOUS", Phase.PORTAL_VENOUS),
        ("Abd venous 5mm", Phase.PORTAL_VENOUS),
        ("Delayed 3 min", Phase.DELAYED),
        ("EQUILIBRIUM", Phase.DELAYED),
        ("LIVER PLAIN", Phase.NON_CONTRAST),
        ("native", Phase.NON_CONTRAST),
        ("Abdomen NC 2.5mm", Phase.NON_CONTRAST),
        ("non-contrast", Phase.NON_CONTRAST),
        ("PRE", Phase.NON_CONTRAST),
        ("CT ABD W/O", Phase.NON_CONTRAST),
    ],
)
def test_description_keywords(description: str, phase: Phase) -> None:
    found = phase_from_description(description)
    assert found is not None and found[0] == phase


@pytest.mark.parametrize("description", ["Abdomen 2.5mm B30f", "", "Scout", "art + venous"])
def test_no_or_ambiguous_keyword(description: str) -> None:
    assert phase_from_description(description) is None


@pytest.mark.parametrize(
    ("delay_s", "phase"),
    [(-60, Phase.NON_CONTRAST), (20, Phase.ARTERIAL), (45, Phase.ARTERIAL),
     (60, Phase.PORTAL_VENOUS), (80, Phase.PORTAL_VENOUS), (130, Phase.DELAYED)],
)
def test_delay_boundaries(delay_s: float, phase: Phase) -> None:
    assert phase_from_delay(delay_s) == phase


T0 = datetime(2026, 3, 1, 10, 0, 0)


def test_bolus_timing_without_descriptions() -> None:
    ev = [
        PhaseEvidence("Abdomen", "", None, T0 - timedelta(seconds=120)),
        PhaseEvidence("Abdomen", "IOHEXOL", T0, T0 + timedelta(seconds=35)),
        PhaseEvidence("Abdomen", "IOHEXOL", T0, T0 + timedelta(seconds=72)),
        PhaseEvidence("Abdomen", "IOHEXOL", T0, T0 + timedelta(seconds=180)),
    ]
    labels = label_phases(ev)
    assert [lb.phase for lb in labels] == [
        Phase.NON_CONTRAST, Phase.ARTERIAL, Phase.PORTAL_VENOUS, Phase.DELAYED]
    assert labels[1].confidence == pytest.approx(0.7)
    assert "35 s after ContrastBolusStartTime" in labels[1].reason


def test_acquisition_order_without_bolus_time() -> None:
    ev = [  # given out of order on purpose
        PhaseEvidence("Abdomen", "IOHEXOL", None, T0 + timedelta(seconds=155)),
        PhaseEvidence("Abdomen", "", None, T0),
        PhaseEvidence("Abdomen", "IOHEXOL", None, T0 + timedelta(seconds=120)),
        PhaseEvidence("Abdomen thin", "IOHEXOL", None, T0 + timedelta(seconds=122)),
    ]
    labels = label_phases(ev)
    assert [lb.phase for lb in labels] == [
        Phase.PORTAL_VENOUS, Phase.NON_CONTRAST, Phase.ARTERIAL, Phase.ARTERIAL]
    assert all(0 < lb.confidence <= 0.5 for lb in labels)


def test_description_and_timing_agree_or_disagree() -> None:
    agree = label_phases([PhaseEvidence("Arterial", "X", T0, T0 + timedelta(seconds=30))])[0]
    disagree = label_phases([PhaseEvidence("Arterial", "X", T0, T0 + timedelta(seconds=75))])[0]
    assert agree.phase == disagree.phase == Phase.ARTERIAL
    assert agree.confidence > 0.9 > disagree.confidence
    assert "portal_venous" in disagree.reason


def test_non_contrast_description_with_contrast_agent_is_doubted() -> None:
    label = label_phases([PhaseEvidence("PLAIN", "IOHEXOL", None, None)])[0]
    assert label.phase == Phase.NON_CONTRAST and label.confidence <= 0.5
    assert "ContrastBolusAgent" in label.reason


def test_no_evidence_is_unknown() -> None:
    label = label_phases([PhaseEvidence("Abdomen", "", None, None)])[0]
    assert label.phase == Phase.UNKNOWN and label.confidence == 0.0


def test_override_is_data() -> None:
    label = label_phases([PhaseEvidence("PV", "", None, None)])[0]
    over = label.with_override("delayed")
    assert over.phase == Phase.DELAYED and over.overridden and over.confidence == 1.0
    assert "portal_venous" in over.reason
    assert label.phase == Phase.PORTAL_VENOUS  # frozen: the original is unchanged
    with pytest.raises(ValueError):
        label.with_override("late")


def test_parse_dicom_datetime() -> None:
    assert parse_dicom_datetime("20260301", "101502.5") == datetime(2026, 3, 1, 10, 15, 2, 500000)
    assert parse_dicom_datetime("", "0930") == datetime(1900, 1, 1, 9, 30)
    assert parse_dicom_datetime("20260301", "") is None
    assert parse_dicom_datetime("20260301", "xx") is None
