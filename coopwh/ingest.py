"""Take new reports in: read, extract, check, rebuild; bad files go to quarantine with a reason."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coopwh.build import BuildError, BuildResult, build_lock, build_locked, report_files
from coopwh.paths import Paths
from loaders.extract import Extraction, Fact, extract
from loaders.reference import load_gazetteer
from loaders.reports import Report, ReportError, read_report

Echo = Callable[[str], None]


@dataclass
class Outcome:
    """What happened to one file."""

    path: Path
    status: str  # accepted, duplicate, quarantined
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


def ingest(paths: Paths, files: list[Path], echo: Echo = print) -> IngestResult:
    """Read each file, check it, move the good ones into reports/ and rebuild, all under the
    build lock; a bad file goes to reports/quarantine/ with NAME.reason.txt beside it."""
    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(paths):
        return ingest_locked(paths, files, echo)


def ingest_locked(paths: Paths, files: list[Path], echo: Echo) -> IngestResult:
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
            if report.sha256 in known:
                detail = f"the same text as report {known[report.sha256]}: nothing to add"
                _archive(paths, path)
                result.outcomes.append(Outcome(path, "duplicate", detail))
                echo(f"{prefix}: {detail}")
                continue
            extraction = extract(report.text, report.report_id, gazetteer)
            check_facts(path, extraction.facts)
            door.check(path, report, extraction)
        except ReportError as error:
            _quarantine(paths, path, error.reason)
            result.outcomes.append(Outcome(path, "quarantined", error.reason))
            echo(f"{prefix}: quarantined: {error.reason}")
            continue
        known[report.sha256] = report.report_id
        accepted.append((path, report))
        outcome = Outcome(path, "accepted", "read", len(extraction.facts), extraction.held)
        result.outcomes.append(outcome)
        held = f", {len(extraction.held)} held back" if extraction.held else ""
        echo(f"{prefix}: {len(extraction.facts)} figures{held}")
        for fact, reason in extraction.held:
            echo(f"  held back: {fact.number_text} at {fact.span_start}: {reason}")
    if accepted:
        _place_and_build(paths, accepted, result, echo)
    return result


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
    paths: Paths, accepted: list[tuple[Path, Report]], result: IngestResult, echo: Echo
) -> None:
    """Move accepted files into reports/ (keeping any file they revise) and rebuild; if the build
    fails, put everything back, quarantine the new files and rebuild the last good state."""
    with tempfile.TemporaryDirectory(dir=paths.reports_dir) as backup_dir:
        backup = Path(backup_dir)
        placed: list[tuple[Path, Path]] = []  # (inbox path, place in reports/)
        replaced: list[Path] = []
        for path, report in accepted:
            for old in report_files(paths.reports_dir):
                if old.stem == report.report_id:
                    shutil.move(old, backup / old.name)
                    replaced.append(old)
            target = paths.reports_dir / path.name
            shutil.move(path, target)
            placed.append((path, target))
        try:
            result.build = build_locked(paths, echo)
            return
        except BuildError as error:
            result.build_error = str(error)
        for path, target in placed:
            shutil.move(target, path)
            _quarantine(paths, path, f"the build with it failed: {result.build_error}")
        for old in replaced:
            shutil.move(backup / old.name, old)
    for outcome in result.outcomes:
        if outcome.status == "accepted":
            outcome.status, outcome.detail = "quarantined", "the build with it failed"
    echo("The build with the new reports failed; rebuilding without them …")
    try:
        build_locked(paths, echo)
    except BuildError as error:  # the last good state no longer builds: say so, keep going
        result.build_error += f"\nand the rebuild without them failed too: {error}"


def _known_reports(paths: Paths) -> dict[str, str]:
    known = {}
    for path in report_files(paths.reports_dir) if paths.reports_dir.is_dir() else []:
        try:
            report = read_report(path)
        except ReportError:
            continue
        known[report.sha256] = report.report_id
    return known


def _quarantine(paths: Paths, path: Path, reason: str) -> None:
    paths.quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = paths.quarantine_dir / path.name
    if path.exists():
        shutil.move(path, target)
    target.with_name(target.name + ".reason.txt").write_text(
        f"{path.name}: {reason}\n", encoding="utf-8"
    )


def _archive(paths: Paths, path: Path) -> None:
    paths.archive_dir.mkdir(parents=True, exist_ok=True)
    shutil.move(path, paths.archive_dir / path.name)
