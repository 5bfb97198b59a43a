"""The outcome of the last build and a cheap signature of its inputs (no heavy imports)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from coopwh.paths import Paths

WATCHED = ("reports", "seeds", "models", "audits", "macros", "config.yaml", "external_models.yaml")


def fingerprint(paths: Paths) -> str:
    """A cheap signature of everything a build reads (names, sizes, modification times)."""
    digest = hashlib.sha256()
    for name in WATCHED:
        root = paths.project / name
        entries = [root] if root.is_file() else sorted(root.glob("*")) if root.is_dir() else []
        if name in ("models", "audits", "macros"):
            entries = sorted(root.rglob("*")) if root.is_dir() else []
        for entry in entries:
            if entry.is_file() and "__pycache__" not in entry.parts:
                stat = entry.stat()
                digest.update(
                    f"{entry.relative_to(paths.project)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()


def last_build_status(paths: Paths) -> dict | None:
    """The recorded outcome of the last build, or None if there has been none."""
    try:
        return json.loads(paths.status_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def record_status(
    paths: Paths, status: str, detail: str, signature: str = "", raw_state: str = ""
) -> None:
    """Record a build's outcome, the fingerprint of its inputs and the state of raw.* it saw."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    record = {
        "status": status,
        "at": now,
        "detail": detail,
        "fingerprint": signature,
        "raw_state": raw_state,
    }
    paths.status_file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


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
    """Files waiting in reports/inbox/ (hidden, temporary and partial files are left alone)."""
    if not paths.inbox_dir.is_dir():
        return []
    return sorted(
        p
        for p in paths.inbox_dir.iterdir()
        if p.is_file() and not p.name.startswith((".", "~")) and not p.name.endswith(".part")
    )
