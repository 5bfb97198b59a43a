"""One build, stage by stage: read the reports, extract their figures, the door in, load raw.*,
plan and apply to prod, audit, publish the readers' copy, the door out, the quality page, and
the build recorded as good or failed. The caller holds the build lock."""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

import duckdb

from coopwh.build.audits import describe_audit_failures, run_audits
from coopwh.build.plan import limit_memory, open_context, plan_and_apply, restatement_ahead
from coopwh.build.reading import Prepared, extract_reports, in_memory, read_reports
from coopwh.changes.log import last_build_log
from coopwh.errors import BuildError
from coopwh.gateway import gateway_for
from coopwh.ingest.placing import sweep
from coopwh.paths import Paths
from coopwh.phases import Phases
from coopwh.published import held_facts, identity, review_progress
from coopwh.quality.doors import curated_texts, validate_facts_in
from coopwh.quality.worker import ValidatorProcess
from coopwh.records import definitions, fingerprint, last_build_status, record_status
from coopwh.results import BuildResult
from loaders.extract import Extraction
from loaders.raw import RAW_TABLES, manifest, pend_every_report, stored_hashes, write_reports

Echo = Callable[[str], None]


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
    from coopwh.review.record import upgrade_reviews_seed

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
        except BaseException as error:
            gc.unfreeze()  # what the build marked long lived: see _long_lived
            if isinstance(error, BuildError):
                record_status(paths, "failed", str(error), signature)
            raise
        gateway = gateway_for(paths)
        if gateway.name != "local":
            result.where = gateway.where()
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
            finally:
                gc.unfreeze()  # what the build marked long lived: see _long_lived
            result.door_out = verdict[0]
            published = f"published {result.where or result.published}"
            phases = result.phases.as_dict()
            record_status(
                paths, "ok", published, signature, result.raw_state, phases, verdict[0], defined
            )
        return verdict[0]

    return finish


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
    limit_memory(connection.execute)
    context = None
    try:
        loaded = manifest(connection)
        with phases.phase("read"):
            reports, present = read_reports(paths.reports_dir, None if force else loaded)
        echo(f"Read {len(reports)} new or changed of {len(present)} report file(s)")
        to_extract = [r for r in reports if force or loaded.get(r.report_id, ("",))[0] != r.sha256]
        ids = {r.report_id for r in to_extract}
        touched = [r for r in reports if r.report_id not in ids]  # the same text, moved
        prepared = prepared or {}
        ready = {  # what ingest prepared from the very text here
            r.report_id: prepared[r.report_id]
            for r in to_extract
            if r.report_id in prepared and prepared[r.report_id].sha256 == r.sha256
        }
        prepared.clear()
        unread = sum(1 for r in to_extract if r.report_id not in ready)
        if unread:
            echo(f"Extracting the figures of {unread:,} report(s) …")
        with phases.phase("validate"):
            cited = cited_reports(paths)
            curated = {r.report_id: r.text for r in reports if r.report_id in cited}
            curated.update(curated_texts(connection, paths, curated))
        batches = _batches(to_extract)
        reports = to_extract = None  # from here each batch's texts go once it is loaded
        load = _Loading(paths, connection, phases, echo, validator, present, curated)
        ahead = None  # the restatement plan, built while the first door in runs
        # the first batch's door in runs in the worker while the SQLMesh project loads (it does
        # not touch the database); each later batch is extracted while the one before is checked
        for number in range(len(batches)):
            batch, batches[number] = batches[number], None
            load.check(batch, ready, touched if number == 0 else [])
            if context is None:
                with phases.phase("plan and apply"), _long_lived():
                    from coopwh.build.console import QuietConsole  # imports SQLMesh

                    console = QuietConsole(echo)
                    context = open_context(paths, console)
                    # SQLMesh connects while raw.*'s connection is open: one DuckDB instance
                    # for both, so closing raw's neither checkpoints the file nor has SQLMesh
                    # open it again (a third of a second)
                    limit_memory(context.engine_adapter.execute, context.engine_adapter.dialect)
                    if len(batches) == 1 and batch and not (force or plan_changes):
                        ahead = restatement_ahead(context)  # while the door in runs
        load.finish()
        batch = None
        changed, extractions = load.changed, load.shown
        with phases.phase("load"):
            if force:
                pend_every_report(connection)
            raw_state = hashlib.sha256(
                repr(sorted(stored_hashes(connection).items())).encode()
            ).hexdigest()
    except BaseException:
        if context is not None:
            _close(context)
        raise
    finally:
        connection.close()
    try:
        gateway = gateway_for(paths)
        if gateway.name != "local" and (force or raw_state != last_good_raw):
            echo("Loading raw.* onto the server …")
            with phases.phase("load"):
                gateway.send_raw(paths.build_db, RAW_TABLES)
        if changed:
            counts = ", ".join(_loaded(rid, extractions.get(rid)) for rid in changed[:3])
            more = f", and {len(changed) - 3:,} more" if len(changed) > 3 else ""
            echo(f"Loaded into raw.*: {counts}{more}")
        ready = load = extractions = None  # raw.* holds them now
        # raw.* differs from what the last good build published (loaded now, or by a run that
        # was stopped halfway): the models that read it must be rebuilt, not just planned
        restate = "all" if force else ("raw" if raw_state != last_good_raw else "")
        echo("Planning and applying to prod …")
        with phases.phase("plan and apply"), _long_lived():
            models = plan_and_apply(
                context, console, paths, restate, echo, plan_changes, ahead=ahead
            )
        result, quality_report = _audit_publish(
            context, paths, changed, models, console.evaluated, echo, validator, phases
        )
    except BaseException:
        _close(context)
        raise
    result.seconds = time.perf_counter() - started
    result.raw_state = raw_state
    result.phases = phases
    return result, _closing(context, quality_report)


