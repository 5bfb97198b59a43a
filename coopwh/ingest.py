"""Take new reports in: read, extract, check, rebuild; bad files go to quarantine with a reason.

A file whose text nearly matches a loaded report (a revision saved under another name) is held
in reports/held/ with the command that accepts it, never counted twice. A revision replaces its
report: the old file is archived and the curated seeds follow the new text (reanchor.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coopwh.build import BuildError, BuildResult, build_lock, build_locked, report_files
from coopwh.paths import Paths
from coopwh.reanchor import reanchor
from loaders.extract import Extraction, Fact, extract
from loaders.reference import load_gazetteer
from loaders.reports import Report, ReportError, read_report
from loaders.revisions import NEAR_DUPLICATE, masked_sentences, overlap

Echo = Callable[[str], None]


@dataclass
class Outcome:
    """What happened to one file."""

    path: Path
    status: str  # accepted, duplicate, held, quarantined
    detail: str
    figures: int = 0
    held: list = field(default_factory=list)  # (fact, reason) of the figures held back


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


@dataclass
class _Known:
    """The reports already in reports/: by text hash, and their texts by id."""

    by_hash: dict[str, str]
    texts: dict[str, str]
    sentences: dict[str, list[str]] = field(default_factory=dict)  # masked, filled on demand

    def masked(self, report_id: str) -> list[str]:
        if report_id not in self.sentences:
            self.sentences[report_id] = masked_sentences(self.texts[report_id])
        return self.sentences[report_id]


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
) -> IngestResult:
    """ingest(), for a caller that already holds the build lock."""
    result = IngestResult()
    known = _known_reports(paths)
    gazetteer = load_gazetteer(paths.project / "seeds")
    door = _DoorIn(paths)
    accepted: list[tuple[Path, Report]] = []
    for number, path in enumerate(files, start=1):
        prefix = f"[{number}/{len(files)}] {path.name}"
        try:
            report = read_report(path)
            if revises:
                report = dataclasses.replace(report, report_id=revises)
            if report.sha256 in known.by_hash:
                detail = f"the same text as report {known.by_hash[report.sha256]}: nothing to add"
                _archive(paths, path)
                result.outcomes.append(Outcome(path, "duplicate", detail))
                echo(f"{prefix}: {detail}")
                continue
            match = None if (revises or new) else _nearly_the_same(report, known)
            if match is not None:
                detail = _held_revision_reason(paths, path, *match)
                _set_aside(paths.held_dir, path, detail)
                result.outcomes.append(Outcome(path, "held", detail))
                echo(f"{prefix}: held: {detail}")
                continue
            extraction = extract(report.text, report.report_id, gazetteer)
            check_facts(path, extraction.facts)
            door.check(path, report, extraction)
        except ReportError as error:
            _set_aside(paths.quarantine_dir, path, error.reason)
            result.outcomes.append(Outcome(path, "quarantined", error.reason))
            echo(f"{prefix}: quarantined: {error.reason}")
            continue
        known.by_hash[report.sha256] = report.report_id
        accepted.append((path, report))
        outcome = Outcome(path, "accepted", "read", len(extraction.facts), extraction.held)
        result.outcomes.append(outcome)
        held = f", {len(extraction.held)} held back" if extraction.held else ""
        echo(f"{prefix}: {len(extraction.facts)} figures{held}")
        for fact, reason in extraction.held:
            echo(f"  held back: {fact.number_text} at {fact.span_start}: {reason}")
    if accepted:
        _place_and_build(paths, accepted, result, echo, known.texts)
    return result


def _nearly_the_same(report: Report, known: _Known) -> tuple[str, float] | None:
    """The loaded report (with another id) whose text this one nearly repeats, if any."""
    sentences = masked_sentences(report.text)
    best: tuple[str, float] | None = None
    for report_id in known.texts:
        if report_id == report.report_id:
            continue  # the same name: a revision by name, taken as such
        share = overlap(sentences, known.masked(report_id))
        if share >= NEAR_DUPLICATE and (best is None or share > best[1]):
            best = (report_id, share)
    return best


def _held_revision_reason(paths: Paths, path: Path, report_id: str, share: float) -> str:
    held = paths.held_dir / path.name
    return (
        f"{share:.0%} of its sentences are those of report {report_id} (figures aside), so it "
        "is not counted as a new report.\n"
        f"  If it revises {report_id}: coopwh ingest {held} --revises {report_id}\n"
        f"  If it is a different report: coopwh ingest {held} --new"
    )


class _DoorIn:
    """Great Expectations on each file's facts before it is taken (imported on first use)."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.validator = None

    def check(self, path: Path, report: Report, extraction: Extraction) -> None:
        """Hold back the figures the door in refuses; refuse the file if it refuses them all
        for a reason that is the batch's, not a figure's."""
        from coopwh.quality import Validator, check_extraction

        if self.validator is None:
            self.validator = Validator(self.paths.quality_dir)
        texts = {report.report_id: report.text}
        seeds = self.paths.project / "seeds"
        result = check_extraction(self.validator, extraction, texts, str(path), seeds)
        if result.refused:
            reason = "; ".join(failure.describe() for failure in result.failures)
            raise ReportError(path, f"refused by {result.suite}: {reason}")


