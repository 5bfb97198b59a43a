"""The `by_report` kind: a table whose rows each belong to one report, rebuilt by report.

A model of this kind (`kind CUSTOM (materialization 'by_report')`) must give each row the
`report_id` of the one report its row comes from, and compute a report's rows from that
report's inputs only (every join and window is within a report; the seeds it reads are the
same for all). Then, when reports change, only their rows need to be computed again:

- a new table (the model's first build, or a new version of it after its definition or a
  seed it reads changed) is filled whole;
- otherwise the rows of the reports listed in `raw.pending_reports` (loaded, revised or
  removed since the models last ran; the build writes it with raw.* and clears it once a plan
  has applied) are deleted, and the query's rows of those reports inserted;
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
        pending = f"report_id IN (SELECT report_id FROM {PENDING})"
        self.adapter.delete_from(exp.to_table(table_name), where=pending)
        rows = exp.select("*").from_(query_or_df.subquery("q")).where(pending)
        self.adapter.insert_append(table_name, rows, target_columns_to_types=model.columns_to_types)

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
