"""Promises kept under faults: a run killed at any moment (SIGKILL or SIGTERM) leaves no lock,
worker or temporary file behind, and the next run gives exactly the rows of a clean run."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from benchmarks.bench_scale import regions, report
from tests.conftest import coopwh

# more than two, so the files are read on a pool of worker processes; the check of a
# 100-report run: COOPWH_FAULT_REPORTS=100 .venv/bin/pytest tests/test_faults.py
REPORTS = int(os.environ.get("COOPWH_FAULT_REPORTS", "6"))


def synthetic_inbox(project: Path) -> list[str]:
    """Write the same few synthetic reports of the genre into the project's inbox."""
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    rng, places = random.Random(7), regions()
    names = []
    for number in range(REPORTS):
        name = f"synthetic-{number:05d}.txt"
        (inbox / name).write_text(report(number, rng, places, 6000), encoding="utf-8")
        names.append(name)
    return names


def mart_digests(project: Path) -> dict[str, str]:
    """A digest of the sorted rows of every table in marts.* and seeds.* of the published
    copy (meta.* holds the build's own times)."""
    digests = {}
    path = project / "warehouse" / "coopwh.duckdb"
    with duckdb.connect(str(path), read_only=True) as db:
        tables = db.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE schema_name IN ('marts', 'seeds') ORDER BY ALL"
        ).fetchall()
        for schema, table in tables:
            rows = db.execute(f'SELECT * FROM {schema}."{table}"').fetchall()
            digests[f"{schema}.{table}"] = hashlib.sha256(
                repr(sorted(map(repr, rows))).encode()
            ).hexdigest()
    return digests


def leftovers(project: Path) -> list[str]:
    """Temporary files and directories a run may leave: none may outlive the run after it."""
    found = [str(p) for p in (project / "reports").glob(".coopwh-run-*")]
    found += [str(p) for p in (project / "reports").glob("tmp*")]
    found += [str(p) for p in (project / "warehouse").glob("*.tmp*")]
    found += [str(p) for p in (project / "exports").glob(".coopwh-export-*")]
    return found


def processes_of(project: Path) -> list[int]:
    """Processes still running whose command line names the project (the run's workers)."""
    mine = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = next(
                line for line in (entry / "status").read_text().splitlines() if "State" in line
            )
        except (OSError, StopIteration):
            continue
        if str(project) in command and "Z" not in state.split(":")[1]:
            mine.append(int(entry.name))
    return mine


MOMENTS = {  # when to stop the run: the first line or file that shows it has got there
    "extraction": lambda project, line: "files on" in line and "processes" in line,
    # SQLMesh loads the project meanwhile (its forked loaders once outlived a killed run)
    "project load": lambda project, line: "Validating the facts before loading" in line,
    "apply": lambda project, line: "rebuilding the models" in line,
    "publish": lambda project, line: (project / "warehouse" / "coopwh.duckdb.tmp").exists(),
    "export": lambda project, line: any((project / "exports").glob(".coopwh-export-*")),
}


BEFORE_PUBLISH = ("extraction", "project load", "apply")


