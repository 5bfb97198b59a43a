"""End to end: build a copy of the project, query it, break it, and check readers are safe."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import ROOT, coopwh, coopwh_process, query


def published(project: Path) -> Path:
    return project / "warehouse" / "coopwh.duckdb"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_publishes_the_growth_figures_of_the_report(built_project: Path) -> None:
    rows = query(
        built_project,
        "SELECT subject_id, growth_pct, number_text, report_id, span_start "
        "FROM marts.growth_since_2016 WHERE metric_code = 'sales_total' AND basis = 'since_2016' "
        "AND subject_id IN ('dual_track', 'changli') ORDER BY subject_id",
    )
    assert rows == [
        ("changli", 108.0, "108%", "2019-gxs-reform-pilots", 12375),
        ("dual_track", 43.0, "43%", "2019-gxs-reform-pilots", 617),
    ]


def test_sql_command_prints_the_figures_as_a_table(built_project: Path) -> None:
    result = coopwh(
        built_project,
        "sql",
        "SELECT subject_name, growth_pct FROM marts.growth_since_2016 "
        "WHERE metric_code = 'sales_total' AND subject_id IN ('dual_track', 'changli') "
        "ORDER BY growth_pct",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "双线运行机制试点（汇总）" in lines[3] and lines[3].rstrip().endswith("43 │")
    assert "河北昌黎" in lines[4] and lines[4].rstrip().endswith("108 │")
    assert lines[-1] == "2 rows"


def test_beijing_fund_is_10_yi_stated_and_recomputed(built_project: Path) -> None:
    rows = query(
        built_project,
        "SELECT DISTINCT stated_total_yuan, recomputed_total_yuan, total_check, total_span_start "
        "FROM marts.fund_composition WHERE fund_id = 'beijing_industry_fund'",
    )
    assert rows == [(1_000_000_000.0, 1_000_000_000.0, "pass", 17099)]


def test_summary_against_cases_is_a_warning_quoting_both_sentences(built_project: Path) -> None:
    rows = query(
        built_project,
        "SELECT status, stated_value, expected_value, sentences FROM marts.audit_findings "
        "WHERE check_name = 'assert_pooled_figures_match_their_parts' AND status <> 'pass' "
        "AND metric_code = 'fund_projects'",
    )
    ((status, stated, expected, sentences),) = rows
    assert (status, stated, expected) == ("warning", 37.0, 36.0)
    assert "参与实施37个项目" in sentences
    assert "共投资16个项目" in sentences and "基金累计投资项目20个" in sentences


def test_every_mart_number_traces_to_its_report_span(built_project: Path, report_text: str) -> None:
    rows = query(
        built_project,
        "SELECT number_text, report_id, span_start, span_end, sentence FROM marts.facts",
    )
    assert len(rows) > 200
    for number_text, report_id, start, end, sentence in rows:
        assert report_id == "2019-gxs-reform-pilots"
        assert report_text[start:end] == number_text
        assert number_text in sentence


def test_every_audit_finding_points_at_each_figure_it_checked(built_project: Path) -> None:
    """A check names the report and the offset of every figure it used, a part missing or not
    (SQLGlot's optimizer once turned the list into NULL when one part was)."""
    figures = set(query(built_project, "SELECT report_id, span_start FROM marts.facts"))
    findings = query(
        built_project, "SELECT finding_id, report_id, span_starts FROM marts.audit_findings"
    )
    traced = [f for f in findings if f[2] is not None]
    assert len(traced) >= len(findings) - 2  # two pooled funds have no figure of their own
    for finding_id, report_id, span_starts in traced:
        assert report_id is not None, finding_id
        for start in span_starts.split(","):
            assert (report_id, int(start)) in figures, (finding_id, start)
    assert ("relation:datong_township_coverage", "2019-gxs-reform-pilots", "3322,3328") in findings


def test_coverage_before_and_after(built_project: Path) -> None:
    rows = query(
        built_project,
        "SELECT subject_id, coverage_pct, coverage_before_pct FROM marts.coverage_by_level "
        "WHERE subject_id IN ('datong', 'sichuan') AND covers = 'township' ORDER BY subject_id",
    )
    assert rows == [("datong", 85.0, 75.0), ("sichuan", 89.0, 60.0)]


def test_scorecard_has_one_row_per_pilot_and_type_summary_lists_units(built_project: Path) -> None:
    assert query(built_project, "SELECT COUNT(*) FROM marts.pilot_scorecard") == [(29,)]
    rows = query(
        built_project,
        "SELECT unit_count, sales_growth_pct, units FROM marts.pilot_type_summary "
        "WHERE pilot_type_code = 'dual_track'",
    )
    assert rows[0][:2] == (4, 43.0)
    assert set(rows[0][2].split("、")) == {"四川", "广东茂名", "广西贵港", "吉林敦化"}


def test_changed_contribution_fails_naming_audit_and_fund_and_readers_keep_last_good(
    fresh_project: Path,
) -> None:
    before = digest(published(fresh_project))
    seed = fresh_project / "seeds" / "fund_contributions.csv"
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("246000000", "256000000"), encoding="utf-8"
    )

    result = coopwh(fresh_project, "build")

    assert result.returncode == 1
    assert "assert_fund_parts_sum_to_stated_total" in result.stderr
    assert "shaanxi_fund_phase1" in result.stderr
    assert "readers still see the last good build" in result.stderr
    assert digest(published(fresh_project)) == before
    assert query(
        fresh_project,
        "SELECT contribution_yuan FROM marts.fund_composition "
        "WHERE contribution_span_start = 18249",
    ) == [(246_000_000.0,)]


