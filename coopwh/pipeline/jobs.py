"""The jobs, each callable from Python: build, run, ingest, export, review_apply, validate.
Each takes the build lock where it changes the warehouse, opens the doors in their order,
keeps backups while a rebuild decides, and returns a result object (coopwh.results); progress
goes to echo as it happens."""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable
from pathlib import Path

from coopwh.errors import BuildError, ExportError
from coopwh.inbox import ignored_files, waiting_files
from coopwh.lock import build_lock
from coopwh.paths import Paths
from coopwh.phases import Phases
from coopwh.published import readers_copy
from coopwh.records import build_is_current, last_build_status, record_run
from coopwh.results import (
    BuildResult,
    Current,
    ExportResult,
    IngestResult,
    ReviewResult,
    RunResult,
    ValidateResult,
)

Echo = Callable[[str], None]


def build(paths: Paths, echo: Echo = print, force: bool = False) -> BuildResult | Current:
    """Load the reports, plan and apply every model to prod, audit and publish, under the build
    lock; if nothing it reads changed since the last good build, say so and do nothing (force:
    rebuild every model all the same). Raises BuildError if it did not publish."""
    from coopwh.pipeline.building import build_locked

    with build_lock(paths, echo):
        if not force and build_is_current(paths):
            when = last_build_status(paths)["at"].replace("T", " ").removesuffix("+00:00")
            return Current(when, paths.published_db)
        return build_locked(paths, echo, force=force)


def ingest(
    paths: Paths,
    files: list[Path],
    echo: Echo = print,
    revises: str | None = None,
    new: bool = False,
) -> IngestResult:
    """Read each file, check it, move the good ones into reports/ and rebuild, under the build
    lock; a bad file goes to reports/quarantine/ with NAME.reason.txt beside it.

    revises: the files replace that loaded report. new: take the files as new reports even if
    they nearly match a loaded one."""
    from coopwh.pipeline.ingesting import ingest_locked

    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(paths, echo):
        return ingest_locked(paths, files, echo, revises, new)


def export(
    paths: Paths, out_dir: Path | None = None, echo: Echo = print, allow_failed: bool = False
) -> ExportResult:
    """Write a workbook per province with pilots or figures, and a national one, from the
    published marts: refused if the last build failed (unless allow_failed: the last good
    build's), or if the marts fail the door out. Raises ExportError."""
    from coopwh.export.writing import write_workbooks

    readers_copy(paths)
    _exportable(paths, allow_failed)
    return write_workbooks(paths, out_dir or paths.exports_dir, echo)


def _exportable(paths: Paths, allow_failed: bool = False) -> None:
    """Raise ExportError unless the published copy may leave: the last build did not fail (or
    allow_failed) and the door out passes on the copy (its verdict recorded by the build that
    published it, else checked now)."""
    from coopwh.quality.doors import door_out

    status = last_build_status(paths)
    if status and status["status"] != "ok" and not allow_failed:
        raise ExportError(
            f"the last build ({status['at']}) failed, so its marts were not published: "
            f"{status['detail']}\nFix it and run `coopwh build`, or pass --allow-failed-build "
            "to export the last good build"
        )
    door_out(paths)


def run(paths: Paths, echo: Echo = print) -> RunResult:
    """The scheduled job: take in every file in reports/inbox/, rebuild if anything changed
    since the last good build, and refresh the workbooks in exports/. With nothing new it
    changes nothing and returns at once.

    One GX worker serves the whole run; the build's door out checks the copy it published
    while the workbooks are written (kept aside, moved into place once the marts pass)."""
    waiting = waiting_files(paths)
    if not waiting and build_is_current(paths):
        return RunResult(ignored=[p.name for p in ignored_files(paths)], nothing_new=True)
    from coopwh.processes import workers_for
    from coopwh.quality.worker import ValidatorProcess

    # a build is likely: GX imports in its worker on the other core from now, unless the files
    # are read on every core first (then it starts with the first check)
    validator = ValidatorProcess(paths.quality_dir, start=workers_for(waiting) == 1)
    result = RunResult()
    phases = Phases()
    with validator, build_lock(paths, echo):
        from coopwh.export.writing import write_workbooks
        from coopwh.pipeline.building import build_locked
        from coopwh.pipeline.ingesting import ingest_locked

        files = waiting_files(paths)
        if files:
            echo(f"{len(files)} new file(s) in {paths.inbox_dir}")
            result.ingest = ingest_locked(
                paths, files, echo, phases=phases, validator=validator, finish=False
            )
            result.build = result.ingest.build
            for line in result.ingest.lines(show_changes=False):
                echo(line)
        if result.build is None and not build_is_current(paths):
            result.build = build_locked(paths, echo, validator=validator, finish=False)
            for line in result.build.lines(show_changes=False):
                echo(line)
        built = result.build
        if built is not None:
            phases.merge(built.phases)
        try:
            with phases.phase("export"):
                if built is None:
                    _exportable(paths)
                result.export = write_workbooks(
                    paths, paths.exports_dir, echo, built.finish if built else None
                )
        except BaseException as stopped:  # stopped (SIGTERM) or failed while writing
            # what the export held in its frames (cursors on the published copy) goes before
            # the build is finished: DuckDB spins, for ever, reopening a file it is still
            # closing (seen once: a run stopped by SIGTERM at the export never ended)
            traceback.clear_frames(stopped.__traceback__)
            gc.collect()
            raise
        finally:
            if built is not None:
                built.finish()  # once: the quality report, the build recorded
                phases.merge(built.phases, names=("quality report",))
        record_run(paths, phases)
    return result


def review_apply(paths: Paths, sheet: Path, reviewer: str | None = None, echo: Echo = print):
    """Check a filled review sheet, record its decisions in seeds/fact_reviews.csv and rebuild,
    under the build lock; if the rebuild fails, the seed goes back as it was (BuildError).
    Raises coopwh.review.fields.ReviewError, naming each wrong row, and then changes nothing."""
    from coopwh.pipeline.building import build_locked
    from coopwh.review.apply import apply_sheet
    from coopwh.review.record import backup

    seeds = paths.project / "seeds" / "fact_reviews.csv"
    with build_lock(paths, echo):
        saved = backup(seeds, paths.build_db.parent)
        try:
            applied = apply_sheet(paths, sheet, reviewer)
            result = ReviewResult(sheet, applied, seeds)
            echo(
                f"{sheet.name}: {applied.accepted} accepted, {applied.corrected} corrected, "
                f"{applied.rejected} rejected; {applied.unchanged} already recorded, "
                f"{applied.left} left for later"
            )
            if not applied.changed:
                echo("Nothing new to record: the warehouse is unchanged.")
                return result
            echo(f"Recorded in {seeds}; rebuilding …")
            result.build = build_locked(paths, echo)
            return result
        except BuildError as error:
            saved.replace(seeds)
            raise BuildError(
                f"the rebuild failed, so the decisions were not kept: {error}"
            ) from error
        finally:
            saved.unlink(missing_ok=True)


def validate(paths: Paths, echo: Echo = print) -> ValidateResult:
    """Run both Great Expectations doors now (the door in on the curated facts and every
    report's figures, the door out on the published marts) and write the quality page.
    Changes no data."""
    from coopwh.pipeline.validating import check_both_doors

    readers_copy(paths)
    return check_both_doors(paths, echo)
