"""Benchmark: the speed targets of issue 25, each against its floor, measured side by side.

- cold: `coopwh build` of the 2019 report into an empty warehouse, against a bare `sqlmesh plan
  prod --auto-apply` of the same models from the same raw.* tables (a new database holding
  only raw.*, copied from the build's; an empty SQLMesh cache). Target: at most 1.15x.
- onemore: one more report into N (1,000) through `coopwh run`, against SQLMesh's own no-op
  `sqlmesh plan prod` on the same warehouse (its CLI in .venv/bin, the same project and build
  database, nothing changed: its output must say there is nothing to plan). Each repeat starts
  from a copy of the warehouse of N reports; they alternate. Target: at most 1.5x. The floor
  beside it: SQLMesh's own plan restating the models a run restates (the CLI, tests skipped
  as a run skips them, no report pending: every model after raw.* rendered, evaluated and
  audited, by_report models computing no rows).
- scale: N and --big (10,000) reports through `coopwh run`, wall time and peak memory of all
  its processes together. Target: at most 11x the time of N, peak under 4 GB.

Every figure is the median of --repeats runs made in this one run of the script (the machine
is shared: compare ratios, not seconds across runs). Usage:

    .venv/bin/python benchmarks/bench_targets.py [cold] [onemore] [scale] [--n 1000]
        [--big 10000] [--repeats 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import copy_project, phases, regions, report, timed_run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SQLMESH = Path(sys.executable).parent / "sqlmesh"
NOTHING_TO_PLAN = "No changes to plan"


def sqlmesh_env(project: Path, database: Path, cache: Path) -> dict[str, str]:
    """The environment coopwh.build.plan.open_context gives SQLMesh, for its own CLI."""
    return {
        **os.environ,
        "COOPWH_BUILD_DB": str(database),
        "COOPWH_CACHE_DIR": str(cache),
        "COOPWH_GATEWAY": "local",
    }


def timed(command: list[str], env: dict | None = None, expect: str | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} … failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    if expect is not None and expect not in done.stdout:
        sys.exit(f"{' '.join(command[:4])} … did not say {expect!r}:\n{done.stdout[-2000:]}")
    return seconds


def coopwh(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "coopwh.cli", "--project", str(project), *args]


def show(label: str, values: list[float]) -> float:
    median = statistics.median(values)
    each = ", ".join(f"{v:.2f}" for v in values)
    print(f"  {label:<52} {median:7.2f} s  (median of {len(values)}: {each})")
    return median


def ratio(label: str, numerator: float, denominator: float, target: float) -> None:
    value = numerator / denominator
    verdict = "meets" if value <= target else "misses"
    print(f"  {label:<52} {value:7.2f}x  (target at most {target}x: {verdict})")


# -- cold: a first build against a bare SQLMesh plan from the same raw tables ------------------


def raw_only_copy(build_db: Path, target: Path) -> None:
    """A new DuckDB file holding only the raw.* tables of build_db (what a bare plan reads)."""
    import duckdb

    target.unlink(missing_ok=True)
    with duckdb.connect(str(target)) as connection:
        connection.execute(f"ATTACH '{build_db}' AS built (READ_ONLY)")
        catalog = target.stem
        connection.execute(f"CREATE SCHEMA {catalog}.raw")
        for (table,) in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'built' "
            "AND schema_name = 'raw' ORDER BY 1"
        ).fetchall():
            connection.execute(
                f'CREATE TABLE {catalog}.raw."{table}" AS SELECT * FROM built.raw."{table}"'
            )
        connection.execute("DETACH built")


def cold(scratch: Path, repeats: int) -> None:
    print("\nA cold build of the 2019 report against a bare SQLMesh plan of the same models")
    project = scratch / "cold" / "project"
    copy_project(project)
    warehouse = project / "warehouse"
    bare = scratch / "cold" / "bare"
    builds, plans = [], []
    for number in range(repeats):
        shutil.rmtree(warehouse, ignore_errors=True)
        builds.append(timed(coopwh(project, "build")))
        if number == 0:
            (bare / "raw").mkdir(parents=True, exist_ok=True)
            raw_only_copy(warehouse / "build" / "coopwh.duckdb", bare / "raw" / "coopwh.duckdb")
        shutil.rmtree(bare / "plan", ignore_errors=True)
        shutil.copytree(bare / "raw", bare / "plan")  # the same file name: the same catalog
        env = sqlmesh_env(project, bare / "plan" / "coopwh.duckdb", bare / "plan" / "cache")
        command = [str(SQLMESH), "--paths", str(project), "plan", "prod", "--auto-apply"]
        plans.append(timed([*command, "--no-prompts"], env))
    build = show("coopwh build, cold", builds)
    plan = show("sqlmesh plan prod --auto-apply, same raw.*", plans)
    ratio("cold build / bare plan", build, plan, 1.15)


# -- scale: N reports, one more, and the no-op plan ---------------------------------------------


def built_copy(scratch: Path, name: str) -> Path:
    project = scratch / name / "project"
    shutil.rmtree(project.parent, ignore_errors=True)
    copy_project(project)
    subprocess.run(coopwh(project, "build"), check=True, capture_output=True)
    return project


def drop_reports(project: Path, first: int, count: int, seed: int = 20261130) -> None:
    """Write synthetic reports number first .. first+count-1 into the inbox (as bench_scale)."""
    rng = random.Random(seed + first)
    places = regions()
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        text = report(number, rng, places, rng.randint(10_000, 30_000))
        (inbox / f"synthetic-{number:05d}.txt").write_text(text, encoding="utf-8")


def run_many(scratch: Path, n: int) -> tuple[Path, float, float]:
    """A built copy with n synthetic reports run in: its project, the run's seconds and the
    peak MB of all its processes together."""
    project = built_copy(scratch, f"n{n}")
    drop_reports(project, 1, n)
    seconds, largest, together, _ = timed_run(project)
    print(
        f"  coopwh run with {n:,} new reports: {seconds:.1f} s, peak {together:.0f} MB "
        f"(all processes; largest {largest:.0f} MB)"
    )
    for phase, values in phases(project).items():
        print(f"    {phase:<16} {values['seconds']:7.2f} s")
    return project, seconds, together


def one_more(project: Path, n: int, repeats: int, scratch: Path) -> None:
    """One more report into the warehouse of project (n reports), against a no-op plan. Each
    repeat restores the warehouse of n reports in place (the same paths: SQLMesh's caches are
    keyed by them) from a copy kept aside."""
    print(f"\nOne more report into {n:,} against SQLMesh's no-op plan on the same warehouse")
    snapshot = scratch / f"n{n}-snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    subprocess.run(["cp", "-a", str(project), str(snapshot)], check=True)
    build = project / "warehouse" / "build"
    env = sqlmesh_env(project, build / "coopwh.duckdb", build / "cache")
    plan_command = [str(SQLMESH), "--paths", str(project), "plan", "prod", "--no-prompts"]
    restate_command = [*plan_command, "--auto-apply", "--skip-tests"]
    for model in restated_models(project):
        restate_command += ["--restate-model", model]
    runs, plans, floors, pairs = [], [], [], []
    for number in range(repeats):
        shutil.rmtree(project)
        subprocess.run(["cp", "-a", str(snapshot), str(project)], check=True)
        drop_reports(project, n + 1 + number, 1)
        steps = [
            ("plan", plan_command, env),
            ("restate", restate_command, env),
            ("run", coopwh(project, "run"), None),
        ]
        if number % 2:
            steps.reverse()  # alternate which goes first
        took = {}
        for name, command, environment in steps:
            # the plan is a no-op: nothing in the project changed (the report in the inbox is
            # no part of it until coopwh run takes it in), and it must say so
            expect = NOTHING_TO_PLAN if name == "plan" else None
            took[name] = timed(command, environment, expect=expect)
        runs.append(took["run"])
        plans.append(took["plan"])
        floors.append(took["restate"])
        pairs.append(took["run"] / took["plan"])
        print(
            f"    repeat {number + 1}: "
            + "  ".join(
                f"{phase} {values['seconds']:.2f}" for phase, values in phases(project).items()
            )
        )
    run = show(f"coopwh run, one more report into {n:,}", runs)
    plan = show("sqlmesh plan prod (no-op), same warehouse", plans)
    floor = show("floor: sqlmesh plan restating the models coopwh does", floors)
    ratio("one more / no-op plan (medians)", run, plan, 1.5)
    print(f"  {'each pair':<52} " + ", ".join(f"{p:.2f}x" for p in pairs))
    print(
        f"  {'floor / no-op plan':<52} {floor / plan:7.2f}x  (SQLMesh's own restatement: "
        "every model after raw.* rendered, run and audited, for no report's rows)"
    )
    print(f"  {'one more / floor':<52} {run / floor:7.2f}x  (coopwh's own work on top of it)")
    shutil.rmtree(project)
    subprocess.run(["cp", "-a", str(snapshot), str(project)], check=True)
    shutil.rmtree(snapshot)


def restated_models(project: Path) -> list[str]:
    """The models a run restates when reports change (coopwh.build.plan.tables_reading_raw;
    SQLMesh restates every model after them too), by name, read from the project."""
    code = (
        "import sys\n"
        "from coopwh.build.plan import open_context, tables_reading_raw\n"
        "from coopwh.paths import resolve_paths\n"
        "context = open_context(resolve_paths(sys.argv[1]))\n"
        "for model in tables_reading_raw(context.models):\n"
        "    print(model.name.replace(chr(34), ''))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(project)], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["cold", "onemore", "scale"])
    parser.add_argument("--n", type=int, default=1000, help="reports for one more (1,000)")
    parser.add_argument("--big", type=int, default=10_000, help="reports at scale (10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each (3)")
    parser.add_argument("--keep", help="work in this directory and keep it")
    parser.add_argument(
        "--built", help="for onemore: a project holding N reports run in already (not made)"
    )
    args = parser.parse_args()
    scratch = Path(args.keep or tempfile.mkdtemp(prefix="bench-targets-"))
    scratch.mkdir(parents=True, exist_ok=True)
    print(f"Working in {scratch}; {os.cpu_count()} cores")
    try:
        if "cold" in args.parts:
            cold(scratch, args.repeats)
        if "onemore" in args.parts or "scale" in args.parts:
            if args.built:
                project, seconds, peak = Path(args.built), float("nan"), float("nan")
            else:
                print(f"\n{args.n:,} reports through coopwh run")
                project, seconds, peak = run_many(scratch, args.n)
            if "onemore" in args.parts:
                one_more(project, args.n, args.repeats, scratch)
            if "scale" in args.parts:
                print(f"\n{args.big:,} reports through coopwh run")
                _, big_seconds, big_peak = run_many(scratch, args.big)
                print(f"\n{args.big:,} against {args.n:,} reports")
                ratio(f"time of {args.big:,} / time of {args.n:,}", big_seconds, seconds, 11)
                verdict = "meets" if big_peak < 4096 else "misses"
                print(
                    f"  {'peak, all processes together':<52} {big_peak / 1024:7.2f} GB  "
                    f"(target under 4 GB: {verdict}; {args.n:,}: {peak / 1024:.2f} GB)"
                )
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
