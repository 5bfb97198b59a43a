"""Every audit of every model promoted to prod, run after promotion (SQLMesh does not run an
audit added after a model was built in dev), each outcome cached by snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


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


def run_audits(
    context, evaluated: set[str] = frozenset(), cache: Path | None = None, promoted=None
):
    """Every audit of every model promoted to prod, each outcome with example rows.

    The snapshots are those prod holds (promoted: by name, as the plan that promoted them has
    them; else read from prod's state), not the project files': what is audited is what
    readers get, even if SQLMesh's local cache disagrees with what the plan promoted. An audit
    already settled is not run again: a model the plan just evaluated passed its blocking
    audits there (else the plan failed); a model it did not evaluate keeps the outcome recorded
    for its snapshot (same definition, same inputs) in the cache file. Only what is left runs:
    non-blocking audits, whose rows we show, and snapshots not seen before."""
    known = _read_cache(cache)
    outcomes: list[AuditOutcome] = []
    adapter = context.engine_adapter
    if promoted is None:
        environment = context.state_reader.get_environment("prod")
        held = context.state_reader.get_snapshots(environment.snapshots).values()
        promoted = {snapshot.name: snapshot for snapshot in held}
    by_name = dict(promoted)
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


def describe_audit_failures(failures: list[AuditOutcome]) -> str:
    lines = ["blocking audits failed; readers still see the last good build:"]
    for failure in failures:
        lines.append(f"  {failure.audit} on {failure.model}: {failure.failed_rows} row(s) failed")
        for row in failure.examples:
            shown = ", ".join(f"{key}={_short(value)}" for key, value in row.items())
            lines.append(f"    {shown}")
    return "\n".join(lines)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
