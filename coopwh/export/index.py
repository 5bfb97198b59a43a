"""What every workbook holds, for all of them at once: one pass over each table the workbooks
show counts its rows and sums their hashes by province (and pooled pilot type, or fund subject)
and by report. From it come, without reading any workbook's rows: whether a workbook changed
since the last export, each scope's figures, reports and other units for its cover, and the
report blocks of each CSV (which reports' rows it holds, in its order, and a hash of each)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

# each table: the mart, and what its rows are grouped by besides the report: the province a
# row is about and, for a scope's pooled rows, the member it is in the scope by
TABLES = {
    "growth": (
        "marts.growth_since_2016",
        "province_code, CASE WHEN subject_kind = 'pilot_type' THEN subject_id END",
    ),
    "coverage": ("marts.coverage_by_level", "province_code, NULL"),
    "funds": ("marts.fund_composition", "NULL, subject_id"),
    "facts": ("marts.facts", "province_code, NULL"),
}


@dataclasses.dataclass
class Index:
    """The rows of each table, grouped: (province, member, report_id) -> (rows, hash sum)."""

    groups: dict[str, list[tuple]]  # table key -> [(province, member, report_id, rows, hash)]
    others: dict[str | None, list[str]]  # province (None: the country) -> other units, sorted
    touched: dict[str, set[str]]  # province -> the warnings about its figures (finding ids)

    def by_report(self, key: str, code: str | None, members: set[str]) -> dict[str, tuple]:
        """The rows of a table in a scope, by report: report_id -> (rows, hash sum). A scope is
        the country's (code None: every row; of the funds, those of its pilots) or a
        province's (its rows, and its pilot types' pooled rows); members: the pilot types of
        the scope's pilots (growth) or its pilots' ids (funds)."""
        blocks: dict[str, list[int]] = {}
        for province, member, report_id, rows, hashed in self.groups[key]:
            if key == "funds":
                inside = member in members
            else:
                inside = code is None or province == code or member in members
            if inside:
                block = blocks.setdefault(report_id, [0, 0])
                block[0] += rows
                block[1] += hashed
        return {report_id: tuple(block) for report_id, block in blocks.items()}


def read_index(connection) -> Index:
    """The index of the published copy (connection: read-only on it)."""
    groups = {}
    for key, (mart, grouping) in TABLES.items():
        report = "NULL" if key == "funds" else "report_id"
        groups[key] = [
            (province, member, report_id, int(rows), int(hashed))
            for province, member, report_id, rows, hashed in connection.execute(
                f"SELECT {grouping}, {report}, COUNT(*), SUM(hash(t)) FROM {mart} AS t GROUP BY ALL"
            ).fetchall()
        ]
    names: dict[str | None, set[str]] = defaultdict(set)
    for province, name in connection.execute(
        "SELECT DISTINCT province_code, subject_name FROM marts.facts "
        "WHERE subject_kind = 'region' AND subject_name IS NOT NULL"
    ).fetchall():
        names[None].add(name)
        if province is not None:
            names[province].add(name)
    others = {province: sorted(units) for province, units in names.items()}  # as DuckDB sorts
    touched: dict[str, set[str]] = defaultdict(set)
    for province, finding in connection.execute(
        "SELECT DISTINCT f.province_code, w.finding_id FROM marts.audit_findings AS w, "
        "unnest(string_split(w.span_starts, ',')) AS s(span_start) "
        "JOIN marts.facts AS f ON f.report_id = w.report_id "
        "AND f.span_start = TRY_CAST(s.span_start AS INT) "
        "WHERE w.status = 'warning' AND f.province_code IS NOT NULL"
    ).fetchall():
        touched[province].add(finding)
    return Index(groups, others, dict(touched))
