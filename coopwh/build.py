"""Build the warehouse: load reports, plan and apply to prod, audit, publish the readers' copy."""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb

from coopwh.changes import BuildChanges, last_build_log
from coopwh.gx_worker import ValidatorProcess
from coopwh.paths import Paths, read_only
from coopwh.phases import Phases
from coopwh.placing import sweep
from coopwh.processes import die_with_parent, stop_pool
from coopwh.status import (  # noqa: F401 (BuildError and build_lock are used from here too)
    BuildError,
    build_lock,
    definitions,
    fingerprint,
    last_build_status,
    record_status,
)
from loaders.extract import Extraction, extract, hold_by_position
from loaders.raw import (
    PENDING,
    RAW_TABLES,
    manifest,
    pend_every_report,
    report_texts,
    stored_hashes,
    write_reports,
)
from loaders.reference import load_gazetteer
from loaders.reports import SUPPORTED_SUFFIXES, Report, ReportError, read_report

Echo = Callable[[str], None]


@dataclass
class AuditOutcome:
    """One audit run on one model after promotion."""

    audit: str
    model: str
    blocking: bool
    failed_rows: int
    examples: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failed_rows == 0


@dataclass
class BuildResult:
    """What a build changed and what its audits found."""

    reports_changed: list[str]
    added: list[str]
    modified: list[str]
    removed: list[str]
    audits: list[AuditOutcome]
    findings: list[dict]
    published: Path
    seconds: float
    raw_state: str = ""
    waiting: dict[str, int] = field(default_factory=dict)  # figures to review, by report
    phases: Phases = field(default_factory=Phases)  # seconds and peak memory of each phase
    door_out: dict = field(default_factory=dict)  # the door out's verdict on the published copy
    finish: Callable[[], dict] = dict  # waits for the door out and records the build: returns
    # the verdict (see build_locked)
    changes: BuildChanges | None = None  # what this build changed in the marts (meta.changes)
    where: str = ""  # where it was published, when not (only) the local file

    @property
    def warnings(self) -> list[AuditOutcome]:
        return [a for a in self.audits if not a.passed and not a.blocking]


class Prepared(NamedTuple):
    """A report ingest has read and extracted already: the build checks and loads it as it is."""

    sha256: str  # of the text it was read from
    extraction: Extraction
    keys: list[int] | None  # its sentence keys (loaders.raw.sentence_keys)


