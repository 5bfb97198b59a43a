"""The `by_report` kind: a table whose rows each belong to one report, rebuilt by report.

A model of this kind (`kind CUSTOM (materialization 'by_report')`) must give each row the
`report_id` of the one report its row comes from, and compute a report's rows from that
report's inputs only: every join and window is within a report, and in every relation it reads
that has a `report_id` column (raw.*, the models over it, the curated seeds of a report's
figures) a row with that report_id is an input of that report's rows alone; a relation without
one (the places, the metrics, the vocabularies) is the same for all. Then, when reports change,
only their rows need to be computed again:

- a new table (the model's first build, or a new version of it after its definition or a
  seed it reads changed) is filled whole;
- otherwise the rows of the reports listed in `raw.pending_reports` (loaded, revised or
  removed since the models last ran; the build writes it with raw.* and clears it once a plan
  has applied) are deleted, and the query's rows of those reports inserted: the query reads
  only those reports' rows of each relation with a report_id (a filter on each, not just on
  its result: DuckDB does not push a filter on the result into the query's CTEs, so one more
  report into 1,000 computed every report's rows and kept one report's);
- a NULL in `raw.pending_reports` stands for every report (`coopwh build --force`): the table
  is filled whole again, as it is when more than half of the reports are pending.

test_scale checks that this gives the rows a full rebuild gives, after new, revised and
removed reports.
"""

from __future__ import annotations

from sqlglot import exp
from sqlmesh import CustomMaterialization

from loaders.raw import PENDING  # the table the loaders keep the list in


class ByReport(CustomMaterialization):
    NAME = "by_report"

    def insert(self, table_name, query_or_df, model, is_first_insert, render_kwargs, **kwargs):  # noqa: ANN001, ANN003 - SQLMesh's signature
        if self._whole(table_name):
            self._replace_query_for_model(model, table_name, query_or_df, render_kwargs, **kwargs)
            return
        pending = [r for (r,) in self.adapter.fetchall(f"SELECT report_id FROM {PENDING}")]
        self.adapter.delete_from(exp.to_table(table_name), where=_among(pending))
        if not isinstance(query_or_df, exp.Query):
            raise TypeError(f"{model.name}: a by_report model is a SQL model")
        query_or_df = self._of_reports(query_or_df, pending)
        # the columns named in the table's order (so SQLMesh takes the query as it is),
        # built in place: copying the syntax tree of a large model took most of a second
        names = [exp.column(name, quoted=True) for name in model.columns_to_types]
        query_or_df = (
            exp.select(*names)
            .from_(query_or_df.subquery("q", copy=False), copy=False)
            .where(_among(pending), copy=False)
        )
        self.adapter.insert_append(
            table_name, query_or_df, target_columns_to_types=model.columns_to_types
        )

    def _of_reports(self, query: exp.Query, pending: list[str]) -> exp.Query:
        """The query reading only the rows of the pending reports of each relation it reads
        that has a report_id column: each such table becomes a subquery of those rows, under
        the table's own alias."""
        sources = [
            table
            for table in query.find_all(exp.Table)
            if table.db and isinstance(table.parent, exp.From | exp.Join)
        ]
        keyed = self._with_report_id({_key(table) for table in sources})
        for table in sources:
            if _key(table) in keyed:
                alias = table.alias_or_name
                bare = exp.table_(table.name, db=table.db, catalog=table.catalog or None)
                rows = exp.select("*").from_(bare).where(_among(pending)).subquery(alias)
                table.replace(rows)
        return query

    def _with_report_id(self, names: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Of (catalog, schema, name) triples, those of relations with a report_id column (from
        information_schema, which DuckDB and PostgreSQL both have)."""
        if not names:
            return set()
        listed = ", ".join(
            "(" + ", ".join(exp.Literal.string(part).sql() for part in name) + ")"
            for name in sorted(names)
        )  # (catalog, schema, name); the catalog '' when the query does not name it
        found = self.adapter.fetchall(
            "SELECT DISTINCT name.catalog, name.db, name.name FROM (VALUES "
            f"{listed}) AS name(catalog, db, name) JOIN information_schema.columns AS c "
            "ON c.table_catalog = COALESCE(NULLIF(name.catalog, ''), current_database()) "
            "AND c.table_schema = name.db AND c.table_name = name.name "
            "WHERE c.column_name = 'report_id'"
        )
        return {tuple(row) for row in found}

    def _whole(self, table_name: str) -> bool:
        """Fill the table whole: it is new or empty, or every report is pending, or more than
        half of them are (a thousand new reports: one write of every row is cheaper than a
        delete and an insert), or there is no list of pending reports (raw.* written by an
        older version)."""
        if not self.adapter.table_exists(table_name):
            return True
        if self.adapter.fetchone(f"SELECT 1 FROM {table_name} LIMIT 1") is None:
            return True
        if not self.adapter.table_exists(PENDING):
            return True
        everything, pending, reports = self.adapter.fetchone(
            f"SELECT COUNT(*) > COUNT(report_id), COUNT(DISTINCT report_id), "
            f"(SELECT COUNT(*) FROM (SELECT report_id FROM raw.reports UNION "
            f"SELECT report_id FROM {PENDING} WHERE report_id IS NOT NULL) AS r) FROM {PENDING}"
        )
        return bool(everything) or pending * 2 > reports


def _key(table: exp.Table) -> tuple[str, str, str]:
    return (table.catalog, table.db, table.name)


def _among(report_ids: list[str]) -> exp.Expression:
    """report_id IN (the ids, as literals: DuckDB pushes a filter of constants into the scans
    and joins below it, where it would run a subquery's as a join at the top)."""
    if not report_ids:
        return exp.false()
    return exp.column("report_id").isin(*(exp.Literal.string(r) for r in report_ids))
