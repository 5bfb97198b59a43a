"""`coopwh validate`: both Great Expectations doors on demand, and the quality report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from coopwh.build import extract_reports, read_reports
from coopwh.paths import Paths
from coopwh.quality import Validator, check_facts_in, check_marts_out, curated_facts, facts_frame
from coopwh.quality_report import write_summary


def validate(paths: Paths, echo: Callable[[str], None] = print) -> tuple[bool, Path]:
    """Run the door in on every batch of facts and the door out on the published marts."""
    validator = Validator(paths.quality_dir)
    seeds = paths.project / "seeds"
    reports = read_reports(paths.reports_dir)
    texts = {report.report_id: report.text for report in reports}
    facts = extract_reports(paths, reports)
    batches = [(curated_facts(seeds), str(seeds / "report_facts.csv"))]
    batches += [(facts_frame([f.as_row() for f in facts[r.report_id]]), r.path) for r in reports]
    for frame, source in batches:
        check = check_facts_in(validator, frame, texts, source, seeds)
        echo(f"{'ok' if check.success else 'FAILED'}: facts_in on {source} ({len(frame)} rows)")
    audits, warnings = [], []
    if paths.published_db.exists():
        for check in check_marts_out(validator, paths.published_db):
            echo(f"{'ok' if check.success else 'FAILED'}: {check.suite} on {check.source}")
        with duckdb.connect(str(paths.published_db), read_only=True) as connection:
            audits = _audits(connection)
            cursor = connection.execute(
                "SELECT * FROM marts.audit_findings WHERE status = 'warning' ORDER BY finding_id"
            )
            names = [column[0] for column in cursor.description]
            warnings = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    else:
        echo(f"{paths.published_db}: no warehouse yet; only the door in was checked")
    failed = [c for c in validator.results if not c.success]
    for check in failed:
        echo(check.describe())
    summary = write_summary(
        paths.quality_report, audits, validator.results, warnings, validator.build_docs()
    )
    return not failed, summary


def _audits(connection: duckdb.DuckDBPyConnection) -> list:
    from coopwh.build import AuditOutcome

    rows = connection.execute("SELECT audit, model, blocking, failed_rows FROM meta.audit_results")
    return [
        AuditOutcome(audit, model, blocking, failed)
        for audit, model, blocking, failed in rows.fetchall()
    ]
