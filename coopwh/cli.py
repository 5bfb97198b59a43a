"""The coopwh command: one verb per job (build, sql)."""

from __future__ import annotations

import argparse
import os
import sys

from coopwh.paths import resolve_paths

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `coopwh` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coopwh",
        description="The co-op reform pilot warehouse: reports in, audited marts out.",
    )
    parser.add_argument(
        "--project", help="project directory (default: the one holding config.yaml)"
    )
    parser.add_argument("--warehouse", help="warehouse directory (default: <project>/warehouse)")
    verbs = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = verbs.add_parser(
        "build",
        help="Load the reports, plan and apply every model to prod, audit, and publish.",
        description="Load the reports, plan and apply every model to prod, run every audit, "
        "and publish a read-only copy for analysts. Readers keep the last good copy if "
        "anything fails.",
        epilog="example: coopwh build",
    )
    build.set_defaults(handler=_build)

    sql = verbs.add_parser(
        "sql",
        help="Run a read-only SQL query on the published warehouse and print a table.",
        description="Run a read-only SQL query on the published warehouse and print a table.",
        epilog='example: coopwh sql "SELECT subject_name, growth_pct FROM '
        "marts.growth_since_2016 WHERE metric_code = 'sales_total'\"",
    )
    sql.add_argument("query", help="the SQL to run")
    sql.add_argument("--csv", action="store_true", help="print CSV instead of a table")
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
    return parser


def _build(args: argparse.Namespace) -> int:
    from coopwh.build import BuildError, build

    paths = resolve_paths(args.project, args.warehouse)
    try:
        result = build(paths, echo=lambda message: print(message, flush=True))
    except BuildError as error:
        print(f"coopwh build: failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # an unforeseen failure: say what, keep the traceback for debugging
        if os.environ.get("COOPWH_DEBUG"):
            raise
        print(
            f"coopwh build: failed unexpectedly: {type(error).__name__}: {error}\n"
            "Readers still see the last good build. Run again with COOPWH_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    _print_build_summary(result)
    return EXIT_OK


def _print_build_summary(result) -> None:  # result: coopwh.build.BuildResult
    print()
    if result.added or result.modified or result.removed:
        for label, names in (
            ("added", result.added),
            ("modified", result.modified),
            ("removed", result.removed),
        ):
            if names:
                print(f"Models {label} ({len(names)}): {', '.join(names)}")
    else:
        print("Models: no changes")
    if result.reports_changed:
        print(f"Reports loaded: {', '.join(result.reports_changed)}")
    passed = sum(1 for a in result.audits if a.passed)
    print(f"Audits: {passed} of {len(result.audits)} passed, {len(result.warnings)} warning(s)")
    for finding in result.findings:
        print(f"  {finding['status']}: {finding['check_name']}: {finding['message']}")
    print(f"Published {result.published} in {result.seconds:.1f} s")


def _sql(args: argparse.Namespace) -> int:
    from coopwh.query import QueryError, format_table, run_query

    paths = resolve_paths(args.project, args.warehouse)
    try:
        columns, rows = run_query(paths, args.query)
    except QueryError as error:
        print(f"coopwh sql: {error}", file=sys.stderr)
        return EXIT_FAILED
    if not columns:
        return EXIT_OK
    if args.csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print(format_table(columns, rows))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopwh.export import ExportError, export

    paths = resolve_paths(args.project, args.warehouse)
    out_dir = Path(args.out) if args.out else paths.project / "exports"
    try:
        export(
            paths,
            out_dir,
            echo=lambda m: print(m, flush=True),
            allow_failed=args.allow_failed_build,
        )
    except ExportError as error:
        print(f"coopwh export: refused: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
