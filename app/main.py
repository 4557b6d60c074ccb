"""Start the workstation: ``mrecist`` (the built-in demo) or ``mrecist read --db --images``."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from app.demo import DEMO_READER, prepare_demo
from app.storage import Database, StorageError, StudyRepository


def run_workstation(database: str | None = None, images: str | None = None,
                    read_id: int | None = None, *, demo: bool = False) -> int:
    """Open the workstation window; returns the application's exit status."""
    from PySide6.QtWidgets import QApplication  # Qt only once a window is wanted

    from app.main_window import MainWindow

    user = getpass.getuser()
    if demo:
        print("Preparing the demo (synthetic images are generated once, ~5 s)...", flush=True)
        prepared = prepare_demo()
        database, images, read_id, user = (str(prepared.database_path),
                                           str(prepared.image_root), prepared.read_id,
                                           DEMO_READER)
    try:
        db = Database.open(database)
    except StorageError as exc:
        print(f"mrecist: {exc}", file=sys.stderr)
        return 2
    repository = StudyRepository(db)
    if read_id is None:
        reads = repository.list_reads()
        read_id = reads[0].read_id if reads else None
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(repository, Path(images) if images else None, user_id=user)
    if read_id is not None:
        window.open_read(read_id)
    window.show()
    try:
        return int(app.exec())
    finally:
        db.close()
