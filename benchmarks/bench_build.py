"""Benchmark: a cold build, a build with nothing changed, and a query, on a copy of the project.

Prints medians of several runs, measured in one run of this script. Usage:
    .venv/bin/python benchmarks/bench_build.py [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coopwh.records import PROJECT_PARTS

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        for part in PROJECT_PARTS:
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, project / part)
            else:
                shutil.copy2(source, project / part)
        coopwh = [sys.executable, "-m", "coopwh.cli", "--project", str(project)]
        cold = timed([*coopwh, "build"])
        warm = [timed([*coopwh, "build"]) for _ in range(args.runs)]
        query = "SELECT COUNT(*) FROM marts.facts"
        queries = [timed([*coopwh, "sql", query]) for _ in range(args.runs)]
        sqlmesh = shutil.which("sqlmesh", path=str(Path(sys.executable).parent))
        info = []
        if sqlmesh:
            info = [timed([sqlmesh, "--paths", str(project), "info"]) for _ in range(args.runs)]
    print(f"cold build (empty warehouse):           {cold:6.2f} s")
    warm_median = statistics.median(warm)
    print(f"build with nothing changed, median:     {warm_median:6.2f} s  ({args.runs} runs)")
    print(f"coopwh sql one query, median:           {statistics.median(queries):6.2f} s")
    if info:
        print(f"`sqlmesh info` CLI start-up, median:    {statistics.median(info):6.2f} s")
        ratio = warm_median / statistics.median(info)
        print(f"no-change build / sqlmesh info:         {ratio:6.2f}x")


if __name__ == "__main__":
    main()