def report_files(reports_dir: Path) -> list[Path]:
    """The report files a build reads: .txt, .docx, .html and .pdf directly in reports_dir."""
    return sorted(
        p for p in reports_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def read_reports(reports_dir: Path, loaded: dict | None = None) -> tuple[list[Report], list[str]]:
    """Read the reports in reports_dir whose file is not the one loaded (by size and time, from
    raw's manifest); return them and the ids of every report file there. A bad file stops the
    build before anything is written."""
    files = report_files(reports_dir) if reports_dir.is_dir() else []
    if not files:
        raise BuildError(f"{reports_dir}: no reports (.txt, .docx, .html, .pdf) to build from")
    loaded = loaded or {}
    reports = []
    try:
        for path in files:
            stat = path.stat()
            if loaded.get(path.stem, ("",))[1:] == (stat.st_size, stat.st_mtime_ns):
                continue  # the very file raw.* holds
            reports.append(read_report(path))
    except ReportError as error:
        raise BuildError(f"{error}; nothing was loaded and the warehouse is unchanged") from error
    return reports, [path.stem for path in files]


def open_context(paths: Paths, console: object | None = None):  # -> sqlmesh.Context
    """A SQLMesh context on the project, building into the warehouse's build database."""
    os.environ["COOPWH_BUILD_DB"] = str(paths.build_db)
    os.environ["COOPWH_CACHE_DIR"] = str(paths.build_db.parent / "cache")
    os.environ["COOPWH_GATEWAY"] = paths.gateway  # config.yaml defines the server's if chosen
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    from sqlmesh import Context
    from sqlmesh.core import constants
    from sqlmesh.core.console import set_console

    # SQLMesh loads models on forked processes that outlive a killed run (idle, for ever):
    # loading them here in this process is as fast for this project (2.4 s against 2.7-3.3 s)
    constants.MAX_FORK_WORKERS = 1

    from coopwh.console import QuietConsole

    set_console(console or QuietConsole())
    return Context(paths=str(paths.project), gateway="postgres" if paths.on_server else None)


def build(paths: Paths, echo: Echo = print, force: bool = False) -> BuildResult:
    """Load reports, plan and apply to prod, run every audit, publish; raise BuildError if not.
    force: rebuild every model, not only those whose inputs changed."""
    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(paths):
        return build_locked(paths, echo, force)


def build_locked(
    paths: Paths,
    echo: Echo,
    force: bool = False,
    prepared: dict[str, Prepared] | None = None,
    validator=None,
    finish: bool = True,
) -> BuildResult:
    """build(), for a caller that already holds the build lock; records the outcome.

    prepared: the reports ingest read and extracted, by report id (the build checks their facts
    with the door in and loads them); validator: the Great Expectations worker to check with
    (one for the whole run), by default one of the build's own. finish false (with a validator
    of the caller's): return once published, the door out running in the worker; the caller
    does its own work (the run's workbooks) meanwhile, then calls result.finish(), which waits
    for the door out, writes the quality report, records the build and returns the verdict."""
    if paths.reports_dir.is_dir():  # what a run killed halfway left, finished or undone
        sweep(paths.reports_dir, paths.project / "seeds", echo)
    from coopwh.review import upgrade_reviews_seed

    if upgrade_reviews_seed(paths.project / "seeds"):
        echo("seeds/fact_reviews.csv: added the columns this version keeps (empty)")
    signature, defined = fingerprint(paths), definitions(paths)
    last = last_build_status(paths)
    good = last if last and last["status"] == "ok" else {}
    plan_changes = force or good.get("definitions") != defined
    last_good_raw = None if force else good.get("raw_state")
    own = validator is None
    validator = validator or ValidatorProcess(paths.quality_dir)
    try:
        try:
            result, quality_report = _build(
                paths, echo, last_good_raw, force, prepared, validator, plan_changes
            )
        except BuildError as error:
            record_status(paths, "failed", str(error), signature)
            raise
        if paths.on_server:
            from coopwh.server import databases

            where = f"the server's database {databases()[0]} (local copy: {result.published})"
            result.where = where
        result.finish = _recording(paths, result, quality_report, signature, defined)
        if finish or own:
            result.finish()
    finally:
        if own:
            validator.close()
    return result


def _recording(
    paths: Paths, result: BuildResult, quality_report: Callable[[], dict], signature, defined
) -> Callable[[], dict]:
    """quality_report (which waits for the door out and writes the quality report), then the
    build recorded as good, once however often it is called; or as failed if the GX worker
    died meanwhile."""
    verdict: list[dict] = []

    def finish() -> dict:
        if not verdict:
            try:
                verdict.append(quality_report())
            except BuildError as error:
                record_status(paths, "failed", str(error), signature)
                raise
            result.door_out = verdict[0]
            published = f"published {result.where or result.published}"
            phases = result.phases.as_dict()
            record_status(
                paths, "ok", published, signature, result.raw_state, phases, verdict[0], defined
            )
        return verdict[0]

    return finish


def extract_reports(
    paths: Paths, reports: list[Report], echo: Echo | None = None
) -> dict[str, Extraction]:
    """What the extractor reads in each report, with the places and metrics the seeds know;
    on every core when there are several reports (echo: progress, if it takes a while)."""
    extractions = on_every_core(
        _extract_one, reports, paths.project / "seeds", echo, "reports extracted"
    )
    return {report.report_id: e for report, e in zip(reports, extractions, strict=True)}


def _extract_one(report: Report) -> Extraction:
    return extract(report.text, report.report_id, gazetteer())


_GAZETTEER = None  # the seeds' places and metrics, loaded once in each process that extracts


def _load_gazetteer(seeds_dir: Path) -> None:
    global _GAZETTEER
    _GAZETTEER = load_gazetteer(seeds_dir)


def _worker_start(seeds_dir: Path) -> None:
    """A reading worker: dies with the run (kill -9 included), then loads the gazetteer."""
    die_with_parent()
    _load_gazetteer(seeds_dir)


def gazetteer():  # -> loaders.reference.Gazetteer
    """The gazetteer on_every_core loaded for the function it runs."""
    return _GAZETTEER


def workers_for(jobs: list) -> int:
    """How many processes on_every_core uses: one for two jobs or fewer (starting processes
    costs more), else one per core, at most four."""
    return 1 if len(jobs) <= 2 else min(os.cpu_count() or 1, 4, len(jobs))


PROGRESS_SECONDS = 5.0  # how often on_every_core says how far it is


def on_every_core(
    function: Callable,
    jobs: list,
    seeds_dir: Path,
    echo: Echo | None = None,
    done: str = "done",
) -> list:
    """[function(job) for job in jobs], in order, with gazetteer() loaded from seeds_dir: in
    this process, or on workers_for(jobs) processes (extraction is pure Python: one core each).
    echo: told how many are `done` every PROGRESS_SECONDS (a thousand reports take a while)."""
    workers = workers_for(jobs)
    if workers == 1:
        _load_gazetteer(seeds_dir)
        return [function(job) for job in jobs]
    results: list = []
    told = time.perf_counter()
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_start, initargs=(seeds_dir,)
    )
    try:
        chunks = max(1, len(jobs) // (workers * 8))
        for result in pool.map(function, jobs, chunksize=chunks):
            results.append(result)
            waiting = len(jobs) - len(results)
            if echo and waiting and time.perf_counter() - told >= PROGRESS_SECONDS:
                echo(f"  {len(results):,} of {len(jobs):,} {done} …")
                told = time.perf_counter()
    except BaseException:  # stopped (SIGTERM, Ctrl-C) or failed: the workers go at once
        stop_pool(pool)
        raise
    pool.shutdown()
    return results


def _build(
    paths: Paths,
    echo: Echo,
    last_good_raw: str | None,
    force: bool,
    prepared: dict[str, Prepared] | None,
    validator: ValidatorProcess,
    plan_changes: bool = True,
) -> tuple[BuildResult, Callable[[], dict]]:
    started = time.perf_counter()
    phases = Phases()
    connection = duckdb.connect(str(paths.build_db))
    context = None
    try:
        loaded = manifest(connection)
        with phases.phase("read"):
            reports, present = read_reports(paths.reports_dir, None if force else loaded)
        echo(f"Read {len(reports)} new or changed of {len(present)} report file(s)")
        to_extract = [r for r in reports if force or loaded.get(r.report_id, ("",))[0] != r.sha256]
        prepared = prepared or {}
        same = {  # what ingest prepared from the very text here
            r.report_id: prepared[r.report_id]
            for r in to_extract
            if r.report_id in prepared and prepared[r.report_id].sha256 == r.sha256
        }
        ready = {rid: p.extraction for rid, p in same.items()}
        keys = {rid: p.keys for rid, p in same.items() if p.keys}
        prepared.clear()
        unread = [r for r in to_extract if r.report_id not in ready]
        if unread:
            echo(f"Extracting the figures of {len(unread):,} report(s) …")
        with phases.phase("extract"):
            extractions = {**ready, **extract_reports(paths, unread, echo)}
        echo("Validating the facts before loading (Great Expectations) …")
        with phases.phase("validate"):
            texts = {r.report_id: r.text for r in reports}
            texts.update(_curated_texts(connection, paths, texts))
            door_in = validate_facts_in(paths, texts, to_extract, extractions, validator, echo)
        # while the worker checks them, load the SQLMesh project (it does not touch the database)
        from coopwh.console import QuietConsole

        console = QuietConsole(echo)
        with phases.phase("plan and apply"):
            context = open_context(paths, console)
        with phases.phase("validate"):
            door_in()
        with phases.phase("load"):
            changed = write_reports(connection, reports, extractions, present, keys)
            if force:
                pend_every_report(connection)
            raw_state = hashlib.sha256(
                repr(sorted(stored_hashes(connection).items())).encode()
            ).hexdigest()
    except BaseException:
        if context is not None:
            context.close()
        raise
    finally:
        connection.close()
    try:
        if paths.on_server and (force or raw_state != last_good_raw):
            from coopwh import server

            echo("Loading raw.* onto the server …")
            with phases.phase("load"):
                server.push_raw(paths.build_db, RAW_TABLES)
        if changed:
            counts = ", ".join(_loaded(rid, extractions.get(rid)) for rid in changed[:3])
            more = f", and {len(changed) - 3:,} more" if len(changed) > 3 else ""
            echo(f"Loaded into raw.*: {counts}{more}")
        # raw.* holds them now: let the texts and figures go before SQLMesh plans (at a thousand
        # reports they are about a gigabyte of Python objects)
        reports = texts = extractions = ready = same = unread = to_extract = keys = None
        # raw.* differs from what the last good build published (loaded now, or by a run that
        # was stopped halfway): the models that read it must be rebuilt, not just planned
        restate = "all" if force else ("raw" if raw_state != last_good_raw else "")
        result, quality_report = _plan_audit_publish(
            context, console, paths, changed, restate, echo, validator, phases, plan_changes
        )
    finally:
        context.close()
    result.seconds = time.perf_counter() - started
    result.raw_state = raw_state
    result.phases = phases
    return result, quality_report


def _tables_reading_raw(models: dict) -> list:
    """The models that hold rows read from raw.*, directly or through views: restated, they
    and every model after them are computed again (SQLMesh restates what follows them). A
    view before them shows raw.* as it is: it is not made again."""
    reads: dict[str, bool] = {}

    def reads_raw(name: str) -> bool:
        if name not in reads:
            model = models.get(name)
            reads[name] = '"raw".' in name or (
                model is not None
                and model.kind.name == "VIEW"
                and any(reads_raw(parent) for parent in model.depends_on)
            )
        return reads[name]

    return [
        model
        for model in models.values()
        if model.kind.name not in ("VIEW", "EXTERNAL")
        and any(reads_raw(parent) for parent in model.depends_on)
    ]


def _models_ran(context, paths: Paths) -> None:
    """The by_report models hold the rows of every pending report now: none is pending."""
    context.engine_adapter.execute(f"DELETE FROM {PENDING}")
    if paths.on_server:  # and the loaders' copy, which the next build sends
        with duckdb.connect(str(paths.build_db)) as local:
            local.execute(f"DELETE FROM {PENDING}")


def _loaded(report_id: str, extraction: Extraction | None) -> str:
    if extraction is None:
        return f"{report_id} (removed)"
    held = f", {len(extraction.held)} held back" if extraction.held else ""
    return f"{report_id} ({len(extraction.facts)} figures extracted{held})"


def _curated_texts(connection, paths: Paths, have: dict[str, str]) -> dict[str, str]:
    """The loaded texts of the reports the curated seeds cite, where not read anew."""
    from coopwh.quality import curated_facts

    wanted = set(curated_facts(paths.project / "seeds")["report_id"]) - set(have)
    return report_texts(connection, wanted)


def validate_facts_in(
    paths: Paths,
    texts: dict[str, str],
    extracted: list[Report],
    extractions: dict[str, Extraction],
    validator: ValidatorProcess,
    echo: Echo = print,
) -> Callable[[], None]:
    """The door in, before anything is loaded: the curated facts must pass whole (a bad seed
    row stops the build); of the newly extracted reports, checked together as one batch, a
    figure that fails is held back with its reason and the rest load.

    The checks go to the validator's worker at once; what this returns waits for them, raises
    BuildError if they refuse, and holds back the figures they do not let in."""
    from coopwh.quality import curated_facts, fact_columns

    seeds = paths.project / "seeds"
    curated = curated_facts(seeds)
    source = str(seeds / "report_facts.csv")
    seeds_check = validator.submit(
        "check_facts_in", curated, _texts_of(texts, curated["report_id"]), source, seeds
    )
    batch = [extractions[r.report_id] for r in extracted]
    columns = fact_columns(batch)
    new_check = None
    if columns["report_id"]:
        new_check = validator.submit(
            "check_fact_columns",
            columns,
            _texts_of(texts, (r.report_id for r in extracted)),
            batch_name(extracted),
            seeds,
        )

    def admit(check) -> None:  # check: coopwh.quality.CheckResult
        if check.refused:
            raise BuildError(f"{check.describe()}\nnothing was loaded; the warehouse is unchanged")

    def outcome() -> None:
        admit(validator.result(seeds_check))
        if new_check is not None:
            check, reasons = validator.result(new_check)
            admit(check)
            hold_by_position(batch, reasons or {})
        for report in extracted:
            for fact, reason in extractions[report.report_id].held:
                where = f"{fact.number_text} at {fact.span_start} in {report.report_id}"
                echo(f"  held back: {where}: {reason}")

    return outcome


def _texts_of(texts: dict[str, str], report_ids) -> dict[str, str]:
    """Of texts, those of these reports (what a check needs is all the worker is sent)."""
    return {rid: texts[rid] for rid in set(report_ids) if rid in texts}


def batch_name(reports: list[Report]) -> str:
    names = ", ".join(Path(r.path).name for r in reports[:3])
    return names + (f" and {len(reports) - 3} more" if len(reports) > 3 else "")


def _plan_audit_publish(
    context,
    console,
    paths: Paths,
    changed: list[str],
    restate: str,
    echo: Echo,
    validator,
    phases: Phases,
    plan_changes: bool = True,
):
    """Plan and apply to prod; restate '' (nothing more), 'raw' (the models that read raw.*,
    and so everything downstream of them) or 'all'. When the definitions are those of the last
    good build (plan_changes false) and only reports changed, the restatement is the plan.
    Returns the result once published, and what waits for the door out (sent to the worker
    meanwhile) and writes the quality report."""
    from sqlmesh.utils.errors import SQLMeshError

    from coopwh.publish import publish

    prod_exists = context.state_reader.get_environment("prod") is not None
    echo("Planning and applying to prod …")
    with phases.phase("plan and apply"):
        try:
            plan = None
            if plan_changes or not (restate and prod_exists):
                plan = context.plan("prod", auto_apply=True, no_prompts=True)
            if restate and prod_exists:
                models = [m for m in context.models.values() if m.kind.name != "EXTERNAL"]
                if restate == "raw":
                    models = _tables_reading_raw(context.models)
                    echo("Reports changed: rebuilding the models that read them …")
                else:
                    echo("Rebuilding every model (--force) …")
                names = [m.name for m in models]
                restated = context.plan(  # the unit tests ran with these definitions: in the
                    "prod",  # plan above, or in the last good build's
                    auto_apply=True,
                    no_prompts=True,
                    restate_models=names,
                    skip_tests=True,
                )
                plan = plan or restated
            if restate or not prod_exists:
                _models_ran(context, paths)
        except SQLMeshError as error:
            raise BuildError(_describe_plan_failure(context, console, error)) from error

    diff = plan.context_diff
    added = sorted(
        s.node.name
        for s in diff.new_snapshots.values()
        if s.snapshot_id in diff.added and not s.is_external
    )
    modified = sorted(new.node.name for new, _old in diff.modified_snapshots.values())
    removed = sorted(s.name.replace('"', "") for s in diff.removed_snapshots.values())

    echo("Running every audit on prod …")
    with phases.phase("audit"):
        audits = run_audits(context, console.evaluated, paths.build_db.parent / "audits.json")
        blocking_failures = [a for a in audits if a.blocking and not a.passed]
        if blocking_failures:
            raise BuildError(_describe_audit_failures(blocking_failures))
        findings = context.fetchdf(
            "SELECT * FROM marts.audit_findings "
            "WHERE status IN ('warning', 'error') ORDER BY finding_id"
        ).to_dict("records")
    published, changes = publish(context, paths, audits, phases)
    echo("Validating the published marts (Great Expectations) …")
    door_out = validator.submit("check_marts_out", paths.published_db)
    docs = validator.submit("build_docs")  # GX's Data Docs, once the door out's results are in
    waiting = context.fetchdf(
        "SELECT report_id, waiting FROM marts.review_progress WHERE waiting > 0 ORDER BY report_id"
    )
    result = BuildResult(changed, added, modified, removed, audits, findings, published, 0.0)
    result.waiting = {row.report_id: int(row.waiting) for row in waiting.itertuples(index=False)}
    result.changes = changes

    def quality_report() -> dict:
        with phases.phase("quality report"):
            return _quality_report(paths, validator, (door_out, docs), audits, findings, echo)

    return result, quality_report


def _quality_report(
    paths: Paths,
    validator: ValidatorProcess,
    tickets: tuple[int, int],
    audits,
    findings,
    echo: Echo,
) -> dict:
    """Wait for the door out on the published copy and for Data Docs (the tickets of both) and
    write the quality summary; return what the door out found, for the status record (an
    export of this copy then need not run it again)."""
    from coopwh.quality import door_out_verdict
    from coopwh.quality_report import write_summary

    checks, docs = tickets
    checked = validator.result(checks)
    for check in checked:
        if not check.success:
            echo(f"  {check.describe()}")
    door_out = {"published": published_identity(paths.published_db), **door_out_verdict(checked)}
    warnings = [f for f in findings if f["status"] == "warning"]
    summary = write_summary(
        paths.quality_report,
        audits,
        validator.results,
        warnings,
        validator.result(docs),
        held_facts(paths.published_db),
        review_progress(paths.published_db),
        last_build_log(paths.published_db),
    )
    echo(f"Quality report: {summary}")
    return door_out


def published_identity(path: Path) -> str:
    """Which published copy this is: its size and modification time (a new copy is a new file)."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def published_rows(published_db: Path, sql: str) -> list[dict]:
    """Rows of a query on the published copy, as dicts."""
    with read_only(published_db) as connection:
        cursor = connection.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def held_facts(published_db: Path) -> list[dict]:
    """The figures held back from the marts (marts.held_facts), with their reasons."""
    return published_rows(
        published_db, "SELECT * FROM marts.held_facts ORDER BY report_id, span_start"
    )


def review_progress(published_db: Path) -> list[dict]:
    """How much of each report is reviewed (marts.review_progress)."""
    return published_rows(published_db, "SELECT * FROM marts.review_progress ORDER BY report_id")


def run_audits(context, evaluated: set[str] = frozenset(), cache: Path | None = None):
    """Every audit of every model promoted to prod, each outcome with example rows.

    The snapshots come from prod's state, not from the project files: what is audited is what
    readers get, even if SQLMesh's local cache disagrees with what the plan promoted. An audit
    already settled is not run again: a model the plan just evaluated passed its blocking
    audits there (else the plan failed); a model it did not evaluate keeps the outcome recorded
    for its snapshot (same definition, same inputs) in the cache file. Only what is left runs:
    non-blocking audits, whose rows we show, and snapshots not seen before."""
    known = _read_cache(cache)
    outcomes: list[AuditOutcome] = []
    adapter = context.engine_adapter
    environment = context.state_reader.get_environment("prod")
    promoted = context.state_reader.get_snapshots(environment.snapshots).values()
    by_name = {snapshot.name: snapshot for snapshot in promoted}
    recorded: dict[str, list[dict]] = {}
    for name, snapshot in sorted(by_name.items()):
        if not snapshot.is_model or snapshot.is_symbolic:
            continue
        key = snapshot.snapshot_id.identifier
        audits = snapshot.model.audits_with_args
        settled = name in evaluated and all(_blocking(a, args) for a, args in audits)
        if settled:
            mine = [AuditOutcome(a.name, snapshot.node.name, True, 0) for a, _ in audits]
        elif name not in evaluated and key in known:
            mine = [AuditOutcome(**outcome) for outcome in known[key]]
        else:
            mine = _audit(context, adapter, snapshot, by_name)
        outcomes += mine
        recorded[key] = [
            {
                "audit": a.audit,
                "model": a.model,
                "blocking": a.blocking,
                "failed_rows": a.failed_rows,
            }
            for a in mine
        ]
    if cache is not None:
        cache.write_text(json.dumps(recorded), encoding="utf-8")
    return outcomes


def _blocking(audit, args: dict) -> bool:
    flag = args.get("blocking")
    return audit.blocking if flag is None else str(flag.this).lower() not in ("false", "0")


def _audit(context, adapter, snapshot, by_name) -> list[AuditOutcome]:
    mine = []
    for result in context.snapshot_evaluator.audit(snapshot=snapshot, snapshots=by_name):
        if result.skipped:
            continue
        examples: list[dict] = []
        if result.count and result.query is not None:
            sql = result.query.sql(dialect=adapter.dialect)
            examples = adapter.fetchdf(f"SELECT * FROM ({sql}) AS failing LIMIT 5").to_dict(
                "records"
            )
        mine.append(
            AuditOutcome(
                audit=result.audit.name,
                model=snapshot.node.name,
                blocking=result.blocking,
                failed_rows=result.count or 0,
                examples=examples,
            )
        )
    return mine


def _read_cache(cache: Path | None) -> dict[str, list[dict]]:
    try:
        return json.loads(cache.read_text(encoding="utf-8")) if cache else {}
    except (OSError, ValueError):
        return {}


def _describe_audit_failures(failures: list[AuditOutcome]) -> str:
    lines = ["blocking audits failed; readers still see the last good build:"]
    for failure in failures:
        lines.append(f"  {failure.audit} on {failure.model}: {failure.failed_rows} row(s) failed")
        for row in failure.examples:
            shown = ", ".join(f"{key}={_short(value)}" for key, value in row.items())
            lines.append(f"    {shown}")
    return "\n".join(lines)


def _describe_plan_failure(context, console, error: Exception) -> str:
    from sqlmesh.utils.errors import AuditError, NodeAuditsErrors

    audit_errors: list[AuditError] = []
    other: list[str] = []
    for failure in console.failures:
        cause = failure.__cause__
        if isinstance(cause, NodeAuditsErrors):
            audit_errors.extend(cause.errors)
        elif isinstance(cause, AuditError):
            audit_errors.append(cause)
        else:
            other.append(f"  {failure.node}: {cause or failure}")
    if "test" in str(error).lower() and not audit_errors and not other:
        return _describe_test_failures(context)
    if not audit_errors and not other:
        return f"the plan failed: {error}; readers still see the last good build"
    outcomes = []
    for audit_error in audit_errors:
        sql = audit_error.sql(dialect=context.engine_adapter.dialect)
        examples = context.engine_adapter.fetchdf(f"SELECT * FROM ({sql}) AS failing LIMIT 5")
        outcomes.append(
            AuditOutcome(
                audit=audit_error.audit_name,
                model=audit_error.model_name or "?",
                blocking=True,
                failed_rows=audit_error.count,
                examples=examples.to_dict("records"),
            )
        )
    message = _describe_audit_failures(outcomes) if outcomes else "the plan failed:"
    if other:
        message += "\n" + "\n".join(other)
    return message


def _describe_test_failures(context) -> str:
    result = context.test()
    lines = ["SQLMesh unit tests failed (tests/test_*.yaml); nothing was applied:"]
    for test, detail in [*result.failures, *result.errors]:
        lines.append(f"  {test}")
        lines.extend(f"    {line}" for line in str(detail).strip().splitlines()[:12])
    return "\n".join(lines)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
