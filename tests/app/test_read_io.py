"""Export a stored read to the contract's JSON file and import such files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import recist
from app.read_io import ReadFileError, export_read, import_read
from app.read_json import study_from_read_json
from app.storage import StudyRepository


def test_export_then_import_gives_the_same_read(
    repository: StudyRepository, example_read: dict[str, Any], tmp_path: Path
) -> None:
    study = study_from_read_json(example_read)
    read_id = repository.create_read(study, user_id="R1")
    target = tmp_path / "read.json"
    written = export_read(repository, read_id, target)
    on_disk = json.loads(target.read_text(encoding="utf-8"))
    assert on_disk == written
    recist.parse_read(on_disk)  # the contract's engine accepts it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "read.json"]  # no temp file
    new_id = import_read(repository, target, user_id="R2")
    assert new_id != read_id
    assert repository.load_read(new_id)[0] == study
    assert repository.audit_trail(new_id)[0].label == "Create read (import read.json)"


def test_import_of_the_contract_example(
    repository: StudyRepository, example_read: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "example.json"
    source.write_text(json.dumps(example_read), encoding="utf-8")
    read_id = import_read(repository, source, user_id="R1")
    study, _version = repository.load_read(read_id)
    assert [x.lesion_id for x in study.lesions] == ["T1", "T2", "NT1", "N1"]
    assessment = recist.assess(recist.parse_read(study.to_read_json())).to_json()
    assert assessment["best_overall_response"] == "PD"


def test_invalid_file_gives_field_paths_and_saves_nothing(
    repository: StudyRepository, example_read: dict[str, Any], tmp_path: Path
) -> None:
    kept = repository.create_read(study_from_read_json(example_read), user_id="R1")
    before = repository.load_read(kept)
    example_read["timepoints"][1]["lesions"][0]["viable_mm"] = -3
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(example_read), encoding="utf-8")
    with pytest.raises(ReadFileError) as info:
        import_read(repository, source, user_id="R1")
    assert any(p.startswith("timepoints[1].lesions[0].viable_mm:") for p in info.value.problems)
    assert str(source) in str(info.value)
    assert [r.read_id for r in repository.list_reads()] == [kept]
    assert repository.load_read(kept) == before


def test_bad_json_and_missing_file(repository: StudyRepository, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": ', encoding="utf-8")
    with pytest.raises(ReadFileError, match=r"\$: invalid JSON at line 1"):
        import_read(repository, broken, user_id="R1")
    with pytest.raises(ReadFileError, match="cannot read the file"):
        import_read(repository, tmp_path / "missing.json", user_id="R1")
    assert repository.list_reads() == []


def test_export_refuses_an_unfinished_read_unless_asked(
    repository: StudyRepository, example_read: dict[str, Any], tmp_path: Path
) -> None:
    read_id = repository.create_read(study_from_read_json(example_read), user_id="R1")
    doc = repository.open_document(read_id, user_id="R1")
    doc.apply(doc.set_measurement_edit("T1", date(2026, 1, 5), viable_mm=None))
    target = tmp_path / "draft.json"
    target.write_text("previous export", encoding="utf-8")
    with pytest.raises(ReadFileError) as info:
        export_read(repository, read_id, target)
    assert any("timepoints[0].lesions[0]" in p for p in info.value.problems)
    assert target.read_text(encoding="utf-8") == "previous export"
    export_read(repository, read_id, target, validate=False)
    assert json.loads(target.read_text(encoding="utf-8"))["patient"] == "P-017"
