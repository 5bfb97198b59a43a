"""Files taken in: each read and sorted (coopwh.ingest), the accepted ones placed under a
journal and built with the rest; if that build fails they go back out, to quarantine, and the
last good state is built again. A full disk or a fault takes nothing in at all."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from coopwh.build.reading import SPILL_FROM, Prepared, report_files
from coopwh.errors import BuildError
from coopwh.ingest.known import Known
from coopwh.ingest.placing import Placement, now_stamp
from coopwh.ingest.reanchor import reanchor
from coopwh.ingest.sorting import set_aside, sort_files
from coopwh.paths import Paths
from coopwh.phases import Phases
from coopwh.pipeline.building import build_locked
from coopwh.processes import Terminated, alive, stopping
from coopwh.quality.worker import ValidatorProcess
from coopwh.results import IngestResult
from loaders.extract import Extraction
from loaders.reports import Report

Echo = Callable[[str], None]


def ingest_locked(
    paths: Paths,
    files: list[Path],
    echo: Echo,
    revises: str | None = None,
    new: bool = False,
    phases: Phases | None = None,
    validator: ValidatorProcess | None = None,
    finish: bool = True,
) -> IngestResult:
    """ingest(), for a caller that already holds the build lock.

    Every file is read first (duplicates archived, near duplicates held, bad files
    quarantined), then the rest are extracted (on every core when there are several), placed
    and built; the build checks their facts by the door in, as one batch, before it loads them
    (a figure the door in refuses is held back, the rest of its report loads).

    Great Expectations starts in its worker with the build's first check: not while processes
    reading many files have the cores, nor at all for a batch with nothing to load. A caller
    may give its own worker (validator) and take the build unfinished (finish false: see
    build_locked) to do its own work while the door out runs."""
    if validator is not None:
        return _ingest(paths, files, echo, revises, new, phases or Phases(), validator, finish)
    with ValidatorProcess(paths.quality_dir, start=False) as validator:
        return _ingest(paths, files, echo, revises, new, phases or Phases(), validator)


def _place_and_build(
    paths: Paths,
    accepted: list[tuple[Path, Report, Extraction]],
    result: IngestResult,
    echo: Echo,
    known: Known,
    validator: ValidatorProcess,
    keys: dict[str, list[int]],
    finish: bool = True,
) -> None:
    """Move accepted files into reports/ (a revision archives the file it replaces, and the
    curated seeds follow its text) and rebuild; if the build fails, put everything back,
    quarantine the new files and rebuild the last good state."""
    seeds = paths.project / "seeds"
    old_texts = known.texts([report.report_id for _, report, _ in accepted])
    known.close()
    placement = Placement.start(paths.reports_dir, seeds, now_stamp())
    try:
        present: dict[str, list[Path]] = {}  # the report files there, by report id
        for old in report_files(paths.reports_dir):
            present.setdefault(old.stem, []).append(old)
        new_reports: dict[str, tuple[Path, Path]] = {}  # placed together: a journal written
        for path, report, _ in accepted:  # once, not once a file (10,000 files: 10,000 times)
            old_text = old_texts[report.report_id]
            target = paths.reports_dir / f"{report.report_id}{path.suffix.lower()}"
            if old_text is None and report.report_id not in present:
                new_reports[report.report_id] = (path, target)
                present[report.report_id] = [target]
                continue
            if report.report_id in new_reports:  # a second file of it: the first is placed
                placement.place_all(list(new_reports.values()))
                new_reports.clear()
            for old in present.pop(report.report_id, []):
                placement.move_aside(old)
            placement.place(path, target)
            present[report.report_id] = [target]
            if old_text is not None:
                placement.save_seeds()
                prefix = paths.archive_dir / f"{report.report_id}.replaced-{placement.stamp}"
                moved = reanchor(seeds, report.report_id, old_text, report.text, prefix)
                placement.wrote(moved.written)
                echo(f"{report.report_id} revised: {moved.describe()}")
        placement.place_all(list(new_reports.values()))
        prepared = {
            report.report_id: Prepared(report.sha256, e, keys.get(report.report_id))
            for _, report, e in accepted
        }
        keys.clear()
        accepted.clear()  # the build takes the figures from here (and lets them go once loaded)
        old_texts.clear()
        result.build = build_locked(paths, echo, False, prepared, validator, finish)
    except BuildError as error:
        if _environmental(error):
            placement.restore()
            raise BuildError(f"{error}\n{KEPT_IN_PLACE}") from error
        result.build_error = str(error)
    except BaseException as error:  # a full disk, a fault, a stop: every file where it was
        placement.restore()
        if stopping():
            raise Terminated(stopping()) from error
        if isinstance(error, OSError | duckdb.Error):
            raise BuildError(f"{_in_words(error)}\n{KEPT_IN_PLACE}") from error
        raise
    else:
        placement.published()
        placement.commit(echo)
        return
    placed = [original for original, _ in placement.placed]
    placement.restore()
    for path in placed:
        set_aside(paths.quarantine_dir, path, f"the build with it failed: {result.build_error}")
    for outcome in result.outcomes:
        if outcome.status == "accepted":
            outcome.status, outcome.detail = "quarantined", "the build with it failed"
    echo("The build with the new reports failed; rebuilding without them …")
    try:
        build_locked(paths, echo)
    except BuildError as error:  # the last good state no longer builds: say so, keep going
        result.build_error += f"\nand the rebuild without them failed too: {error}"


KEPT_IN_PLACE = (
    "Nothing was taken in: every file is where it was (the inbox), and readers keep the last "
    "good build. Run again once the cause is mended."
)


def _environmental(error: BaseException) -> bool:
    """Whether a failure came from the machine (a full disk, an I/O error), not from the
    files: then they are no reason to quarantine anything."""
    seen = error
    while seen is not None:
        if isinstance(seen, OSError | duckdb.IOException):
            return True
        if any(words in str(seen) for words in ("No space left", "Disk full", "disk is full")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _in_words(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        where = f" ({error.filename})" if error.filename else ""
        return f"the disk is full{where}"
    return f"{type(error).__name__}: {error}"


def _ingest(
    paths: Paths,
    files: list[Path],
    echo: Echo,
    revises: str | None,
    new: bool,
    phases: Phases,
    validator: ValidatorProcess,
    finish: bool = True,
) -> IngestResult:
    with _spill_directory(paths, len(files)) as spill:
        batch = sort_files(paths, files, echo, revises, new, phases, spill)
        if batch.accepted:
            _place_and_build(
                paths,
                batch.accepted,
                batch.result,
                echo,
                batch.known,
                validator,
                batch.keys,
                finish,
            )
    return batch.result


SPILLED = "prepared-"  # + the process id: where a large batch's extractions wait for its build


@contextlib.contextmanager
def _spill_directory(paths: Paths, files: int):
    """For a batch of SPILL_FROM files or more, a directory beside the build database where
    their extractions wait for the build, removed afterwards (and those of runs that were
    killed, named with their process's id); None for a smaller batch (held in memory)."""
    if files < SPILL_FROM:
        yield None
        return
    parent = paths.build_db.parent
    parent.mkdir(parents=True, exist_ok=True)
    for left in parent.glob(f"{SPILLED}*"):
        pid = left.name.removeprefix(SPILLED).split("-")[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
    directory = Path(tempfile.mkdtemp(prefix=f"{SPILLED}{os.getpid()}-", dir=parent))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
