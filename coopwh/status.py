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
    for label, directory in (
        ("waiting in the inbox", paths.inbox_dir),
        ("held (nearly repeat a loaded report)", paths.held_dir),
        ("in quarantine", paths.quarantine_dir),
    ):
        files = [
            p.name
            for p in (sorted(directory.iterdir()) if directory.is_dir() else [])
            if p.is_file() and not p.name.endswith(".reason.txt")
        ]
        if files:
            lines.append(f"Files {label} ({directory}): {', '.join(files)}")
    if not paths.published_db.exists():
        return "\n".join(lines)
    import duckdb

    with duckdb.connect(str(paths.published_db), read_only=True) as connection:
        rows = connection.execute(
            "SELECT report_id, figures, curated, accepted, corrected, rejected, unreviewed, held, "
            "waiting, reviewed_pct FROM marts.review_progress ORDER BY report_id"
        ).fetchall()
    waiting = sum(row[8] for row in rows)
    lines.append(f"Figures waiting for review: {waiting} (coopwh review export)")
    lines.append(
        f"  {'report':<32} {'figures':>7} {'curated':>7} {'accepted':>8} {'corrected':>9} "
        f"{'rejected':>8} {'waiting':>7} {'held':>5} {'reviewed':>8}"
    )
    for report, figures, curated, accepted, corrected, rejected, _, held, wait, pct in rows:
        lines.append(
            f"  {report:<32} {figures:>7} {curated:>7} {accepted:>8} {corrected:>9} "
            f"{rejected:>8} {wait:>7} {held:>5} {pct or 0:>7.1f}%"
        )
    return "\n".join(lines)
