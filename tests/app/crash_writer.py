"""Child process of ``test_crash.py``: measurement edits in a loop until killed.

Usage: ``python crash_writer.py DB_PATH``. Resumes numbering from what the database holds:
lesion ``T<n>`` gets ``long_axis_mm = value_mm(n)`` at baseline. After each measurement's
commit has returned it prints ``ACK <n> <value>`` (flushed); only then is it acknowledged.
"""

from __future__ import annotations

import sys
from datetime import date

from app.document import Caliper, Criteria, PointMm, Role, Study, TimePoint
from app.storage import Database, StudyRepository

BASELINE = date(2026, 1, 5)
PATIENT = "CRASH-TEST"


def value_mm(n: int) -> float:
    """The long axis written for lesion ``T<n>`` (0.1 mm grid, 10.0 to 209.9 mm)."""
    return 10.0 + (n * 7919 % 2000) / 10


def caliper(n: int) -> Caliper:
    """The drawn line of lesion ``T<n>``: along x, as long as ``value_mm(n)``."""
    return Caliper(PointMm(0.0, float(n), -5.0), PointMm(value_mm(n), float(n), -5.0),
                   f"1.2.826.0.1.3680043.10.{n}")


def main(path: str) -> int:
    db = Database.open(path)
    repo = StudyRepository(db)
    reads = repo.list_reads()
    if reads:
        read_id = reads[0].read_id
    else:
        study = Study(PATIENT, Criteria.MRECIST, BASELINE, "crash",
                      timepoints=(TimePoint(BASELINE),))
        read_id = repo.create_read(study, user_id="crash")
    doc = repo.open_document(read_id, user_id="crash")
    baseline = doc.study.timepoints[0]
    n = sum(1 for m in baseline.measurements if m.long_axis_mm is not None)
    while True:
        n += 1
        lesion_id = f"T{n}"
        if doc.study.lesion(lesion_id) is None:
            doc.apply(doc.new_lesion_edit(Role.TARGET, "liver", BASELINE))
        doc.apply(doc.set_measurement_edit(lesion_id, BASELINE, long_axis_mm=value_mm(n),
                                           long_axis_line=caliper(n)))
        sys.stdout.write(f"ACK {n} {value_mm(n)!r}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
