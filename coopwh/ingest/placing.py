"""Put accepted report files in place for a build, so that nothing is lost if it fails, the
disk fills or the run is killed.

A run places each file it takes by a hard link into reports/ (no space needed; a copy where
a link cannot be made) and leaves the file where it was; a report it replaces is moved into
a backup directory of the run's own (`reports/.coopwh-run-PID/`), and the curated seeds are
copied there before a revision moves their spans. Only once the build that read the files is
published are the originals removed and the replaced versions archived (commit). A failure
puts everything back (restore): the files stay where they were, in the inbox. The backup
directory keeps a journal (journal.json, then journal.published.json once the build is
published), so a run killed at any moment is finished or undone by the next (sweep)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coopwh.processes import alive

REASON = ".reason.txt"  # NAME.reason.txt beside a file set aside says why
NAME_BYTES = 255  # the longest file name most filesystems take
PREFIX = ".coopwh-run-"
JOURNAL = "journal.json"
PUBLISHED = "journal.published.json"


@dataclass
class Placement:
    """One run's placing of files: what it linked into reports/, what it moved aside."""

    backup: Path
    reports_dir: Path
    seeds_dir: Path
    placed: list[tuple[Path, Path]] = field(default_factory=list)  # (original, in reports/)
    replaced: list[Path] = field(default_factory=list)  # moved from reports/ into backup
    written: list[Path] = field(default_factory=list)  # files the revision wrote elsewhere
    seeds_saved: bool = False
    stamp: str = ""  # the run's time, in the names of what it archives

    @classmethod
    def start(cls, reports_dir: Path, seeds_dir: Path, stamp: str) -> Placement:
        backup = reports_dir / f"{PREFIX}{os.getpid()}"
        if backup.exists():  # this very process's, from an earlier placing that ended
            shutil.rmtree(backup)
        backup.mkdir()
        placement = cls(backup, reports_dir, seeds_dir, stamp=stamp)
        placement._write()
        return placement

    def save_seeds(self) -> None:
        """Copy the curated seeds aside before a revision moves their spans."""
        if not self.seeds_saved:
            shutil.copytree(self.seeds_dir, self.backup / "seeds")
            self.seeds_saved = True
            self._write()

    def move_aside(self, old: Path) -> None:
        """Move a report file the new one replaces out of reports/ (a rename)."""
        self.replaced.append(old)
        self._write()
        os.replace(old, self.backup / old.name)

    def place(self, original: Path, target: Path) -> None:
        """Put original at target in reports/, leaving original where it is."""
        self.place_all([(original, target)])

    def place_all(self, pairs: list[tuple[Path, Path]]) -> None:
        """Put each original at its target in reports/, leaving the originals where they are:
        the journal names them all before any is placed (written once: once a file, it grew
        with each, and 10,000 files wrote it 10,000 times)."""
        pairs = [
            (original, target) for original, target in pairs if not _same_file(original, target)
        ]
        if not pairs:
            return
        self.placed += pairs
        self._write()
        for original, target in pairs:
            target.unlink(missing_ok=True)
            try:
                os.link(original, target)
            except OSError:  # another filesystem, or links refused: a copy
                shutil.copy2(original, target)

    def wrote(self, files: list[Path]) -> None:
        self.written += files
        self._write()

    def published(self) -> None:
        """The build that read the placed files is published: the next step is commit()."""
        os.replace(self.backup / JOURNAL, self.backup / PUBLISHED)

    def commit(self, echo: Callable[[str], None] = print) -> None:
        """Remove the originals of the placed files and archive each replaced version."""
        for original, target in self.placed:
            if original.exists() and target.exists() and original != target:
                original.unlink()
                reason_file(original).unlink(missing_ok=True)  # one from held/
        for old in self.replaced:
            kept = self.backup / old.name
            if kept.exists():
                echo(f"the version it replaces is kept in {archive(kept, old, self.stamp)}")
        shutil.rmtree(self.backup, ignore_errors=True)

    def restore(self) -> None:
        """Undo the placing: placed files out of reports/ (their originals are where they
        were), replaced versions back, the seeds as they were, the revision's files gone."""
        for original, target in self.placed:
            if target.exists() and (original.exists() or original.is_symlink()):
                target.unlink()
        for old in self.replaced:
            kept = self.backup / old.name
            if kept.exists():
                os.replace(kept, old)
        if self.seeds_saved and (self.backup / "seeds").is_dir():
            for saved in (self.backup / "seeds").iterdir():
                os.replace(saved, self.seeds_dir / saved.name)
        for path in self.written:
            path.unlink(missing_ok=True)
        shutil.rmtree(self.backup, ignore_errors=True)

    def _write(self) -> None:
        record = {
            "placed": [[str(a), str(b)] for a, b in self.placed],
            "replaced": [str(p) for p in self.replaced],
            "written": [str(p) for p in self.written],
            "seeds_saved": self.seeds_saved,
            "stamp": self.stamp,
        }
        temporary = self.backup / f"{JOURNAL}.tmp"
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.backup / JOURNAL)

    @classmethod
    def _load(cls, backup: Path, reports_dir: Path, seeds_dir: Path) -> tuple[Placement, bool]:
        published = (backup / PUBLISHED).exists()
        try:
            record = json.loads((backup / (PUBLISHED if published else JOURNAL)).read_text())
        except (OSError, ValueError):
            record = {}
        placement = cls(
            backup,
            reports_dir,
            seeds_dir,
            placed=[(Path(a), Path(b)) for a, b in record.get("placed", [])],
            replaced=[Path(p) for p in record.get("replaced", [])],
            written=[Path(p) for p in record.get("written", [])],
            seeds_saved=bool(record.get("seeds_saved")),
            stamp=record.get("stamp") or now_stamp(),
        )
        return placement, published


