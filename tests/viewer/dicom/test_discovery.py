"""find_series / scan_folder: grouping, skipping, problems, DICOMDIR, phase labels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.fileset import FileSet

from tests.viewer.dicom.conftest import Study
from viewer.dicom import FileProblem, Phase, find_series, scan_folder


def test_demo_series_grouped_and_labelled(demo_dir: Path) -> None:
    problems: list[FileProblem] = []
    series = find_series(demo_dir, problems=problems)
    assert problems == []
    assert len(series) == 18
    assert {s.number_of_files for s in series} == {80}
    studies = {s.study_instance_uid for s in series}
    assert len(studies) == 6
    assert {s.patient_name for s in series} == {"DEMO^HCC^ONE", "DEMO^CRC^TWO"}
    for s in series:
        truth_phase = Path(s.file_paths[0]).parent.name
        assert s.phase.phase == Phase(truth_phase), (s.series_description, s.phase)
        assert 0.0 < s.phase.confidence <= 1.0
        assert s.phase.reason
    arterial = next(s for s in series if s.series_description == "Arterial 2.5mm")
    assert arterial.contrast.agent == "IOHEXOL 350 (SYNTHETIC)"
    assert arterial.contrast.start_time == "093200"
    assert arterial.acquisition_datetime is not None
    assert arterial.acquisition_datetime.strftime("%H%M%S") == "093235"
    assert arterial.modality == "CT" and arterial.series_number == 3
    assert arterial.rows == arterial.columns == 256
    # Files are sorted along the slice normal.
    z = [float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2])
         for f in arterial.file_paths[:5]]
    assert z == sorted(z)
    # Follow-up 2 of the CRC patient has generic descriptions: labelled by timing only.
    generic = [s for s in series if s.series_description == "Abdomen 2.5mm B30f"]
    assert len(generic) == 3
    assert all(s.phase.confidence < 0.6 for s in generic)


def test_junk_is_skipped_and_broken_files_reported(aniso_study: Study, tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    shutil.copytree(aniso_study.series["arterial"], root / "a")
    (root / "notes.txt").write_text("hello")
    (root / "empty").write_bytes(b"")
    src = Path(aniso_study.files("non_contrast")[0]).read_bytes()
    (root / "broken.dcm").write_bytes(src[:700])
    result = scan_folder(root)
    assert len(result.series) == 1
    assert result.series[0].number_of_files == 30
    assert [Path(p.path).name for p in result.problems] == ["broken.dcm"]
    assert result.problems[0].reason


def test_dicomdir(aniso_study: Study, tmp_path: Path) -> None:
    fs = FileSet()
    for f in aniso_study.files("arterial")[:5]:
        fs.add(f)
    out = tmp_path / "media"
    fs.write(out)
    series = find_series(out / "DICOMDIR")
    assert len(series) == 1
    assert series[0].number_of_files == 5
    assert series[0].phase.phase == Phase.ARTERIAL


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    result = scan_folder(tmp_path / "nope")
    assert result.series == () and len(result.problems) == 1


def test_phase_override_on_series_info(aniso_study: Study) -> None:
    series = find_series(aniso_study.folder)
    assert {s.phase.phase for s in series} == {Phase.NON_CONTRAST, Phase.ARTERIAL}
    changed = series[0].with_phase_override(Phase.DELAYED)
    assert changed.phase.phase == Phase.DELAYED and changed.phase.overridden
    assert changed.file_paths == series[0].file_paths
    with pytest.raises(AttributeError):
        changed.phase = series[0].phase  # type: ignore[misc]
