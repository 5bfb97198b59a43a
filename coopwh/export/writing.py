"""Export the workbooks: one per province with pilots or figures and a national one, written
two at a time, each only if what it holds changed since the last export, and (in a run) kept
aside until the door out passes."""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
from coopwh.export.facts_csv import write_all_facts
from coopwh.export.scope import (
    Scope,
    Warehouse,
    pilot_row,
    read_scope,
    read_warehouse,
    scope_tables,
    with_rows,
)
from coopwh.export.workbook import Sheet, write_workbook
from coopwh.paths import Paths
from coopwh.processes import die_with_parent, stop_pool
from coopwh.published import read_only, read_only_writing_into
from coopwh.quality import doors
from coopwh.results import ExportResult

Echo = Callable[[str], None]

FORK_LIMIT = 500 * 2**20  # bytes resident past which export workers are not forks of this process


EXPORTED = ".coopwh-export.json"  # in the output folder: the build the last export was made from


ASIDE = ".coopwh-export-"  # + the process id: workbooks written aside until the door out passes


def write_workbooks(
    paths: Paths,
    out_dir: Path,
    echo: Echo = print,
    verdict: Callable[[], dict] | None = None,
) -> ExportResult:
    """Write a workbook per province with pilots or figures, and a national one, two at a time
    on two cores, from the published copy (whose door out the caller has seen pass).

    verdict: the door out's verdict on the copy the caller's build has just published, still
    being reached (a run's build checks while its workbooks are written; it records itself
    once the verdict is in): they are written aside and moved into out_dir once it says the
    marts pass."""
    started = time.perf_counter()
    with read_only(paths.published_db) as connection:
        data = read_warehouse(connection)  # read once, for every workbook
    out_dir.mkdir(parents=True, exist_ok=True)
    last = _last_export(out_dir)
    build_id, since = _since_last_export(paths.published_db, last)
    before = last.get("workbooks") if isinstance(last.get("workbooks"), dict) else {}
    jobs = [(None, NATIONAL), *data.provinces]
    _remove_abandoned(out_dir)
    aside = (
        Path(tempfile.mkdtemp(prefix=f"{ASIDE}{os.getpid()}-", dir=out_dir)) if verdict else None
    )
    arguments = [
        (paths.published_db, out_dir, c, n, since, before.get(n), data, aside) for c, n in jobs
    ]
    workers = min(os.cpu_count() or 1, 2)
    done: dict[str, dict] = {}
    pool = (
        ProcessPoolExecutor(
            max_workers=workers, mp_context=_worker_processes(), initializer=die_with_parent
        )
        if workers > 1 and len(jobs) > 2
        else None
    )
    try:
        outcomes = (pool.map if pool else map)(write_scope, *zip(*arguments, strict=True))
        for number, (path, record) in enumerate(outcomes):
            done[path.stem] = record
            state = "" if record["written"] else "  (unchanged, kept)"
            echo(f"  [{number}/{len(jobs) - 1}] {path}{state}" if number else f"  {path}{state}")
        if pool is not None:
            pool.shutdown()
            pool = None
        if aside is not None:
            doors.passes(verdict())
            for written in aside.iterdir():
                written.replace(out_dir / written.name)
    finally:
        if pool is not None:  # stopped or failed halfway: its workers go at once
            stop_pool(pool)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    if build_id is not None:
        (out_dir / EXPORTED).write_text(
            json.dumps(
                {"build_id": build_id, "since": since, "workbooks": done},
                ensure_ascii=False,
                indent=1,
            )
        )
    kept = sum(1 for record in done.values() if not record["written"])
    result = ExportResult(
        out_dir,
        [out_dir / f"{name}.xlsx" for name in done],
        len(done) - kept,
        kept,
        time.perf_counter() - started,
    )
    echo(result.line())
    return result


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


