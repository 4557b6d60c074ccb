"""The ``mrecist`` command.

``mrecist`` opens the workstation on the built-in demo; ``mrecist read`` on a database and an
image folder; ``mrecist assess READ.json`` assesses a read; ``mrecist view [PATH]`` opens the
image viewer.

Qt is imported only by the subcommands that open a window, so ``mrecist assess`` starts fast
and works without a display.
"""

from __future__ import annotations

import argparse
import sys

from recist.cli import add_assess_arguments, run_assess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mrecist", description="mRECIST Workstation: liver tumour response reading"
    )
    sub = parser.add_subparsers(dest="command")
    read = sub.add_parser("read", help="open the workstation on a database of reads")
    read.add_argument("--db", help="database file or SQLAlchemy URL (default: $MRECIST_DB or "
                      "the user data folder)")
    read.add_argument("--images", help="folder holding the reads' DICOM series")
    read.add_argument("--read", type=int, help="id of the read to open")
    sub.add_parser("demo", help="open the workstation on the built-in demo (the default)")
    add_assess_arguments(
        sub.add_parser("assess", help="assess a read (mrecist-read/1 JSON) by its criteria")
    )
    view = sub.add_parser("view", help="open the image viewer on a folder of DICOM files")
    view.add_argument("path", nargs="?", help="a folder (searched recursively) or DICOMDIR")
    args = parser.parse_args(argv)
    if args.command == "assess":
        return run_assess(args, sys.stdout, sys.stderr)
    if args.command == "view":
        from viewer.viewer_window import run_viewer  # Qt only when a window is wanted

        return run_viewer(args.path)
    from app.main import run_workstation

    if args.command == "read":
        return run_workstation(args.db, args.images, args.read)
    return run_workstation(demo=True)


if __name__ == "__main__":
    sys.exit(main())
