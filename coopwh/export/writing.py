"""Export the workbooks: one per province with pilots or figures and a national one, each
written only if what it holds changed since the last export (known from one pass over the
tables: coopwh.export.index), two at a time when there are many, written aside and moved into
place at the end (in a run, once the door out passes); the CSV of a long table gains only its
new reports' rows."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from coopwh.changes.log import last_build_log
from coopwh.export import columns
from coopwh.export.columns import (
    CHART,
    CHART_BARS,
    COVERAGE,
    FACTS,
    FUNDS,
    GROWTH,
    NATIONAL,
    PILOTS,
)
from coopwh.export.cover import changes_line, cover_lines
from coopwh.export.index import Index, read_index
from coopwh.export.scope import Scope, Warehouse, pilot_row, read_scope, read_warehouse, with_rows
from coopwh.export.tables_csv import CsvWrite, commit_csv, csv_name, plan_csv, write_csv
from coopwh.export.workbook import Sheet, write_workbook
from coopwh.paths import Paths
from coopwh.pool import Pool
from coopwh.processes import die_with_parent
from coopwh.published import read_only_writing_into
from coopwh.quality import doors
from coopwh.results import ExportResult

Echo = Callable[[str], None]

FORK_LIMIT = 500 * 2**20  # bytes resident past which export workers are not forks of this process


EXPORTED = ".coopwh-export.json"  # in the output folder: the build the last export was made from


ASIDE = ".coopwh-export-"  # + the process id: files written aside until they are all written


POOL_FROM = 3  # workbooks to write from which two processes write them (else this one does)


@dataclasses.dataclass
class Job:
    """One workbook: its scope, cover and digest, whether the one in place holds it already,
    and what becomes of the CSV of each of its capped tables."""

    code: str | None
    name: str
    scope: Scope
    cover: list[tuple[str, str]]
    digest: str
    kept: bool  # the workbook in place holds what this one would
    csvs: dict[str, CsvWrite]  # by table key
    before: dict  # its record in the last export's manifest

    @property
    def path_name(self) -> str:
        return f"{self.name}.xlsx"


def write_workbooks(
    paths: Paths,
    out_dir: Path,
    echo: Echo = print,
    verdict: Callable[[], dict] | None = None,
) -> ExportResult:
    """Write a workbook per province with pilots or figures, and a national one, from the
    published copy (whose door out the caller has seen pass), each only if what it holds
    changed: into a directory aside, moved into out_dir once all are written.

    verdict: the door out's verdict on the copy the caller's build has just published, still
    being reached (a run's build checks while its workbooks are written; it records itself
    once the verdict is in): the files are moved into out_dir only once it says the marts
    pass."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    last = _last_export(out_dir)
    build_id, since = _since_last_export(paths.published_db, last)
    before = last.get("workbooks") if isinstance(last.get("workbooks"), dict) else {}
    _remove_abandoned(out_dir)
    aside = Path(tempfile.mkdtemp(prefix=f"{ASIDE}{os.getpid()}-", dir=out_dir))
    pool = None
    try:
        with read_only_writing_into(paths.published_db, aside) as connection:
            data = read_warehouse(connection)  # read once, for every workbook
            index = read_index(connection)
            jobs = [
                _job(data, index, code, name, _record(before.get(name)), out_dir)
                for code, name in [(None, NATIONAL), *data.provinces]
            ]
            busy = [job for job in jobs if not job.kept or _csv_work(job)]
            if len(busy) >= POOL_FROM and (os.cpu_count() or 1) > 1:
                starts = _worker_processes()
                forks = starts is not None and starts.get_start_method() == "fork"
                pool = Pool(
                    max_workers=2,
                    mp_context=starts,
                    initializer=_start_worker,
                    initargs=(columns.MAX_SHEET_ROWS, os.getpid() if forks else None),
                )
                each = [[paths.published_db] * len(busy), [aside] * len(busy), busy]
                done = pool.map(write_scope, *each, [data] * len(busy), [since] * len(busy))
            else:
                write = functools.partial(_write_job, connection, paths.published_db, aside)
                done = (write(job, data, since) for job in busy)
            written = {job.name: job for job in done}
        records = {}
        for number, job in enumerate(jobs):
            job = written.get(job.name, job)
            state = "" if not job.kept else "  (unchanged, kept)"
            path = out_dir / job.path_name
            echo(f"  [{number}/{len(jobs) - 1}] {path}{state}" if number else f"  {path}{state}")
        if pool is not None:
            pool.shutdown()
            pool = None
        if verdict is not None:
            doors.passes(verdict())
        for job in jobs:
            records[job.name] = _place(written.get(job.name, job), aside, out_dir)
    finally:
        if pool is not None:  # stopped or failed halfway: its workers go at once
            pool.stop()
        shutil.rmtree(aside, ignore_errors=True)
    if build_id is not None:
        (out_dir / EXPORTED).write_text(
            json.dumps(
                {"build_id": build_id, "since": since, "workbooks": records},
                ensure_ascii=False,
                indent=1,
            )
        )
    kept = sum(1 for record in records.values() if not record["written"])
    result = ExportResult(
        out_dir,
        [out_dir / f"{name}.xlsx" for name in records],
        len(records) - kept,
        kept,
        time.perf_counter() - started,
    )
    echo(result.line())
    return result


