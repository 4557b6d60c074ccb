"""Command line: ``python -m viewer.phantom OUT_DIR [--large] [--seed N]``."""

from __future__ import annotations

import argparse
import sys
import time

from viewer.phantom.demo import generate_demo


def main(argv: list[str] | None = None) -> int:
    """Write the synthetic demo studies and print one line per study."""
    parser = argparse.ArgumentParser(
        prog="python -m viewer.phantom",
        description="Write synthetic multiphase liver CT studies (fake patients) as DICOM.",
    )
    parser.add_argument("out_dir", help="destination folder")
    parser.add_argument("--large", action="store_true",
                        help="one 512x512x300 study (three phases) for benchmarks")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    manifest = generate_demo(args.out_dir, size="large" if args.large else "small",
                             seed=args.seed)
    for s in manifest.studies:
        sys.stdout.write(f"{s.patient_id} {s.time_point}: {s.folder}\n")
    sys.stdout.write(f"{len(manifest.studies)} studies in {time.perf_counter() - t0:.1f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
