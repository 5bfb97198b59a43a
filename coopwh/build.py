"""Build the warehouse: load reports, plan and apply to prod, audit, publish the readers' copy."""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from coopwh.paths import Paths
from coopwh.status import fingerprint, last_build_status, record_status
from loaders.extract import Extraction, extract
from loaders.raw import stored_hashes, write_reports
from loaders.reference import load_gazetteer
from loaders.reports import SUPPORTED_SUFFIXES, Report, ReportError, read_report

Echo = Callable[[str], None]
RAW_READERS = ["staging.stg_raw__report_sentences", "staging.stg_raw__extracted_facts"]


class BuildError(Exception):
    """A build that did not publish; the message says why and what to do."""


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

    @property
    def warnings(self) -> list[AuditOutcome]:
        return [a for a in self.audits if not a.passed and not a.blocking]


@contextmanager
def build_lock(paths: Paths) -> Iterator[None]:
    """Hold the warehouse's build lock, or fail at once if another build holds it."""
    paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.lock_file, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BuildError(
                f"another build is running on {paths.warehouse}; wait for it to finish"
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def report_files(reports_dir: Path) -> list[Path]:
    """The report files a build reads: .txt, .docx and .html directly in reports_dir."""
    return sorted(
        p for p in reports_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def read_reports(reports_dir: Path) -> list[Report]:
    """Read every report in reports_dir; a bad file stops the build before anything is written."""
    files = report_files(reports_dir) if reports_dir.is_dir() else []
    if not files:
        raise BuildError(f"{reports_dir}: no reports (.txt, .docx, .html) to build from")
    try:
        return [read_report(path) for path in files]
    except ReportError as error:
        raise BuildError(f"{error}; nothing was loaded and the warehouse is unchanged") from error


def open_context(paths: Paths, console: object | None = None):  # -> sqlmesh.Context
    """A SQLMesh context on the project, building into the warehouse's build database."""
    os.environ["COOPWH_BUILD_DB"] = str(paths.build_db)
    os.environ["COOPWH_CACHE_DIR"] = str(paths.build_db.parent / "cache")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    from sqlmesh import Context
    from sqlmesh.core.console import set_console

    from coopwh.console import QuietConsole

    set_console(console or QuietConsole())
    return Context(paths=str(paths.project))


def build(paths: Paths, echo: Echo = print) -> BuildResult:
    """Load reports, plan and apply to prod, run every audit, publish; raise BuildError if not."""
    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(paths):
        return build_locked(paths, echo)


def build_locked(paths: Paths, echo: Echo) -> BuildResult:
    """build(), for a caller that already holds the build lock; records the outcome."""
    signature = fingerprint(paths)
    last = last_build_status(paths)
    last_good_raw = last.get("raw_state") if last and last["status"] == "ok" else None
    try:
        result = _build(paths, echo, last_good_raw)
    except BuildError as error:
        record_status(paths, "failed", str(error), signature)
        raise
    record_status(paths, "ok", f"published {result.published}", signature, result.raw_state)
    return result


def extract_reports(paths: Paths, reports: list[Report]) -> dict[str, Extraction]:
    """What the extractor reads in each report, with the places and metrics the seeds know."""
    gazetteer = load_gazetteer(paths.project / "seeds")
    return {
        report.report_id: extract(report.text, report.report_id, gazetteer) for report in reports
    }


def _build(paths: Paths, echo: Echo, last_good_raw: str | None) -> BuildResult:
    started = time.perf_counter()
    reports = read_reports(paths.reports_dir)
    echo(f"Read {len(reports)} report(s) from {paths.reports_dir}")
    connection = duckdb.connect(str(paths.build_db))
    try:
        known = stored_hashes(connection)
        to_extract = [r for r in reports if known.get(r.report_id) != r.sha256]
        extractions = extract_reports(paths, to_extract)
        echo("Validating the facts before loading (Great Expectations) …")
        validator = validate_facts_in(paths, reports, to_extract, extractions, echo)
        changed = write_reports(connection, reports, extractions)
        raw_state = hashlib.sha256(
            repr(sorted(stored_hashes(connection).items())).encode()
        ).hexdigest()
    finally:
        connection.close()
    if changed:
        counts = ", ".join(_loaded(rid, extractions.get(rid)) for rid in changed)
        echo(f"Loaded into raw.*: {counts}")

    from coopwh.console import QuietConsole

    console = QuietConsole(echo)
    context = open_context(paths, console)
    try:
        # raw.* differs from what the last good build published (loaded now, or by a run that
        # was stopped halfway): the models that read it must be rebuilt, not just planned
        restate = raw_state != last_good_raw
        result = _plan_audit_publish(context, console, paths, changed, restate, echo, validator)
    finally:
        context.close()
    result.seconds = time.perf_counter() - started
    result.raw_state = raw_state
    return result


def _loaded(report_id: str, extraction: Extraction | None) -> str:
    if extraction is None:
        return f"{report_id} (removed)"
    held = f", {len(extraction.held)} held back" if extraction.held else ""
    return f"{report_id} ({len(extraction.facts)} figures extracted{held})"


def validate_facts_in(
    paths: Paths,
    reports: list[Report],
    extracted: list[Report],
    extractions: dict[str, Extraction],
    echo: Echo = print,
):
    """The door in, before anything is loaded: the curated facts must pass whole (a bad seed
    row stops the build); of each newly extracted report, a figure that fails is held back with
    its reason and the rest load."""
    from coopwh.quality import Validator, check_extraction, check_facts_in, curated_facts

    seeds = paths.project / "seeds"
    texts = {report.report_id: report.text for report in reports}
    validator = Validator(paths.quality_dir)
    check = check_facts_in(
        validator, curated_facts(seeds), texts, str(seeds / "report_facts.csv"), seeds
    )
    if not check.success:
        raise BuildError(f"{check.describe()}\nnothing was loaded; the warehouse is unchanged")
    for report in extracted:
        check = check_extraction(
            validator, extractions[report.report_id], texts, report.path, seeds
        )
        if check.refused:
            raise BuildError(f"{check.describe()}\nnothing was loaded; the warehouse is unchanged")
        for fact, reason in extractions[report.report_id].held:
            echo(
                f"  held back: {report.report_id} {fact.number_text} at {fact.span_start}: {reason}"
            )
    return validator


def _plan_audit_publish(
    context, console, paths: Paths, changed: list[str], restate: bool, echo: Echo, validator
):
    from sqlmesh.utils.errors import SQLMeshError

    from coopwh.publish import publish

    prod_exists = context.state_reader.get_environment("prod") is not None
    echo("Planning and applying to prod …")
    try:
        plan = context.plan("prod", auto_apply=True, no_prompts=True)
        if restate and prod_exists:
            echo("Reports changed: rebuilding the models that read them …")
            context.plan("prod", auto_apply=True, no_prompts=True, restate_models=RAW_READERS)
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
    audits = run_audits(context)
    blocking_failures = [a for a in audits if a.blocking and not a.passed]
    if blocking_failures:
        raise BuildError(_describe_audit_failures(blocking_failures))

    findings = context.fetchdf(
        "SELECT * FROM marts.audit_findings "
        "WHERE status IN ('warning', 'error') ORDER BY finding_id"
    ).to_dict("records")
    published = publish(context, paths, audits)
    _quality_report(paths, validator, audits, findings, echo)
    waiting = context.fetchdf(
        "SELECT report_id, waiting FROM marts.review_progress WHERE waiting > 0 ORDER BY report_id"
    )
    result = BuildResult(changed, added, modified, removed, audits, findings, published, 0.0)
    result.waiting = {row.report_id: int(row.waiting) for row in waiting.itertuples(index=False)}
    return result


def _quality_report(paths: Paths, validator, audits, findings, echo: Echo) -> None:
    from coopwh.quality import check_marts_out
    from coopwh.quality_report import write_summary

    echo("Validating the published marts (Great Expectations) …")
    for check in check_marts_out(validator, paths.published_db):
        if not check.success:
            echo(f"  {check.describe()}")
    warnings = [f for f in findings if f["status"] == "warning"]
    summary = write_summary(
        paths.quality_report,
        audits,
        validator.results,
        warnings,
        validator.build_docs(),
        held_facts(paths.published_db),
        review_progress(paths.published_db),
    )
    echo(f"Quality report: {summary}")


def published_rows(published_db: Path, sql: str) -> list[dict]:
    """Rows of a query on the published copy, as dicts."""
    with duckdb.connect(str(published_db), read_only=True) as connection:
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


def run_audits(context) -> list[AuditOutcome]:
    """Run every audit of every model promoted to prod, and return each outcome with example rows.

    The snapshots come from prod's state, not from the project files: what is audited is what
    readers get, even if SQLMesh's local cache disagrees with what the plan promoted."""
    outcomes: list[AuditOutcome] = []
    adapter = context.engine_adapter
    environment = context.state_reader.get_environment("prod")
    promoted = context.state_reader.get_snapshots(environment.snapshots).values()
    by_name = {snapshot.name: snapshot for snapshot in promoted}
    for _name, snapshot in sorted(by_name.items()):
        if not snapshot.is_model or snapshot.is_symbolic:
            continue
        for result in context.snapshot_evaluator.audit(snapshot=snapshot, snapshots=by_name):
            if result.skipped:
                continue
            examples: list[dict] = []
            if result.count and result.query is not None:
                sql = result.query.sql(dialect="duckdb")
                examples = adapter.fetchdf(f"SELECT * FROM ({sql}) LIMIT 5").to_dict("records")
            outcomes.append(
                AuditOutcome(
                    audit=result.audit.name,
                    model=snapshot.node.name,
                    blocking=result.blocking,
                    failed_rows=result.count or 0,
                    examples=examples,
                )
            )
    return outcomes


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
        sql = audit_error.sql(dialect="duckdb")
        examples = context.engine_adapter.fetchdf(f"SELECT * FROM ({sql}) LIMIT 5")
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
