"""Kill -9 while saving: every acknowledged measurement survives, the file stays sound.

A child process (``crash_writer.py``) commits measurement edits in a loop and prints
``ACK <n> <value>`` after each commit has returned. The parent SIGKILLs it at random moments
(fixed seed), some while it is still starting or migrating, the rest after a random number
of acknowledgements plus a random delay, and after every kill opens the database and checks
``PRAGMA integrity_check`` and that every acknowledged value is stored. One database is
reused across kills; the child resumes numbering from what is stored.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.storage import Database, StudyRepository
from tests.app.crash_writer import BASELINE, caliper, value_mm

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("crash_writer.py")
KILLS = int(os.environ.get("MRECIST_CRASH_KILLS", "100"))
SEED = 20261125


def _start(path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


def _ack(line: str, acked: dict[int, float]) -> None:
    word, n, value = line.split()
    assert word == "ACK"
    acked[int(n)] = float(value)


@pytest.mark.slow
def test_acknowledged_measurements_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    path = tmp_path / "crash.sqlite3"
    acked: dict[int, float] = {}
    started = time.monotonic()
    early_kills = 0
    between_edits = 0  # kills that fell between a lesion's two commits
    for _round in range(KILLS):
        child = _start(path)
        assert child.stdout is not None and child.stderr is not None
        if rng.random() < 0.15:  # during start-up, migration or the first edits
            early_kills += 1
            time.sleep(rng.uniform(0.0, 0.4))
        else:
            for _ in range(rng.randint(1, 6)):
                line = child.stdout.readline()
                if not line:
                    pytest.fail(f"writer died on its own: {child.stderr.read()}")
                _ack(line, acked)
            time.sleep(rng.uniform(0.0, 0.02))
        child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate()
        assert child.returncode == -signal.SIGKILL, f"writer exited by itself: {errors}"
        for line in rest.splitlines():
            _ack(line, acked)

        if not path.exists():
            continue  # killed before the file was created
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
            audit_rows = (
                con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
                if "audit_log" in tables
                else 0
            )
        finally:
            con.close()
        with Database.open(path) as db:
            repo = StudyRepository(db)
            reads = repo.list_reads()
            if not reads:
                assert not acked
                continue
            assert len(reads) == 1
            study, version = repo.load_read(reads[0].read_id)
        assert audit_rows == version  # one audit row per committed edit, none lost
        baseline = study.timepoint(BASELINE)
        assert baseline is not None
        between_edits += any(m.long_axis_mm is None for m in baseline.measurements)
        for n, value in acked.items():
            entry = baseline.measurement(f"T{n}")
            assert entry is not None, f"acknowledged T{n} lost after kill {_round + 1}"
            assert entry.long_axis_mm == value == value_mm(n)
            assert entry.long_axis_line == caliper(n)
    elapsed = time.monotonic() - started
    assert len(acked) >= KILLS // 2
    print(f"\ncrash test: {KILLS} kills ({early_kills} during start-up, {between_edits} "
          f"between a lesion's two commits), {len(acked)} acks checked after every kill, "
          f"{elapsed:.1f} s")
