"""Benchmark: the whole test suite (what `make test` runs), and the floor under it: SQLMesh's
own plans.

Runs pytest as `make test` does, into a scratch directory, then reads the build history every
warehouse the tests built left behind (warehouse/build/history.jsonl: each build's phases) and
prints the suite's wall time, how many builds it ran, the seconds they spent in SQLMesh's plan
and apply (the project loaded, planned and applied: the engine's own work, which real plans
cannot skip), and that sum spread over the machine's cores: the floor under the suite's time.

    .venv/bin/python benchmarks/bench_tests.py [pytest arguments, e.g. -k review]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = "plan and apply"


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="bench-tests-"))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [f"--basetemp={scratch}", *sys.argv[1:]]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    out = result.stdout.strip().splitlines()
    for line in out:  # what failed, as pytest's summary names it, then its last line
        if line.startswith(("FAILED ", "ERROR ")):
            print(line)
    print(out[-1] if out else result.stderr)
    lines = set()  # a project copied with its warehouse carries the lines of the builds before
    for history in scratch.rglob("history.jsonl"):
        lines.update(line for line in history.read_text(encoding="utf-8").splitlines() if line)
    builds = [json.loads(line) for line in lines]
    planned = [b["phases"][PLAN]["seconds"] for b in builds if PLAN in b.get("phases", {})]
    cores = os.cpu_count() or 1
    spent = sum(planned)
    print(f"suite, wall:                         {wall:7.1f} s")
    print(f"builds run by the tests:             {len(builds):7d} ({len(planned)} planned)")
    if planned:
        median = sorted(planned)[len(planned) // 2]
        print(f"SQLMesh plan and apply, all builds:  {spent:7.1f} s (median {median:.1f} s)")
        print(f"floor: that over {cores} cores:          {spent / cores:7.1f} s")
        print(f"suite / floor:                       {wall / (spent / cores):7.2f}x")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
