"""The built-in demo: synthetic images and a read with the baseline done (Qt-free).

``prepare_demo()`` makes sure the synthetic multiphase liver CT studies of
:mod:`viewer.phantom` exist in the user data folder (generated once, about 5 s) and that the
demo database holds one read of DEMO-HCC-01 under mRECIST: the baseline measured from the
phantom's true diameters (with the calipers drawn where the lesions are) and the first
follow-up waiting to be read. Nothing here is patient data.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.document import Caliper, Lesion, Measurement, PointMm, Study, TimePoint
from app.paths import user_data_dir
from app.storage import Database, StudyRepository
from recist.model import Criteria, Role
from viewer.dicom import find_series, load_series
from viewer.dicom.discovery import SeriesInfo
from viewer.dicom.volume import Volume
from viewer.phantom import generate_demo

DEMO_VERSION = 2  # bump whenever the phantom changes: cached demos are regenerated
DEMO_PATIENT = "DEMO-HCC-01"
DEMO_READER = "demo-reader"
#: Time points of the demo read: the baseline (read) and the follow-up to read.
DEMO_TIME_POINTS = ("baseline", "followup1")
#: Phantom lesion -> (lesion id, role, ablated); HCC-3 is 12 mm: followed as a non-target.
DEMO_LESIONS = (("HCC-1", "T1", Role.TARGET, True), ("HCC-2", "T2", Role.TARGET, True),
                ("HCC-3", "NT1", Role.NON_TARGET, False))
_COMPLETE_MARKER = "COMPLETE"


@dataclass(frozen=True)
class Demo:
    """Where the demo lives and which read to open."""

    image_root: Path
    database_path: Path
    read_id: int


def demo_folder(root: Path | None = None) -> Path:
    """The demo's folder: ``<user data folder>/demo-v<version>``."""
    return (root or user_data_dir()) / f"demo-v{DEMO_VERSION}"


def ensure_demo_images(folder: Path) -> Path:
    """Generate the phantom studies under ``folder/images`` unless they are complete.

    Generation writes to a temporary folder beside the target and renames it at the end, so an
    interrupted run never leaves a half-written demo that looks complete.
    """
    images = folder / "images"
    if (images / _COMPLETE_MARKER).exists():
        return images
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="images-", dir=folder))
    try:
        generate_demo(staging, size="small", seed=0)
        (staging / _COMPLETE_MARKER).write_text("phantom demo, synthetic data\n")
        if images.exists():
            shutil.rmtree(images)
        os.replace(staging, images)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return images


def _series_by_phase(study_folder: Path) -> dict[str, SeriesInfo]:
    return {info.phase.phase.value: info for info in find_series(study_folder)}


def _truth(study_folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((study_folder / "truth.json").read_text())
    return data


def _study_date(truth: dict[str, Any]) -> date:
    return datetime.strptime(truth["study_date"], "%Y%m%d").date()


def _axial_line(volume: Volume, centre_mm: list[float], length_mm: float, angle_deg: float
                ) -> Caliper:
    """A caliper of ``length_mm`` through ``centre_mm`` at ``angle_deg`` in the axial plane,
    snapped to the nearest acquired slice (whose SOP Instance UID it records)."""
    k = int(round(float(volume.patient_to_index(centre_mm)[0])))
    k = min(max(k, 0), volume.shape[0] - 1)
    z_mm = float(volume.index_to_patient(k, 0, 0)[2])
    t = math.radians(angle_deg)
    dx, dy = 0.5 * length_mm * math.cos(t), 0.5 * length_mm * math.sin(t)
    cx, cy = centre_mm[0], centre_mm[1]
    return Caliper(PointMm(cx - dx, cy - dy, z_mm), PointMm(cx + dx, cy + dy, z_mm),
                   volume.sop_instance_uids[k])


def build_demo_study(images: Path) -> Study:
    """The demo read: baseline measured from the phantom's truth, follow-up 1 to be read."""
    patient_folder = images / DEMO_PATIENT
    timepoints = []
    baseline_truth = _truth(patient_folder / DEMO_TIME_POINTS[0])
    series_of = {name: _series_by_phase(patient_folder / name) for name in DEMO_TIME_POINTS}
    for name, series in series_of.items():
        timepoints.append(TimePoint(
            _study_date(_truth(patient_folder / name)),
            tuple(sorted((phase, info.series_instance_uid) for phase, info in series.items())),
        ))
    arterial = load_series(series_of[DEMO_TIME_POINTS[0]]["arterial"])
    truth_by_id = {les["lesion_id"]: les for les in baseline_truth["lesions"]}
    lesions, entries = [], []
    for phantom_id, lesion_id, role, ablated in DEMO_LESIONS:
        lesions.append(Lesion(lesion_id, role, "liver", nodal=False, ablated=ablated))
        t = truth_by_id[phantom_id]
        if role is Role.TARGET:
            long_mm = round(t["long_axis_mm"], 1)
            viable_mm = round(t["viable_diameter_mm"], 1)
            line = _axial_line(arterial, t["centre_mm"], t["long_axis_mm"],
                               t["long_axis_angle_deg"])
            entries.append(Measurement(lesion_id, long_axis_mm=long_mm, viable_mm=viable_mm,
                                       state="measured", long_axis_line=line,
                                       viable_line=line if viable_mm == long_mm else None))
        else:
            entries.append(Measurement(lesion_id, state="present"))
    baseline = timepoints[0]
    timepoints[0] = TimePoint(baseline.date, baseline.series, tuple(entries))
    return Study(
        patient_id=DEMO_PATIENT,
        criteria=Criteria.MRECIST,
        start_date=baseline.date + timedelta(days=7),  # the ablation, a week after baseline
        reader_id=DEMO_READER,
        lesions=tuple(lesions),
        timepoints=tuple(timepoints),
    )


def prepare_demo(root: Path | None = None) -> Demo:
    """Images and database of the demo, creating what is missing; returns the read to open."""
    folder = demo_folder(root)
    images = ensure_demo_images(folder)
    database_path = folder / "demo.sqlite3"
    database = Database.open(database_path)
    try:
        repository = StudyRepository(database)
        existing = [r for r in repository.list_reads()
                    if r.patient_id == DEMO_PATIENT and r.reader_id == DEMO_READER]
        if existing:
            read_id = existing[0].read_id
        else:
            read_id = repository.create_read(build_demo_study(images), user_id=DEMO_READER,
                                             source="demo")
    finally:
        database.close()
    return Demo(images, database_path, read_id)
