"""The ``mrecist`` command: ``mrecist assess READ.json`` and ``mrecist view [PATH]``.

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
    sub = parser.add_subparsers(dest="command", required=True)
    add_assess_arguments(
        sub.add_parser("assess", help="assess a read (mrecist-read/1 JSON) by its criteria")
    )
    view = sub.add_parser("view", help="open the image viewer on a folder of DICOM files")
    view.add_argument("path", nargs="?", help="a folder (searched recursively) or DICOMDIR")
    args = parser.parse_args(argv)
    if args.command == "assess":
        return run_assess(args, sys.stdout, sys.stderr)
    from viewer.viewer_window import run_viewer  # Qt only when a window is wanted

    return run_viewer(args.path)


if __name__ == "__main__":
    sys.exit(main())
