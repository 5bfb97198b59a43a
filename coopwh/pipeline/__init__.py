"""The order of the stages: the jobs (jobs.py) a person or a schedule runs, one build stage by
stage (building.py), files taken in with it (ingesting.py), and both doors on demand
(validating.py). Call them from Python:

    from coopwh.paths import resolve_paths
    from coopwh.pipeline import build, run

    result = run(resolve_paths("path/to/project"))
"""

from coopwh.pipeline.jobs import build, export, ingest, review_apply, run, validate

__all__ = ["build", "export", "ingest", "review_apply", "run", "validate"]
