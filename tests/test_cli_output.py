"""What the command line prints follows Unix conventions: CSV with LF line ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_sql_csv_ends_its_lines_with_lf_unless_crlf_is_asked(built_project: Path) -> None:
    command = [sys.executable, "-m", "coopwh.cli", "--project", str(built_project), "sql"]
    plain = subprocess.run([*command, "SELECT 1 AS x", "--csv"], capture_output=True, timeout=120)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == b"x\n1\n"
    tail = subprocess.run(["tail", "-1"], input=plain.stdout, capture_output=True)
    assert tail.stdout == b"1\n"
    crlf = subprocess.run(
        [*command, "SELECT 1 AS x", "--csv", "--crlf"], capture_output=True, timeout=120
    )
    assert crlf.stdout == b"x\r\n1\r\n"


def test_changes_csv_ends_its_lines_with_lf(built_project: Path) -> None:
    command = [sys.executable, "-m", "coopwh.cli", "--project", str(built_project), "changes"]
    result = subprocess.run([*command, "--csv"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert b"\r" not in result.stdout and result.stdout.count(b"\n") > 1
    crlf = subprocess.run([*command, "--csv", "--crlf"], capture_output=True, timeout=120)
    assert crlf.stdout.count(b"\r\n") == result.stdout.count(b"\n")


def test_a_run_of_many_reports_prints_counts_not_lists(fresh_project: Path) -> None:
    import random

    from benchmarks.bench_scale import regions, report

    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    rng, places = random.Random(3), regions()
    for number in range(12):
        text = report(number, rng, places, 3000)
        (inbox / f"synthetic-{number:05d}.txt").write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "coopwh.cli", "--project", str(fresh_project), "run"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert max(len(line) for line in lines) <= 300, max(lines, key=len)
    assert (
        "Reports loaded (12): synthetic-00000, synthetic-00001, synthetic-00002 … synthetic-00011"
        in lines
    )
    loaded = next(line for line in lines if line.startswith("Loaded into raw.*:"))
    assert loaded.endswith(", and 9 more")


def test_global_options_are_taken_after_the_verb_too(tmp_path: Path, capsys) -> None:
    from coopwh.cli import main

    (tmp_path / "config.yaml").write_text("gateways: {}\n")
    (tmp_path / "models").mkdir()
    elsewhere = tmp_path / "elsewhere"
    assert main(["status", "--project", str(tmp_path), "--warehouse", str(elsewhere)]) == 0
    after = capsys.readouterr().out
    assert main(["--project", str(tmp_path), "--warehouse", str(elsewhere), "status"]) == 0
    assert capsys.readouterr().out == after
    assert "Last build: none yet" in after


def test_an_unexpected_failure_of_any_command_is_a_message_not_a_traceback(
    tmp_path: Path, capsys
) -> None:
    import duckdb

    from coopwh.cli import main

    (tmp_path / "warehouse").mkdir()
    with duckdb.connect(str(tmp_path / "warehouse" / "coopwh.duckdb")) as db:
        db.execute("CREATE SCHEMA marts; CREATE TABLE marts.review_progress (report_id TEXT)")
    assert main(["status", "--project", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("coopwh status: failed unexpectedly: BinderException")
    assert "`coopwh build` makes it anew" in error and "Traceback" not in error


def test_a_run_of_a_thousand_reports_reads_in_lines_a_desk_can_scan(tmp_path: Path) -> None:
    """What a run of 1,000 new reports ends with, from its result objects: every report, model,
    finding and figure waiting counted past a few, no line over 300 characters."""
    from coopwh.build.audits import AuditOutcome
    from coopwh.changes.record import BuildChanges
    from coopwh.results import BuildResult, IngestResult, Outcome, RunResult

    reports = [f"synthetic-{n:05d}" for n in range(1000)]
    findings = [
        {
            "status": "warning",
            "check_name": ("assert_parts_add_up", "assert_growth_matches_its_levels")[n % 2],
            "message": f"{reports[n]}: 合计{n}万元，各项加总{n + 7}万元 " + "其中农资、日用品" * 20,
        }
        for n in range(300)
    ]
    build = BuildResult(
        reports,
        [f"marts.model_{n}" for n in range(40)],
        [],
        [],
        [AuditOutcome("assert_parts_add_up", "marts.facts", False, 300)],
        findings,
        tmp_path / "coopwh.duckdb",
        61.3,
        waiting={report: 380 for report in reports},
        changes=BuildChanges(2, {"facts": {"added": 380_000, "removed": 0, "changed": 0}}),
    )
    bad = [
        Outcome(tmp_path / f"{n:04d}-{'很长的文件名' * 30}.txt", "quarantined", "is empty")
        for n in range(5)
    ]
    ingest = IngestResult(outcomes=bad, build=build)
    lines = [*ingest.problems(), *ingest.lines(), *RunResult(ingest, build).lines()]
    assert max(len(line) for line in lines) <= 300, max(lines, key=len)
    assert (
        "Reports loaded (1,000): synthetic-00000, synthetic-00001, synthetic-00002 … "
        in "\n".join(lines)
    )
    assert sum("assert_parts_add_up" in line for line in lines) <= 5  # a count and the first few
