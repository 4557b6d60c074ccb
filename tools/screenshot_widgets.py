"""Screenshot of the lesion grid, response panel and lesion editor on the example read.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tools/screenshot_widgets.py [OUT.png] [--current YYYY-MM-DD]
        [--lesion T1] [--todo] [--size 1480x760]

Loads ``resources/examples/read-hcc-ablation.json`` and shows the three widgets in one window
(grid and editor on the left, response on the right) with the current time point 2026-07-13,
the way the main window composes them. The editor follows the grid: a click in the grid opens
that cell, and edits it emits are applied straight to the document (no undo stack here).
``--todo`` first drops T2 and NT1 at the current time point, to show the to-do highlighting.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QHBoxLayout, QSplitter, QWidget  # noqa: E402

from app.document import Study, StudyDocument  # noqa: E402
from app.response import assess_study  # noqa: E402
from app.widgets import LesionEditor, LesionGridWidget, ResponsePanel  # noqa: E402

EXAMPLE = ROOT / "resources" / "examples" / "read-hcc-ablation.json"


def example_study(todo: bool = False, current: date | None = None) -> Study:
    """The example read; with ``todo``, T2 and NT1 have no entry yet at ``current``."""
    study = Study.from_read_json(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    if todo and current is not None:
        timepoints = tuple(
            replace(tp, measurements=tuple(
                m for m in tp.measurements if m.lesion_id not in ("T2", "NT1")
            )) if tp.date == current else tp
            for tp in study.timepoints
        )
        study = replace(study, timepoints=timepoints)
    return study


class Window(QWidget):
    """The three widgets composed as the main window would, on one document."""

    def __init__(self, document: StudyDocument, current: date) -> None:
        super().__init__()
        self.setWindowTitle("mRECIST Workstation \u2013 widgets")
        self.document = document
        self.current = current
        self.grid = LesionGridWidget()
        self.editor = LesionEditor()
        self.panel = ResponsePanel()
        left = QSplitter()
        left.setOrientation(left.orientation().Vertical)
        left.addWidget(self.grid)
        left.addWidget(self.editor)
        left.setSizes([420, 260])
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.panel)
        splitter.setSizes([640, 760])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self.grid.sig_cell_activated.connect(self._on_grid_cell_activated)
        self.editor.sig_edit_requested.connect(self.document.apply)
        self.document.changed.subscribe(lambda _change: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        study = self.document.study
        self.grid.set_study(study, self.current)
        self.panel.set_summary(assess_study(study), self.current, study=study)

    def _on_grid_cell_activated(self, lesion_id: str, day: object) -> None:
        self.editor.set_context(self.document, lesion_id, day)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="/tmp/shots/widgets.png")
    parser.add_argument("--current", default="2026-07-13")
    parser.add_argument("--lesion", default="T1")
    parser.add_argument("--todo", action="store_true")
    parser.add_argument("--size", default="1480x760", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    current = date.fromisoformat(args.current)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication([])
    document = StudyDocument(example_study(args.todo, current))
    window = Window(document, current)
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.show()
    window.grid.select(args.lesion, current)
    window.editor.set_context(document, args.lesion, current)

    def shoot() -> None:
        screen = window.screen()
        if QApplication.platformName() == "xcb" and screen is not None:
            pixmap = screen.grabWindow(0, window.x(), window.y(), window.width(),
                                       window.height())
        else:
            pixmap = window.grab()
        pixmap.save(str(out))
        print(out)
        app.quit()

    QTimer.singleShot(600, shoot)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
