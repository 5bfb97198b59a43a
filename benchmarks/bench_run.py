"""Benchmark: `coopwh run` with nothing new (the cron case), against a target of 0.5 s.

Prints the median of several runs, measured in one run of this script, on the warehouse of the
current project (run `make build` first). Usage:
    .venv/bin/python benchmarks/bench_run.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs (default 20)")
    args = parser.parse_args()
    command = [sys.executable, "-m", "coopwh.cli", "run"]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    if "nothing new" not in first.stdout:
        print("the first run had work to do; measuring the runs after it")
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        seconds.append(time.perf_counter() - started)
        assert "nothing new" in result.stdout, result.stdout
    median = statistics.median(seconds)
    print(f"`coopwh run` with nothing new, median of {args.runs}: {median * 1000:.0f} ms")
    print(f"min {min(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")
    print(f"target {TARGET * 1000:.0f} ms: {median / TARGET:.2f} of it")


if __name__ == "__main__":
    main()
