"""Benchmark: loading a 300 x 512 x 512 CT series (run by hand, not a test).

    .venv/bin/python benchmarks/bench_load.py [--runs 5] [--repeats 3] [--keep DIR]

Writes the large phantom series (portal venous phase of the HCC baseline, 300 files of 512 x 512
int16, 150 MiB of pixels) into a temporary folder, then times, each in ``--runs`` fresh
subprocesses (warm page cache, imports excluded from the timings):

* ``raw``: ``open().read()`` of every file (the I/O floor in Python; reuses small buffers),
* ``raw_into``: ``readinto`` every whole file into one preallocated ``numpy.empty`` buffer (the
  I/O floor including first touch of volume-sized memory),
* ``cat``: ``cat FILES > /dev/null`` (includes fork/exec, as in ``tech-notes.md``),
* ``ours``: :func:`viewer.dicom.load_series`, and its time to the first (middle) slice,
* ``sitk_int16``: SimpleITK ``ImageSeriesReader`` with ``SetOutputPixelType(sitkInt16)`` and
  ``GetArrayFromImage`` (GDCM file sorting included),
* ``sitk_default``: the same without the output type (SimpleITK returns int32).

Peak memory is each child's ``ru_maxrss``: once before loading (interpreter + imports, the
baseline) and once after. Both the raw peak and the peak minus that baseline are reported,
relative to the volume's bytes. Each child also repeats the load ``--repeats`` times in-process
(warm) after the fresh run.

Runs are grouped per method, after one discarded warm-up run. On the Firecracker development VM
a process that first touches memory just freed by another process (SimpleITK frees up to
1.2 GB) often pays 0.2-0.5 s of host-level page faults for 150 MiB, whatever the method;
``--interleave`` shows that effect.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

VOLUME_BYTES = 300 * 512 * 512 * 2
METHODS = ("raw", "raw_into", "cat", "ours", "sitk_int16", "sitk_default")


def _child(method: str, folder: str, repeats: int) -> dict[str, Any]:
    """Run one method in this (fresh) process; return timings and memory."""
    if method.startswith("sitk"):
        import numpy as np  # noqa: F401
        import SimpleITK as sitk  # noqa: F401  (imports are excluded from the timing)
    else:
        import numpy as np  # noqa: F401

        import viewer.dicom  # noqa: F401
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_now_kb = _current_rss_kb()

    def run() -> tuple[float, float | None, Any]:
        first: list[float] = []
        t0 = time.perf_counter()
        if method == "raw":
            total = 0
            for name in os.listdir(folder):
                with open(os.path.join(folder, name), "rb") as fp:
                    total += len(fp.read())
            result: Any = total
        elif method == "raw_into":
            import numpy as np

            names = os.listdir(folder)
            sizes = [os.path.getsize(os.path.join(folder, n)) for n in names]
            buf = np.empty(sum(sizes), dtype=np.uint8)
            view, offset = memoryview(buf), 0
            for name, size in zip(names, sizes, strict=True):
                with open(os.path.join(folder, name), "rb", buffering=0) as fp:
                    offset += fp.readinto(view[offset : offset + size])
            result = buf
        elif method == "cat":
            names = [os.path.join(folder, n) for n in os.listdir(folder)]
            subprocess.run(["cat", *names], stdout=subprocess.DEVNULL, check=True)
            result = None
        elif method == "ours":
            from viewer.dicom import load_series

            files = [os.path.join(folder, n) for n in os.listdir(folder)]
            result = load_series(
                files, on_first_slice=lambda k, a: first.append(time.perf_counter())
            )
            result = result.voxels
        else:
            import SimpleITK as sitk

            reader = sitk.ImageSeriesReader()
            reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folder))
            if method == "sitk_int16":
                reader.SetOutputPixelType(sitk.sitkInt16)
            image = reader.Execute()
            result = sitk.GetArrayFromImage(image)
            del image
        t1 = time.perf_counter()
        return (t1 - t0) * 1000, ((first[0] - t0) * 1000 if first else None), result

    ms, first_ms, result = run()
    rss_after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    info = {"dtype": str(getattr(result, "dtype", "")), "shape": list(getattr(result, "shape", []))}
    del result
    warm = [run()[0] for _ in range(repeats)]
    return {
        "method": method, "ms": ms, "first_ms": first_ms, "warm_ms": warm,
        "rss_before_mb": rss_before_kb / 1024, "rss_now_mb": rss_now_kb / 1024,
        "rss_peak_mb": rss_after_kb / 1024, **info,
    }


def _current_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _spawn(method: str, folder: str, repeats: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", method, folder,
         "--repeats", str(repeats)],
        check=True, capture_output=True, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(rows: list[dict[str, Any]], key: str) -> float:
    vals = [r[key] for r in rows if r[key] is not None]
    return statistics.median(vals) if vals else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per method")
    parser.add_argument("--repeats", type=int, default=3, help="warm in-process repeats")
    parser.add_argument("--interleave", action="store_true",
                        help="alternate methods run by run instead of grouping them")
    parser.add_argument("--keep", help="write the series here instead of a temporary folder")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(_child(args.child[0], args.child[1], args.repeats)) + "\n")
        return 0

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from viewer.phantom import PhantomGeometry, generate_study

    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        root = args.keep or tmp
        t0 = time.perf_counter()
        manifest = generate_study(root, geometry=PhantomGeometry.large(),
                                  phases=("portal_venous",), seed=0)
        folder = manifest.series_folders["portal_venous"]
        gen_s = time.perf_counter() - t0
        files = os.listdir(folder)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in files)
        print(f"series: {len(files)} files, {size / 2**20:.1f} MiB, written in {gen_s:.1f} s")
        results: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
        _spawn("raw", folder, 0)  # warm the page cache
        if args.interleave:
            for _ in range(args.runs):
                for m in METHODS:
                    results[m].append(_spawn(m, folder, args.repeats))
        else:
            for m in METHODS:
                _spawn(m, folder, 0)  # discarded warm-up run (see the module docstring)
                results[m] = [_spawn(m, folder, args.repeats) for _ in range(args.runs)]
        summary = {}
        print(f"\n| method | fresh median ms (min-max, n={args.runs}) | warm in-process median ms"
              " | first image ms | baseline RSS MB | peak RSS MB | peak - baseline MB |"
              " (peak - baseline) / volume | dtype |")
        print("|---|---|---|---|---|---|---|---|---|")
        for m, rows in results.items():
            ms = _median(rows, "ms")
            warm = [w for r in rows for w in r["warm_ms"]]
            peak = _median(rows, "rss_peak_mb")
            base = _median(rows, "rss_now_mb")
            summary[m] = {"ms": ms, "first_ms": _median(rows, "first_ms"), "peak": peak,
                          "base": base}
            first = summary[m]["first_ms"]
            print(
                f"| {m} | {ms:.0f} ({min(r['ms'] for r in rows):.0f}-"
                f"{max(r['ms'] for r in rows):.0f}) | "
                f"{statistics.median(warm) if warm else float('nan'):.0f} | "
                f"{'-' if first != first else f'{first:.0f}'} | {base:.0f} | {peak:.0f} | "
                f"{peak - base:.0f} | "
                f"{(peak - base) * 2**20 / VOLUME_BYTES:.2f} | {rows[0]['dtype']} |"
            )
        ours, raw, into = summary["ours"], summary["raw"], summary["raw_into"]
        s16, sdef = summary["sitk_int16"], summary["sitk_default"]
        print("\nratios (goal):")
        print(f"  ours / raw read()            = {ours['ms'] / raw['ms']:.2f}  (<= 2)")
        print(f"  ours / raw readinto 1 buffer = {ours['ms'] / into['ms']:.2f}  (<= 2)")
        print(f"  ours / cat                   = {ours['ms'] / summary['cat']['ms']:.2f}")
        warm_ours = statistics.median(w for r in results["ours"] for w in r["warm_ms"])
        warm_raw = statistics.median(w for r in results["raw"] for w in r["warm_ms"])
        print(f"  warm in-process ours / raw read() = {warm_ours / warm_raw:.2f}")
        print(f"  ours / SimpleITK int16       = {ours['ms'] / s16['ms']:.3f} (<= 0.2)")
        print(f"  ours / SimpleITK default     = {ours['ms'] / sdef['ms']:.3f} (<= 0.2)")
        print(f"  first image / SimpleITK int16 load = {ours['first_ms'] / s16['ms']:.3f} (<= 0.2)")
        print(f"  ours (peak - baseline) / volume     = "
              f"{(ours['peak'] - ours['base']) * 2**20 / VOLUME_BYTES:.2f} (<= 1.5)")
        print(f"  ours peak / volume (incl. interpreter) = "
              f"{ours['peak'] * 2**20 / VOLUME_BYTES:.2f}")
        print(f"\nmachine: {platform.platform()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