def _record(record) -> dict:
    return record if isinstance(record, dict) else {}


def _csv_work(job: Job) -> bool:
    return any(plan.how != "keep" for plan in job.csvs.values())


def _job(
    data: Warehouse, index: Index, code: str | None, name: str, before: dict, out_dir: Path
) -> Job:
    """What one workbook would hold, and what of it is in out_dir already (before: its record
    in the last export's manifest)."""
    scope = read_scope(index, data, code, name)
    names = {key: csv_name(name, key) for key in scope.capped()}
    if code is None:
        what = f"全部{len(data.pilots)}个试点单位及七类专项试点的汇总结果"
        if scope.others:
            what += f"，以及报告涉及的其他{len(scope.others)}个单位"
        report_ids = {r["report_id"] for r in data.reports}
    else:
        pilots = "、".join(p["name"] for p in scope.pilots)
        what = name + (f"的试点单位：{pilots}" if pilots else "（无试点单位）")
        if scope.others:
            what += "；报告涉及的其他单位：" + "、".join(scope.others)
        report_ids = scope.report_ids
    cover = cover_lines(data, what, report_ids, scope, names)
    digest = _digest(data, scope, cover)
    path = out_dir / f"{name}.xlsx"
    kept = before.get("digest") == digest and before.get("files") == {path.name: _sha256(path)}
    signature = _csv_signature(data)
    csvs = {
        key: plan_csv(
            data, scope, key, out_dir / csv, signature, _record(before.get("csv")).get(csv)
        )
        for key, csv in names.items()
    }
    return Job(code, name, scope, cover, digest, kept, csvs, before)


def _write_job(connection, published_db: Path, aside: Path, job: Job, data: Warehouse, since):
    """write_scope's work on a connection of this process (read-only, writing into aside)."""
    for key, plan in job.csvs.items():  # first: DuckDB's memory for them is freed before
        write_csv(connection, data, job.scope, key, plan, aside)  # the sheets' rows come
    if not job.kept:
        cover = list(job.cover)
        cover.insert(-2, ("变化", changes_line(published_db, since, job.code)))
        csvs = {key: plan.target.name for key, plan in job.csvs.items()}
        sheets = _sheets(data, with_rows(connection, data, job.scope), csvs)
        write_workbook(aside / job.path_name, cover, sheets, data.built_at, _title(job.name))
    return job


def write_scope(published_db: Path, aside: Path, job: Job, data: Warehouse, since) -> Job:
    """Write one workbook (the country's, or a province's) and its CSVs into aside, from the
    published copy, in a worker process. The cover lists the changes to the scope made by the
    builds after build `since`. Returns the job, its CSVs' sources set."""
    with read_only_writing_into(published_db, aside) as connection:
        return _write_job(connection, published_db, aside, job, data, since)


def _place(job: Job, aside: Path, out_dir: Path) -> dict:
    """Move what was written of a workbook into out_dir (its CSVs appended or replaced), remove
    the CSVs it no longer has, and return its record for the manifest."""
    path = out_dir / job.path_name
    if not job.kept:
        (aside / job.path_name).replace(path)
    csvs = {plan.target.name: commit_csv(plan) for plan in job.csvs.values()}
    for name in [*job.before.get("csv", {}), *job.before.get("files", {})]:
        if name.endswith(".csv") and name not in csvs:  # its table fits its sheet again
            (out_dir / name).unlink(missing_ok=True)
    files = job.before["files"] if job.kept else {path.name: _sha256(path)}
    return {"digest": job.digest, "files": files, "csv": csvs, "written": not job.kept}


def _remove_abandoned(out_dir: Path) -> None:
    """Remove the directories of workbooks written aside by exports that were killed (each is
    named with its process's id; another export's, still running, is left)."""
    for directory in out_dir.glob(f"{ASIDE}*-*"):
        pid = directory.name[len(ASIDE) :].split("-")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(directory, ignore_errors=True)
        except PermissionError:  # alive, another user's
            continue


def _start_worker(max_sheet_rows: int, parent: int | None) -> None:
    """A worker dies with its export (parent: its id, if the worker is its fork) and caps its
    sheets as the export does (a worker from the fork server has imported this module afresh,
    with the cap as written in columns.py)."""
    die_with_parent(parent)
    columns.MAX_SHEET_ROWS = max_sheet_rows


def _worker_processes():
    """Forks of this process while it is small (they start at once); once it holds much (a run
    that loaded a thousand reports), or while another thread of it runs (a run's build
    database closing: a fork could start with a lock that thread held), workers forked from
    a fresh server that has imported this module only: a fork would start with all of this
    process resident."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None  # not Linux: the platform's default way to start processes
    if pages * os.sysconf("SC_PAGE_SIZE") < FORK_LIMIT and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _last_export(out_dir: Path) -> dict:
    """The manifest the last export into out_dir left: its build, and each workbook's digest."""
    try:
        last = json.loads((out_dir / EXPORTED).read_text())
    except (OSError, ValueError):
        return {}
    return last if isinstance(last, dict) else {}


