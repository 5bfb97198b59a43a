"""A revised report's old offsets moved to the same places in its new text, so that a corrected
figure is one `changed` row, not every later figure of the report removed and added again."""

from __future__ import annotations

from coopwh.changes.catalog import (
    is_span,
    mart_columns,
    quote,
    report_column,
    tables,
    where_column,
)
from loaders.keys import fact_id_sql
from loaders.revisions import offset_map


def move_revised_offsets(adapter, has_previous: bool) -> bool:
    """For each report whose text changed, a one-row temp table moves(m) holding a map from
    'report_id:offset' in the old text to the offset of the same place in the new text, for
    every offset the previous marts hold. False when no offset moved."""
    if not has_previous or "reports" not in tables(adapter.fetchall, "previous", "meta"):
        return False
    ids = [
        report_id
        for (report_id,) in adapter.fetchall(
            "SELECT report_id FROM previous.meta.reports AS old "
            "JOIN published.meta.reports AS new USING (report_id) WHERE old.sha256 <> new.sha256"
        )
    ]  # then the texts of those alone (a thousand reports' texts are 57 MB)
    revised = (
        adapter.cursor.execute(
            "SELECT old.report_id, old.text, new.text FROM previous.meta.reports AS old "
            "JOIN published.meta.reports AS new USING (report_id) "
            "WHERE list_contains(?, report_id) ORDER BY report_id",
            [ids],
        ).fetchall()
        if ids
        else []
    )
    keys, values = [], []
    for report_id, old_text, new_text in revised:
        move = offset_map(old_text, new_text, within_changed=True)
        for at in _old_offsets(adapter, report_id):
            new_at = move(at)
            if new_at is not None and new_at != at:
                keys.append(f"{report_id}:{at}")
                values.append(new_at)
    if not keys:
        return False
    adapter.cursor.execute(
        "CREATE OR REPLACE TEMP TABLE moves AS SELECT MAP(?::TEXT[], ?::INTEGER[]) AS m",
        [keys, values],
    )
    adapter.cursor.execute(
        "CREATE OR REPLACE TEMP TABLE revised AS SELECT UNNEST(?::TEXT[]) AS report_id",
        [[r for r, _, _ in revised]],
    )
    return True


def _old_offsets(adapter, report_id: str) -> set[int]:
    """Every offset the previous marts hold for a report (an end as the place of its last
    character, so that it moves with it)."""
    offsets: set[int] = set()
    quoted = quote(report_id)
    for mart in tables(adapter.fetchall, "previous", "marts"):
        columns = mart_columns(adapter.fetchall, "previous", mart)
        for column in filter(is_span, columns):
            report = report_column(column, columns)
            if report is None:
                continue
            value = f'"{column}"'
            if column.endswith("starts"):  # a list, or the same as text: '12,40'
                text = columns[column] == "VARCHAR"
                value = (
                    f"UNNEST(STRING_SPLIT({value}, ','))::INTEGER" if text else f"UNNEST({value})"
                )
            last = " - 1" if column.endswith("end") else ""
            rows = adapter.fetchall(
                f'SELECT DISTINCT {value}{last} FROM previous.marts."{mart}" '
                f"WHERE \"{report}\" = '{quoted}'"
            )
            offsets.update(int(at) for (at,) in rows if at is not None)
    return offsets


def _moved_value(column: str, columns, grain) -> str | None:
    """SQL for an old value moved into its report's new text, or None if it holds no offset.
    A fact id (report:offset:subject) is rebuilt with the moved offset, and so is a key or id
    that ends in the row's offset (check:report:…:offset)."""
    value = f't."{column}"'
    if column == "fact_id" or column.endswith("_fact_id"):
        place = f"REGEXP_EXTRACT({value}, '^(.*):[^:]*$', 1)"
        moved = fact_id_sql(
            f"REGEXP_EXTRACT({value}, '^(.*):[0-9]+:[^:]*$', 1)",
            f"moves.m[{place}]",
            f"REGEXP_EXTRACT({value}, ':([^:]*)$', 1)",
        )
        return f"COALESCE({moved}, {value})"
    report = report_column(column, columns) if is_span(column) else None
    if report is not None:
        key = f"t.\"{report}\" || ':' || "
        if column.endswith("starts") and columns[column] == "VARCHAR":  # '12,40'
            each = f"x -> COALESCE(moves.m[{key}TRIM(x)]::TEXT, x)"
            return f"ARRAY_TO_STRING(LIST_TRANSFORM(STRING_SPLIT({value}, ','), {each}), ',')"
        if column.endswith("starts"):
            return f"LIST_TRANSFORM({value}, x -> COALESCE(moves.m[{key}x::TEXT], x))"
        if column.endswith("end"):
            return f"COALESCE(moves.m[{key}({value} - 1)::TEXT] + 1, {value})"
        return f"COALESCE(moves.m[{key}{value}::TEXT], {value})"
    is_key = column in grain or column.endswith("_id")
    if is_key and "report_id" in columns and columns[column] == "VARCHAR":
        offset = f"REGEXP_EXTRACT({value}, ':([0-9]+)$', 1)"
        return (
            f"COALESCE(REGEXP_EXTRACT({value}, '^(.*:)[0-9]+$', 1) || "
            f"moves.m[t.report_id || ':' || {offset}]::TEXT, {value})"
        )
    return None


def old_rows(mart: str, columns: dict[str, str], grain: list[str], moved: bool) -> str:
    """SQL for the previous copy of a mart, its offsets moved into the revised reports' new
    texts (rows of other reports are read as they are)."""
    select = []
    for column in columns:
        plain = f't."{column}"'
        value = _moved_value(column, columns, grain) if moved else None
        if value is not None and "report_id" in columns:
            revised = "t.report_id IN (SELECT report_id FROM revised)"
            value = f"CASE WHEN {revised} THEN {value} ELSE {plain} END"
        select.append(f'{value or plain} AS "{column}"')
    for column in ("report_id", "span_start", "span_end"):
        select.append(f"{where_column('t', column, columns)} AS __old_{column}")
    source = f'previous.marts."{mart}" AS t' + (", moves" if moved else "")
    return f"SELECT {', '.join(select)} FROM {source}"
