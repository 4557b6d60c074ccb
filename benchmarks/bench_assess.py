"""Benchmark: assess 10,000 generated reads of 8 time points each.

Compares, in the same run, our engine (validate + assess, from decoded JSON documents) with
pyrecist 0.1.0 (PyPI) on the target-only part of the same data, and reports how often the
two agree on the target response where pyrecist's rules apply (it has no CR, no NE, no
non-targets and stops after PD).

    .venv/bin/pip install -c constraints.txt -e ".[bench]"
    .venv/bin/python benchmarks/bench_assess.py [--reads 10000] [--repeat 5]

Goal (issue 2): under 1 s for the 10,000 reads and at least 10x faster than pyrecist.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recist import assess, parse_read  # noqa: E402

START = date(2024, 1, 8)


def generate_reads(n_reads: int, n_timepoints: int, seed: int) -> list[dict[str, Any]]:
    """Plausible reads for the ablation trial (at most 5 lesions per patient): 1-5 targets
    (some nodal, some ablated), up to 2 non-targets within the 5, occasional new findings and
    missing measurements; sums drift with a per-patient trend."""
    rng = random.Random(seed)
    reads = []
    for p in range(n_reads):
        criteria = "mRECIST" if rng.random() < 0.6 else "RECIST1.1"
        n_targets = rng.randint(1, 5)
        targets = []
        for t in range(n_targets):
            nodal = t == 4 or (t > 1 and rng.random() < 0.15)
            base = rng.uniform(15, 45) if nodal else rng.uniform(10, 50)
            targets.append((f"T{t + 1}", nodal, round(base, 1), rng.random() < 0.3))
        n_non = rng.randint(0, min(2, 5 - n_targets))
        trend = rng.uniform(-0.25, 0.2)
        timepoints = []
        for k in range(n_timepoints):
            tp_date = START + timedelta(days=-7 if k == 0 else 56 * k + rng.randint(-5, 5))
            lesions: list[dict[str, Any]] = []
            for lesion_id, nodal, base, ablated in targets:
                factor = max(0.0, 1 + trend * k + rng.gauss(0, 0.06))
                value = round(base * factor, 1) if k else base
                entry: dict[str, Any] = {"id": lesion_id, "role": "target",
                                         "organ": "lymph node" if nodal else "liver"}
                if nodal:
                    entry["nodal"] = True
                    entry["short_axis_mm"] = value
                else:
                    entry["long_axis_mm"] = value
                    entry["viable_mm"] = value if rng.random() > 0.1 * k else 0.0
                if ablated and not nodal:
                    entry["ablated"] = True
                if k and rng.random() < 0.02:
                    entry = {"id": lesion_id, "role": "target", "organ": entry["organ"],
                             "state": "not_evaluated"}
                lesions.append(entry)
            for n in range(n_non):
                state = "present" if rng.random() < 0.7 or k == 0 else "absent"
                if k and rng.random() < 0.03:
                    state = "unequivocal_progression"
                lesions.append({"id": f"NT{n + 1}", "role": "non_target", "organ": "liver",
                                "state": state})
            if k >= 3 and rng.random() < 0.08:
                lesions.append({"id": "N1", "role": "new", "organ": "liver",
                                "long_axis_mm": round(rng.uniform(5, 20), 1),
                                "typical_hcc_pattern": rng.random() < 0.5,
                                "state": "unequivocal"})
            timepoints.append({"date": tp_date.isoformat(), "lesions": lesions})
        reads.append({"schema": "mrecist-read/1", "patient": f"P{p:05d}",
                      "criteria": criteria, "start_date": START.isoformat(),
                      "options": {}, "timepoints": timepoints})
    return reads


def ours(reads: list[dict[str, Any]]) -> list[Any]:
    return [assess(parse_read(doc)) for doc in reads]


def pyrecist_frame(reads: list[dict[str, Any]]) -> Any:
    """The target-only part of the same data as pyrecist's CSV columns (criterion values:
    viable diameters for mRECIST reads); time points with a missing target are left out,
    since pyrecist cannot represent them."""
    import pandas as pd

    rows = []
    for doc in reads:
        key = "viable_mm" if doc["criteria"] == "mRECIST" else "long_axis_mm"
        for tp in doc["timepoints"]:
            targets = [les for les in tp["lesions"] if les["role"] == "target"]
            if any("state" in les for les in targets):
                continue
            for les in targets:
                value = les["short_axis_mm"] if les.get("nodal") else les[key]
                rows.append((int(doc["patient"][1:]), int(tp["date"].replace("-", "")), value,
                             les["id"], "target"))
    return pd.DataFrame(rows, columns=["patient_id", "study_date", "measurement",
                                       "lesion_label_alias", "lesion_category"])


def run_pyrecist(frame: Any) -> Any:
    # pyrecist diffs every column, so patient ids are integers here, as in its examples.
    from pyrecist.assessment import Evaluator
    from pyrecist.data import Reader

    reader = Reader()
    reader._df = reader._check_format(frame.copy())
    return Evaluator(reader).evaluate_recist()


def agreement(
    reads: list[dict[str, Any]], results: list[Any], frame_out: Any
) -> tuple[int, int, list[str]]:
    """Time points where both tools give a category pyrecist can express (PR/SD/PD), up to
    the first overall PD (pyrecist knows no non-targets or new lesions), for RECIST 1.1 reads
    with every target measured at every time point. Returns (agree, total, disagreements)."""
    theirs = {(row.patient_id, row.current_date): row.classification
              for row in frame_out.itertuples()}
    agree = total = 0
    disagreements: list[str] = []
    for doc, result in zip(reads, results, strict=True):
        if doc["criteria"] != "RECIST1.1":
            continue
        if any("state" in les for tp in doc["timepoints"] for les in tp["lesions"]
               if les["role"] == "target"):
            continue
        for tp in result.timepoints[1:]:
            if tp.target_by_sums is None or tp.target_by_sums.value not in ("PR", "SD", "PD"):
                break
            key = (int(doc["patient"][1:]), tp.date.isoformat().replace("-", ""))
            if key not in theirs:
                break
            total += 1
            mine = "PR" if tp.target.value == "PR" else tp.target_by_sums.value
            agree += mine == theirs[key]
            if mine != theirs[key]:
                disagreements.append(
                    f"{doc['patient']} {tp.date}: ours {mine}, pyrecist {theirs[key]} "
                    f"(sum {tp.sum_tenth_mm / 10} mm, nadir {tp.nadir_sum_tenth_mm / 10} mm, "
                    f"baseline {tp.baseline_sum_tenth_mm / 10} mm)"
                )
            if tp.overall.value == "PD":
                break
    return agree, total, disagreements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=10_000)
    parser.add_argument("--timepoints", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pyrecist-repeat", type=int, default=1)
    args = parser.parse_args()

    reads = generate_reads(args.reads, args.timepoints, seed=20261125)
    texts = [json.dumps(doc) for doc in reads]
    n_lesion_entries = sum(len(tp["lesions"]) for d in reads for tp in d["timepoints"])
    ours(reads[:200])  # warm-up

    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        results = ours(reads)
        timings.append(time.perf_counter() - t0)
    ours_s = statistics.median(timings)

    parse_only = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        parsed = [parse_read(doc) for doc in reads]
        parse_only.append(time.perf_counter() - t0)
    assess_only = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for read in parsed:
            assess(read)
        assess_only.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for text in texts:
        assess(parse_read(json.loads(text))).to_json()
    from_text_s = time.perf_counter() - t0

    frame = pyrecist_frame(reads)
    pyrecist_times = []
    for _ in range(args.pyrecist_repeat):
        t0 = time.perf_counter()
        frame_out = run_pyrecist(frame)
        pyrecist_times.append(time.perf_counter() - t0)
    theirs_s = statistics.median(pyrecist_times)
    agree, total, disagreements = agreement(reads, results, frame_out)

    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, {args.reads} reads x {args.timepoints} time points, "
          f"{n_lesion_entries} lesion entries")
    print(f"ours, validate + assess (median of {args.repeat}): {ours_s:.3f} s "
          f"({1e6 * ours_s / args.reads:.0f} us per read)")
    print(f"  of which validate {statistics.median(parse_only):.3f} s, "
          f"assess {statistics.median(assess_only):.3f} s")
    print(f"ours from JSON text to JSON output (json.loads + validate + assess + to_json): "
          f"{from_text_s:.3f} s")
    print(f"pyrecist 0.1.0 on the target-only part ({len(frame)} rows): {theirs_s:.3f} s")
    print(f"ratio pyrecist / ours: {theirs_s / ours_s:.1f}x")
    print(f"target-response agreement where pyrecist's rules apply: {agree}/{total}")
    for line in disagreements:
        print(f"  differs: {line}")


if __name__ == "__main__":
    main()