def _since_last_export(published_db: Path, last: dict) -> tuple[int | None, int | None]:
    """This build's id, and the build whose changes the covers start after: the one the last
    export into out_dir was made from (exporting the same build again gives the same covers);
    for a first export, the build before this one."""
    log = last_build_log(published_db)
    if log is None or not log.builds:
        return None, None
    build_id = log.builds[-1]["build_id"]
    try:
        exported, since = int(last["build_id"]), last.get("since")
    except (ValueError, KeyError, TypeError):
        return build_id, build_id - 1
    if exported == build_id:
        return build_id, since if isinstance(since, int) else build_id - 1
    return build_id, min(exported, build_id - 1)


def _digest(data: Warehouse, scope: Scope, cover: list) -> str:
    """What a workbook holds, in a hash, without reading its rows: each of its tables' rows
    (how many, and the sum of their hashes: the index's), the data dates of its reports (the
    order of its long sheets), its cover (but the build time, which every build moves), its
    pilots, the labels and descriptions it shows, and the code that lays it out."""
    digest = hashlib.sha256(_layout())
    steady = [line for line in cover if line[0] != "生成时间"]
    reports = set().union(*scope.blocks.values())
    dates = sorted(
        (r["report_id"], r["data_as_of"]) for r in data.reports if r["report_id"] in reports
    )
    digest.update(repr((steady, scope.pilots, data.labels, data.comments, dates)).encode())
    for key, blocks in sorted(scope.blocks.items()):
        rows = (sum(n for n, _ in blocks.values()), sum(h for _, h in blocks.values()))
        digest.update(repr((key, rows)).encode())
    return digest.hexdigest()


def _csv_signature(data: Warehouse) -> str:
    """What a CSV's rows look like but for the rows themselves: the code that writes them and
    the labels it joins in. A CSV written with another is written again whole."""
    return hashlib.sha256(_layout() + repr(data.labels).encode()).hexdigest()


@functools.cache
def _layout() -> bytes:
    """The code that lays the workbooks out: this package's modules (read once per process)."""
    return b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))


def _sha256(path: Path) -> str:
    """A file's SHA-256 ('' if it is missing): a workbook someone edited or removed is written
    again."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _title(scope: str) -> str:
    return f"供销合作社综合改革专项试点数据 · {scope}"


def _sheets(data: Warehouse, scope: Scope, csvs: dict[str, str]) -> list[Sheet]:
    growth, chart = scope.growth, scope.chart
    since_2016 = getattr(chart, "total", len(chart))
    chart_note = "" if since_2016 else "本范围内报告未给出较2016年（试点前）的增长数据。"
    if since_2016 > CHART_BARS:
        chart_note = f"共{since_2016}项，图中为最新报告的前{CHART_BARS}项；全部见“增长”表。"
    sheets = [
        Sheet("增长", GROWTH, growth, note=_note(scope, "growth", csvs, "增长数据")),
        Sheet(
            "增长图",
            CHART,
            chart,
            note=chart_note,
            chart=("较2016年/试点前的增长（%）", "chart_label", "growth_pct"),
        ),
        Sheet(
            "覆盖率", COVERAGE, scope.coverage, note=_note(scope, "coverage", csvs, "覆盖率数据")
        ),
    ]
    if scope.funds:
        sheets.append(Sheet("基金", FUNDS, scope.funds))
    sheets.append(
        Sheet(
            "试点单位",
            PILOTS,
            [pilot_row(data, p) for p in scope.pilots],
            note="" if scope.pilots else "本范围内没有试点单位；其他单位的数据见“全部数据”表。",
        )
    )
    sheets.append(Sheet("全部数据", FACTS, scope.facts, note=_note(scope, "facts", csvs, "")))
    sources = {
        "增长": "marts.growth_since_2016",
        "增长图": "marts.growth_since_2016",
        "覆盖率": "marts.coverage_by_level",
        "基金": "marts.fund_composition",
        "试点单位": "marts.pilot_scorecard",
        "全部数据": "marts.facts",
    }
    for sheet in sheets:
        sheet.source = sources[sheet.title]
        sheet.descriptions = data.comments.get(sheet.source, {})
    return sheets


def _note(scope: Scope, key: str, csvs: dict[str, str], what: str) -> str:
    """The note under a long sheet: none, that its scope has none of it, or that it lists the
    newest reports' first rows and where all of them are."""
    total = scope.total(key)
    if key in csvs:
        return (
            f"共{total:,}行，本表按报告从新到旧列出前{columns.MAX_SHEET_ROWS:,}行；"
            f"全部见同目录下的 {csvs[key]}。"
        )
    return "" if total or not what else f"本范围内报告未给出{what}。"
