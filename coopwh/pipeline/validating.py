"""Both Great Expectations doors on demand (`coopwh validate`): the door in on every report's
facts, the door out on the published marts, and the quality page; no data changes."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from coopwh.build.audits import AuditOutcome
from coopwh.build.reading import batch_name, extract_reports, read_reports
from coopwh.changes.log import last_build_log
from coopwh.paths import Paths
from coopwh.published import held_facts, read_only, review_progress
from coopwh.quality.checks import check_extractions, check_facts_in, check_marts_out, curated_facts
from coopwh.quality.page import write_summary
from coopwh.quality.validator import Validator
from coopwh.results import ValidateResult


def check_both_doors(paths: Paths, echo: Callable[[str], None] = print) -> ValidateResult:
    """Run the door in on every batch of facts and the door out on the published marts."""
    seeds = paths.project / "seeds"
    reports, _ = read_reports(paths.reports_dir)
    texts = {report.report_id: report.text for report in reports}
    if reports:
        echo(f"Extracting the figures of {len(reports):,} report(s) …")
    batch = list(extract_reports(paths, reports, echo).values())  # on every core, before GX
    validator = Validator(paths.quality_dir)
    curated = curated_facts(seeds)
    check = check_facts_in(validator, curated, texts, str(seeds / "report_facts.csv"), seeds)
    echo(f"{_verdict(check.success)}: facts_in on {check.source} ({len(curated)} rows)")
    if reports:  # every report's figures in one batch, as a build checks what it loads
        held_before = [len(extraction.held) for extraction in batch]
        check = check_extractions(validator, batch, texts, batch_name(reports), seeds)
        for report, extraction, before in zip(reports, batch, held_before, strict=True):
            rows = len(extraction.facts) + len(extraction.held)
            verdict = _verdict(not check.refused, len(extraction.held) - before)
            echo(f"{verdict}: facts_in on {report.path} ({rows} rows)")
    audits, warnings, held, progress = [], [], [], []
    if paths.published_db.exists():
        for check in check_marts_out(validator, paths.published_db, seeds):
            echo(f"{_verdict(check.success)}: {check.suite} on {check.source}")
        with read_only(paths.published_db) as connection:
            audits = _audits(connection)
            cursor = connection.execute(
                "SELECT * FROM marts.audit_findings WHERE status = 'warning' ORDER BY finding_id"
            )
            names = [column[0] for column in cursor.description]
            warnings = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        held = held_facts(paths.published_db)
        progress = review_progress(paths.published_db)
    else:
        echo(f"{paths.published_db}: no warehouse yet; only the door in was checked")
    failed = [c for c in validator.results if c.refused]
    for check in validator.results:
        if not check.success:
            echo(check.describe())
    summary = write_summary(
        paths.quality_report,
        audits,
        validator.results,
        warnings,
        validator.build_docs(),
        held,
        progress,
        last_build_log(paths.published_db),
    )
    return ValidateResult(not failed, summary)


def _verdict(passed: bool, held: int = 0) -> str:
    if not passed:
        return "FAILED"
    return f"ok, {held} figure(s) held back" if held else "ok"


def _audits(connection: duckdb.DuckDBPyConnection) -> list:
    rows = connection.execute("SELECT audit, model, blocking, failed_rows FROM meta.audit_results")
    return [
        AuditOutcome(audit, model, blocking, failed)
        for audit, model, blocking, failed in rows.fetchall()
    ]
