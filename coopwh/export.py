"""Export Excel workbooks: one per province with pilots and a national one, from the marts."""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from coopwh import workbook
from coopwh.changes import ChangesError, in_words, last_build_log, read_log, shown
from coopwh.paths import Paths, read_only, read_only_writing_into
from coopwh.processes import die_with_parent, stop_pool
from coopwh.workbook import FORMULA_STARTS, WIDTH_SAMPLE, Column, Sheet, write_workbook

Echo = Callable[[str], None]
NATIONAL = "全国"

VOCABULARIES = {"units": "unit", "kinds": "kind", "qualifiers": "qualifier"}
MAX_SHEET_FACTS = 50_000  # figures on a 全部数据 sheet; all of them go to a CSV beside it
CHART_BARS = 60  # bars on the 增长图 chart
CSV_ROWS = 40_000  # figures DuckDB sorts and writes at a time into a <scope>-全部数据.csv
COVER_REPORTS = 30  # reports the cover lists by name
COVER_CHANGES = 20  # changed rows the cover lists (coopwh changes lists them all)
FORK_LIMIT = 500 * 2**20  # bytes resident past which export workers are not forks of this process
EXPORTED = ".coopwh-export.json"  # in the output folder: the build the last export was made from
SOURCE = [
    Column("report_id", "来源报告", "Report"),
    Column("span_start", "原文位置（起）", "Span start", "int"),
    Column("span_end", "原文位置（止）", "Span end", "int"),
    Column("sentence", "原文句子", "Source sentence", "sentence"),
]
GROWTH = [
    Column("subject_name", "单位", "Unit"),
    Column("level_zh", "层级", "Level"),
    Column("metric_name_zh", "指标", "Metric"),
    Column("basis_zh", "口径", "Basis"),
    Column("growth_pct", "增长率", "Growth (%)", "pct"),
    Column("growth_basis_zh", "增长率来源", "Growth basis"),
    Column("number_text", "原文数字", "As printed"),
    Column("baseline", "基期", "Baseline"),
    Column("before_value", "基期水平（原文）", "Before value as stated", "number"),
    Column("period", "期间", "Period"),
    Column("level_number_text", "对应水平（原文）", "Level as printed"),
    Column("level_unit_zh", "水平量纲", "Level unit"),
    Column("implied_base_level", "推算基期水平", "Implied base level", "number"),
    *SOURCE,
]
CHART = [
    Column("chart_label", "单位·指标", "Unit · metric"),
    Column("growth_pct", "较2016年增长", "Growth since 2016 (%)", "pct"),
    Column("span_start", "原文位置（起）", "Span start", "int"),
]
COVERAGE = [
    Column("subject_name", "单位", "Unit"),
    Column("level_zh", "层级", "Level"),
    Column("covers_zh", "覆盖对象", "What is covered"),
    Column("metric_name_zh", "指标", "Metric"),
    Column("coverage_before_pct", "此前覆盖率", "Coverage before (%)", "pct"),
    Column("coverage_before_period", "此前年份", "Year of the before value"),
    Column("coverage_pct", "覆盖率", "Coverage (%)", "pct"),
    Column("change_pp", "变化（百分点）", "Change (points)", "pp"),
    Column("qualifier_zh", "数字性质", "Qualifier"),
    Column("number_text", "原文数字", "As printed"),
    Column("before_basis", "试点前数值来源", "Before value basis"),
    *SOURCE,
]
FUNDS = [
    Column("fund_name", "基金", "Fund"),
    Column("source_type_zh", "出资来源", "Source type"),
    Column("contributor", "出资方", "Contributor"),
    Column("amount_yuan", "单笔出资（万元）", "Amount each (10k yuan)", "wan"),
    Column("multiplier", "出资方数量", "Contributors", "int"),
    Column("contribution_yuan", "出资合计（万元）", "Contribution (10k yuan)", "wan"),
    Column("stated_total_yuan", "报告总规模（万元）", "Stated total (10k yuan)", "wan"),
    Column("recomputed_total_yuan", "各项加总（万元）", "Sum of parts (10k yuan)", "wan"),
    Column("total_check_zh", "总额核对", "Total check"),
    Column("leverage", "杠杆倍数", "Leverage (per yuan of co-op money)", "number"),
    Column("contribution_report_id", "来源报告", "Report"),
    Column("contribution_span_start", "出资原文位置", "Contribution span start", "int"),
    Column("total_span_start", "总规模原文位置", "Total span start", "int"),
]
PILOTS = [
    Column("name", "试点单位", "Pilot unit"),
    Column("federation", "联合社", "Federation"),
    Column("level_zh", "层级", "Level"),
    Column("pilot_type_zh", "试点类型", "Pilot type"),
    Column("has_typical_case", "有典型案例", "Has a typical case"),
    Column("sales_growth_pct", "销售总额增长", "Sales growth (%)", "pct"),
    Column("profit_growth_pct", "利润总额增长", "Profit growth (%)", "pct"),
    Column("equity_growth_pct", "所有者权益增长", "Equity growth (%)", "pct"),
    Column("farm_product_sales_growth_pct", "农产品销售额增长", "Farm sales growth (%)", "pct"),
    Column("sales_total_yuan", "销售总额（亿元）", "Total sales (100m yuan)", "yi"),
    Column("township_coverage_before_pct", "试点前乡镇覆盖率", "Township coverage before", "pct"),
    Column("township_coverage_pct", "乡镇覆盖率", "Township coverage (%)", "pct"),
    Column("funds_stated_total_yuan", "基金规模（亿元）", "Fund size (100m yuan)", "yi"),
    Column("facts", "数据条数", "Figures", "int"),
    Column("sales_growth_fact_id", "销售增长数据编号", "Sales growth fact id"),
    Column("township_coverage_fact_id", "覆盖率数据编号", "Coverage fact id"),
]
FACTS = [
    Column("subject_name", "单位", "Unit"),
    Column("level_zh", "层级", "Level"),
    Column("metric", "指标（原文）", "Metric as printed"),
    Column("metric_name_zh", "规范指标", "Canonical metric"),
    Column("kind_zh", "类别", "Kind"),
    Column("value", "数值", "Value", "value"),
    Column("unit_zh", "单位（量纲）", "Unit of measure"),
    Column("qualifier_zh", "数字性质", "Qualifier"),
    Column("number_text", "原文数字", "As printed"),
    Column("baseline", "基期", "Baseline"),
    Column("period", "期间", "Period"),
    Column("note", "备注", "Note"),
    Column("review_status_zh", "审阅状态", "Review status"),
    *SOURCE,
]
DERIVED = {
    "level_zh": "Administrative level of the unit, in Chinese",
    "basis_zh": "Basis of the growth: since 2016 / before the pilot, or year on year",
    "level_unit_zh": "Unit of measure of the level, in Chinese",
    "chart_label": "Unit and metric, the label of the chart's bar",
    "covers_zh": "What is covered, in Chinese",
    "qualifier_zh": "exact, approx (多, 余, 约), at least (以上) or at most (以下), in Chinese",
    "kind_zh": "Kind of figure, in Chinese",
    "unit_zh": "Unit of measure, in Chinese",
    "total_check_zh": "Whether the parts add up to the stated total, in Chinese",
    "pilot_type_zh": "Special pilot type, in Chinese",
    "growth_basis_zh": "Whether the report states the growth or it is implied, in Chinese",
    "review_status_zh": "Entered by hand, accepted or corrected in review, or not yet reviewed",
}
GUIDE = (
    "本工作簿由供销合作社改革试点数据仓库自动生成，请勿手工修改。"
    "各表第一行为表头，可筛选；百分数以“%”显示，金额以万元或亿元显示。"
    "每个数字都注明来源报告及其在原文中的位置（字符序号，从0起）和原文句子，可据此核对。"
    "“增长”表为较2016年（试点前）的增长及同比增长；“覆盖率”表为基层社等覆盖情况；"
    "“基金”表为基金出资构成与核对；“试点单位”表为各试点单位关键指标；"
    "“全部数据”表列出全部数字；“字段说明”表给出各列的中英文名称。"
)