def test_audit_added_after_the_model_was_built_runs_on_the_next_build(fresh_project: Path) -> None:
    model = fresh_project / "models" / "marts" / "growth_since_2016.sql"
    text = model.read_text(encoding="utf-8")
    model.write_text(
        text.replace(
            "  audits (\n",
            "  audits (\n    accepted_range(column := growth_pct, max_v := 100),\n",
            1,
        ),
        encoding="utf-8",
    )
    result = coopwh(fresh_project, "build")
    assert result.returncode == 1
    assert "accepted_range on marts.growth_since_2016" in result.stderr


def test_an_open_reader_does_not_break_a_build_and_keeps_its_snapshot(fresh_project: Path) -> None:
    reader = duckdb.connect(str(published(fresh_project)), read_only=True)
    try:
        before = reader.execute("SELECT COUNT(*) FROM marts.facts").fetchall()
        note = fresh_project / "seeds" / "pilot_types.csv"
        note.write_text(
            note.read_text(encoding="utf-8").replace(
                "Federation governance", "Federation governance reform"
            ),
            encoding="utf-8",
        )
        result = coopwh(fresh_project, "build")
        assert result.returncode == 0, result.stderr
        assert "Models modified" in result.stdout
        assert reader.execute("SELECT COUNT(*) FROM marts.facts").fetchall() == before
    finally:
        reader.close()
    assert query(
        fresh_project,
        "SELECT name_en FROM marts.pilot_type_summary "
        "WHERE pilot_type_code = 'federation_governance'",
    ) == [("Federation governance reform",)]


def test_a_second_build_while_one_runs_exits_with_a_clear_message(fresh_project: Path) -> None:
    lock = fresh_project / "warehouse" / "build" / ".lock"
    with open(lock, "w") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)  # held by this process: the run is another
        result = coopwh_process(fresh_project, "build")
    assert result.returncode == 1
    assert "another build is running" in result.stderr


def test_a_bad_report_stops_the_build_naming_the_file(fresh_project: Path) -> None:
    before = digest(published(fresh_project))
    (fresh_project / "reports" / "2020-empty.txt").write_bytes(b"")
    result = coopwh(fresh_project, "build")
    assert result.returncode == 1
    assert "2020-empty.txt: is empty" in result.stderr
    assert digest(published(fresh_project)) == before


def test_sql_is_read_only_and_errors_are_plain(built_project: Path) -> None:
    result = coopwh(built_project, "sql", "CREATE TABLE marts.scratch (i INT)")
    assert result.returncode == 1
    assert "read-only" in result.stderr
    assert "Traceback" not in result.stderr
    missing = coopwh(built_project, "sql", "SELECT * FROM marts.no_such_mart")
    assert missing.returncode == 1 and "no_such_mart" in missing.stderr


def test_published_marts_keep_their_column_descriptions(built_project: Path) -> None:
    rows = query(
        built_project,
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' "
        "AND table_name = 'growth_since_2016' AND column_name = 'growth_pct'",
    )
    assert rows == [("Growth in percent, e.g. 43 for +43% (a ratio of 2.1 gives 110)",)]


def test_a_second_warehouse_built_from_the_same_project_is_sound(
    fresh_project: Path, tmp_path: Path
) -> None:
    """A second warehouse from the same project builds cold and whole, with its own cache."""
    other = tmp_path / "other-warehouse"
    result = coopwh(fresh_project, "--warehouse", str(other), "build")
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(other / "coopwh.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT COUNT(*) FROM marts.facts").fetchone() == (239,)


def test_the_project_loads_without_the_postgres_driver(tmp_path: Path) -> None:
    """The server's driver is an optional extra: without it, SQLMesh must still load the
    project for DuckDB (it checks the driver of every gateway config.yaml defines)."""
    blocked = tmp_path / "blocked" / "psycopg2"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('not installed (blocked by the test)')")
    code = (
        "import os, sys; from sqlmesh import Context; "
        "context = Context(paths=sys.argv[1]); print(sum('marts' in m for m in context.models))"
    )
    environment = {
        **os.environ,
        "PYTHONPATH": str(blocked.parent),
        "COOPWH_BUILD_DB": str(tmp_path / "build.duckdb"),
        "COOPWH_CACHE_DIR": str(tmp_path / "cache"),
    }
    environment.pop("COOPWH_GATEWAY", None)
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) >= 7  # the marts' models


def test_each_build_is_remembered_with_the_seconds_of_its_phases(fresh_project: Path) -> None:
    from coopwh.paths import resolve_paths
    from coopwh.records import build_history

    paths = resolve_paths(fresh_project)
    before = build_history(paths)
    (fresh_project / "reports" / "2020-empty.txt").write_bytes(b"")
    assert coopwh(fresh_project, "build").returncode == 1
    (fresh_project / "reports" / "2020-empty.txt").unlink()
    assert coopwh(fresh_project, "build", "--force").returncode == 0
    failed, forced = build_history(paths)[len(before) :]
    assert failed["status"] == "failed" and forced["status"] == "ok"
    assert forced["phases"]["plan and apply"]["seconds"] > 0
