"""The files waiting in reports/inbox/ for `coopwh run`, and those it leaves alone."""

from __future__ import annotations

from coopwh.paths import Paths


def waiting_files(paths: Paths) -> list:
    """Entries waiting in reports/inbox/ to be taken or refused: every regular file, and every
    symbolic link, FIFO or device (refused with a reason, never read). Hidden, temporary and
    partial files (a copy still being written) are left alone: see ignored_files."""
    if not paths.inbox_dir.is_dir():
        return []
    return sorted(
        p
        for p in paths.inbox_dir.iterdir()
        if (p.is_symlink() or not p.is_dir()) and not _ignored(p.name)
    )


def ignored_files(paths: Paths) -> list:
    """Hidden, temporary and partial files in reports/inbox/ (.name, ~name, name.part): not
    taken until renamed (an editor's or a copy's file in progress is named so)."""
    if not paths.inbox_dir.is_dir():
        return []
    return sorted(p for p in paths.inbox_dir.iterdir() if _ignored(p.name) and not p.is_dir())


def _ignored(name: str) -> bool:
    return name.startswith((".", "~")) or name.endswith(".part")
