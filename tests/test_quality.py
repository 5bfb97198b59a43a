"""Great Expectations at the edges, and the quality report a build ends with."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, coopwh

CHANGLI_120 = (  # one figure out of range for its kind, one fine
    "河北省秦皇岛市昌黎县供销合作社\n\n2019年，基层社乡镇覆盖率达到120%，销售总额较试点前增长20%。\n"
)


def published(project: Path) -> Path:
    return project / "warehouse" / "coopwh.duckdb"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_rows(project: Path) -> list[tuple]:
    build_db = project / "warehouse" / "build" / "coopwh.duckdb"
    with duckdb.connect(str(build_db), read_only=True) as connection:
        return connection.execute(
            "SELECT report_id, sha256 FROM raw.reports UNION ALL "
            "SELECT report_id, COUNT(*)::TEXT FROM raw.extracted_facts GROUP BY report_id "
            "ORDER BY 1, 2"
        ).fetchall()


def edit_fact(project: Path, span_start: int, column: str, new: str) -> None:
    import csv

    seed = project / "seeds" / "report_facts.csv"
    with open(seed, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["span_start"] == str(span_start):
            row[column] = new
    with open(seed, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("column", "new", "expectation"),
    [
        ("value", "120", "expect_column_values_to_be_between"),
        ("unit", "litre", "expect_column_values_to_be_in_set on unit"),
    ],
)
def test_a_bad_curated_batch_is_refused_before_loading(
    fresh_project: Path, column: str, new: str, expectation: str
) -> None:
    before, raw_before = digest(published(fresh_project)), raw_rows(fresh_project)
    edit_fact(fresh_project, 2065, column, new)  # 黑龙江省基层社覆盖率达到93%以上

    result = coopwh(fresh_project, "build")

    assert result.returncode == 1
    assert "report_facts.csv: refused by facts_in" in result.stderr
    assert expectation in result.stderr
    assert "93%以上" in result.stderr and "span_start=2065" in result.stderr
    assert "nothing was loaded" in result.stderr
    assert digest(published(fresh_project)) == before
    assert raw_rows(fresh_project) == raw_before


def test_an_extracted_coverage_of_120_is_held_back_and_the_rest_of_the_file_loads(
    fresh_project: Path,
) -> None:
    inbox = fresh_project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "2020-changli.txt").write_text(CHANGLI_120, encoding="utf-8")

    result = coopwh(fresh_project, "run")

    assert result.returncode == 0, result.stderr
    assert "held back: 120%" in result.stdout
    assert "value 120.0 is out of range for a coverage_pct figure" in result.stdout
    assert not (fresh_project / "reports" / "quarantine").exists()
    with duckdb.connect(str(published(fresh_project)), read_only=True) as connection:
        loaded = connection.execute(
            "SELECT number_text FROM marts.facts WHERE report_id = '2020-changli'"
        ).fetchall()
        held = connection.execute(
            "SELECT number_text, reason FROM marts.held_facts WHERE report_id = '2020-changli'"
        ).fetchall()
    assert loaded == [("20%",)]
    assert held == [("120%", "value 120.0 is out of range for a coverage_pct figure")]


def test_the_build_ends_with_a_quality_summary_quoting_the_warning(built_project: Path) -> None:
    page = (built_project / "warehouse" / "quality" / "index.html").read_text(encoding="utf-8")
    assert "数据质量报告" in page and "data quality report" in page
    assert "assert_pooled_figures_match_their_parts" in page
    assert "参与实施37个项目" in page
    assert "共投资16个项目" in page and "基金累计投资项目20个" in page
    assert "expect_column_values_to_be_in_set" in page
    assert "assert_fund_parts_sum_to_stated_total" in page
    docs = built_project / "warehouse" / "quality" / "gx" / "uncommitted" / "data_docs"
    assert (docs / "local_site" / "index.html").exists()


def test_export_stops_when_the_marts_fail_the_door_out(fresh_project: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(published(fresh_project))) as connection:
        connection.execute("DELETE FROM marts.pilot_scorecard WHERE pilot_id = 'sichuan'")
    result = coopwh(fresh_project, "export", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "marts.pilot_scorecard" in result.stderr
    assert "expect_table_row_count_to_equal" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_runs_workbooks_are_placed_only_once_its_door_out_passes(
    built_project: Path, tmp_path: Path
) -> None:
    """coopwh run writes its workbooks while its build's door out runs in the GX worker: they
    are written aside and moved into place only when the verdict says the marts pass."""
    from coopwh.errors import ExportError
    from coopwh.export.writing import write_workbooks
    from coopwh.paths import Paths

    paths = Paths(built_project, built_project / "warehouse")
    out = tmp_path / "exports"
    seen: list[tuple[int, int]] = []  # when the verdict is asked: workbooks placed, aside

    def failing() -> dict:
        seen.append((len(list(out.glob("*.xlsx"))), len(list(out.glob(".coopwh-export-*/*.xlsx")))))
        return {"ok": False, "detail": "marts.facts: made to fail for the test"}

    with pytest.raises(ExportError, match="made to fail for the test"):
        write_workbooks(paths, out, lambda message: None, verdict=failing)
    assert seen == [(0, 27)]  # asked once, with every workbook written aside, none in place
    assert list(out.iterdir()) == []  # none placed, nothing left aside, no manifest
    ended = subprocess.Popen(["true"])
    ended.wait()
    killed = out / f".coopwh-export-{ended.pid}-abcd"  # what an export killed halfway left
    running = out / ".coopwh-export-1-abcd"  # another export's, still writing (process 1 runs)
    for aside in (killed, running):
        aside.mkdir()
        (aside / "全国.xlsx").write_bytes(b"half written")
    written = write_workbooks(
        paths, out, lambda message: None, verdict=lambda: {"ok": True}
    ).workbooks
    assert len(written) == 27
    placed = {p.name for p in out.iterdir()}
    assert placed == {p.name for p in written} | {".coopwh-export.json", running.name}


def test_validate_runs_both_doors_with_every_report_in_one_batch(
    built_project: Path, tmp_path: Path
) -> None:
    project = tmp_path / "p"
    shutil.copytree(built_project, project)
    reports = project / "reports"
    shutil.copy(FIXTURES / "2020-shouguang-county.txt", reports)
    (reports / "2020-changli.txt").write_text(CHANGLI_120, encoding="utf-8")
    result = coopwh(project, "validate")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"ok: facts_in on {reports / '2019-gxs-reform-pilots.txt'} (239 rows)" in lines
    assert (
        f"ok, 1 figure(s) held back: facts_in on {reports / '2020-changli.txt'} (2 rows)" in lines
    )
    assert any(
        line.startswith(f"ok: facts_in on {reports / '2020-shouguang-county.txt'}")
        for line in lines
    )
    assert "ok: out_pilot_type_summary on marts.pilot_type_summary" in lines
    # the three reports went to Great Expectations as one batch, beside the curated facts
    page = (project / "warehouse" / "quality" / "index.html").read_text(encoding="utf-8")
    batches = set(re.findall(r"<tr><td>facts_in</td><td>([^<]*)</td>", page))
    names = "2019-gxs-reform-pilots.txt, 2020-changli.txt, 2020-shouguang-county.txt"
    assert batches == {str(project / "seeds" / "report_facts.csv"), names}


@pytest.mark.parametrize(
    "args",
    [
        ["sql", "SELECT COUNT(*) FROM marts.facts"],
        ["run"],
        ["extract", "reports/2019-gxs-reform-pilots.txt"],
        ["--help"],
    ],
)
def test_commands_that_do_not_validate_do_not_import_great_expectations(
    built_project: Path, args: list[str]
) -> None:
    code = (
        "import sys\nfrom coopwh.cli import main\n"
        f"try:\n    main({['--project', str(built_project), *args]!r})\n"
        "except SystemExit:\n    pass\n"
        "assert 'great_expectations' not in sys.modules, 'great_expectations was imported'\n"
        f"assert 'sqlmesh' not in sys.modules or {args[0]!r} != 'run', 'run imported sqlmesh'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=built_project
    )
    assert result.returncode == 0, result.stderr


def test_a_build_runs_great_expectations_in_a_worker_process_of_its_own(
    fresh_project: Path,
) -> None:
    """Importing GX takes seconds, which the build spends loading the SQLMesh project: the
    build's own process never imports it, and the checks run in the worker still reach the
    quality report and its Data Docs."""
    shutil.rmtree(fresh_project / "warehouse" / "quality")
    code = (
        "import sys\nfrom coopwh.cli import main\n"
        f"code = main({['--project', str(fresh_project), 'build', '--force']!r})\n"
        "assert code == 0, code\n"
        "assert 'great_expectations' not in sys.modules, 'great_expectations was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    page = (fresh_project / "warehouse" / "quality" / "index.html").read_text(encoding="utf-8")
    assert "facts_in" in page and "out_pilot_scorecard" in page
    docs = fresh_project / "warehouse" / "quality" / "gx" / "uncommitted" / "data_docs"
    assert (docs / "local_site" / "index.html").exists()


def test_the_worker_answers_each_check_and_passes_back_its_errors(
    tmp_path: Path, cold_workers: None
) -> None:
    from coopwh.errors import BuildError
    from coopwh.quality.checks import curated_facts
    from coopwh.quality.validator import CheckResult
    from coopwh.quality.worker import ValidatorProcess

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    frame = curated_facts(seeds).head(3)
    frame.loc[frame.index[0], "unit"] = "litre"
    with ValidatorProcess(tmp_path / "quality") as validator:
        first = validator.submit("check_facts_in", frame, {}, "three rows", seeds)
        with pytest.raises(AttributeError, match="no_such_check"):
            validator.run("no_such_check")
        check = validator.result(first)
    assert isinstance(check, CheckResult) and validator.results == [check]
    described = check.describe()
    assert "three rows: refused by facts_in" in described and "unit" in described
    assert "span_holds_number_text" in described  # no texts were sent: no span holds
    assert not validator._process.is_alive()
    later = ValidatorProcess(tmp_path / "quality", start=False)  # started by its first check
    assert later.run("check_facts_in", frame.head(0), {}, "no rows", seeds).success
    later.close()
    ValidatorProcess(tmp_path / "quality", start=False).close()  # never started: nothing to stop
    with ValidatorProcess(tmp_path / "quality") as killed:
        killed._process.kill()
        with pytest.raises(BuildError, match="worker process stopped before it answered"):
            killed.run("check_facts_in", frame, {}, "three rows", seeds)


def test_data_docs_keep_the_results_of_the_last_builds_only(tmp_path: Path) -> None:
    """Data Docs render every stored result on every build: the store keeps the newest few of
    each suite, and their pages, however many runs the scheduled job has made; a run keeps
    every result it made itself (coopwh validate checks each report apart)."""
    from coopwh.quality.checks import curated_facts
    from coopwh.quality.validator import KEEP_RESULTS
    from coopwh.quality.worker import ValidatorProcess

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    frame = curated_facts(seeds).head(3)
    gx = tmp_path / "quality" / "gx" / "uncommitted"

    def kept() -> set[str]:  # a directory per run time
        return {p.parent.name for p in (gx / "validations" / "facts_in").rglob("*.json")}

    with ValidatorProcess(tmp_path / "quality") as validator:  # a run checking many reports
        for run in range(KEEP_RESULTS + 3):
            validator.run("check_facts_in", frame, {}, f"report {run}", seeds)
        validator.build_docs()
    assert len(kept()) == KEEP_RESULTS + 3
    earlier = kept()
    with ValidatorProcess(tmp_path / "quality") as validator:  # the next run, with two checks
        for run in range(2):
            validator.run("check_facts_in", frame, {}, f"again {run}", seeds)
        index = validator.build_docs()
    assert len(kept()) == KEEP_RESULTS
    assert len(kept() - earlier) == 2  # both of its own
    assert sorted(kept() & earlier) == sorted(earlier)[-(KEEP_RESULTS - 2) :]  # the newest
    pages = list((gx / "data_docs" / "local_site" / "validations").rglob("*.html"))
    assert {p.parent.name for p in pages} == kept() and len(pages) == KEEP_RESULTS
    assert index.exists() and max(kept()) in index.read_text(encoding="utf-8")


@pytest.fixture
def cold_workers():
    """GX workers as a command has them: one per run, stopped when it closes (the suite keeps
    one warm, see conftest)."""
    from coopwh.quality.worker import keep_warm

    keep_warm(False)
    yield
    keep_warm(True)


def test_a_worker_kept_warm_serves_the_next_run_with_its_own_context(
    tmp_path: Path, cold_workers: None
) -> None:
    """A process that runs many builds keeps one GX worker: the next run gets the same process
    (GX imported once), given that run's context, with nothing left on the pipe from the last
    (an answer never asked for is read before the worker is kept)."""
    from coopwh.quality.checks import curated_facts
    from coopwh.quality.worker import ValidatorProcess, keep_warm

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    frame = curated_facts(seeds).head(3)
    keep_warm(True)
    with ValidatorProcess(tmp_path / "first") as first:
        first.submit("check_facts_in", frame, {}, "never asked for", seeds)
        worker = first._process.pid
    assert first._process.is_alive()
    with ValidatorProcess(tmp_path / "second", start=False) as second:
        check = second.run("check_facts_in", frame.head(0), {}, "no rows", seeds)
        docs = second.build_docs()
    assert second._process.pid == worker
    assert check.source == "no rows" and second.results == [check]
    assert docs.is_relative_to(tmp_path / "second")
    keep_warm(False)
    assert not second._process.is_alive()


@pytest.mark.parametrize(
    "written",
    [
        "great_expectations.yml",
        "expectations/facts_in.json",
        "validation_definitions/facts_in.json",
        "uncommitted/validations/facts_in",  # a result GX stored
    ],
)
def test_a_gx_file_left_half_written_is_set_aside_and_made_anew(
    tmp_path: Path, written: str
) -> None:
    """A run killed while GX wrote its configuration or one of its JSON files (a suite, a
    validation definition, a result): the next one sets GX's files aside and starts afresh,
    rather than every later build stopping at GX's error."""
    from coopwh.quality.checks import check_facts_in, curated_facts
    from coopwh.quality.validator import Validator

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    check_facts_in(Validator(tmp_path), curated_facts(seeds).head(3), {}, "three rows", seeds)
    path = tmp_path / "gx" / written
    if path.is_dir():
        (path,) = path.rglob("*.json")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 3], encoding="utf-8")  # cut off mid-write

    validator = Validator(tmp_path)

    assert validator.context.data_sources.get("coopwh") is not None
    (aside,) = tmp_path.glob("gx.unreadable-*")
    assert (aside / path.relative_to(tmp_path / "gx")).read_text(encoding="utf-8") == (
        text[: len(text) // 3]
    )
    assert not path.exists() or path.read_text(encoding="utf-8") != text[: len(text) // 3]
