"""``mrecist assess READ.json``: the command-line contract of the criteria engine.

Exit status 0 with the assessment on standard output; exit status 2 with one line per problem
on standard error (each naming the field path) for invalid input, nothing on standard output,
never a traceback. Standard library only, so ``python -m recist assess`` works anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from recist.assess import assess
from recist.parse import ReadError, loads_read
from recist.report import render_text

EXIT_INVALID = 2


def add_assess_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("read", metavar="READ.json", help="the read to assess, or - for stdin")
    parser.add_argument(
        "--format", choices=("json", "text"), default="json",
        help="json (the mrecist-assessment/1 document, default) or text (a readable table)",
    )


def run_assess(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    source = args.read
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"{source}: cannot read: {reason}", file=stderr)
        return EXIT_INVALID
    try:
        read = loads_read(text)
    except ReadError as exc:
        for problem in exc.problems:
            print(problem, file=stderr)
        return EXIT_INVALID
    assessment = assess(read)
    if args.format == "text":
        stdout.write(render_text(assessment))
    else:
        json.dump(assessment.to_json(), stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recist")
    sub = parser.add_subparsers(dest="command", required=True)
    add_assess_arguments(sub.add_parser("assess", help="assess a read (mrecist-read/1 JSON)"))
    args = parser.parse_args(argv)
    return run_assess(args, sys.stdout, sys.stderr)
