"""The coopwh command: one verb per job (build, run, ingest, sql, export, review, status, …).

It parses, calls the library (coopwh.pipeline and the modules it names), prints what comes back
and returns the exit code; one wrapper turns every failure into a message and exit 1. Most of
its lines are the help of each command, with an example: the reason it is over 400 lines."""

from __future__ import annotations

import argparse
import gc
import os
import sys

from coopwh.paths import GATEWAYS, Paths, resolve_paths

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as a process killed by SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `coopwh` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    from coopwh.processes import Terminated, stop_cleanly_on_term, stopping

    command = args.handler.__name__.strip("_").replace("_", " ")
    with stop_cleanly_on_term():
        try:
            code = args.handler(args)
            if stopping() is not None:  # asked to stop, swallowed where it could only be printed
                raise Terminated(stopping())
            return code
        except BrokenPipeError:  # the reader went away (coopwh changes | head): say nothing
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_BROKEN_PIPE
        except Terminated as stop:
            print(
                f"coopwh: stopped by signal {stop.code - 128}: readers keep the last good build, "
                "and the next run finishes the job",
                file=sys.stderr,
            )
            return stop.code
        except Exception as error:  # the one wrapper: a message and exit 1, never a traceback
            return _failed(command, error)


# how a command's known failure is put: `coopwh build: failed: …`, `coopwh export: refused: …`
VERDICTS = {"build": "failed: ", "run": "failed: ", "ingest": "failed: ", "export": "refused: "}


def _known_errors() -> tuple[type[Exception], ...]:
    """The errors that say what went wrong in words (a bad file, a refused query, a failed
    audit …): shown as they are, never as a failure of the program."""
    from coopwh.changes.log import ChangesError
    from coopwh.errors import BuildError, ExportError
    from coopwh.query import QueryError
    from coopwh.review.fields import ReviewError
    from loaders.extract import ExtractionLimit
    from loaders.reports import ReportError

    return (
        BuildError,
        ExportError,
        ChangesError,
        QueryError,
        ReviewError,
        ReportError,
        ExtractionLimit,
    )


def _failed(command: str, error: Exception) -> int:
    """Say why a command failed, on stderr, and return its exit code (1)."""
    from coopwh.processes import Terminated, stopping
    from coopwh.query import Refused

    if stopping():  # a library's own error for the interruption: the run was stopped
        raise Terminated(stopping()) from error
    if isinstance(error, Refused):
        print(error, file=sys.stderr)
        return EXIT_FAILED
    if isinstance(error, _known_errors()):
        print(f"coopwh {command}: {VERDICTS.get(command, '')}{error}", file=sys.stderr)
        return EXIT_FAILED
    if os.environ.get("COOPWH_DEBUG"):
        raise error
    hint = ""
    if type(error).__name__ in ("BinderException", "CatalogException"):
        hint = (
            "\nThe published copy may be from an earlier version of coopwh: `coopwh build` "
            "makes it anew."
        )
    print(
        f"coopwh {command}: failed unexpectedly: {type(error).__name__}: {error}{hint}\n"
        "Readers still see the last good build. Run again with COOPWH_DEBUG=1 for details.",
        file=sys.stderr,
    )
    return EXIT_FAILED


