"""The built-in demo: generated once, seeded once, baseline measured from the phantom's truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.demo import DEMO_PATIENT, demo_folder, ensure_demo_images, prepare_demo
from app.response import assess_study
from app.storage import Database, StudyRepository


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("userdata")


def test_demo_read_has_the_baseline_done_and_the_follow_up_to_do(root: Path) -> None:
    demo = prepare_demo(root)
    assert demo.image_root == demo_folder(root) / "images"
    db = Database.open(demo.database_path)
    study, _version = StudyRepository(db).load_read(demo.read_id)
    db.close()
    assert study.patient_id == DEMO_PATIENT
    baseline, follow_up = study.timepoints
    assert follow_up.measurements == ()
    assert {phase for phase, _uid in baseline.series} == {"arterial", "portal_venous",
                                                           "non_contrast"}
    truth = {les["lesion_id"]: les for les in json.loads(
        (demo.image_root / DEMO_PATIENT / "baseline" / "truth.json").read_text())["lesions"]}
    t1 = baseline.measurement("T1")
    assert t1 is not None and t1.long_axis_mm == round(truth["HCC-1"]["long_axis_mm"], 1)
    assert t1.viable_mm == round(truth["HCC-1"]["viable_diameter_mm"], 1)
    assert t1.long_axis_line is not None
    assert t1.long_axis_line.length_mm == pytest.approx(truth["HCC-1"]["long_axis_mm"], abs=0.01)
    summary = assess_study(study)
    assert summary.primary.ok and summary.primary.assessment is not None
    assert summary.primary.assessment.timepoints[1].overall.value == "NE"  # nothing read yet
    assert summary.primary.assessment.warnings == ()


def test_prepare_demo_is_idempotent(root: Path) -> None:
    first = prepare_demo(root)
    again = prepare_demo(root)
    assert again == first
    db = Database.open(first.database_path)
    assert len(StudyRepository(db).list_reads()) == 1
    db.close()


def test_incomplete_images_are_generated_again(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "half-written.dcm").write_bytes(b"not complete")
    images = ensure_demo_images(folder)
    assert (images / "COMPLETE").exists()
    assert not (images / "half-written.dcm").exists()
    assert (images / DEMO_PATIENT / "followup1" / "truth.json").exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith("images-")] == []