def reason_file(path: Path) -> Path:
    """NAME.reason.txt beside path, its name shortened (with a digest of the whole) when it
    would be too long for the filesystem."""
    name = path.name + REASON
    if len(name.encode()) > NAME_BYTES:
        digest = hashlib.sha256(path.name.encode()).hexdigest()[:12]
        keep = path.name.encode()[: NAME_BYTES - len(REASON) - 14].decode(errors="ignore")
        name = f"{keep}…{digest}{REASON}"
    return path.with_name(name)


def now_stamp() -> str:
    """The time in the names of archived versions (ID.replaced-TIME.ext)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def archive(kept: Path, old: Path, stamp: str = "") -> Path:
    """Move kept (a version of a report, or a file found in a backup) into reports/archive/ as
    ID.replaced-TIME.ext, old being the path it had in reports/; return where it went."""
    directory = old.parent / "archive"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{old.stem}.replaced-{stamp or now_stamp()}{old.suffix}"
    os.replace(kept, target)
    return target


def sweep(reports_dir: Path, seeds_dir: Path, echo: Callable[[str], None] = print) -> None:
    """Finish or undo what a run that died left (its backup directory, its process gone):
    a run whose build was published is committed, any other restored. Call under the build
    lock. Files the journal does not name (a crash before it was written) are archived."""
    for backup in sorted(reports_dir.glob(f"{PREFIX}*")):
        pid = backup.name[len(PREFIX) :]
        if not backup.is_dir() or (pid.isdigit() and alive(int(pid))):
            continue
        placement, published = Placement._load(backup, reports_dir, seeds_dir)
        if published:
            placement.commit(echo)
            echo(f"Finished what a stopped run (process {pid}) left: its build was published")
        else:
            named = {old.name for old in placement.replaced}
            for stray in backup.iterdir():  # not in the journal: keep it, never lose it
                if (
                    stray.is_file()
                    and stray.name not in named
                    and not stray.name.startswith("journal")
                ):
                    archive(stray, reports_dir / stray.name)
            placement.restore()
            echo(f"Undid what a stopped run (process {pid}) left: its files are back in place")
    for legacy in sorted(reports_dir.glob("tmp*")):  # the backups of earlier versions' runs
        if legacy.is_dir() and (legacy / "seeds").is_dir():
            for stray in legacy.iterdir():
                if stray.is_file():
                    archive(stray, reports_dir / stray.name)
            shutil.rmtree(legacy, ignore_errors=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