def _close(context) -> None:
    """Close SQLMesh's context and its connection (opened before a plan made the evaluator
    that would close it: a build refused at the door in has none)."""
    context.close()
    context.engine_adapter.close()


def _closing(context, then: Callable[[], dict]) -> Callable[[], dict]:
    """Close the SQLMesh context (DuckDB writes the build's changes into the build database
    as it closes: a third of a second) in a thread of its own while the caller goes on (a run
    writes its workbooks from the published copy meanwhile); what this returns waits for it,
    then calls then (the quality report). A process that ends meanwhile waits for it too."""
    failed: list[BaseException] = []

    def close() -> None:
        try:
            _close(context)
        except BaseException as error:  # raised where the build is finished
            failed.append(error)

    closing = threading.Thread(target=close, name="coopwh-close-build")
    closing.start()

    def finished() -> dict:
        closing.join()
        if failed:
            raise BuildError(f"the build database did not close: {failed[0]}") from failed[0]
        return then()

    return finished


@contextmanager
def _long_lived():
    """SQLMesh loading the project, or planning and applying: the garbage collector waits,
    and what they made is then marked long lived (gc.freeze), left out of its passes until the
    build is finished (_recording) or fails, which hands it back (gc.unfreeze). Each pass over
    SQLMesh's objects took a tenth of a second, a dozen passes a build."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


BATCH = 500  # reports a build extracts, checks (the door in) and loads at a time


def _batches(reports: list) -> list[list]:
    """The reports in batches of BATCH (one empty batch if there are none: the curated facts
    are checked and the files removed or moved are recorded all the same)."""
    return [reports[i : i + BATCH] for i in range(0, len(reports), BATCH)] or [[]]


def cited_reports(paths: Paths) -> set[str]:
    """The reports the curated facts cite (their texts are checked with every door in)."""
    from coopwh.quality.checks import curated_facts

    return set(curated_facts(paths.project / "seeds")["report_id"])


class _Loading:
    """The reports of a build extracted (or taken as ingest prepared them), checked by the door
    in and loaded into raw.* a batch at a time, so that their texts and figures are held a
    batch or two at a time: at 10,000 reports, all of them at once took 8 GB. A batch is sent
    to the Great Expectations worker, then the batch before it (checked meanwhile) loaded."""

    def __init__(self, paths, connection, phases, echo, validator, present, curated) -> None:
        self.paths, self.connection, self.phases, self.echo = paths, connection, phases, echo
        self.validator, self.present, self.curated = validator, present, curated
        self.waiting: tuple | None = None  # a batch sent to the worker, not loaded yet
        self.changed: list[str] = []
        self.shown: dict[str, Extraction | None] = {}  # the first loaded, for the summary
        self.first = True

    def check(self, batch: list, ready: dict[str, Prepared], touched: list) -> None:
        """Extract a batch (what ingest prepared is read back), send it to the door in, and
        load the batch sent before it."""
        extractions, keys = {}, {}
        with self.phases.phase("extract"):
            for report in batch:
                done = ready.pop(report.report_id, None)
                if done is not None:
                    extractions[report.report_id] = in_memory(done.extraction)
                    if done.keys:
                        keys[report.report_id] = done.keys
            unread = [r for r in batch if r.report_id not in extractions]
            extractions.update(extract_reports(self.paths, unread, self.echo))
        if self.first:
            self.echo("Validating the facts before loading (Great Expectations) …")
        with self.phases.phase("validate"):
            texts = {**self.curated, **{r.report_id: r.text for r in batch}}
            door_in = validate_facts_in(
                self.paths, texts, batch, extractions, self.validator, self.echo, self.first
            )
        self.first = False
        self.finish()
        self.waiting = (batch + touched, extractions, keys, door_in)

    def finish(self) -> None:
        """Wait for the door in on the batch sent last, and load it."""
        if self.waiting is None:
            return
        batch, extractions, keys, door_in = self.waiting
        self.waiting = None
        with self.phases.phase("validate"):
            door_in()
        with self.phases.phase("load"):
            ids = write_reports(self.connection, batch, extractions, self.present, keys)
        self.changed += ids
        for report_id in ids[: max(0, 3 - len(self.shown))]:
            self.shown[report_id] = extractions.get(report_id)


def _loaded(report_id: str, extraction: Extraction | None) -> str:
    if extraction is None:
        return f"{report_id} (removed)"
    held = f", {len(extraction.held)} held back" if extraction.held else ""
    return f"{report_id} ({len(extraction.facts)} figures extracted{held})"


def _audit_publish(
    context,
    paths: Paths,
    changed: list[str],
    models,  # coopwh.build.plan.Applied
    evaluated: set[str],
    echo: Echo,
    validator,
    phases: Phases,
):
    """Every audit on prod, then the readers' copy published and the door out sent on its way.
    Returns the result once published, and what waits for the door out (in the worker
    meanwhile) and writes the quality report."""
    from coopwh.build.publish import publish

    echo("Running every audit on prod …")
    with phases.phase("audit"):
        cache = paths.build_db.parent / "audits.json"
        audits = run_audits(context, evaluated, cache, models.promoted)
        blocking_failures = [a for a in audits if a.blocking and not a.passed]
        if blocking_failures:
            raise BuildError(describe_audit_failures(blocking_failures))
        findings = context.fetchdf(
            "SELECT * FROM marts.audit_findings "
            "WHERE status IN ('warning', 'error') ORDER BY finding_id"
        ).to_dict("records")
    published, changes = publish(context, paths, audits, phases)
    echo("Validating the published marts (Great Expectations) …")
    door_out = validator.submit("check_marts_out", paths.published_db, paths.project / "seeds")
    docs = validator.submit("build_docs")  # GX's Data Docs, once the door out's results are in
    waiting = context.fetchdf(
        "SELECT report_id, waiting FROM marts.review_progress WHERE waiting > 0 ORDER BY report_id"
    )
    result = BuildResult(changed, *models[:3], audits, findings, published, 0.0)
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
    from coopwh.quality.page import write_summary
    from coopwh.quality.validator import door_out_verdict

    checks, docs = tickets
    checked = validator.result(checks)
    for check in checked:
        if not check.success:
            echo(f"  {check.describe()}")
    door_out = {"published": identity(paths.published_db), **door_out_verdict(checked)}
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
