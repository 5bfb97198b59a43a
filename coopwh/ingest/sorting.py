"""Each file of a batch read and sorted: a duplicate is archived, a near repeat held with the
command that takes it, a bad file quarantined with its reason, and the rest accepted."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coopwh.build.reading import Spilled, figures_in, report_files
from coopwh.ingest.known import Gone, Known, read_and_extract
from coopwh.ingest.placing import reason_file, sweep
from coopwh.paths import Paths
from coopwh.phases import Phases
from coopwh.results import IngestResult, Outcome
from loaders.extract import Extraction
from loaders.reports import Report

Echo = Callable[[str], None]


def loaded_report_ids(paths: Paths) -> list[str]:
    """The ids of the reports in reports/ (what --revises may name)."""
    return (
        sorted({p.stem for p in report_files(paths.reports_dir)})
        if paths.reports_dir.is_dir()
        else []
    )


@dataclass
class Sorted:
    """A batch read and sorted: each file's outcome, and the accepted ones with their reports,
    figures and sentence keys, ready to be placed and built."""

    result: IngestResult
    accepted: list[tuple[Path, Report, Extraction | Spilled]]
    keys: dict[str, list[int]]  # sentence keys of each accepted report, made in the workers
    known: Known


def sort_files(
    paths: Paths,
    files: list[Path],
    echo: Echo,
    revises: str | None,
    new: bool,
    phases: Phases,
    spill: Path | None = None,
) -> Sorted:
    """Read each file (on every core), extract it and sort it; set the duplicates, near repeats
    and bad files aside with their reasons; what is left is accepted. spill: a directory where
    the extractions of a large batch wait for the build (on disk, not in memory)."""
    result = IngestResult()
    if paths.reports_dir.is_dir():  # what a run killed halfway left, finished or undone
        sweep(paths.reports_dir, paths.project / "seeds", echo)
    known = Known.load(paths)
    with phases.phase("extract"):  # each file read, keyed and extracted, on every core
        pieces = read_and_extract(paths, files, revises, echo, spill)
    candidates: list[tuple[str, Path, Report, Extraction | Spilled | str]] = []
    keys: dict[str, list[int]] = {}  # sentence keys of each candidate, made in the workers
    with phases.phase("read"):
        nearest = {} if (revises or new) else known.nearest(pieces)
        for number, (path, piece) in enumerate(zip(files, pieces, strict=True), start=1):
            prefix = f"[{number}/{len(files)}] {path.name}"
            if isinstance(piece, Gone):
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
                set_aside(paths.held_dir, path, detail)
                result.outcomes.append(Outcome(path, "held", detail))
                echo(f"{prefix}: held: {detail}")
                continue
            known.by_hash[report.sha256] = report.report_id
            candidates.append((prefix, path, report, extraction))
            keys[report.report_id] = piece.keys
    known.close()
    accepted: list[tuple[Path, Report, Extraction | Spilled]] = []
    prefixes: list[str] = []
    for prefix, path, report, extraction in candidates:
        if isinstance(extraction, str):
            _refuse(paths, result, echo, prefix, path, extraction)
        elif not figures_in(extraction):
            _refuse(paths, result, echo, prefix, path, "has no figures")
        else:
            accepted.append((path, report, extraction))
            prefixes.append(prefix)
    candidates.clear()  # the texts and figures live on in accepted only, until the build
    if not accepted:
        return Sorted(result, [], {}, known)
    for prefix, (path, _, extraction) in zip(prefixes, accepted, strict=True):
        result.outcomes.append(Outcome(path, "accepted", "read", figures_in(extraction)))
        echo(f"{prefix}: {figures_in(extraction)} figures")
    return Sorted(result, accepted, keys, known)


def _refuse(paths: Paths, result: IngestResult, echo: Echo, prefix: str, path: Path, why: str):
    set_aside(paths.quarantine_dir, path, why)
    result.outcomes.append(Outcome(path, "quarantined", why))
    echo(f"{prefix}: quarantined: {why}")


def _held_revision_reason(paths: Paths, path: Path, report_id: str, share: float) -> str:
    held = paths.held_dir / path.name
    return (
        f"{share:.0%} of its sentences are those of report {report_id} (figures aside), so it "
        "is not counted as a new report.\n"
        f"  If it revises {report_id}: coopwh ingest {shlex.quote(str(held))} --revises "
        f"{shlex.quote(report_id)}\n"
        f"  If it is a different report: coopwh ingest {shlex.quote(str(held))} --new"
    )


def set_aside(directory: Path, path: Path, reason: str) -> None:
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