def stop_run_at(project: Path, moment: str, number: int) -> str:
    """Start `coopwh run` and send it the signal once it reaches the moment; its output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "coopwh.cli", "--project", str(project), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if MOMENTS[moment](project, "".join(lines)):
            process.send_signal(number)
            break
        time.sleep(0.02)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:  # hung after the signal: say where, leave nothing running
        process.kill()
        process.wait()
        pytest.fail(f"the run stopped at the {moment} did not end:\n{''.join(lines)}")
    reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode != 0, f"the run ended before the {moment}:\n{output}"
    return output


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, built_project: Path) -> dict[str, str]:
    project = tmp_path_factory.mktemp("clean") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    synthetic_inbox(project)
    result = coopwh(project, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    return mart_digests(project)


@pytest.mark.parametrize("number", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_run_stopped_at_any_moment_is_finished_by_the_next(
    number: int, fresh_project: Path, clean_run: dict[str, str]
) -> None:
    names = synthetic_inbox(fresh_project)
    published = fresh_project / "warehouse" / "coopwh.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    for moment in MOMENTS:
        output = stop_run_at(fresh_project, moment, number)
        if moment in BEFORE_PUBLISH:  # readers keep the last good build, byte for byte
            assert hashlib.sha256(published.read_bytes()).hexdigest() == before, moment
        deadline = time.monotonic() + 10
        while processes_of(fresh_project) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_of(fresh_project) == [], f"workers outlived the run stopped at {moment}"
        if number == signal.SIGTERM:
            assert "stopped by signal 15" in output, output
            assert leftovers(fresh_project) == [], moment
    result = coopwh(fresh_project, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "another build is running" not in result.stderr
    assert mart_digests(fresh_project) == clean_run
    assert leftovers(fresh_project) == []
    assert not any((fresh_project / "reports" / "inbox").iterdir())
    assert sorted(p.name for p in (fresh_project / "reports").glob("synthetic-*")) == names
    assert not (fresh_project / "reports" / "quarantine").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_line(fresh_project: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; handle = open(sys.argv[1], 'a+'); "
            "fcntl.lockf(handle, fcntl.LOCK_EX); handle.write(str(os.getpid())); "
            "handle.flush(); print('held', flush=True); time.sleep(60)",
            str(fresh_project / "warehouse" / "build" / ".lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    busy = coopwh(fresh_project, "build", "--force")
    assert busy.returncode == 1
    assert f"another build is running on {fresh_project / 'warehouse'} (process {holder.pid})" in (
        busy.stderr
    )
    holder.kill()
    holder.wait()
    result = coopwh(fresh_project, "build", "--force")
    assert result.returncode == 0, result.stderr
    assert f"Took over the build lock left by process {holder.pid}" in result.stdout


def test_a_stop_swallowed_where_it_could_only_be_printed_still_ends_the_command_as_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """SIGTERM raised where Python can only print the exception (a __del__, a fork's lock
    release) is raised again a moment later. If the command ends first, the raise still
    pending must not outlive it (SIGALRM's default would kill the process, its output lost):
    the command says it was stopped and exits with the signal's code."""
    from coopwh import cli

    class Swallows:
        def __del__(self) -> None:  # an exception here reaches only sys.unraisablehook
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(10_000))  # the handler runs here, and its Terminated is swallowed

    def status(_args) -> int:
        Swallows()  # the hook asks for the Terminated again in 10 ms …
        return 0  # … and the command ends before then

    parser = cli._parser
    monkeypatch.setattr(
        cli,
        "_parser",
        lambda: _with_handler(parser(), status),
    )
    code = cli.main(["status"])
    time.sleep(0.05)  # past the raise-again: this process is still here
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert code == 128 + signal.SIGTERM
    assert "stopped by signal 15" in capsys.readouterr().err


def _with_handler(parser, handler):
    """The CLI's parser, its `status` command calling handler."""
    for action in parser._subparsers._group_actions:
        action.choices["status"].set_defaults(handler=handler)
    return parser


@pytest.mark.parametrize("orphaned", [False, True], ids=["parent alive", "orphaned"])
def test_a_worker_orphaned_before_it_could_ask_to_die_with_its_run_ends_at_once(
    orphaned: bool,
) -> None:
    """A run killed (-9) while its pool forks its workers: a worker that finds another parent
    than the run that started it (adopted by init) ends, rather than wait for ever."""
    from coopwh.processes import die_with_parent

    pid = os.fork()
    if pid == 0:  # the worker: as if adopted, the parent it was given is not its parent now
        try:
            die_with_parent(os.getppid() + (10**7 if orphaned else 0))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == (1 if orphaned else 0)


def test_a_worker_started_but_not_yet_recorded_by_its_pool_is_stopped_with_it() -> None:
    """A stop (SIGTERM) that falls between a pool starting a worker and recording it: stopping
    the pool kills that worker too (left alive, it waited for work, and the run's exit waited
    for it, for ever: seen in the fault test, SIGTERM at extraction)."""
    from coopwh.pool import Pool
    from coopwh.processes import Terminated

    class StoppedAsRecorded(dict):
        def __setitem__(self, pid, process) -> None:
            raise Terminated(143)

    pool = Pool(max_workers=1)
    pool._processes = StoppedAsRecorded()
    with pytest.raises(Terminated):
        pool.submit(time.sleep, 0)
    (worker,) = [p for p in multiprocessing.active_children() if p.pid not in pool._before]
    pool.stop()
    assert not worker.is_alive()
