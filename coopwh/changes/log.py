"""Read the change log of a published copy back (`coopwh changes`, the quality page, the covers)
and put each change in words: whose figure, what it measures, as printed, and its sentence."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

from coopwh.changes.catalog import tables
from coopwh.changes.record import CHANGES_COLUMNS, KINDS
from coopwh.published import SUMMARY_MEMORY, read_only

SENTENCE = 60  # characters of a sentence shown with a change in words


SCREEN = 40  # change rows past which `coopwh changes` summarises (by report, by province)


FEW_EACH = 5  # rows of each mart it then shows


SHOWN = 200  # rows `coopwh changes` prints per mart before saying how many more (--csv: all)


class ChangesError(Exception):
    """The change log cannot answer: no published copy, an unknown mart, a bad --since."""


@dataclass
class ChangeLog:
    """Builds and their changes read from a published copy: the counts of them all, and the
    rows themselves (all, or the first few of each mart)."""

    builds: list[dict]
    rows: list[dict]
    counts: dict[str, dict[str, int]]  # mart -> kind -> rows (a changed row counted once)
    lines: dict[str, int]  # mart -> change rows (a changed row has one per column)
    by_report: dict[str, int] = field(default_factory=dict)  # report -> rows changed
    by_province: dict[str, int] = field(default_factory=dict)  # province name -> rows changed

    def first(self, count: int) -> list[dict]:
        """The first rows across marts: changed ones, then removed, then added."""
        order = {"changed": 0, "removed": 1, "added": 2}
        return sorted(self.rows, key=lambda row: order[row["change"]])[:count]

    def more(self, shown: int) -> int:
        """How many rows there are beyond the first `shown`."""
        return max(0, sum(self.lines.values()) - shown)


def read_log(
    published_db: Path,
    since: str | None = None,
    mart: str | None = None,
    province: str | None = None,
    per_mart: int | None = None,
) -> ChangeLog:
    """The builds after `since` (a build id, or a date: builds from that day on; default: the
    last build only) and their changes, optionally to one mart or about one province; with
    per_mart, only the first rows of each mart (changed, then removed, then added)."""
    if not published_db.exists():
        raise ChangesError(f"{published_db}: no published build yet (run coopwh build)")
    with read_only(published_db, SUMMARY_MEMORY) as connection:
        fetch = connection.execute
        if "changes" not in tables(lambda sql: fetch(sql).fetchall(), _db(fetch), "meta"):
            raise ChangesError(
                f"{published_db}: this copy was published before the change log existed; "
                "the next build starts it"
            )
        builds = _dicts(fetch(f"SELECT * FROM meta.builds WHERE {_since(since)} ORDER BY build_id"))
        marts = [
            name
            for (name,) in fetch(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        where = [_since(since, "c.")]
        parameters: list = []
        if mart:
            name = mart.removeprefix("marts.")
            if name not in marts:
                raise ChangesError(f"no mart {mart!r}; the marts are: {', '.join(marts)}")
            where.append("c.mart = ?")
            parameters.append(name)
        if province:
            where.append("c.province_code = ?")
            parameters.append(province)
        selected = f"FROM meta.changes AS c WHERE {' AND '.join(where)}"
        counts: dict[str, dict[str, int]] = {}
        lines: dict[str, int] = {}
        for name, kind, keys, count in fetch(
            "SELECT mart, change, COUNT(DISTINCT (build_id, key)), COUNT(*) "
            f"{selected} GROUP BY ALL ORDER BY ALL",
            parameters,
        ).fetchall():
            counts.setdefault(name, dict.fromkeys(KINDS, 0))[kind] = keys
            lines[name] = lines.get(name, 0) + count
        order = (
            "c.mart, CASE c.change WHEN 'changed' THEN 0 WHEN 'removed' THEN 1 ELSE 2 END, "
            "c.build_id, c.report_id, c.span_start, c.key, c.column_name"
        )
        changes, first, arguments = "meta.changes", "", parameters
        if per_mart is not None:  # the first rows of each kind of change to each mart (a
            # top-N each, in little memory), then of each mart: a window over every row of a
            # first build of 10,000 reports (5 million) held 5 GB
            tops = [
                f"(SELECT * FROM meta.changes AS c WHERE {' AND '.join(where)} "
                f"AND c.mart = ? AND c.change = ? ORDER BY {order} LIMIT {per_mart})"
                for _ in range(sum(len(kinds) for kinds in counts.values()))
            ]
            changes = f"({' UNION ALL '.join(tops)})" if tops else "meta.changes"
            arguments = [
                value
                for name, kinds in counts.items()
                for kind in kinds
                for value in (*parameters, name, kind)
            ]
            first = (
                f"QUALIFY ROW_NUMBER() OVER (PARTITION BY c.mart ORDER BY {order}) <= {per_mart}"
            )
        rows = _dicts(
            fetch(
                f"SELECT b.built_at, c.* FROM {changes} AS c JOIN meta.builds AS b "
                f"USING (build_id) WHERE {' AND '.join(where)} {first} ORDER BY {order}",
                [*arguments, *parameters],
            )
        )
        by = {}
        joined = (
            f"FROM meta.changes AS c LEFT JOIN {_PROVINCES} AS r ON r.code = c.province_code "
            f"WHERE {' AND '.join(where)}"
        )
        for name, column in (
            ("report", "COALESCE(c.report_id, c.old_report_id, '—')"),
            ("province", "COALESCE(r.name_zh, c.province_code, '—')"),
        ):
            by[name] = dict(
                fetch(
                    f"SELECT {column}, COUNT(DISTINCT (c.build_id, c.mart, c.key)) AS n "
                    f"{joined} GROUP BY 1 ORDER BY n DESC, 1",
                    parameters,
                ).fetchall()
            )
    return ChangeLog(builds, rows, counts, lines, by["report"], by["province"])


_PROVINCES = "(SELECT region_code AS code, full_name AS name_zh FROM seeds.regions)"


def _db(fetch) -> str:
    return fetch("SELECT current_database()").fetchone()[0]


def _dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _since(since: str | None, prefix: str = "") -> str:
    """SQL on meta.builds (or changes joined to it) for the builds after `since`."""
    if since is None:
        return f"{prefix}build_id = (SELECT MAX(build_id) FROM meta.builds)"
    if since.isdigit():
        return f"{prefix}build_id > {int(since)}"
    try:
        day = dt.datetime.fromisoformat(since)
    except ValueError:
        raise ChangesError(
            f"--since {since!r}: give a build id (a whole number, see meta.builds) "
            "or a date such as 2026-11-30"
        ) from None
    return f"build_id IN (SELECT build_id FROM meta.builds WHERE built_at >= '{day.isoformat()}')"


def describe(log: ChangeLog, shown: int = SHOWN) -> str:
    """The change log as text: the builds, then per mart the counts and the rows."""
    if not log.builds:
        return "No build in that range."
    lines = [
        f"Build {b['build_id']} at {b['built_at']:%Y-%m-%d %H:%M} UTC, {b['reports']} report(s): "
        f"{b['added']} added, {b['removed']} removed, {b['changed']} changed"
        for b in log.builds
    ]
    counts = log.counts
    if not counts:
        lines.append("No mart row changed.")
    total = sum(sum(c.values()) for c in counts.values())
    if shown == SHOWN and total > SCREEN:  # more than a screenful: summarise, then a few each
        shown = FEW_EACH
        for label, counted in (("report", log.by_report), ("province", log.by_province)):
            top = list(counted.items())
            listed = ", ".join(f"{name} {n:,}" for name, n in top[:FEW_EACH])
            more = f", and {len(top) - FEW_EACH:,} more" if len(top) > FEW_EACH else ""
            lines.append(f"By {label}: {listed}{more}")
        lines.append(
            f"{total:,} rows: the first {FEW_EACH} of each mart below; all of them: "
            "coopwh changes --all (or --csv)"
        )
    by_mart: dict[str, list[dict]] = {}
    for row in log.rows:
        by_mart.setdefault(row["mart"], []).append(row)
    for mart, rows in by_mart.items():
        c = counts[mart]
        lines += ["", f"marts.{mart}: " + ", ".join(f"{c[k]} {k}" for k in KINDS)]
        for row in rows[:shown]:
            lines += _describe_row(row)
        if log.lines[mart] > min(len(rows), shown):
            more = log.lines[mart] - min(len(rows), shown)
            lines.append(f"  … and {more} more (--all or --csv gives them all)")
    return "\n".join(lines)


def in_words(row: dict) -> str:
    """A change row as a person reads it: the row in words (its label), its report and the
    sentence behind it; the mart's key only where the row has no words."""
    name = row.get("label") or row["key"]
    sentence = row.get("new_sentence") or row.get("old_sentence")
    report = row.get("report_id") or row.get("old_report_id")
    if sentence:
        cut = sentence if len(sentence) <= SENTENCE else sentence[: SENTENCE - 1] + "……"
        return f"{name}（{report}：“{cut}”）"
    return f"{name}（{report}）" if report else name