def _worker_processes():
    """Forks of this process while it is small (they start at once); once it holds much (a run
    that loaded a thousand reports), workers forked from a fresh server that has imported
    this module only: a fork would start with all of this process resident."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None  # not Linux: the platform's default way to start processes
    if pages * os.sysconf("SC_PAGE_SIZE") < FORK_LIMIT:
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


def write_scope(
    published_db: Path,
    out_dir: Path,
    code: str | None,
    name: str,
    since: int | None = None,
    before: dict | None = None,
    data: Warehouse | None = None,
    write_dir: Path | None = None,
) -> tuple[Path, dict]:
    """Write one workbook (the country's, or a province's) from the published copy, unless what
    it would hold is what the workbook already there holds (before: its record in the last
    export's manifest, and the file unchanged since). If its figures are more than a sheet
    should hold, the sheet lists the first MAX_SHEET_FACTS and all of them go to a CSV beside
    the workbook, as the cover says. The cover lists the changes to the scope made by the
    builds after build `since`. data: what read_warehouse reads of this copy, if read already.
    write_dir: where to write it, if not into out_dir (where the last export's files are).
    Returns its path in out_dir and its record for the manifest."""
    path = out_dir / f"{name}.xlsx"
    csv_path = out_dir / f"{name}-全部数据.csv"
    with read_only_writing_into(published_db, write_dir or out_dir) as connection:  # the CSV
        data = data or read_warehouse(connection)
        scope = read_scope(connection, data, code, name)
        if scope.facts_total <= columns.MAX_SHEET_FACTS:
            csv_path = None
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
        cover = cover_lines(data, what, report_ids, scope, csv_path)
        digest = _digest(connection, data, code, cover, scope)
        files = [p for p in (path, csv_path) if p is not None]
        if before and before.get("digest") == digest and before.get("files") == _sha256s(files):
            return path, {**before, "written": False}
        files = [(write_dir or out_dir) / p.name for p in files]
        if csv_path is not None:  # first: DuckDB's memory for it is freed before the rows come
            write_all_facts(connection, code, files[1])
        cover.insert(-2, ("变化", changes_line(published_db, since, code)))
        sheets = _sheets(data, with_rows(connection, data, scope), csv_path)
        write_workbook(files[0], cover, sheets, data.built_at, _title(name))
    return path, {"digest": digest, "files": _sha256s(files), "written": True}


def _digest(connection, data: Warehouse, code: str | None, cover: list, scope: Scope) -> str:
    """What a workbook holds, in a hash, without reading its rows: a hash of every row of each
    of its tables (by SQL), its cover (but the build time, which every build moves), its
    pilots, the labels and descriptions it shows, and the code that lays it out."""
    digest = hashlib.sha256(_layout())
    steady = [line for line in cover if line[0] != "生成时间"]
    digest.update(repr((steady, scope.pilots, data.labels, data.comments)).encode())
    for key, (sql, _order, values) in scope_tables(data, code).items():
        rows = connection.execute(
            f"SELECT COUNT(*), SUM(hash(t)) FROM ({sql}) AS t", values
        ).fetchone()
        digest.update(repr((key, rows)).encode())
    return digest.hexdigest()


@functools.cache
def _layout() -> bytes:
    """The code that lays the workbooks out: this package's modules (read once per process)."""
    return b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))


def _sha256s(files: list[Path]) -> dict[str, str]:
    """Each file's SHA-256, by name ('' if it is missing): a workbook someone edited or
    removed is written again."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "" for p in files}


def _title(scope: str) -> str:
    return f"供销合作社综合改革专项试点数据 · {scope}"


def _sheets(data: Warehouse, scope: Scope, csv_path: Path | None) -> list[Sheet]:
    growth, chart = scope.growth, scope.chart
    since_2016 = getattr(chart, "total", len(chart))
    chart_note = "" if since_2016 else "本范围内报告未给出较2016年（试点前）的增长数据。"
    if since_2016 > CHART_BARS:
        chart_note = f"共{since_2016}项，图中为前{CHART_BARS}项；全部见“增长”表。"
    sheets = [
        Sheet(
            "增长",
            GROWTH,
            growth,
            note="" if growth else "本范围内报告未给出增长数据。",
        ),
        Sheet(
            "增长图",
            CHART,
            chart,
            note=chart_note,
            chart=("较2016年/试点前的增长（%）", "chart_label", "growth_pct"),
        ),
        Sheet(
            "覆盖率",
            COVERAGE,
            scope.coverage,
            note="" if scope.coverage else "本范围内报告未给出覆盖率数据。",
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
    facts_note = ""
    if csv_path is not None:
        facts_note = (
            f"共{scope.facts_total:,}条数字，本表列出前{len(scope.facts):,}条（按报告和位置排序）；"
            f"全部见同目录下的 {csv_path.name}。"
        )
    sheets.append(Sheet("全部数据", FACTS, scope.facts, note=facts_note))
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
