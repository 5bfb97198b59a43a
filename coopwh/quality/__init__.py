"""Great Expectations at the two edges, and the quality page.

The door in checks a batch of facts before it is loaded (a bad curated row stops the build; an
extracted figure that fails is held back with its reason), the door out checks the published
marts before any workbook leaves. Suites are code (expectations.py), run on pandas frames
(checks.py; GX's SQL path does not work against DuckDB) in a worker process of their own
(worker.py: importing GX takes seconds), through a file-backed GX context (validator.py);
doors.py is where the build and the export ask them, page.py the one-page summary."""