def _describe_row(row: dict) -> list[str]:
    where = _where(row["report_id"], row["span_start"], row["span_end"])
    if row["change"] == "added":
        return [f"  + {in_words(row)}"]
    if row["change"] == "removed":
        return [f"  - {in_words(row)}"]
    before = _where(row["old_report_id"], row["old_span_start"], row["old_span_end"])
    change = f"{row['column_name']} {shown(row['old_value'])} → {shown(row['new_value'])}"
    lines = [f"  ~ {row.get('label') or row['key']}: {change}"]
    if row["old_sentence"] or before:
        lines.append(f"      before{before}: {row['old_sentence'] or ''}".rstrip())
    if row["new_sentence"] or where:
        lines.append(f"      now{where}: {row['new_sentence'] or ''}".rstrip())
    return lines


def shown(value: str | None) -> str:
    """A stored value as people read it: 1260000000.0 as 1,260,000,000, 58.0 as 58."""
    if value is None:
        return "∅"
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and "e" not in value.lower():
        return f"{int(number):,}" if abs(number) >= 10_000 else str(int(number))
    return value


def _where(report_id, start, end) -> str:
    if not report_id or start is None:
        return ""
    return f" [{report_id} {start}–{end}]" if end is not None else f" [{report_id} {start}]"


def write_csv(log: ChangeLog, out=None, crlf: bool = False) -> None:
    """Every change row as CSV (to stdout by default), lines ended with LF (CRLF if asked)."""
    out = out or sys.stdout
    names = ["built_at"] + [name for name, _, _ in CHANGES_COLUMNS]
    end = "\r\n" if crlf else "\n"
    writer = csv.DictWriter(out, fieldnames=names, extrasaction="ignore", lineterminator=end)
    writer.writeheader()
    writer.writerows(log.rows)


def last_build_log(published_db: Path, per_mart: int | None = SHOWN) -> ChangeLog | None:
    """What the last build changed (the first rows of each mart), or None when the copy has no
    change log."""
    try:
        return read_log(published_db, per_mart=per_mart)
    except ChangesError:
        return None
