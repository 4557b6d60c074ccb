"""Screenshot of the workstation during a read of the built-in demo, for looking at it.

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tools/screenshot_workstation.py OUT.png [--root DIR] [--step N]

Prepares the demo under ``--root`` (default: a folder in /tmp), opens the follow-up, and plays
the first ``--step`` actions of a read (1: T1 measured with the caliper on the residual nodule;
2: T2 and NT1 recorded; 3: the new nodule N1 drawn and marked typical), then saves the screen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.demo import DEMO_PATIENT, prepare_demo  # noqa: E402
from app.main_window import MainWindow  # noqa: E402
from app.storage import Database, StudyRepository  # noqa: E402


def draw(window: MainWindow, centre_mm: list[float], length_mm: float) -> None:
    view = window.current_view
    volume = view.volume
    assert volume is not None
    a = volume.patient_to_index(np.asarray(centre_mm) - [length_mm / 2, 0, 0])
    b = volume.patient_to_index(np.asarray(centre_mm) + [length_mm / 2, 0, 0])
    view.set_slice(int(round(float(a[0]))))
    view.add_caliper((float(a[2]), float(a[1])), (float(b[2]), float(b[1]))).finish_edit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--root", default=str(Path(tempfile.gettempdir()) / "mrecist-shot"))
    parser.add_argument("--step", type=int, default=3)
    args = parser.parse_args()
    demo = prepare_demo(Path(args.root))
    db_path = Path(args.root) / "shot.sqlite3"
    db_path.unlink(missing_ok=True)
    db_path.write_bytes(demo.database_path.read_bytes())
    app = QApplication.instance() or QApplication(sys.argv[:1])
    db = Database.open(db_path)
    window = MainWindow(StudyRepository(db), demo.image_root, user_id="screenshot")
    window.resize(1880, 1040)
    window.open_read(demo.read_id)
    window.show()
    truth = {les["lesion_id"]: les for les in json.loads(
        (demo.image_root / DEMO_PATIENT / "followup1" / "truth.json").read_text())["lesions"]}
    document = window.document
    assert document is not None
    day = document.study.timepoints[1].date
    if args.step >= 1:
        window.select_lesion("T1")
        draw(window, truth["HCC-1-R"]["centre_mm"], truth["HCC-1-R"]["viable_diameter_mm"])
    if args.step >= 2:
        window.push_edit(document.set_measurement_edit("T2", day, viable_mm=0.0,
                                                       state="measured"))
        window.push_edit(document.set_state_edit("NT1", day, "present"))
    if args.step >= 3:
        window.ask_new_lesion = lambda role: ("liver", False)  # type: ignore[method-assign]
        window._on_grid_add_lesion_requested("new")
        draw(window, truth["HCC-4"]["centre_mm"], truth["HCC-4"]["long_axis_mm"])
        window.push_edit(document.set_measurement_edit("N1", day, typical_hcc_pattern=True))
        window.select_lesion("T1")
    deadline = time.monotonic() + 60  # let the prior be aligned (a few seconds)
    while window.registration_running() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    for _ in range(20):
        app.processEvents()
    screen = app.primaryScreen()
    image = screen.grabWindow(0) if app.platformName() == "xcb" else window.grab()
    image.save(args.out)
    print(f"saved {args.out} ({image.width()}x{image.height()})")
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