def check_facts(path: Path, facts: list[Fact]) -> None:
    """A report must have figures (the only thing about its figures that makes a file bad)."""
    if not facts:
        raise ReportError(path, "has no figures")


def _place_and_build(
    paths: Paths,
    accepted: list[tuple[Path, Report]],
    result: IngestResult,
    echo: Echo,
    old_texts: dict[str, str],
) -> None:
    """Move accepted files into reports/ (a revision archives the file it replaces, and the
    curated seeds follow its text) and rebuild; if the build fails, put everything back,
    quarantine the new files and rebuild the last good state."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    seeds = paths.project / "seeds"
    with tempfile.TemporaryDirectory(dir=paths.reports_dir) as backup_dir:
        backup = Path(backup_dir)
        shutil.copytree(seeds, backup / "seeds")
        placed: list[tuple[Path, Path]] = []  # (where it came from, its place in reports/)
        replaced: list[Path] = []
        written: list[Path] = []
        for path, report in accepted:
            for old in report_files(paths.reports_dir):
                if old.stem == report.report_id:
                    shutil.move(old, backup / old.name)
                    replaced.append(old)
            target = paths.reports_dir / f"{report.report_id}{path.suffix.lower()}"
            shutil.move(path, target)
            path.with_name(path.name + ".reason.txt").unlink(missing_ok=True)  # from held/
            placed.append((path, target))
            if report.report_id in old_texts:
                prefix = paths.archive_dir / f"{report.report_id}.replaced-{stamp}"
                moved = reanchor(
                    seeds, report.report_id, old_texts[report.report_id], report.text, prefix
                )
                written += moved.written
                echo(f"{report.report_id} revised: {moved.describe()}")
        try:
            result.build = build_locked(paths, echo)
        except BuildError as error:
            result.build_error = str(error)
        else:
            paths.archive_dir.mkdir(parents=True, exist_ok=True)
            for old in replaced:
                archived = paths.archive_dir / f"{old.stem}.replaced-{stamp}{old.suffix}"
                shutil.move(backup / old.name, archived)
                echo(f"the version it replaces is kept in {archived}")
            return
        for path, target in placed:
            shutil.move(target, path)
            _set_aside(
                paths.quarantine_dir, path, f"the build with it failed: {result.build_error}"
            )
        for old in replaced:
            shutil.move(backup / old.name, old)
        shutil.rmtree(seeds)
        shutil.copytree(backup / "seeds", seeds)
        for path in written:
            path.unlink(missing_ok=True)
    for outcome in result.outcomes:
        if outcome.status == "accepted":
            outcome.status, outcome.detail = "quarantined", "the build with it failed"
    echo("The build with the new reports failed; rebuilding without them …")
    try:
        build_locked(paths, echo)
    except BuildError as error:  # the last good state no longer builds: say so, keep going
        result.build_error += f"\nand the rebuild without them failed too: {error}"


def _known_reports(paths: Paths) -> _Known:
    known = _Known({}, {})
    for path in report_files(paths.reports_dir) if paths.reports_dir.is_dir() else []:
        try:
            report = read_report(path)
        except ReportError:
            continue
        known.by_hash[report.sha256] = report.report_id
        known.texts[report.report_id] = report.text
    return known


def _set_aside(directory: Path, path: Path, reason: str) -> None:
    """Move path into directory (quarantine or held) with NAME.reason.txt beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / path.name
    if path.exists() and path.resolve() != target.resolve():
        shutil.move(path, target)
    target.with_name(target.name + ".reason.txt").write_text(
        f"{path.name}: {reason}\n", encoding="utf-8"
    )


def _archive(paths: Paths, path: Path) -> None:
    paths.archive_dir.mkdir(parents=True, exist_ok=True)
    shutil.move(path, paths.archive_dir / path.name)
