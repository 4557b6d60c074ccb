"""Fixtures for the Qt-free app tests: the contract's example read and a fresh database."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.storage import Database, StudyRepository

#: The example read of ../shared/contracts/read-format.md ("Input: mrecist-read/1").
CONTRACT_EXAMPLE: dict[str, Any] = {
    "schema": "mrecist-read/1",
    "patient": "P-017",
    "reader": "R1",
    "criteria": "mRECIST",
    "start_date": "2026-01-12",
    "options": {},
    "timepoints": [
        {
            "date": "2026-01-05",
            "lesions": [
                {"id": "T1", "role": "target", "organ": "liver", "ablated": True,
                 "long_axis_mm": 34.0, "viable_mm": 34.0},
                {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True,
                 "short_axis_mm": 18.0},
                {"id": "NT1", "role": "non_target", "organ": "liver", "state": "present"},
            ],
        },
        {
            "date": "2026-02-16",
            "lesions": [
                {"id": "T1", "role": "target", "organ": "liver", "ablated": True,
                 "long_axis_mm": 36.0, "viable_mm": 0},
                {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True,
                 "short_axis_mm": 12.0},
                {"id": "NT1", "role": "non_target", "organ": "liver", "state": "absent"},
                {"id": "N1", "role": "new", "organ": "liver", "long_axis_mm": 12.0,
                 "typical_hcc_pattern": True, "state": "unequivocal"},
            ],
        },
    ],
}


@pytest.fixture
def example_read() -> dict[str, Any]:
    """A fresh deep copy of the contract's example read."""
    return copy.deepcopy(CONTRACT_EXAMPLE)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "mrecist.sqlite3"


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    db = Database.open(db_path)
    yield db
    db.close()


@pytest.fixture
def repository(database: Database) -> StudyRepository:
    return StudyRepository(database)
