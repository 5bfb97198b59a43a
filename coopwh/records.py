"""The record of the last build (ok or failed, when, why) and a cheap signature of its inputs,
so that a build or run with nothing changed returns at once (no heavy imports)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

from coopwh.paths import PACKAGE_ROOT, Paths

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
        for entry in sorted((PACKAGE_ROOT / name).rglob("*.py")):
            stat = entry.stat()
            relative = entry.relative_to(PACKAGE_ROOT)
            digest.update(f"{relative}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
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
    _remember(paths, {"status": status, "at": now, "phases": phases or {}})


HISTORY = "history.jsonl"  # beside the status record: each build's outcome and phases
HISTORY_KEPT = 500  # builds the history keeps (the oldest go once it holds twice as many)


def _remember(paths: Paths, entry: dict) -> None:
    """Add a build to the history (how long each phase took, build after build); a full disk
    loses the line, never the build."""
    path = paths.status_file.parent / HISTORY
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if path.stat().st_size > HISTORY_KEPT * 2 * 400:  # about 400 bytes a line
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            if len(lines) > 2 * HISTORY_KEPT:
                write_atomically(path, "".join(lines[-HISTORY_KEPT:]))
    except OSError:
        pass


def build_history(paths: Paths) -> list[dict]:
    """The builds remembered, oldest first: status, when, and the seconds of each phase."""
    try:
        text = (paths.status_file.parent / HISTORY).read_text(encoding="utf-8")
    except OSError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


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
