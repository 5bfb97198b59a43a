"""Benchmark: export every workbook (26 provinces and the national one) from a built warehouse.

Prints the median of several runs measured in one run of this script. Usage (after make build):
    .venv/bin/python benchmarks/bench_export.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from coopwh.export import export
from coopwh.paths import resolve_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs (default 5)")
    args = parser.parse_args()
    paths = resolve_paths()
    seconds, count = [], 0
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            started = time.perf_counter()
            count = len(export(paths, Path(scratch) / str(run), echo=lambda message: None))
            seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    print(f"export of {count} workbooks, median of {args.runs}: {median:.2f} s")
    spread = f"min {min(seconds):.2f} s, max {max(seconds):.2f} s"
    print(f"per workbook: {median / count * 1000:.0f} ms  ({spread})")


if __name__ == "__main__":
    main()