ASIDE = ".coopwh-export-"  # + the process id: workbooks written aside until the door out passes


class ExportError(Exception):
    """An export that was refused or failed; the message says why."""


@dataclasses.dataclass
class Warehouse:
    """What every workbook reads from the published copy: the build, reports, pilots, labels."""

    built_at: dt.datetime
    audit_summary: dict
    reports: list[dict]
    warnings: list[dict]
    pilots: list[dict]
    comments: dict[str, dict[str, str]]  # mart -> column -> description
    labels: dict[
        str, dict[str, str]
    ]  # units, kinds, qualifiers, seeds.labels' domains -> code -> Chinese
    review: dict[str, dict]  # report id -> its row of marts.review_progress
    provinces: list[tuple[str, str]]  # (code, name) of every province with a pilot or a figure


@dataclasses.dataclass
class Scope:
    """The rows of one workbook: the whole country (code None) or one province's."""

    code: str | None
    name: str
    growth: Sequence[dict]  # the rows of the tables: read as their sheets are written
    coverage: Sequence[dict]
    funds: Sequence[dict]
    pilots: list[dict]
    facts: Sequence[dict]  # at most MAX_SHEET_FACTS of them
    facts_total: int
    report_ids: set[str]
    others: list[str]  # units that are not pilots, with figures in this scope
    chart: Sequence[dict] = ()  # the growth since 2016 charted: at most CHART_BARS of it
    warnings: list[dict] = dataclasses.field(default_factory=list)  # those about its figures


