"""Take new reports in: read, extract, check, rebuild; bad files go to quarantine with a reason.

A file whose text nearly matches a loaded report (a revision saved under another name) is held
in reports/held/ with the command that accepts it, never counted twice. A revision replaces its
report: the old file is archived and the curated seeds follow the new text (reanchor.py).

sorting.py reads each file and decides what it is; known.py knows the reports already
loaded; placing.py puts files in place under a journal; reanchor.py moves curated spans.
coopwh.pipeline orders them with the build."""