def _global_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--project, --warehouse and --gateway: before the verb, and after it too (a verb's
    copy defaults to SUPPRESS, so it never overrides one given before the verb)."""
    parser.add_argument(
        "--project",
        default=default,
        help="project directory (default: the one holding config.yaml)",
    )
    parser.add_argument(
        "--warehouse", default=default, help="warehouse directory (default: <project>/warehouse)"
    )
    parser.add_argument(
        "--gateway",
        default=default,
        choices=GATEWAYS,
        help="where the warehouse lives: local, the embedded DuckDB file (default), or postgres, "
        "a shared server reached through PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE "
        "(default: $COOPWH_GATEWAY, else local)",
    )


def _verbs_take_global_options(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for verb in action.choices.values():
                _global_options(verb, argparse.SUPPRESS)
                _verbs_take_global_options(verb)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coopwh",
        description="The co-op reform pilot warehouse: reports in, audited marts out.",
    )
    _global_options(parser)
    verbs = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = verbs.add_parser(
        "build",
        help="Load the reports, plan and apply every model to prod, audit, and publish.",
        description="Load the reports, plan and apply every model to prod, run every audit, "
        "and publish a read-only copy for analysts. Readers keep the last good copy if "
        "anything fails. If nothing it reads changed since the last good build, it says so "
        "and stops.",
        epilog="example: coopwh build",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="rebuild every model even if nothing changed since the last good build",
    )
    build.set_defaults(handler=_build)

    sql = verbs.add_parser(
        "sql",
        help="Run a read-only SQL query on the published warehouse and print a table.",
        description="Run a read-only SQL query on the published warehouse and print a table. "
        "One statement per call (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN); it "
        "reads the published tables and nothing else: no writes, no files, no extensions. On "
        "the postgres gateway it connects as a reader (a login in the coopwh_reader role), "
        "never as the build account: $COOPWH_PG_READER_USER and $COOPWH_PG_READER_PASSWORD "
        "if set, else the reader login the build made (its password kept in "
        "warehouse/postgres/reader_login.json), else $PGUSER if it is such a reader.",
        epilog='example: coopwh sql "SELECT subject_name, growth_pct FROM '
        "marts.growth_since_2016 WHERE metric_code = 'sales_total'\"",
    )
    sql.add_argument("query", help="the SQL to run")
    sql.add_argument("--csv", action="store_true", help="print CSV instead of a table (LF ends)")
    sql.add_argument("--crlf", action="store_true", help="with --csv: end lines with CRLF")
    sql.set_defaults(handler=_sql)

    export = verbs.add_parser(
        "export",
        help="Write an Excel workbook per province with pilots, and a national one.",
        description="Write an Excel workbook per province with pilots (e.g. exports/四川省.xlsx) "
        "and a national one (exports/全国.xlsx) from the published marts. Refuses if the last "
        "build failed.",
        epilog="example: coopwh export --out exports",
    )
    export.add_argument("--out", help="directory for the workbooks (default: <project>/exports)")
    export.add_argument(
        "--allow-failed-build",
        action="store_true",
        help="export the last good build even though the latest build failed",
    )
    export.set_defaults(handler=_export)

    extract = verbs.add_parser(
        "extract",
        help="Print every figure the extractor reads in a report, with its span.",
        description="Print every figure the extractor reads in a report (.txt, .docx, .html, "
        ".pdf, .xlsx), with the fact columns and the character span of each figure. Changes "
        "nothing.",
        epilog="example: coopwh extract reports/2019-gxs-reform-pilots.txt --format jsonl",
    )
    extract.add_argument("path", help="the report file")
    extract.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="default csv")
    extract.set_defaults(handler=_extract)

    ingest = verbs.add_parser(
        "ingest",
        help="Take report files in: read, extract, check, rebuild; bad files go to quarantine.",
        description="Take report files in: read and extract each, move the good ones into "
        "reports/ and rebuild the warehouse. A bad file moves to reports/quarantine/ with "
        "NAME.reason.txt beside it; the warehouse is not changed by it. A file whose text "
        "nearly matches a loaded report is held in reports/held/ until you say whether it "
        "revises that report (--revises) or is a new one (--new).",
        epilog="examples: coopwh ingest ~/Downloads/2020-gxs-progress.docx\n"
        "          coopwh ingest reports/held/2019-corrected.txt --revises 2019-gxs-reform-pilots",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ingest.add_argument("paths", nargs="+", help="report files (.txt, .docx, .html, .pdf, .xlsx)")
    choice = ingest.add_mutually_exclusive_group()
    choice.add_argument(
        "--revises",
        metavar="REPORT_ID",
        help="the file is a revised version of this loaded report: it replaces it, and the "
        "curated figures follow its text",
    )
    choice.add_argument(
        "--new",
        action="store_true",
        help="take the file as a new report even though its text nearly matches a loaded one",
    )
    ingest.set_defaults(handler=_ingest)

    run = verbs.add_parser(
        "run",
        help="The scheduled job: ingest reports/inbox/, rebuild if anything changed, export.",
        description="The scheduled job (cron, systemd): take in every file in reports/inbox/, "
        "rebuild if reports, seeds or models changed since the last good build, and refresh "
        "the workbooks in exports/. With nothing new it changes nothing and returns at once.",
        epilog="example: coopwh run",
    )
    run.set_defaults(handler=_run)

    review = verbs.add_parser(
        "review",
        help="Review what the extractor read: export a sheet, fill it in Excel, apply it.",
        description="The review loop: `coopwh review export` writes a workbook of the figures "
        "still to review, one row per figure; a reviewer chooses accept, correct (overwriting "
        "what was read wrong) or reject; `coopwh review apply FILE` checks every row, records "
        "the decisions in seeds/fact_reviews.csv and rebuilds.",
        epilog="example: coopwh review export --out review.xlsx && coopwh review apply review.xlsx",
    )
    review_verbs = review.add_subparsers(title="steps", metavar="STEP")
    review_export = review_verbs.add_parser(
        "export",
        help="Write the review workbook of the figures still to review.",
        description="Write a review workbook (review.xlsx by default) of the figures still to "
        "review: unreviewed ones and those the door in held back.",
        epilog="example: coopwh review export --report 2020-shouguang-county --out shouguang.xlsx",
    )
    review_export.add_argument("--report", help="only this report's figures (a report id)")
    review_export.add_argument("--out", help="the workbook to write (default: review.xlsx)")
    review_export.set_defaults(handler=_review_export)
    review_apply = review_verbs.add_parser(
        "apply",
        help="Check a filled review sheet, record its decisions and rebuild.",
        description="Read a filled review sheet back, check every row (a wrong row is named "
        "with its cell, and then nothing is applied), record the decisions in "
        "seeds/fact_reviews.csv and rebuild. Applying the same sheet again changes nothing.",
        epilog="example: coopwh review apply review.xlsx --reviewer 王芳",
    )
    review_apply.add_argument("path", help="the filled review workbook")
    review_apply.add_argument(
        "--reviewer", help="who reviewed (default: $COOPWH_REVIEWER, else your login name)"
    )
    review_apply.set_defaults(handler=_review_apply)
    review.set_defaults(handler=lambda args: _usage(review))

    status = verbs.add_parser(
        "status",
        help="Say how the last build went and how many figures wait for review, per report.",
        description="The last build's outcome, files waiting in the inbox, held or quarantined, "
        "and per report how many figures are reviewed and how many wait.",
        epilog="example: coopwh status",
    )
    status.set_defaults(handler=_status)

    validate = verbs.add_parser(
        "validate",
        help="Run both Great Expectations doors now and write the quality report.",
        description="Validate the curated facts and every report's extracted facts (the door "
        "in), and the published marts (the door out), with Great Expectations; write the "
        "one-page quality summary and Data Docs. Changes no data.",
        epilog="example: coopwh validate",
    )
    validate.set_defaults(handler=_validate)

    changes = verbs.add_parser(
        "changes",
        help="Show what builds changed in the marts: rows added, removed and changed.",
        description="What the last build (or every build since one) changed in the marts, "
        "compared with the build before it by each mart's grain: per mart the counts, then "
        "the rows; a changed value shows both values and the sentences they came from. "
        "Read from meta.changes in the published copy.",
        epilog="examples: coopwh changes | coopwh changes --since 3 --mart facts | "
        "coopwh changes --since 2026-11-01 --csv > changes.csv",
    )
    changes.add_argument(
        "--since",
        metavar="BUILD_ID|DATE",
        help="every build after this build id, or from this date on (default: the last build)",
    )
    changes.add_argument("--mart", help="one mart only, e.g. facts or marts.growth_since_2016")
    changes.add_argument(
        "--all", action="store_true", help="list every change row (not a summary past a screenful)"
    )
    changes.add_argument("--csv", action="store_true", help="print every change row as CSV instead")
    changes.add_argument("--crlf", action="store_true", help="with --csv: end lines with CRLF")
    changes.set_defaults(handler=_changes)
    _verbs_take_global_options(parser)
    return parser


def _paths(args: argparse.Namespace) -> Paths:
    return resolve_paths(args.project, args.warehouse, args.gateway)


def _echo(message: str) -> None:
    print(message, flush=True)


def _say(lines: list[str], stream=None) -> None:
    for line in lines:
        print(line, file=stream or sys.stdout)


def _build(args: argparse.Namespace) -> int:
    from coopwh.pipeline import build

    _say(build(_paths(args), _echo, force=args.force).lines())
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from coopwh.pipeline import run

    result = run(_paths(args), _echo)
    if result.ingest:
        _say(result.ingest.problems(), sys.stderr)
    _say(result.lines())
    return EXIT_FAILED if result.failed else EXIT_OK


def _ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopwh.ingest.sorting import loaded_report_ids
    from coopwh.pipeline import ingest

    paths = _paths(args)
    files = [Path(p) for p in args.paths]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        return _usage_error(f"coopwh ingest: no such file: {', '.join(missing)}")
    if args.revises:
        loaded = loaded_report_ids(paths)
        if args.revises not in loaded:
            return _usage_error(
                f"coopwh ingest: --revises {args.revises}: no such report is loaded "
                f"(loaded: {', '.join(loaded) or 'none'})"
            )
        if len(files) > 1:
            return _usage_error("coopwh ingest: --revises takes one file")
    result = ingest(paths, files, _echo, revises=args.revises, new=args.new)
    _say(result.problems(), sys.stderr)
    _say(result.lines())
    return EXIT_FAILED if result.failed else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopwh.pipeline import export

    out_dir = Path(args.out) if args.out else None
    export(_paths(args), out_dir, _echo, allow_failed=args.allow_failed_build)
    return EXIT_OK


def _review_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopwh.review.sheet import export_sheet

    out = Path(args.out or "review.xlsx")
    count = export_sheet(_paths(args), out, args.report)
    print(f"Wrote {count} figure(s) to review to {out}")
    if count:
        print(f"Fill in the 审阅结论 (decision) column, then: coopwh review apply {out}")
    return EXIT_OK


def _review_apply(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopwh.pipeline import review_apply

    path = Path(args.path)
    if not path.is_file():
        return _usage_error(f"coopwh review apply: no such file: {path}")
    _say(review_apply(_paths(args), path, args.reviewer, _echo).lines())
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from coopwh.pipeline import validate

    result = validate(_paths(args), _echo)
    _say(result.lines())
    return EXIT_OK if result.ok else EXIT_FAILED


def _status(args: argparse.Namespace) -> int:
    from coopwh.status import describe

    print(describe(_paths(args)))
    return EXIT_OK


def _sql(args: argparse.Namespace) -> int:
    from coopwh.gateway import gateway_for
    from coopwh.query import format_table

    columns, rows = gateway_for(_paths(args)).query(args.query)
    if not columns:
        return EXIT_OK
    if args.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\r\n" if args.crlf else "\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print(format_table(columns, rows))
    return EXIT_OK


def _changes(args: argparse.Namespace) -> int:
    from coopwh.changes.log import SHOWN, describe, read_log, write_csv
    from coopwh.published import readers_copy

    published = readers_copy(_paths(args))
    per_mart = None if args.csv or args.all else SHOWN
    log = read_log(published, args.since, args.mart, per_mart=per_mart)
    if args.csv:
        write_csv(log, crlf=args.crlf)
    else:
        print(describe(log, shown=len(log.rows) if args.all else SHOWN))
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    import csv
    import json
    from pathlib import Path

    from coopwh.build.reading import figures_of

    read = figures_of(Path(args.path), _paths(args).project / "seeds")
    if args.format == "jsonl":
        for row in read.rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        fields = list(read.rows[0]) if read.rows else ["report_id"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(read.rows)
    _say(read.notes(), sys.stderr)
    return EXIT_OK


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _usage_error(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def console() -> None:
    """The `coopwh` console script: main(), then the process ends without the interpreter's
    last garbage collection (the objects are frozen first: that collection walked everything
    SQLMesh loaded, a second at the end of a run); files are closed and flushed as ever."""
    code = main()
    gc.freeze()
    from coopwh.processes import stopping

    if stopping() is not None:  # stopped by a signal, its clean-up done (lock, files, workers):
        # it ends now; the interpreter's exit would wait on any worker process still alive
        # (seen: a reading worker started as the stop came, waited on for ever)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # a worker left dies with it (die_with_parent)
    sys.exit(code)


if __name__ == "__main__":
    console()
