"""Malformed, truncated, lying and exotic files: one DicomLoadError naming file and problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.viewer.dicom.conftest import Study
from viewer.dicom import (
    DeclaredSizeError,
    DicomLoadError,
    MalformedDicomError,
    NotDicomError,
    UnsupportedDicomError,
    load_series,
)

REPO = Path(__file__).resolve().parents[3]


def test_every_pydicom_test_file_loads_or_raises_a_dicom_load_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.viewer.dicom.corpus_check"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    last = proc.stderr.strip().splitlines()[-1:] if proc.stderr.strip() else []
    assert proc.returncode == 0, f"corpus run crashed (rc {proc.returncode}) at {last}"
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) > 200  # pydicom test files plus pydicom-data
    unexpected = [r for r in rows if r["status"] == "unexpected"]
    assert unexpected == []
    ok = [r for r in rows if r["status"] == "ok"]
    errors = [r for r in rows if r["status"] == "error"]
    assert len(ok) > 60 and len(errors) > 60
    for r in errors:
        assert os.path.basename(r["file"]) in r["message"], r
        assert r["type"] in {
            "NotDicomError", "MalformedDicomError", "UnsupportedDicomError",
            "DeclaredSizeError", "PixelDecodeError", "SeriesError",
        }
    by_name = {os.path.basename(r["file"]): r for r in rows}
    assert by_name["CT_small.dcm"]["status"] == "ok"
    assert by_name["CT_small.dcm"]["dtype"] == "int16"
    assert by_name["MR_truncated.dcm"]["type"] == "DeclaredSizeError"
    assert by_name["JPEG2000.dcm"]["status"] == "ok"
    assert by_name["emri_small_RLE.dcm"]["shape"] == [10, 64, 64]
    assert by_name["README.txt"]["type"] == "NotDicomError"


def _patched_ct_small(tmp_path: Path, name: str, **attrs: object) -> Path:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for key, value in attrs.items():
        setattr(ds, key, value)
    out = tmp_path / name
    ds.save_as(out)
    return out


def test_header_declaring_60000_squared_pixels_is_refused(tmp_path: Path) -> None:
    path = _patched_ct_small(tmp_path, "huge.dcm", Rows=60000, Columns=60000)
    with pytest.raises(DeclaredSizeError) as info:
        load_series([path])
    assert "huge.dcm" in str(info.value) and "60000 x 60000" in str(info.value)


def test_header_declaring_more_pixels_than_present_is_refused(tmp_path: Path) -> None:
    path = _patched_ct_small(tmp_path, "lying.dcm", Rows=4000, Columns=4000)
    with pytest.raises(DeclaredSizeError, match=r"lying\.dcm.*holds only 32768 bytes"):
        load_series([path])


def test_compressed_header_declaring_absurd_size_is_refused(tmp_path: Path) -> None:
    ds = pydicom.dcmread(get_testdata_file("JPEG2000.dcm"))
    ds.Rows = 16000
    ds.Columns = 16000
    ds.NumberOfFrames = 8
    out = tmp_path / "j2k_lie.dcm"
    ds.save_as(out)
    with pytest.raises(DeclaredSizeError, match="j2k_lie.dcm"):
        load_series([out])


@pytest.mark.parametrize("keep_bytes", [0, 10, 131, 132, 200, 600, 1000, -2000, -1])
def test_truncated_phantom_file(aniso_study: Study, tmp_path: Path, keep_bytes: int) -> None:
    src = Path(aniso_study.files("arterial")[0])
    data = src.read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[:keep_bytes] if keep_bytes >= 0 else data[:len(data) + keep_bytes])
    with pytest.raises(DicomLoadError) as info:
        load_series([cut])
    assert type(info.value) in (NotDicomError, MalformedDicomError, DeclaredSizeError,
                                UnsupportedDicomError)
    assert "cut.dcm" in str(info.value)


def test_truncated_file_in_a_series_fails_the_whole_series(
    aniso_study: Study, tmp_path: Path
) -> None:
    files = aniso_study.files("arterial")
    data = Path(files[3]).read_bytes()
    cut = tmp_path / "short.dcm"
    cut.write_bytes(data[:-100])
    with pytest.raises(DeclaredSizeError, match=r"short\.dcm"):
        load_series([*files[:3], str(cut), *files[4:]])


def test_non_dicom_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("not an image\n" * 20)
    with pytest.raises(NotDicomError, match="notes.txt"):
        load_series([p])


def test_missing_file_is_a_dicom_load_error(tmp_path: Path) -> None:
    with pytest.raises(DicomLoadError, match="nothere.dcm"):
        load_series([tmp_path / "nothere.dcm"])


def test_colour_image_is_unsupported() -> None:
    with pytest.raises(UnsupportedDicomError, match="colour"):
        load_series([get_testdata_file("SC_rgb.dcm")])
