"""Take new reports in: read, extract, check, rebuild; bad files go to quarantine with a reason.

A file whose text nearly matches a loaded report (a revision saved under another name) is held
in reports/held/ with the command that accepts it, never counted twice. A revision replaces its
report: the old file is archived and the curated seeds follow the new text (reanchor.py)."""

from __future__ import annotations

import dataclasses
import errno
import os
import shlex
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from coopwh.build import (
    BuildError,
    BuildResult,
    Prepared,
    build_lock,
    build_locked,
    gazetteer,
    on_every_core,
    report_files,
    workers_for,
)
from coopwh.gx_worker import ValidatorProcess
from coopwh.paths import Paths, read_only
from coopwh.phases import Phases
from coopwh.placing import Placement, now_stamp, reason_file, sweep
from coopwh.processes import Terminated, stopping
from coopwh.reanchor import reanchor
from loaders.extract import Extraction, ExtractionLimit, Fact, extract
from loaders.raw import (
    loaded_figures,
    manifest,
    nearest_reports,
    report_texts,
    sentence_keys,
)
from loaders.reference import load_gazetteer
from loaders.reports import Report, ReportError, read_report
from loaders.revisions import NEAR_DUPLICATE

Echo = Callable[[str], None]


@dataclass
class Outcome:
    """What happened to one file."""

    path: Path
    status: str  # accepted, duplicate, held, quarantined
    detail: str
    figures: int = 0


