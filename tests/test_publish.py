"""Publishing into a copy of the last published file: only the reports whose rows differ are
written again, and the table ends up holding exactly the build's rows."""

from __future__ import annotations

import duckdb
import pytest

from coopwh.build.publish import _publish_table
from coopwh.gateway.postgres import LocalAdapter

FIRST = [("a", 1), ("a", 2), ("b", 3), ("b", 4), ("c", 5), ("c", 6)]


def published(source: list[tuple], target: list[tuple], target_type: str = "INT") -> tuple:
    """source -> target as publish does it: (the rows of target after, sorted; the rowids of
    report c's rows before and after)."""
    connection = duckdb.connect()
    connection.execute("ATTACH ':memory:' AS published")
    connection.execute("CREATE TABLE build_rows (report_id TEXT, value INT)")
    connection.execute(f"CREATE TABLE published.main.rows (report_id TEXT, value {target_type})")
    connection.executemany("INSERT INTO build_rows VALUES (?, ?)", source)
    connection.executemany("INSERT INTO published.main.rows VALUES (?, ?)", target)
    rowids = "SELECT rowid FROM published.main.rows WHERE report_id = 'c' ORDER BY rowid"
    before = connection.execute(rowids).fetchall()
    _publish_table(LocalAdapter(connection), "main.build_rows", "published.main.rows")
    after = connection.execute(rowids).fetchall()
    rows = connection.execute("SELECT * FROM published.main.rows ORDER BY ALL").fetchall()
    return rows, before, after


def test_only_the_reports_whose_rows_differ_are_written_again() -> None:
    new = [("a", 1), ("a", 20), ("a", 21), ("b", 3), ("b", 4), ("c", 5), ("c", 6)]

    rows, before, after = published(new, FIRST)

    assert rows == sorted(new)
    assert after == before  # report c's rows were not touched (whole, they would move)


@pytest.mark.parametrize(
    "new, target_type, why",
    [
        ([("a", 9), ("b", 9), ("c", 5), ("c", 6)], "INT", "most reports differ"),
        ([("a", 1), ("b", 3), ("c", 5), ("c", 6)], "BIGINT", "the column's type changed"),
        ([(None, 1), ("a", 1), ("a", 2), ("b", 3), ("b", 4), ("c", 5), ("c", 6)], "INT", "NULL"),
    ],
)
def test_otherwise_the_table_is_written_whole(new: list, target_type: str, why: str) -> None:
    rows, before, after = published(new, FIRST, target_type)

    assert rows == sorted(new, key=lambda r: (r[0] is None, r))
    assert after != before, why


def test_a_removed_report_loses_its_rows_and_a_new_one_gains_its_own() -> None:
    new = [("a", 1), ("a", 2), ("b", 3), ("b", 4), ("c", 5), ("c", 6), ("d", 7)]

    rows, before, after = published([r for r in new if r[0] != "b"], FIRST)

    assert rows == [r for r in new if r[0] != "b"]
    assert after == before
