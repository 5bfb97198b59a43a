"""The stages of a build that are SQLMesh's and DuckDB's: reading and extracting the reports
(reading.py), the plan applied to prod (plan.py, through a quiet console, console.py), every
audit after promotion (audits.py) and the readers' copy published (publish.py). The order they
run in is coopwh.pipeline.building's."""
