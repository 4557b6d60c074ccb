"""The ``assess`` command line contract: JSON on stdout and exit 0, or exit 2 with one
field-path line per problem on stderr, nothing on stdout and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent / "vectors" / "contract_example.json"
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "recist", "assess", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )


def test_valid_read_prints_the_assessment() -> None:
    result = run(str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["schema"] == "mrecist-assessment/1"
    assert out["best_overall_response"] == "PD"
    assert result.stderr == ""


def test_standard_input() -> None:
    result = run("-", stdin=EXAMPLE.read_text())
    assert result.returncode == 0
    assert json.loads(result.stdout)["patient"] == "P-017"


def test_text_format_is_a_readable_table() -> None:
    result = run(str(EXAMPLE), "--format", "text")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("date"))
    assert "target" in header and "overall" in header
    row = next(line for line in lines if line.startswith("2026-02-16"))
    assert row.split()[-4:] == ["PR", "CR", "yes", "PD"]
    assert "Best overall response: PD" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "$: not valid JSON"),
        (json.dumps({"schema": "mrecist-read/1"}), "patient: is required"),
        (EXAMPLE.read_text().replace('"viable_mm": 0', '"viable_mm": -3'),
         "timepoints[1].lesions[0].viable_mm: must be a number >= 0, got -3"),
    ],
)
def test_invalid_input_exits_2_with_field_paths(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "read.json"
    path.write_text(content)
    result = run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert expected in result.stderr.splitlines()[0] or any(
        line.startswith(expected) for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr


def test_missing_file_and_binary_file(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.json"))
    assert result.returncode == 2 and result.stdout == ""
    assert "nope.json: cannot read" in result.stderr
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = run(str(binary))
    assert result.returncode == 2 and "Traceback" not in result.stderr
