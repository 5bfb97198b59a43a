"""What makes big work fast: nothing done twice, no plan when nothing changed, linear reading,
an incremental load that equals a full rebuild, streamed workbooks with a cap and a CSV."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from coopwh.paths import Paths
from loaders import extract as extractor
from loaders.extract import ExtractionLimit, extract
from loaders.reference import load_gazetteer
from loaders.sentences import MAX_SENTENCE, reading_spans
from tests.conftest import FIXTURES, ROOT, as_csv, coopwh, query

GAZETTEER = load_gazetteer(ROOT / "seeds")
MARTS = [
    "facts",
    "growth_since_2016",
    "coverage_by_level",
    "fund_composition",
    "pilot_scorecard",
    "pilot_type_summary",
    "audit_findings",
    "held_facts",
    "review_progress",
]


def rows(project: Path, table: str) -> list[tuple]:
    return sorted(query(project, f"SELECT * FROM {table}"), key=repr)


def test_one_long_sentence_is_read_in_bounded_windows() -> None:
    figures = "，".join(f"第{i}项销售额增长{i % 90 + 1}%" for i in range(3000))
    text = f"全县情况\n\n{figures}。"
    windows = list(reading_spans(text))
    assert max(end - start for start, end in windows) <= MAX_SENTENCE
    assert "".join(text[s:e] for s, e in windows) == text.replace("\n\n", "\n")  # no gap
    assert len(extract(text, "t", GAZETTEER).facts) == 3000


def test_a_report_over_the_figure_limit_is_refused_with_the_limit(monkeypatch) -> None:
    monkeypatch.setattr(extractor, "MAX_FIGURES", 100)
    text = "。".join(f"销售额增长{i}%" for i in range(500))
    with pytest.raises(ExtractionLimit, match="more than 100 figures"):
        extract(text, "t", GAZETTEER)


def test_a_report_over_the_time_budget_is_refused_with_the_limit() -> None:
    text = "。".join(f"销售额增长{i}%" for i in range(5000))
    with pytest.raises(ExtractionLimit, match="time limit"):
        extract(text, "t", GAZETTEER, time_budget=0.0)


def test_a_build_with_nothing_changed_plans_nothing(built_project: Path) -> None:
    code = (
        "import sys\nfrom coopwh.cli import main\n"
        f"code = main(['--project', {str(built_project)!r}, 'build'])\n"
        "assert code == 0\n"
        "assert 'sqlmesh' not in sys.modules, 'sqlmesh was imported'\n"
        "assert 'great_expectations' not in sys.modules, 'GX was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Nothing changed since the last good build" in result.stdout


BATCHES = (["2020-shouguang-county", "2021-henan-news"], ["2020-ganzhou-prefecture"])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> dict:
    """The built 2019 warehouse after two `coopwh run`s, each with a batch of new reports (the
    output of each, and when raw.reports says each report was loaded, before and after each),
    then a build after one of them was revised (a figure changed) and another removed."""
    project = tmp_path_factory.mktemp("two-runs") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    database = project / "warehouse" / "build" / "coopwh.duckdb"

    def loaded_at() -> dict:
        with duckdb.connect(str(database), read_only=True) as db:
            return dict(db.execute("SELECT report_id, loaded_at FROM raw.reports").fetchall())

    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    loaded, outputs = [loaded_at()], []
    for batch in BATCHES:
        for name in batch:
            shutil.copy(FIXTURES / f"{name}.txt", inbox)
        result = coopwh(project, "run")
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
        loaded.append(loaded_at())
    revised = project / "reports" / f"{BATCHES[0][0]}.txt"
    revised.write_text(revised.read_text(encoding="utf-8").replace("12.3%", "12.8%"), "utf-8")
    (project / "reports" / f"{BATCHES[0][1]}.txt").unlink()
    result = coopwh(project, "build")
    assert result.returncode == 0, result.stderr
    assert "12.8%" in {n for (n,) in query(project, "SELECT number_text FROM marts.facts")}
    gone = f"SELECT COUNT(*) FROM marts.facts WHERE report_id = '{BATCHES[0][1]}'"
    assert query(project, gone) == [(0,)]
    return {"project": project, "outputs": outputs, "loaded": loaded}


def test_reports_already_loaded_are_not_read_or_extracted_again(two_runs: dict) -> None:
    first, second = two_runs["outputs"]
    assert "Read 2 new or changed of 3 report file(s)" in first
    assert "Read 1 new or changed of 4 report file(s)" in second
    assert "Extracting the figures" not in first + second  # ingest did, once
    before, after_first, after_second = two_runs["loaded"]
    assert set(after_second) == {"2019-gxs-reform-pilots", *BATCHES[0], *BATCHES[1]}
    for report_id, at in after_first.items():  # the second run loaded only its own report
        assert after_second[report_id] == at, report_id
    assert after_first["2019-gxs-reform-pilots"] == before["2019-gxs-reform-pilots"]


def test_an_incremental_load_equals_a_full_rebuild_row_for_row(
    two_runs: dict, tmp_path: Path
) -> None:
    """New reports, a revised one and a removed one, each taken in by report (the models of
    kind by_report replace the rows of those reports only), give what --force gives."""
    incremental = two_runs["project"]

    full = tmp_path / "full"
    shutil.copytree(
        incremental, full, ignore=shutil.ignore_patterns("warehouse", "exports", "archive")
    )

    result = coopwh(full, "build", "--force")

    assert result.returncode == 0, result.stderr
    for mart in MARTS:
        assert rows(incremental, f"marts.{mart}") == rows(full, f"marts.{mart}"), mart


def test_a_build_recomputes_the_rows_of_the_changed_reports_only(
    two_runs: dict, tmp_path: Path
) -> None:
    """A row of a report that did not change is not computed again (a mark put on it in the
    model's table outlives a build that takes in another report); --force computes all."""
    project = tmp_path / "project"
    shutil.copytree(two_runs["project"], project, ignore=shutil.ignore_patterns(".lock"))
    database = project / "warehouse" / "build" / "coopwh.duckdb"
    with duckdb.connect(str(database)) as db:
        (schema, table), *_ = db.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'intermediate__int_facts_joined_to_subjects__%'"
        ).fetchall()
        db.execute(
            f'UPDATE "{schema}"."{table}" SET note = \'marked\' '
            "WHERE report_id = '2019-gxs-reform-pilots'"
        )
        assert db.execute("SELECT COUNT(*) FROM raw.pending_reports").fetchone() == (0,)
    marked = "SELECT COUNT(*) FROM marts.facts WHERE note = 'marked'"
    curated = query(project, "SELECT COUNT(*) FROM marts.facts WHERE report_id LIKE '2019%'")
    shutil.copy(FIXTURES / "2021-handan-prefecture.txt", project / "reports")

    assert coopwh(project, "build").returncode == 0

    assert query(project, marked) == curated
    added = query(project, "SELECT COUNT(*) FROM marts.facts WHERE report_id LIKE '2021-handan%'")
    assert added[0][0] > 0
    assert coopwh(project, "build", "--force").returncode == 0
    assert query(project, marked) == [(0,)]