def export(
    paths: Paths,
    out_dir: Path,
    echo: Echo = print,
    allow_failed: bool = False,
    door_out: Callable[[], dict] | None = None,
) -> list[Path]:
    """Write a workbook per province with pilots or figures, and a national one, two at a time
    on two cores; return their paths.

    door_out: the verdict of the door out on the copy the caller's build has just published,
    still being reached (a run's build checks while its workbooks are written; it records
    itself once the verdict is in): they are written aside and moved into out_dir once it
    says the marts pass. Without it, the last build's verdict stands, or the door out runs
    first."""
    from coopwh.status import last_build_status

    status = None if door_out else last_build_status(paths)
    if status and status["status"] != "ok" and not allow_failed:
        raise ExportError(
            f"the last build ({status['at']}) failed, so its marts were not published: "
            f"{status['detail']}\nFix it and run `coopwh build`, or pass --allow-failed-build "
            "to export the last good build"
        )
    started = time.perf_counter()
    if door_out is None:
        _door_out(paths)
    with read_only(paths.published_db) as connection:
        data = read_warehouse(connection)  # read once, for every workbook
    out_dir.mkdir(parents=True, exist_ok=True)
    last = _last_export(out_dir)
    build_id, since = _since_last_export(paths.published_db, last)
    before = last.get("workbooks") if isinstance(last.get("workbooks"), dict) else {}
    jobs = [(None, NATIONAL), *data.provinces]
    _remove_abandoned(out_dir)
    aside = (
        Path(tempfile.mkdtemp(prefix=f"{ASIDE}{os.getpid()}-", dir=out_dir)) if door_out else None
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
            _passes(door_out())
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
    echo(
        f"Wrote {len(done) - kept} workbooks to {out_dir}"
        + (f" ({kept} unchanged since the last export, kept)" if kept else "")
        + f" in {time.perf_counter() - started:.1f} s"
    )
    return [out_dir / f"{name}.xlsx" for name in done]


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


def _door_out(paths: Paths) -> None:
    """Great Expectations on the marts the workbooks read; a failure stops the export. The
    build that published this very copy ran it already: its verdict stands."""
    if not paths.published_db.exists():
        raise ExportError(f"{paths.published_db}: no warehouse yet; run `coopwh build` first")
    from coopwh.build import published_identity
    from coopwh.status import last_build_status

    verdict = (last_build_status(paths) or {}).get("door_out") or {}
    if verdict.get("published") != published_identity(paths.published_db):
        from coopwh.quality import Validator, check_marts_out, door_out_verdict

        checks = check_marts_out(Validator(paths.quality_dir), paths.published_db)
        verdict = door_out_verdict(checks)
    _passes(verdict)


def _passes(verdict: dict) -> None:
    """Raise ExportError unless the door out's verdict is that the marts pass."""
    if not verdict["ok"]:
        raise ExportError("the marts fail their checks:\n" + verdict["detail"])


def _rows(connection, sql: str, *parameters) -> list[dict]:
    """The query's rows as dicts (what every workbook reads: a few thousand rows at most)."""
    cursor = connection.execute(sql, list(parameters))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_warehouse(connection) -> Warehouse:
    """What every workbook needs from the published, read-only copy."""
    (info,) = _rows(connection, "SELECT built_at, audit_summary FROM meta.build_info")
    return Warehouse(
        built_at=info["built_at"],
        audit_summary=json.loads(info["audit_summary"]),
        reports=_rows(connection, "SELECT * EXCLUDE (text) FROM meta.reports ORDER BY report_id"),
        warnings=_rows(
            connection,
            "SELECT * FROM marts.audit_findings WHERE status = 'warning' ORDER BY finding_id",
        ),
        pilots=_rows(connection, "SELECT * FROM marts.pilot_scorecard ORDER BY region_code"),
        review={
            row["report_id"]: row
            for row in _rows(connection, "SELECT * FROM marts.review_progress")
        },
        labels={
            vocabulary: {
                row["code"]: row["name_zh"]
                for row in _rows(
                    connection, f"SELECT {key} AS code, name_zh FROM seeds.{vocabulary}"
                )
            }
            for vocabulary, key in VOCABULARIES.items()
        }
        | _labels(connection),
        provinces=[
            (row["region_code"], row["full_name"])
            for row in _rows(
                connection,
                "SELECT region_code, full_name FROM seeds.regions WHERE region_code IN ("
                "SELECT province_code FROM marts.pilot_scorecard UNION "
                "SELECT province_code FROM marts.facts) ORDER BY region_code",
            )
        ],
        comments=_comments(
            _rows(
                connection,
                "SELECT table_name, column_name, comment FROM duckdb_columns() "
                "WHERE schema_name = 'marts' AND comment IS NOT NULL",
            )
        ),
    )


def _where(code: str | None, alias: str = "") -> tuple[str, list]:
    """The condition on a mart's rows for a scope (the country's: all; a province's: its own),
    with its parameters."""
    return ("TRUE", []) if code is None else (f"{alias}province_code = ?", [code])


def _pilots(data: Warehouse, code: str | None) -> list[dict]:
    """The pilot units of a scope: all of them, or a province's."""
    return [p for p in data.pilots if code is None or p["province_code"] == code]


def _tables(data: Warehouse, code: str | None) -> dict[str, tuple[str, str, list]]:
    """The SQL of each table a workbook shows (its rows, their order, its parameters): the
    country's rows, or only the province's own (its units at every level, and its pilot
    types' pooled results)."""
    pilots = _pilots(data, code)
    where, parameters = _where(code)
    types = sorted({p["pilot_type_code"] for p in pilots})
    pooled = (
        "subject_kind = 'pilot_type'"
        if code is None
        else ("subject_kind = 'pilot_type' AND list_contains(?, subject_id)")
    )
    return {
        "growth": (
            f"SELECT * FROM marts.growth_since_2016 WHERE {where} OR ({pooled})",
            "subject_kind DESC, basis, subject_id, report_id, span_start",
            [*parameters, *([] if code is None else [types])],
        ),
        "coverage": (
            f"SELECT * FROM marts.coverage_by_level WHERE {where}",
            "report_id, span_start",
            parameters,
        ),
        "funds": (
            "SELECT * FROM marts.fund_composition WHERE list_contains(?, subject_id)",
            "fund_id, contribution_span_start NULLS LAST",
            [[p["pilot_id"] for p in pilots]],
        ),
        "facts": (
            f"SELECT * FROM marts.facts WHERE {where}",
            "report_id, span_start, subject_id",
            parameters,
        ),
    }


def read_scope(connection, data: Warehouse, code: str | None, name: str) -> Scope:
    """What one workbook's cover says of its scope (pilots, figures, reports, other units),
    read with SQL from the published copy; its rows come with with_rows."""
    pilots = _pilots(data, code)
    where, parameters = _where(code)
    (total,) = connection.execute(
        f"SELECT COUNT(*) FROM marts.facts WHERE {where}", parameters
    ).fetchone()
    report_ids = {
        r
        for (r,) in connection.execute(
            f"SELECT DISTINCT report_id FROM marts.facts WHERE {where}", parameters
        ).fetchall()
    }
    others = [
        n
        for (n,) in connection.execute(
            f"SELECT DISTINCT subject_name FROM marts.facts WHERE {where} "
            "AND subject_kind = 'region' ORDER BY 1",
            parameters,
        ).fetchall()
    ]
    warnings = data.warnings if code is None else _warnings_about(connection, data, code)
    return Scope(code, name, [], [], [], pilots, [], total, report_ids, others, warnings=warnings)


def _warnings_about(connection, data: Warehouse, code: str) -> list[dict]:
    """The warnings about a province's figures: those whose spans point at one of them."""
    where, parameters = _where(code)
    touched = {
        finding
        for (finding,) in connection.execute(
            "SELECT DISTINCT w.finding_id FROM marts.audit_findings AS w, "
            "unnest(string_split(w.span_starts, ',')) AS s(span_start) "
            f"JOIN (SELECT report_id, span_start FROM marts.facts WHERE {where}) AS f "
            "ON f.report_id = w.report_id AND f.span_start = TRY_CAST(s.span_start AS INT) "
            "WHERE w.status = 'warning'",
            parameters,
        ).fetchall()
    }
    return [w for w in data.warnings if w["finding_id"] in touched]


def with_rows(connection, data: Warehouse, scope: Scope) -> Scope:
    """The scope with the rows of its tables (see _tables), as the sheets show them (labels
    in Chinese beside the codes; the first MAX_SHEET_FACTS figures), and the bars of its
    growth chart: each read while its sheet is written (_Fetched)."""
    shapes = {
        "growth": functools.partial(_growth_row, data),
        "coverage": functools.partial(_coverage_row, data),
        "funds": functools.partial(_fund_row, data),
        "facts": functools.partial(_fact_row, data),
    }
    tables = _tables(data, scope.code)
    rows = {
        key: _Fetched(
            connection,
            f"{sql} ORDER BY {order}",
            values,
            shapes[key],
            MAX_SHEET_FACTS if key == "facts" else None,
        )
        for key, (sql, order, values) in tables.items()
    }
    sql, order, values = tables["growth"]
    chart = _Fetched(
        connection,
        f"SELECT * FROM ({sql}) AS t WHERE basis = 'since_2016' ORDER BY {order}",
        values,
        shapes["growth"],
        CHART_BARS,
    )
    return dataclasses.replace(
        scope,
        growth=rows["growth"],
        coverage=rows["coverage"],
        funds=rows["funds"],
        facts=rows["facts"],
        chart=chart,
    )


class _Fetched:
    """A query's rows, shaped as a sheet shows them, read while the sheet is written: how many
    there are is known at once (`total`: before the limit), the rows are queried when the
    sheet is written (the first of them measured for the column widths, then all of them, a
    chunk at a time, from a cursor of their own). A workbook's rows are never all held: the
    全国 workbook of 1,000 reports is 160,000 rows. Iterated once."""

    HEAD = WIDTH_SAMPLE  # rows at hand at once: those the column widths are measured on

    def __init__(
        self, connection, sql: str, parameters: list, shape: Callable, limit: int | None = None
    ) -> None:
        self._cursor = connection.cursor()
        (self.total,) = self._cursor.execute(
            f"SELECT COUNT(*) FROM ({sql}) AS t", parameters
        ).fetchone()
        self._count = self.total if limit is None else min(self.total, limit)
        self._query = (sql + ("" if limit is None else f" LIMIT {limit}"), parameters)
        self._shape = shape
        self._head: list[dict] | None = None

    def _start(self) -> list[dict]:
        if self._head is None:
            self._cursor.execute(*self._query)
            self._names = [column[0] for column in self._cursor.description]
            self._head = self._shaped(self._cursor.fetchmany(self.HEAD))
        return self._head

    def _shaped(self, chunk: list[tuple]) -> list[dict]:
        names, shape = self._names, self._shape
        return [shape(dict(zip(names, row, strict=True))) for row in chunk]

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[dict]:
        if index.stop is None or index.stop > self.HEAD:
            raise IndexError(f"only the first {self.HEAD} rows are at hand")
        return self._start()[index]

    def __iter__(self):
        head = self._start()
        self._head = []
        yield from head
        given = len(head)
        del head
        while chunk := self._cursor.fetchmany(10_000):
            given += len(chunk)
            yield from self._shaped(chunk)
        self._cursor.close()
        if given != self._count:
            raise ExportError(
                f"the rows changed while they were written ({given} of {self._count})"
            )


def _comments(rows: list[dict]) -> dict[str, dict[str, str]]:
    comments: dict[str, dict[str, str]] = {}
    for row in rows:
        comments.setdefault(f"marts.{row['table_name']}", {})[row["column_name"]] = row["comment"]
    for mart in comments.values():
        mart.update(DERIVED)
    return comments


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
        if scope.facts_total <= MAX_SHEET_FACTS:
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
        cover = _cover(data, what, report_ids, scope, csv_path)
        digest = _digest(connection, data, code, cover, scope)
        files = [p for p in (path, csv_path) if p is not None]
        if before and before.get("digest") == digest and before.get("files") == _sha256s(files):
            return path, {**before, "written": False}
        files = [(write_dir or out_dir) / p.name for p in files]
        if csv_path is not None:  # first: DuckDB's memory for it is freed before the rows come
            _write_all_facts(connection, code, files[1])
        cover.insert(-2, ("变化", _changes_line(published_db, since, code)))
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
    for key, (sql, _order, values) in _tables(data, code).items():
        rows = connection.execute(
            f"SELECT COUNT(*), SUM(hash(t)) FROM ({sql}) AS t", values
        ).fetchone()
        digest.update(repr((key, rows)).encode())
    return digest.hexdigest()


@functools.cache
def _layout() -> bytes:
    """The code that lays the workbooks out (read once per process)."""
    return b"".join(Path(module).read_bytes() for module in (__file__, workbook.__file__))


def _sha256s(files: list[Path]) -> dict[str, str]:
    """Each file's SHA-256, by name ('' if it is missing): a workbook someone edited or
    removed is written again."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "" for p in files}


def _write_all_facts(connection, code: str | None, path: Path) -> None:
    """Every figure of the scope, with the columns of the 全部数据 sheet, as CSV (UTF-8 with a
    byte-order mark, so Excel reads the Chinese), written by DuckDB: the labels are joined in,
    and text that Excel would take for a formula gets a leading apostrophe. Written a few
    reports at a time (about CSV_ROWS figures, in report order), so DuckDB sorts a part, not
    all 380,000 figures of 1,000 reports at once (its writer then held 0.65 GB)."""
    where, parameters = _where(code, "f.")
    columns = ", ".join(f'{_csv_expression(column)} AS "{column.zh}"' for column in FACTS)
    parts: list[list[str]] = [[]]
    size = 0
    for report_id, count in connection.execute(
        f"SELECT report_id, COUNT(*) FROM marts.facts AS f WHERE {where} "
        "GROUP BY report_id ORDER BY report_id",
        parameters,
    ).fetchall():
        if size and size + count > CSV_ROWS:
            parts.append([])
            size = 0
        parts[-1].append(report_id)
        size += count
    temporary = path.with_name(path.name + ".tmp")
    body = path.with_name(path.name + ".body")
    with open(temporary, "wb") as target:
        target.write(codecs.BOM_UTF8)
        for number, report_ids in enumerate(parts):
            connection.execute(
                f"COPY (SELECT {columns} FROM marts.facts AS f "
                "LEFT JOIN seeds.kinds AS k ON k.kind = f.kind "
                "LEFT JOIN seeds.units AS u ON u.unit = f.unit "
                "LEFT JOIN seeds.qualifiers AS q ON q.qualifier = f.qualifier "
                f"WHERE {where} AND list_contains(?, f.report_id) "
                "ORDER BY f.report_id, f.span_start, f.subject_id) "
                f"TO '{_literal(body)}' (FORMAT csv, HEADER {str(number == 0).lower()})",
                [*parameters, report_ids],
            )
            with open(body, "rb") as source:
                shutil.copyfileobj(source, target, 1 << 20)
    body.unlink()
    temporary.replace(path)


def _csv_expression(column: Column) -> str:
    """The SQL of one column of the facts CSV: what _fact_row gives the sheet."""
    labelled = {
        "level_zh": _case("f.subject_level", "subject_level"),
        "review_status_zh": _case("f.review_status", "review_status"),
        "kind_zh": "COALESCE(k.name_zh, f.kind)",
        "unit_zh": "COALESCE(u.name_zh, f.unit)",
        "qualifier_zh": "COALESCE(q.name_zh, f.qualifier)",
    }
    sql = labelled.get(column.key, f"f.{column.key}")
    if column.fmt in ("text", "sentence"):  # never a formula when Excel opens it
        starts = ", ".join(f"'{start}'" for start in FORMULA_STARTS)
        sql = f"CASE WHEN left({sql}, 1) IN ({starts}) THEN '''' || {sql} ELSE {sql} END"
    return sql


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _labels(connection) -> dict[str, dict[str, str]]:
    """seeds.labels by domain: code -> its Chinese label."""
    labels: dict[str, dict[str, str]] = {}
    for row in _rows(connection, "SELECT domain, code, label_zh FROM seeds.labels"):
        labels.setdefault(row["domain"], {})[row["code"]] = row["label_zh"]
    return labels


def _case(column: str, domain: str) -> str:
    """SQL: the Chinese label of column's code in seeds.labels (the code if it has none)."""
    return (
        f"COALESCE((SELECT label_zh FROM seeds.labels WHERE domain = '{domain}' "
        f"AND code = {column}), {column})"
    )


def label(data: Warehouse, domain: str, code: str | None) -> str | None:
    """The Chinese label of a code (seeds.labels), or the code itself if it has none."""
    return data.labels.get(domain, {}).get(code, code) if code is not None else None


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
            [_pilot_row(data, p) for p in scope.pilots],
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


def _growth_row(data: Warehouse, row: dict) -> dict:
    year_on_year = "（同比）" if row["basis"] == "year_on_year" else ""
    return {
        **row,
        "level_zh": label(data, "subject_level", row["subject_level"]),
        "basis_zh": label(data, "basis", row["basis"]),
        "growth_basis_zh": label(data, "growth_basis", row["growth_basis"]),
        "level_unit_zh": data.labels["units"].get(row["level_unit"] or "", row["level_unit"]),
        "chart_label": f"{row['subject_name']}·{row['metric_name_zh']}{year_on_year}",
    }


def _coverage_row(data: Warehouse, row: dict) -> dict:
    return {
        **row,
        "level_zh": label(data, "subject_level", row["subject_level"]),
        "covers_zh": label(data, "covers", row["covers"]),
        "qualifier_zh": data.labels["qualifiers"].get(row["qualifier"], row["qualifier"]),
        "before_basis": label(data, "before_basis", row["before_basis"]),
    }


def _fund_row(data: Warehouse, row: dict) -> dict:
    return {**row, "total_check_zh": label(data, "total_check", row["total_check"])}


def _pilot_row(data: Warehouse, row: dict) -> dict:
    return {**row, "level_zh": label(data, "subject_level", row["level"])}


def _fact_row(data: Warehouse, row: dict) -> dict:
    return {
        **row,
        "level_zh": label(data, "subject_level", row["subject_level"]),
        "kind_zh": data.labels["kinds"].get(row["kind"], row["kind"]),
        "unit_zh": data.labels["units"].get(row["unit"], row["unit"]),
        "qualifier_zh": data.labels["qualifiers"].get(row["qualifier"], row["qualifier"]),
        "review_status_zh": label(data, "review_status", row["review_status"]),
    }


def _review_line(data: Warehouse, reports: list[dict]) -> str:
    """How much of each report a person has checked (curated or reviewed), and what waits."""
    lines = []
    rows = [data.review[r["report_id"]] for r in reports if r["report_id"] in data.review]
    if len(rows) > COVER_REPORTS:
        waiting = sum(row["waiting"] for row in rows)
        done = sum(1 for row in rows if not row["waiting"])
        lines.append(f"{len(rows)} 份报告中 {done} 份已全部核对；共 {waiting:,} 条数字待审。")
        reports = [r for r in reports if data.review.get(r["report_id"], {}).get("waiting")]
        reports = reports[:COVER_REPORTS]
    for report in reports:
        row = data.review.get(report["report_id"])
        if row:
            lines.append(
                f"{report['report_id']}：已核对 {row['reviewed_pct'] or 0:.1f}%"
                f"（手工整理 {row['curated']}，审阅接受 {row['accepted']}，"
                f"更正 {row['corrected']}，拒绝 {row['rejected']}；"
                f"待审 {row['waiting']}，其中暂缓入库 {row['held']}）{_checks_words(row)}"
            )
    lines.append(
        "未经审阅的数字由程序从报告中读出（review_status 为 unreviewed），请对照原文使用。"
    )
    return "\n".join(lines)


def _checks_words(row: dict) -> str:
    """What the checks of a report's own arithmetic found, in words for its cover."""
    passed, warned, failed = (
        row.get(k) or 0 for k in ("checks_passed", "checks_warned", "checks_failed")
    )
    if not passed + warned + failed:
        return ""
    if not warned + failed:
        return f"；报告自身的算术核对 {passed} 项全部通过"
    return f"；报告自身的算术核对：通过 {passed} 项，警告 {warned} 项，错误 {failed} 项（见“警告”）"


def _changes_line(published_db: Path, since: int | None, code: str | None) -> str:
    """The changes to this scope since the build the previous export was made from."""
    if since is None:
        return "尚无变化记录。"
    try:
        log = read_log(published_db, str(since), province=code, per_mart=COVER_CHANGES)
    except ChangesError:
        return "尚无变化记录。"
    builds = "、".join(str(b["build_id"]) for b in log.builds)
    if not log.builds:
        return f"自上次导出（第 {since} 次构建）以来没有新的构建。"
    head = f"自上次导出（第 {since} 次构建）以来，第 {builds} 次构建"
    counts = log.counts
    if not counts:
        return head + "没有改变本范围的数据。"
    total = {k: sum(c[k] for c in counts.values()) for k in ("added", "removed", "changed")}
    lines = [
        f"{head}：新增 {total['added']} 行，删除 {total['removed']} 行，修改 {total['changed']} 行"
        f"（全部见 coopwh changes --since {since}）。"
    ]
    rows = log.first(COVER_CHANGES)
    for row in rows:
        if row["change"] == "changed":
            lines.append(
                f"修改 {row.get('label') or row['key']}：{row['column_name']} "
                f"{shown(row['old_value'])} → {shown(row['new_value'])}"
            )
        else:
            verb = "新增" if row["change"] == "added" else "删除"
            lines.append(f"{verb} {in_words(row)}")
    if log.more(len(rows)):
        lines.append(f"……及其他 {log.more(len(rows))} 行")
    return "\n".join(lines)


def _cover(
    data: Warehouse, what: str, report_ids: set[str], scope: Scope, csv_path: Path | None
) -> list[tuple[str, str]]:
    """The cover: scope, vintage and the reports with figures in this workbook, build time,
    review progress, audits and standing warnings, and a guide."""
    summary = data.audit_summary
    passed = summary["audits"] - summary["failed_blocking"] - summary["warnings"]
    status = (
        f"阻断性审计全部通过（{passed}/{summary['audits']} 项通过，{summary['warnings']} 项警告）"
        if summary["failed_blocking"] == 0
        else f"有 {summary['failed_blocking']} 项阻断性审计未通过"
    )
    shown = [r for r in data.reports if r["report_id"] in report_ids]
    reports = "\n".join(
        f"{r['title'] or r['report_id']}（{r['report_id']}，"
        f"数据截至 {r['data_as_of'] or '未注明'}，SHA-256 {r['sha256'][:12]}）"
        for r in shown[:COVER_REPORTS]
    )
    if len(shown) > COVER_REPORTS:
        reports += f"\n……及其他 {len(shown) - COVER_REPORTS} 份报告（全部见数据仓库 meta.reports）"
    warnings = "\n".join(
        f"{i}. {w['message']}\n   原文：{w['sentences']}" for i, w in enumerate(scope.warnings, 1)
    )
    elsewhere = len(data.warnings) - len(scope.warnings)
    if elsewhere:  # a province's workbook: the warnings about its own figures
        warnings = (warnings + "\n" if warnings else "本省数字无警告；") + (
            f"其他地区的数字另有 {elsewhere} 项警告，见 {NATIONAL}.xlsx"
        )
    figures = f"{scope.facts_total:,} 条"
    if csv_path is not None:
        shown_facts = min(scope.facts_total, MAX_SHEET_FACTS)
        figures += f"；“全部数据”表列出前 {shown_facts:,} 条，全部见 {csv_path.name}"
    vintage = max((r["data_as_of"] or "" for r in shown), default="")
    return [
        ("范围", what),
        ("数据截至", vintage),
        ("来源报告", reports),
        ("数字", figures),
        ("生成时间", f"{data.built_at:%Y-%m-%d %H:%M:%S} UTC（数据仓库构建时间）"),
        ("审阅进度", _review_line(data, shown)),
        ("审计状态", status),
        ("警告", warnings or "无"),
        ("使用说明", GUIDE),
    ]
