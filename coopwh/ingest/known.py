"""The reports already loaded, and each new file read and extracted beside them: is it one of
them again (the same text, or the same figures in another format), a near repeat (a revision
saved under another name), or new."""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from coopwh.build.reading import (
    Spilled,
    gazetteer,
    on_every_core,
    report_files,
    spill,
)
from coopwh.paths import Paths
from coopwh.processes import workers_for
from coopwh.published import read_only
from loaders.extract import Extraction, ExtractionLimit, extract
from loaders.raw import loaded_figures, manifest, nearest_reports, report_texts, sentence_keys
from loaders.reference import load_gazetteer
from loaders.reports import Report, ReportError, read_report
from loaders.revisions import NEAR_DUPLICATE

Echo = Callable[[str], None]


@dataclass
class Known:
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
    def load(cls, paths: Paths) -> Known:
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

    def same_figures(self, piece: Read, report_id: str) -> bool:
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
            i: piece for i, piece in enumerate(pieces) if isinstance(piece, Read) and piece.keys
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
class Read:
    """A file read in a worker: its report, sentence keys and extraction (or why it was
    refused: over a limit)."""

    report: Report
    keys: list[int]  # of its sentences, figures masked
    extraction: Extraction | Spilled | str


def _figures(facts) -> list[tuple[str, float]]:
    """The figures of a report as printed (spaces aside) and read, one per span, in order."""
    seen, figures = set(), []
    for fact in sorted(facts, key=lambda f: f.span_start):
        if fact.span_start not in seen:
            seen.add(fact.span_start)
            figures.append((fact.number_text.replace(" ", ""), round(fact.value, 6)))
    return figures


def read_and_extract(
    paths: Paths, files: list[Path], revises: str | None, echo: Echo, spill: Path | None = None
) -> list[Read | Gone | str]:
    """Each file read, keyed and extracted, or why it cannot be read; on every core when there
    are several files. spill: a directory where each extraction waits for the build (a
    coopwh.build.reading.Spilled in its Read), not in memory."""
    jobs = [(path, revises, spill) for path in files]
    if workers_for(jobs) > 1:
        echo(f"Reading {len(files):,} files on {workers_for(jobs)} processes …")
    return on_every_core(_read_one, jobs, paths.project / "seeds", echo, "files read")


@dataclass
class Gone:
    """A file that was no longer there when its turn came (removed while the run read)."""


def _read_one(job: tuple[Path, str | None, Path | None]) -> Read | Gone | str:
    """Read and extract one file, or say why not. Whatever goes wrong with one file is that
    file's reason (quarantined with it), never the run's: the other files still load."""
    path, revises, spilled = job
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
        read = Read(report, sentence_keys(report.text), extraction)
    except FileNotFoundError:
        return Gone()
    except ReportError as error:
        if not path.exists() and not path.is_symlink():
            return Gone()
        return error.reason
    except Exception as error:  # noqa: BLE001 (one bad file must not stop the inbox)
        return f"could not be read ({type(error).__name__}: {error})"
    if spilled is not None and not isinstance(read.extraction, str):
        # outside the file's own faults: a full disk here is the machine's, and stops the run
        # with nothing taken in, never quarantines a good report
        name = f"{read.report.report_id}-{read.report.sha256[:16]}"
        read.extraction = spill(read.extraction, spilled, name)
    return read


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