def test_a_csv_written_a_few_reports_at_a_time_is_the_csv_written_whole(
    two_runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB writes the CSV of a long table a part at a time (at most CSV_ROWS rows, whole
    reports): the parts, one after another, are the file one query writes."""
    from coopwh.export import columns, tables_csv, writing

    monkeypatch.setattr(columns, "MAX_SHEET_ROWS", 5)
    paths = Paths(two_runs["project"], two_runs["project"] / "warehouse")
    written = {}
    for rows in (10**9, 1):  # all in one part; each report a part of its own
        monkeypatch.setattr(tables_csv, "CSV_ROWS", rows)
        out = tmp_path / str(rows)
        writing.write_workbooks(paths, out, echo=lambda message: None)
        written[rows] = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    assert written[1] == written[10**9]
    assert {"全国-全部数据.csv", "全国-增长.csv", "全国-覆盖率.csv"} <= set(written[1])
    (reports,) = query(two_runs["project"], "SELECT COUNT(DISTINCT report_id) FROM marts.facts")[0]
    assert reports >= 3 and written[1]["全国-全部数据.csv"].count(b"\n") > reports


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_long_sheets_list_the_newest_reports_first_and_their_csvs_in_the_order_taken_in(
    two_runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long sheet lists its rows by report, newest first (the report's data date, 数据截至,
    then its id, both from the last); the CSV beside it lists every row, its reports in the
    order the warehouse took them in (so a new report's rows go at its end), each report's rows
    in the same order as on the sheet."""
    from coopwh.export import columns, writing
    from coopwh.export.columns import LONG_SHEETS

    monkeypatch.setattr(columns, "MAX_SHEET_ROWS", 5)
    project = two_runs["project"]
    writing.write_workbooks(Paths(project, project / "warehouse"), tmp_path, echo=print)
    dates = dict(query(project, "SELECT report_id, data_as_of FROM meta.reports"))
    loaded = dict(query(project, "SELECT report_id, loaded_at FROM meta.reports"))
    for title in LONG_SHEETS.values():
        everything = _csv_rows(tmp_path / f"全国-{title}.csv")
        blocks: dict[str, list[dict]] = {}
        for row in everything:
            blocks.setdefault(row["来源报告"], []).append(row)
        assert list(blocks) == sorted(blocks, key=lambda r: (loaded[r], r)), title
        newest_first = sorted(
            blocks, key=lambda r: (dates[r] is not None, dates[r] or "", r), reverse=True
        )
        newest = [row for report in newest_first for row in blocks[report]][:5]
        book = load_workbook(tmp_path / "全国.xlsx", read_only=True)
        shown = list(book[title].iter_rows(min_row=2, max_row=6, values_only=True))
        assert len(shown) == len(newest) == 5, title
        for cells, row in zip(shown, newest, strict=True):
            written = list(row.values())
            assert [as_csv(v, w) for v, w in zip(cells, written, strict=True)] == written


def test_a_csv_gains_a_new_reports_rows_and_is_the_csv_written_whole(
    two_runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One more report: each CSV beside a workbook it is in keeps every byte it had and gains
    the new report's rows at its end (it is the newest), and is then byte for byte the CSV a
    first export writes whole; so are the workbooks written again. An export with nothing new
    writes nothing."""
    from coopwh.export import columns, writing

    monkeypatch.setattr(columns, "MAX_SHEET_ROWS", 5)
    # workers from the fork server, as for an export from a large process: they cap as it does
    monkeypatch.setattr(writing, "FORK_LIMIT", 0)
    project = tmp_path / "project"
    shutil.copytree(two_runs["project"], project, ignore=shutil.ignore_patterns(".lock"))
    paths = Paths(project, project / "warehouse")
    out = tmp_path / "out"
    writing.write_workbooks(paths, out, echo=lambda message: None)
    before = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    books = {p.name: p.read_bytes() for p in out.glob("*.xlsx")}
    shutil.copy(FIXTURES / "2021-handan-prefecture.txt", project / "reports")
    assert coopwh(project, "build").returncode == 0

    writing.write_workbooks(paths, out, echo=lambda message: None)

    after = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    written = {p.name for p in out.glob("*.xlsx") if p.read_bytes() != books.get(p.name)}
    assert {"全国.xlsx", "河北省.xlsx"} <= written
    grown = {name for name in after if after[name] != before.get(name)}
    assert {"全国-全部数据.csv", "河北省-全部数据.csv"} <= grown
    for name in grown & set(before):
        assert after[name].startswith(before[name]), name  # appended
    whole = tmp_path / "whole"
    writing.write_workbooks(paths, whole, echo=lambda message: None)
    for name in [*after, *written]:  # (a workbook kept has the time of the build it is of)
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    again = writing.write_workbooks(paths, out, echo=lambda message: None)
    assert again.written == 0 and {p.name: p.read_bytes() for p in out.glob("*.csv")} == after


def test_reports_taken_in_a_few_at_a_time_give_the_rows_of_one_batch(
    built_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large batch of files: their extractions wait on disk for the build, which checks and
    loads the reports a few at a time (so that 10,000 of them are never all in memory). The
    marts are those of the same files taken in whole, and nothing is left on disk."""
    from coopwh.pipeline import building, ingesting

    names = ["2020-shouguang-county", "2021-henan-news", "2020-ganzhou-prefecture"]
    projects = {}
    for how, batch, spill_from in (("whole", 500, 10**6), ("a few at a time", 1, 1)):
        monkeypatch.setattr(building, "BATCH", batch)
        monkeypatch.setattr(ingesting, "SPILL_FROM", spill_from)
        project = tmp_path / how.replace(" ", "-") / "project"
        shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
        inbox = project / "reports" / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(FIXTURES / f"{name}.txt", inbox)
        result = coopwh(project, "run")
        assert result.returncode == 0, result.stderr
        assert not list((project / "warehouse" / "build").glob("prepared-*")), how
        projects[how] = project
    for mart in MARTS:
        assert rows(projects["whole"], f"marts.{mart}") == rows(
            projects["a few at a time"], f"marts.{mart}"
        ), mart


def _twice(number: int) -> int:
    return 2 * number


def test_work_on_every_core_says_how_far_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extracting a thousand reports takes a while: on_every_core says how many are done (every
    PROGRESS_SECONDS; here at once), and returns every result in order."""
    from coopwh.build import reading

    monkeypatch.setattr(reading, "PROGRESS_SECONDS", 0.0)
    told: list[str] = []
    jobs = list(range(40))

    results = reading.on_every_core(_twice, jobs, ROOT / "seeds", told.append, "doubled")

    assert results == [2 * n for n in jobs]
    assert told and told[0].endswith("of 40 doubled …")
    assert all(not line.startswith("  40 of 40") for line in told)  # the last is not "…"


def test_coopwh_extract_over_the_figure_limit_says_so_without_a_traceback(
    monkeypatch, tmp_path, capsys
) -> None:
    from coopwh.cli import main

    monkeypatch.setattr(extractor, "MAX_FIGURES", 100)
    report = tmp_path / "many.txt"
    report.write_text("。".join(f"销售额增长{i}%" for i in range(500)), encoding="utf-8")
    assert main(["--project", str(ROOT), "extract", str(report)]) == 1
    error = capsys.readouterr().err
    assert f"coopwh extract: {report}: " in error and "more than 100 figures" in error
    assert "Traceback" not in error