@dataclass
class IngestResult:
    """The outcome of each file, and of the build that followed (if any file was accepted)."""

    outcomes: list[Outcome] = field(default_factory=list)
    build: BuildResult | None = None
    build_error: str | None = None

    @property
    def quarantined(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    @property
    def held_files(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "held"]


def ingest(
    paths: Paths,
    files: list[Path],
    echo: Echo = print,
    revises: str | None = None,
    new: bool = False,
) -> IngestResult:
    """Read each file, check it, move the good ones into reports/ and rebuild, all under the
    build lock; a bad file goes to reports/quarantine/ with NAME.reason.txt beside it.

    revises: the files replace that loaded report. new: take the files as new reports even if
    they nearly match a loaded one."""
    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(paths):
        return ingest_locked(paths, files, echo, revises, new)


def loaded_report_ids(paths: Paths) -> list[str]:
    """The ids of the reports in reports/ (what --revises may name)."""
    return (
        sorted({p.stem for p in report_files(paths.reports_dir)})
        if paths.reports_dir.is_dir()
        else []
    )


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
    result = IngestResult()
    if paths.reports_dir.is_dir():  # what a run killed halfway left, finished or undone
        sweep(paths.reports_dir, paths.project / "seeds", echo)
    known = _Known.load(paths)
    with phases.phase("extract"):  # each file read, keyed and extracted, on every core
        pieces = read_and_extract(paths, files, revises, echo)
    candidates: list[tuple[str, Path, Report, Extraction | str]] = []
    keys: dict[str, list[int]] = {}  # sentence keys of each candidate, made in the workers
    with phases.phase("read"):
        nearest = {} if (revises or new) else known.nearest(pieces)
        for number, (path, piece) in enumerate(zip(files, pieces, strict=True), start=1):
            prefix = f"[{number}/{len(files)}] {path.name}"
            if isinstance(piece, _Gone):
                detail = "no longer there (removed while the run read the inbox): skipped"
                result.outcomes.append(Outcome(path, "vanished", detail))
                echo(f"{prefix}: {detail}")
                continue
            if isinstance(piece, str):
                _refuse(paths, result, echo, prefix, path, piece)
                continue
            report, extraction = piece.report, piece.extraction
            if report.sha256 in known.by_hash:
                detail = f"the same text as report {known.by_hash[report.sha256]}: nothing to add"
                _archive(paths, path)
                result.outcomes.append(Outcome(path, "duplicate", detail))
                echo(f"{prefix}: {detail}")
                continue
            match = nearest.get(number - 1)
            if match is not None and known.same_figures(piece, match[0]):
                detail = (
                    f"the same report as {match[0]} (another format or layout: every sentence "
                    "and figure alike): nothing to add"
                )
                _archive(paths, path)
                result.outcomes.append(Outcome(path, "duplicate", detail))
                echo(f"{prefix}: {detail}")
                continue
            if match is not None:
                detail = _held_revision_reason(paths, path, *match)
                _set_aside(paths.held_dir, path, detail)
                result.outcomes.append(Outcome(path, "held", detail))
                echo(f"{prefix}: held: {detail}")
                continue
            known.by_hash[report.sha256] = report.report_id
            candidates.append((prefix, path, report, extraction))
            keys[report.report_id] = piece.keys
    known.close()
    accepted: list[tuple[Path, Report, Extraction]] = []
    prefixes: list[str] = []
    for prefix, path, report, extraction in candidates:
        if isinstance(extraction, str):
            _refuse(paths, result, echo, prefix, path, extraction)
        elif not extraction.facts:
            _refuse(paths, result, echo, prefix, path, "has no figures")
        else:
            accepted.append((path, report, extraction))
            prefixes.append(prefix)
    candidates.clear()  # the texts and figures live on in accepted only, until the build
    if not accepted:
        return result
    for prefix, (path, _, extraction) in zip(prefixes, accepted, strict=True):
        result.outcomes.append(Outcome(path, "accepted", "read", len(extraction.facts)))
        echo(f"{prefix}: {len(extraction.facts)} figures")
    _place_and_build(paths, accepted, result, echo, known, validator, keys, finish)
    return result


def _refuse(paths: Paths, result: IngestResult, echo: Echo, prefix: str, path: Path, why: str):
    _set_aside(paths.quarantine_dir, path, why)
    result.outcomes.append(Outcome(path, "quarantined", why))
    echo(f"{prefix}: quarantined: {why}")


@dataclass
class _Known:
    """The reports already loaded: by text hash, with a way to their texts and sentence keys
    (raw.* in the build database, and any report file there that raw.* does not hold yet)."""

    database: Path
    seeds: Path
    by_hash: dict[str, str]
    files: dict[str, Report]  # report files not loaded yet, read
    gone: set[str] = field(default_factory=set)  # in raw.* but their file taken back
    connection: duckdb.DuckDBPyConnection | None = None  # read-only, opened on first use

    def _db(self) -> duckdb.DuckDBPyConnection | None:
        if self.connection is None and self.database.exists():
            self.connection = read_only(self.database)
        return self.connection

    def close(self) -> None:
        """Let go of the build database (the build that follows writes it)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    @classmethod
    def load(cls, paths: Paths) -> _Known:
        loaded: dict[str, tuple[str, int, int]] = {}
        if paths.build_db.exists():
            with read_only(paths.build_db) as connection:
                loaded = manifest(connection)
        files = {}
        present = report_files(paths.reports_dir) if paths.reports_dir.is_dir() else []
        for path in present:
            status = path.stat()
            if loaded.get(path.stem, ("",))[1:] != (status.st_size, status.st_mtime_ns):
                try:
                    files[path.stem] = read_report(path)
                except ReportError:
                    continue
        # a duplicate only of a report that is really there: loaded from a file still in
        # reports/ (raw.* may hold a report a killed or failed run loaded, then took back)
        there = {path.stem for path in present}
        by_hash = {
            sha: report_id
            for report_id, (sha, _, _) in loaded.items()
            if report_id in there and report_id not in files
        }
        gone = set(loaded) - there  # loaded, but taken back: no version a new file revises
        by_hash.update({report.sha256: rid for rid, report in files.items()})
        return cls(paths.build_db, paths.project / "seeds", by_hash, files, gone)

    def texts(self, report_ids: list[str]) -> dict[str, str | None]:
        """The text of each of these reports that is loaded (what a revision of it replaces),
        None for one that is not."""
        connection = self._db()
        stored = report_texts(connection, report_ids) if connection else {}
        return {
            rid: self.files[rid].text
            if rid in self.files
            else None
            if rid in self.gone
            else stored.get(rid)
            for rid in report_ids
        }

    def same_figures(self, piece: _Read, report_id: str) -> bool:
        """True if the read file gives the very figures of the report it nearly repeats: the
        same report in another format (a PDF's layout, a .docx's paragraphs), not a revision."""
        if isinstance(piece.extraction, str):
            return False
        if report_id in self.files:
            old = extract(self.files[report_id].text, report_id, load_gazetteer(self.seeds))
            printed = _figures(old.facts)
        else:
            connection = self._db()
            printed = loaded_figures(connection, report_id) if connection else []
        return bool(printed) and _figures(piece.extraction.facts) == printed

    def nearest(self, pieces: list) -> dict[int, tuple[str, float]]:
        """For each read file (by position) the loaded report with another id whose text it
        nearly repeats (NEAR_DUPLICATE of its sentences, figures masked), if any."""
        wanted = {
            i: piece for i, piece in enumerate(pieces) if isinstance(piece, _Read) and piece.keys
        }
        connection = self._db()
        shares = (
            nearest_reports(connection, {i: p.keys for i, p in wanted.items()})
            if connection
            else {}
        )
        unloaded = {rid: set(sentence_keys(other.text)) for rid, other in self.files.items()}
        for i, piece in wanted.items():
            for report_id, other_keys in unloaded.items():
                shared = len(set(piece.keys) & other_keys)
                shares.setdefault(i, []).append((report_id, shared / len(piece.keys)))
        found = {}
        for i, candidates in shares.items():
            own = wanted[i].report.report_id
            close = [
                (r, share)
                for r, share in candidates
                if r != own and r not in self.gone and share >= NEAR_DUPLICATE
            ]
            if close:
                found[i] = max(close, key=lambda match: match[1])
        return found


@dataclass
class _Read:
    """A file read in a worker: its report, sentence keys and extraction (or why it was
    refused: over a limit)."""

    report: Report
    keys: list[int]  # of its sentences, figures masked
    extraction: Extraction | str


def _figures(facts) -> list[tuple[str, float]]:
    """The figures of a report as printed (spaces aside) and read, one per span, in order."""
    seen, figures = set(), []
    for fact in sorted(facts, key=lambda f: f.span_start):
        if fact.span_start not in seen:
            seen.add(fact.span_start)
            figures.append((fact.number_text.replace(" ", ""), round(fact.value, 6)))
    return figures


def read_and_extract(
    paths: Paths, files: list[Path], revises: str | None, echo: Echo
) -> list[_Read | _Gone | str]:
    """Each file read, keyed and extracted, or why it cannot be read; on every core when there
    are several files."""
    jobs = [(path, revises) for path in files]
    if workers_for(jobs) > 1:
        echo(f"Reading {len(files):,} files on {workers_for(jobs)} processes …")
    return on_every_core(_read_one, jobs, paths.project / "seeds", echo, "files read")


@dataclass
class _Gone:
    """A file that was no longer there when its turn came (removed while the run read)."""


def _read_one(job: tuple[Path, str | None]) -> _Read | _Gone | str:
    """Read and extract one file, or say why not. Whatever goes wrong with one file is that
    file's reason (quarantined with it), never the run's: the other files still load."""
    path, revises = job
    try:
        not_regular = _not_a_regular_file(path)
        if not_regular:
            return not_regular
        report = read_report(path)
        if revises:
            report = dataclasses.replace(report, report_id=revises)
        try:
            extraction: Extraction | str = extract(report.text, report.report_id, gazetteer())
        except ExtractionLimit as error:
            extraction = str(error)
        return _Read(report, sentence_keys(report.text), extraction)
    except FileNotFoundError:
        return _Gone()
    except ReportError as error:
        if not path.exists() and not path.is_symlink():
            return _Gone()
        return error.reason
    except Exception as error:  # noqa: BLE001 (one bad file must not stop the inbox)
        return f"could not be read ({type(error).__name__}: {error})"


def _not_a_regular_file(path: Path) -> str | None:
    """Why path is refused unread: a symbolic link (its target may be any file the job can
    read), a FIFO, a socket or a device; None for a regular file."""
    mode = path.lstat().st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "is a symbolic link, not read: copy the file itself into the inbox"
    if stat.S_ISDIR(mode):
        return "is a directory: put report files directly in the inbox"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"is {kind}, not a regular file: not read"


def _held_revision_reason(paths: Paths, path: Path, report_id: str, share: float) -> str:
    held = paths.held_dir / path.name
    return (
        f"{share:.0%} of its sentences are those of report {report_id} (figures aside), so it "
        "is not counted as a new report.\n"
        f"  If it revises {report_id}: coopwh ingest {shlex.quote(str(held))} --revises "
        f"{shlex.quote(report_id)}\n"
        f"  If it is a different report: coopwh ingest {shlex.quote(str(held))} --new"
    )


def check_facts(path: Path, facts: list[Fact]) -> None:
    """A report must have figures (the only thing about its figures that makes a file bad)."""
    if not facts:
        raise ReportError(path, "has no figures")


def _place_and_build(
    paths: Paths,
    accepted: list[tuple[Path, Report, Extraction]],
    result: IngestResult,
    echo: Echo,
    known: _Known,
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
        for path, report, _ in accepted:
            old_text = old_texts[report.report_id]
            for old in present.pop(report.report_id, []):
                placement.move_aside(old)
            target = paths.reports_dir / f"{report.report_id}{path.suffix.lower()}"
            placement.place(path, target)
            present[report.report_id] = [target]
            if old_text is not None:
                placement.save_seeds()
                prefix = paths.archive_dir / f"{report.report_id}.replaced-{placement.stamp}"
                moved = reanchor(seeds, report.report_id, old_text, report.text, prefix)
                placement.wrote(moved.written)
                echo(f"{report.report_id} revised: {moved.describe()}")
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
        _set_aside(paths.quarantine_dir, path, f"the build with it failed: {result.build_error}")
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


def _set_aside(directory: Path, path: Path, reason: str) -> None:
    """Move path into directory (quarantine or held) with NAME.reason.txt beside it (a name
    too long for that is shortened, the whole name inside). A file already gone is let be;
    a reason that cannot be written (a full disk) leaves the file set aside all the same."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / path.name
    if path.is_symlink() or path.exists():
        if os.path.abspath(path) != os.path.abspath(target):
            if _same_filesystem(path, directory):
                os.replace(path, target)  # a rename: needs no space, even on a full disk
            else:
                shutil.move(path, target)
    try:
        reason_file(target).write_text(f"{path.name}: {reason}\n", encoding="utf-8")
    except OSError:
        pass


def _same_filesystem(path: Path, directory: Path) -> bool:
    try:
        return path.lstat().st_dev == directory.stat().st_dev
    except OSError:
        return False


def _archive(paths: Paths, path: Path) -> None:
    paths.archive_dir.mkdir(parents=True, exist_ok=True)
    shutil.move(path, paths.archive_dir / path.name)
