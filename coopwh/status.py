"""`coopwh status`: the last build, the files waiting, held or quarantined, and how much of each
report is reviewed."""

from __future__ import annotations

from coopwh.inbox import ignored_files, waiting_files
from coopwh.paths import Paths
from coopwh.published import read_only
from coopwh.records import build_is_current, last_build_status


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
