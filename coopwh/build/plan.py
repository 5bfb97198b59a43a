"""SQLMesh's side of a build: the context on the project, the plan applied to prod (or, when
only reports changed, the models that read them restated), and a failed plan in words."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import NamedTuple

from coopwh.build.audits import AuditOutcome, describe_audit_failures
from coopwh.errors import BuildError
from coopwh.gateway import gateway_for
from coopwh.paths import Paths
from loaders.raw import PENDING

Echo = Callable[[str], None]


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

    from coopwh.build.console import QuietConsole

    set_console(console or QuietConsole())
    return Context(paths=str(paths.project), gateway=gateway_for(paths).sqlmesh_gateway)


class Applied(NamedTuple):
    """What a plan applied: the models added, modified and removed (names), and the snapshots
    prod holds now, by name (what the audits run on)."""

    added: list[str]
    modified: list[str]
    removed: list[str]
    promoted: dict


DUCKDB_MEMORY = "1536MB"  # what DuckDB may hold in a build before it spills to disk


def limit_memory(execute: Callable[[str], object], dialect: str = "duckdb") -> None:
    """Cap the memory of the build's DuckDB database (DuckDB takes 80% of the machine's by
    default: at 10,000 reports a plan held 5 GB of it); it spills what does not fit to its
    temporary directory beside the database."""
    if dialect == "duckdb":
        execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")


def restatement_ahead(context):  # -> sqlmesh PlanBuilder, or None
    """SQLMesh's plan restating in prod the models that read raw.* (restate 'raw' below), built
    but not applied, or None if there is no prod yet: a run whose definitions did not change
    builds it while the door in checks its new reports in the GX worker, and plan_and_apply
    applies it once they are loaded (the plan is the same: the models and their state do not
    depend on raw.*'s rows). Building it was a second and a half of a one-more run."""
    from sqlmesh.utils.errors import SQLMeshError

    try:
        if context.state_reader.get_environment("prod") is None:
            return None
        return _restating(context, tables_reading_raw(context.models))
    except SQLMeshError:  # built again where a failure is put in words (plan_and_apply)
        return None


def _restating(context, models: list):  # -> sqlmesh PlanBuilder
    """The plan restating these models in prod, built. The unit tests ran with these
    definitions: in the plan before it, or in the last good build's."""
    names = [m.name for m in models]
    builder = context.plan_builder("prod", restate_models=names, skip_tests=True)
    builder.build()
    return builder


def plan_and_apply(
    context,
    console,
    paths: Paths,
    restate: str,
    echo: Echo,
    plan_changes: bool = True,
    ahead=None,  # restatement_ahead's plan
) -> Applied:
    """Plan and apply to prod; restate '' (nothing more), 'raw' (the models that read raw.*,
    and so everything downstream of them) or 'all'. When the definitions are those of the last
    good build (plan_changes false) and only reports changed, the restatement is the plan (the
    one built ahead, if given)."""
    from sqlmesh.utils.errors import SQLMeshError

    limit_memory(context.engine_adapter.execute, context.engine_adapter.dialect)

    prod_exists = context.state_reader.get_environment("prod") is not None
    try:
        plan = None
        if plan_changes or not (restate and prod_exists):
            plan = context.plan("prod", auto_apply=True, no_prompts=True)
        if restate and prod_exists:
            if restate == "raw":
                echo("Reports changed: rebuilding the models that read them …")
                ahead = ahead if plan is None else None  # built before the plan above
                builder = ahead or _restating(context, tables_reading_raw(context.models))
            else:
                echo("Rebuilding every model (--force) …")
                models = [m for m in context.models.values() if m.kind.name != "EXTERNAL"]
                builder = _restating(context, models)
            builder.apply()
            restated = builder.build()
            plan, last = plan or restated, restated
        else:
            last = plan
        if restate or not prod_exists:
            models_ran(context, paths)
    except SQLMeshError as error:
        raise BuildError(describe_plan_failure(context, console, error)) from error
    diff = plan.context_diff
    added = sorted(
        s.node.name
        for s in diff.new_snapshots.values()
        if s.snapshot_id in diff.added and not s.is_external
    )
    modified = sorted(new.node.name for new, _old in diff.modified_snapshots.values())
    removed = sorted(s.name.replace('"', "") for s in diff.removed_snapshots.values())
    return Applied(added, modified, removed, promoted(context, last))


def promoted(context, plan) -> dict:
    """The snapshots prod holds, by name: those of the plan just applied (it promoted them),
    or from the state if prod holds one the plan has not (loading them all from the state
    again took about a second)."""
    environment = context.state_reader.get_environment("prod")
    held = plan.snapshots
    if not all(table.snapshot_id in held for table in environment.snapshots):
        held = context.state_reader.get_snapshots(environment.snapshots)
    return {
        held[table.snapshot_id].name: held[table.snapshot_id] for table in environment.snapshots
    }


def tables_reading_raw(models: dict) -> list:
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


def models_ran(context, paths: Paths) -> None:
    """The by_report models hold the rows of every pending report now: none is pending."""
    context.engine_adapter.execute(f"DELETE FROM {PENDING}")
    gateway_for(paths).forget_pending(PENDING)  # and the loaders' copy, if elsewhere


def describe_plan_failure(context, console, error: Exception) -> str:
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
    message = describe_audit_failures(outcomes) if outcomes else "the plan failed:"
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
