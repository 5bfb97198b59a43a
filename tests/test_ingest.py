"""Taking new reports in: formats, duplicates, revisions, bad files, the scheduled run."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from pathlib import Path

import pytest

from loaders.reports import read_report
from tests.conftest import NEW_REPORT, REPORT, coopwh, coopwh_process, make_docx, query


def published(project: Path) -> Path:
    return project / "warehouse" / "coopwh.duckdb"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inbox(project: Path) -> Path:
    path = project / "reports" / "inbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_same_text_as_gb18030_docx_and_html_is_the_same_report(tmp_path: Path) -> None:
    text = REPORT.read_text(encoding="utf-8")
    gbk = tmp_path / "a.txt"
    gbk.write_bytes(text.encode("gb18030"))
    docx = make_docx(text, tmp_path / "b.docx")
    html = tmp_path / "c.html"
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    html.write_text(f"<html><head><title>t</title></head><body>{paragraphs}</body></html>")
    original = read_report(REPORT)
    for path in (gbk, docx, html):
        report = read_report(path)
        assert report.sha256 == original.sha256, path.name
        assert "汇总销售总额和利润总额较试点前分别增长43%和38%" in report.text


def test_the_2019_report_again_as_gb18030_and_docx_adds_no_facts(fresh_project: Path) -> None:
    before = query(fresh_project, "SELECT COUNT(*) FROM marts.facts")
    text = REPORT.read_text(encoding="utf-8")
    (inbox(fresh_project) / "2019-again.txt").write_bytes(text.encode("gb18030"))
    make_docx(text, inbox(fresh_project) / "2019-gxs-reform-pilots.docx")

    result = coopwh(fresh_project, "run")

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("nothing to add") == 2
    assert query(fresh_project, "SELECT COUNT(*) FROM marts.facts") == before
    assert sorted(p.name for p in (fresh_project / "reports" / "archive").iterdir()) == [
        "2019-again.txt",
        "2019-gxs-reform-pilots.docx",
    ]
    assert not any(inbox(fresh_project).iterdir())


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> dict:
    """The built 2019 warehouse after one `coopwh run` with a new report and an empty file in
    the inbox (a test that changes it works on a copy)."""
    project = tmp_path_factory.mktemp("ingest") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    (inbox(project) / "a-empty.txt").write_bytes(b"")
    shutil.copy(NEW_REPORT, inbox(project))
    return {"project": project, "result": coopwh(project, "run")}


def test_a_new_report_shows_up_in_the_marts_after_one_run(ran: dict) -> None:
    project = ran["project"]
    text = NEW_REPORT.read_text(encoding="utf-8")

    rows = query(
        project,
        "SELECT number_text, span_start, span_end, review_status, sentence FROM marts.facts "
        "WHERE report_id = '2020-gxs-pilot-progress'",
    )
    assert len(rows) >= 25
    for number_text, start, end, status, sentence in rows:
        assert text[start:end] == number_text
        assert status == "unreviewed"
        assert number_text in sentence
    growth = query(
        project,
        "SELECT subject_id, growth_pct FROM marts.growth_since_2016 "
        "WHERE report_id = '2020-gxs-pilot-progress' AND metric_code = 'sales_total' "
        "AND basis = 'since_2016' ORDER BY subject_id",
    )
    assert growth == [("changting", 258.0), ("dual_track", 58.0)]
    assert (project / "reports" / "2020-gxs-pilot-progress.txt").exists()
    assert (project / "exports" / "福建省.xlsx").exists()
    again = coopwh(project, "run")  # changes nothing
    assert again.stdout.strip() == "coopwh run: nothing new"


def test_good_reports_in_the_same_run_as_a_bad_one_are_still_taken(ran: dict) -> None:
    result = ran["result"]
    assert result.returncode == 1  # the empty file is quarantined; the report is taken
    assert "a-empty.txt: is empty" in result.stderr
    assert "2020-gxs-pilot-progress" not in result.stderr
    assert (ran["project"] / "reports" / "quarantine" / "a-empty.txt").exists()
    assert query(
        ran["project"],
        "SELECT COUNT(*) > 0 FROM marts.facts WHERE report_id = '2020-gxs-pilot-progress'",
    ) == [(True,)]


def test_a_revised_report_replaces_its_earlier_facts(ran: dict, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ran["project"], project, ignore=shutil.ignore_patterns(".lock"))
    count = query(project, "SELECT COUNT(*) FROM marts.facts")
    revised = NEW_REPORT.read_text(encoding="utf-8").replace("分别增长58%和47%", "分别增长59%和47%")
    (inbox(project) / NEW_REPORT.name).write_text(revised, encoding="utf-8")

    assert coopwh(project, "run").returncode == 0

    values = query(
        project,
        "SELECT value FROM marts.facts WHERE report_id = '2020-gxs-pilot-progress' "
        "AND metric_code = 'sales_total' AND subject_id = 'dual_track'",
    )
    assert values == [(59.0,)]
    assert query(project, "SELECT COUNT(*) FROM marts.facts") == count


def _truncated_docx(path: Path) -> None:
    whole = make_docx(REPORT.read_text(encoding="utf-8"), path).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


BAD_FILES = {
    "empty.txt": (lambda p: p.write_bytes(b""), "is empty"),
    "binary.txt": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\rIHDR" * 50), "is binary"),
    "undecodable.txt": (
        lambda p: p.write_bytes("供销".encode("gb18030") + b"\xff\xfe" * 40),
        "not text in UTF-8 or GB18030",
    ),
    "truncated.txt": (
        lambda p: p.write_bytes(REPORT.read_bytes()[:1001]),
        "is truncated",
    ),
    "truncated.docx": (_truncated_docx, "not a readable .docx"),
    "huge.txt": (lambda p: p.write_bytes(b"a" * (20 * 1024 * 1024 + 1)), "over the"),
    "no-figures.txt": (
        lambda p: p.write_text("供销合作社工作总结\n\n推进改革，成效明显。\n", encoding="utf-8"),
        "has no figures",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_quarantined_with_its_reason_and_changes_nothing(
    fresh_project: Path, name: str
) -> None:
    make, reason = BAD_FILES[name]
    make(inbox(fresh_project) / name)
    before = digest(published(fresh_project))
    raw_before = (fresh_project / "warehouse" / "build" / "coopwh.duckdb").stat().st_mtime_ns

    result = coopwh(fresh_project, "run")

    assert result.returncode == 1
    assert name in result.stderr and reason in result.stderr
    quarantined = fresh_project / "reports" / "quarantine" / name
    assert quarantined.exists() and not (inbox(fresh_project) / name).exists()
    note = quarantined.with_name(name + ".reason.txt").read_text(encoding="utf-8")
    assert reason in note
    assert digest(published(fresh_project)) == before
    assert (
        fresh_project / "warehouse" / "build" / "coopwh.duckdb"
    ).stat().st_mtime_ns == raw_before


def test_a_second_run_while_one_runs_says_so_and_leaves_the_inbox(fresh_project: Path) -> None:
    shutil.copy(NEW_REPORT, inbox(fresh_project))
    with open(fresh_project / "warehouse" / "build" / ".lock", "w") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)  # held by this process: the run is another
        result = coopwh_process(fresh_project, "run")
    assert result.returncode == 1
    assert "another build is running" in result.stderr
    assert (inbox(fresh_project) / NEW_REPORT.name).exists()
