"""The build lock, the outcome of the last build and a cheap signature of its inputs (no heavy
imports)."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

from coopwh.paths import PACKAGE_ROOT, Paths, read_only


class BuildError(Exception):
    """A build that did not publish; the message says why and what to do."""


@contextmanager
def build_lock(paths: Paths, echo=print) -> Iterator[None]:
    """Hold the warehouse's build lock, or fail at once if another build holds it (on a
    server, the server's lock too: builds from two machines never overlap).

    The lock is a POSIX record lock on warehouse/build/.lock, which belongs to this process
    alone: worker processes forked from it do not hold it, and it dies with it (kill -9
    included). The file names the holder's process id; a lock whose holder died is taken
    over at once, and echo says so."""
    paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.lock_file, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _holder(handle)
            by = f" (process {holder})" if holder else ""
            raise BuildError(
                f"another build is running on {paths.warehouse}{by}; wait for it to finish"
            ) from error
        left = _holder(handle)
        if left and left != os.getpid():
            echo(f"Took over the build lock left by process {left}, which is no longer running")
        _write_holder(handle, str(os.getpid()))
        try:
            if paths.on_server:
                from coopwh import server

                with server.build_lock():
                    yield
            else:
                yield
        finally:
            _write_holder(handle, "")  # a clean end leaves no holder to take over from
            fcntl.lockf(handle, fcntl.LOCK_UN)


def _holder(handle) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None


def _write_holder(handle, text: str) -> None:
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(text)
        handle.flush()
    except OSError:  # a full disk: the lock itself still holds
        pass


DEFINITIONS = (
    "seeds",
    "models",
    "audits",
    "macros",
    "materializations",
    "config.yaml",
    "external_models.yaml",
    "tests",
)
WATCHED = ("reports", *DEFINITIONS)
# what a copy of the project needs to build (and the SQLMesh tests, tests/test_*.yaml)
PROJECT_PARTS = tuple(part for part in WATCHED if part != "tests")
CODE = ("loaders", "coopwh")  # the extractor and the pipeline: a new version rebuilds


def fingerprint(paths: Paths, parts: tuple[str, ...] = WATCHED, code: bool = True) -> str:
    """A cheap signature of everything a build reads (names, sizes, modification times): the
    project's reports, seeds, models, audits, macros, materializations, config and SQLMesh
    tests, and this program's own code."""
    digest = hashlib.sha256()
    for name in CODE if code else ():
        for entry in sorted((PACKAGE_ROOT / name).glob("*.py")):
            stat = entry.stat()
            digest.update(f"{name}/{entry.name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for name in parts:
        root = paths.project / name
        entries = [root] if root.is_file() else sorted(root.glob("*")) if root.is_dir() else []
        if name in ("models", "audits", "macros", "materializations"):
            entries = sorted(root.rglob("*")) if root.is_dir() else []
        if name == "tests":
            entries = sorted(root.glob("test_*.yaml")) if root.is_dir() else []
        for entry in entries:
            if entry.is_file() and "__pycache__" not in entry.parts:
                stat = entry.stat()
                relative = entry.relative_to(paths.project)
                digest.update(f"{relative}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def definitions(paths: Paths) -> str:
    """A signature of what SQLMesh plans from (models, seeds, audits, macros, config, tests):
    when only reports changed, a build need not plan model changes, only restate."""
    return fingerprint(paths, DEFINITIONS, code=False)


def last_build_status(paths: Paths) -> dict | None:
    """The recorded outcome of the last build, or None if there has been none."""
    try:
        return json.loads(paths.status_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def record_status(
    paths: Paths,
    status: str,
    detail: str,
    signature: str = "",
    raw_state: str = "",
    phases: dict | None = None,
    door_out: dict | None = None,
    definitions: str = "",
) -> None:
    """Record a build's outcome, the fingerprint of its inputs, the state of raw.* it saw, and
    the seconds and peak memory (MB) of its phases."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    record = {
        "status": status,
        "at": now,
        "detail": detail,
        "fingerprint": signature,
        "raw_state": raw_state,
        "phases": phases or {},
        "door_out": door_out or {},
        "definitions": definitions,
    }
    write_atomically(paths.status_file, json.dumps(record, ensure_ascii=False))


def record_run(paths: Paths, phases) -> None:  # phases: coopwh.phases.Phases
    """Record the seconds and peak memory of each phase of the last `coopwh run`."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    record = {"at": now, "phases": phases.as_dict()}
    write_atomically(
        paths.status_file.parent / "last_run.json", json.dumps(record, ensure_ascii=False)
    )


def write_atomically(path, text: str) -> None:
    """Write text to path whole or not at all (a full disk leaves the old file as it was)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def build_is_current(paths: Paths) -> bool:
    """True if the last build succeeded and nothing it reads has changed since."""
    status = last_build_status(paths)
    return (
        status is not None
        and status["status"] == "ok"
        and status.get("fingerprint") == fingerprint(paths)
        and paths.published_db.exists()
    )


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


def describe(paths: Paths) -> str:
    """`coopwh status`: the last build, files waiting, and the review progress of each report."""
    lines = []
    status = last_build_status(paths)
    if status is None:
        lines.append("Last build: none yet (run `coopwh build`)")
    else:
        current = "" if build_is_current(paths) else "; the project changed since"
        when = status["at"].replace("T", " ").removesuffix("+00:00")
        lines.append(f"Last build: {status['status']} at {when} UTC{current}")
        if status["status"] != "ok":
            lines.append(f"  {status['detail']}")
    listed = {
        "waiting in the inbox": (paths.inbox_dir, [p.name for p in waiting_files(paths)]),
        "ignored in the inbox (hidden or partial: rename them to take them in)": (
            paths.inbox_dir,
            [p.name for p in ignored_files(paths)],
        ),
    }
    for label, directory in (
        ("held (nearly repeat a loaded report)", paths.held_dir),
        ("in quarantine", paths.quarantine_dir),
    ):
        listed[label] = (
            directory,
            [
                p.name
                for p in (sorted(directory.iterdir()) if directory.is_dir() else [])
                if not p.is_dir() and not p.name.endswith(".reason.txt")
            ],
        )
    for label, (directory, files) in listed.items():
        if files:
            lines.append(f"Files {label} ({directory}): {', '.join(files)}")
    if not paths.published_db.exists():
        return "\n".join(lines)
    with read_only(paths.published_db) as connection:
        rows = connection.execute(
            "SELECT report_id, figures, curated, accepted, corrected, rejected, unreviewed, held, "
            "waiting, reviewed_pct, checks_passed, checks_warned, checks_failed "
            "FROM marts.review_progress ORDER BY report_id"
        ).fetchall()
    waiting = sum(row[8] for row in rows)
    lines.append(f"Figures waiting for review: {waiting} (coopwh review export)")
    lines.append(
        f"  {'report':<32} {'figures':>7} {'curated':>7} {'accepted':>8} {'corrected':>9} "
        f"{'rejected':>8} {'waiting':>7} {'held':>5} {'reviewed':>8}   checks pass/warn/fail"
    )
    for row in rows:
        report, figures, curated, accepted, corrected, rejected, _, held, wait, pct = row[:10]
        passed, warned, failed = row[10:]
        lines.append(
            f"  {report:<32} {figures:>7} {curated:>7} {accepted:>8} {corrected:>9} "
            f"{rejected:>8} {wait:>7} {held:>5} {pct or 0:>7.1f}%   {passed}/{warned}/{failed}"
        )
    return "\n".join(lines)
