"""What each job returns (a build, an ingest, a run, an export, a review applied, a validation),
and how it reads in a run's log: counts past a few, one line per finding group, lines a desk
can grep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coopwh.build.audits import AuditOutcome
from coopwh.phases import Phases

if TYPE_CHECKING:  # a run starts its GX worker before the loaders and numpy are imported
    from coopwh.changes.record import BuildChanges


@dataclass
class BuildResult:
    """What a build changed and what its audits found."""

    reports_changed: list[str]
    added: list[str]
    modified: list[str]
    removed: list[str]
    audits: list[AuditOutcome]
    findings: list[dict]
    published: Path
    seconds: float
    raw_state: str = ""
    waiting: dict[str, int] = field(default_factory=dict)  # figures to review, by report
    phases: Phases = field(default_factory=Phases)  # seconds and peak memory of each phase
    door_out: dict = field(default_factory=dict)  # the door out's verdict on the published copy
    finish: Callable[[], dict] = dict  # waits for the door out and records the build: returns
    # the verdict (see build_locked)
    changes: BuildChanges | None = None  # what this build changed in the marts (meta.changes)
    where: str = ""  # where it was published, when not (only) the local file

    @property
    def warnings(self) -> list[AuditOutcome]:
        return [a for a in self.audits if not a.passed and not a.blocking]

    def lines(self, show_changes: bool = True) -> list[str]:
        """The build in a run's log: models, reports, audits and their findings grouped by
        check, figures waiting for review, where and how fast it published, what changed."""
        lines = [""]
        if self.added or self.modified or self.removed:
            for label, names in (
                ("added", self.added),
                ("modified", self.modified),
                ("removed", self.removed),
            ):
                if names:
                    lines.append(f"Models {label} ({len(names)}): {few(names)}")
        else:
            lines.append("Models: no changes")
        if self.reports_changed:
            loaded = self.reports_changed
            lines.append(f"Reports loaded ({len(loaded):,}): {few(loaded)}")
        passed = sum(1 for a in self.audits if a.passed)
        lines.append(
            f"Audits: {passed} of {len(self.audits)} passed, {len(self.warnings)} warning(s)"
        )
        by_check: dict[tuple[str, str], list[str]] = {}
        for finding in self.findings:
            key = (finding["status"], finding["check_name"])
            by_check.setdefault(key, []).append(finding["message"])
        for (status, check), messages in by_check.items():
            if len(messages) <= FEW:
                lines += [f"  {status}: {check}: {one_line(message)}" for message in messages]
                continue
            lines.append(f"  {status}: {check}: {len(messages):,} findings; the first {FEW}:")
            lines += [f"    {status}: {check}: {one_line(m)}" for m in messages[:FEW]]
        if len(self.findings) > FEW:
            lines.append(
                "  (all of them: the quality report, or coopwh sql on marts.audit_findings)"
            )
        if self.waiting:
            shown = list(self.waiting.items())[:5]
            counts = ", ".join(f"{report} {count}" for report, count in shown)
            if len(self.waiting) > len(shown):
                counts += f", and {len(self.waiting) - len(shown)} more report(s)"
            lines.append(
                f"Figures waiting for review: {sum(self.waiting.values())} ({counts}); "
                "see coopwh review export"
            )
        where = self.where or self.published
        lines.append(f"Published to {where} in {self.seconds:.1f} s ({self.phases.describe()})")
        if show_changes and self.changes:
            lines.append(self.changes.line())
        return lines


@dataclass
class Current:
    """A build asked for with nothing changed since the last good one: nothing was done."""

    at: str  # when the last good build was, UTC
    published: Path

    def lines(self, show_changes: bool = True) -> list[str]:
        return [
            f"Nothing changed since the last good build ({self.at} UTC): {self.published} is "
            "current. (coopwh build --force rebuilds every model.)"
        ]


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

    @property
    def failed(self) -> bool:
        """A file was set aside, or the build with the files failed."""
        return bool(self.quarantined or self.held_files or self.build_error)

    def problems(self) -> list[str]:
        """What a person must act on: each file set aside, and a failed build."""
        lines = [
            f"coopwh: {o.path.name}: {o.detail} (moved to quarantine)" for o in self.quarantined
        ]
        lines += [f"coopwh: {o.path.name}: held: {o.detail}" for o in self.held_files]
        if self.build_error:
            lines.append(f"coopwh: the build failed: {self.build_error}")
        return lines

    def lines(self, show_changes: bool = True) -> list[str]:
        return self.build.lines(show_changes) if self.build else []


@dataclass
class ExportResult:
    """The workbooks an export wrote (and kept, where what they hold had not changed)."""

    out_dir: Path
    workbooks: list[Path]
    written: int
    kept: int
    seconds: float

    def line(self) -> str:
        kept = f" ({self.kept} unchanged since the last export, kept)" if self.kept else ""
        return f"Wrote {self.written} workbooks to {self.out_dir}{kept} in {self.seconds:.1f} s"


@dataclass
class RunResult:
    """The scheduled job: the files taken in, the build, the workbooks refreshed."""

    ingest: IngestResult | None = None
    build: BuildResult | None = None
    export: ExportResult | None = None
    ignored: list[str] = field(default_factory=list)  # hidden or partial inbox files
    nothing_new: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.ingest and self.ingest.failed)

    def lines(self) -> list[str]:
        if self.nothing_new:
            names = ", ".join(self.ignored[:3]) + (", …" if len(self.ignored) > 3 else "")
            also = f" ({len(self.ignored)} hidden or partial file(s) left in the inbox: {names})"
            return [f"coopwh run: nothing new{also if self.ignored else ''}"]
        return [self.build.changes.line()] if self.build and self.build.changes else []


@dataclass
class ReviewResult:
    """A review sheet applied: its decisions, and the build that took them in (if any)."""

    sheet: Path
    applied: object  # coopwh.review.fields.Applied
    seeds: Path
    build: BuildResult | None = None

    def lines(self) -> list[str]:
        return self.build.lines() if self.build else []


@dataclass
class ValidateResult:
    """Both doors run on demand, and the quality page they wrote."""

    ok: bool
    page: Path

    def lines(self) -> list[str]:
        return [f"Quality report: {self.page}"]


FEW = 3  # items a run's log lists before it counts them
LINE = 240  # characters of a message a run's log shows (every line stays under 300)


def few(names: list[str]) -> str:
    """Names in a line of the run log: all of a few, else the first ones and the last."""
    if len(names) <= FEW + 2:
        return ", ".join(names)
    return f"{', '.join(names[:FEW])} … {names[-1]}"


def one_line(message: str) -> str:
    """A message on one line of at most LINE characters."""
    message = " ".join(message.split())
    return message if len(message) <= LINE else message[: LINE - 1] + "…"
