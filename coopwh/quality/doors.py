"""Where the build and the export meet Great Expectations: the door in, before a build loads
anything, and the door out, before a workbook leaves."""

from __future__ import annotations

from collections.abc import Callable

from coopwh.build.reading import batch_name
from coopwh.errors import BuildError, ExportError
from coopwh.paths import Paths
from coopwh.published import identity
from coopwh.quality.worker import ValidatorProcess
from coopwh.records import last_build_status
from loaders.extract import Extraction, hold_by_position
from loaders.raw import report_texts
from loaders.reports import Report

Echo = Callable[[str], None]


def curated_texts(connection, paths: Paths, have: dict[str, str]) -> dict[str, str]:
    """The loaded texts of the reports the curated seeds cite, where not read anew."""
    from coopwh.quality.checks import curated_facts

    wanted = set(curated_facts(paths.project / "seeds")["report_id"]) - set(have)
    return report_texts(connection, wanted)


def validate_facts_in(
    paths: Paths,
    texts: dict[str, str],
    extracted: list[Report],
    extractions: dict[str, Extraction],
    validator: ValidatorProcess,
    echo: Echo = print,
    curated: bool = True,
) -> Callable[[], None]:
    """The door in, before anything is loaded: the curated facts must pass whole (a bad seed
    row stops the build); of the newly extracted reports, checked together as one batch, a
    figure that fails is held back with its reason and the rest load. curated false: the
    extracted batch alone (a build of many reports checks them a batch at a time, and the
    curated facts with the first).

    The checks go to the validator's worker at once; what this returns waits for them, raises
    BuildError if they refuse, and holds back the figures they do not let in."""
    from coopwh.quality.checks import curated_facts, fact_columns

    seeds = paths.project / "seeds"
    seeds_check = None
    if curated:
        frame = curated_facts(seeds)
        source = str(seeds / "report_facts.csv")
        seeds_check = validator.submit(
            "check_facts_in", frame, _texts_of(texts, frame["report_id"]), source, seeds
        )
    batch = [extractions[r.report_id] for r in extracted]
    columns = fact_columns(batch)
    new_check = None
    if columns["report_id"]:
        new_check = validator.submit(
            "check_fact_columns",
            columns,
            _texts_of(texts, (r.report_id for r in extracted)),
            batch_name(extracted),
            seeds,
        )

    def admit(check) -> None:  # check: coopwh.quality.CheckResult
        if check.refused:
            raise BuildError(f"{check.describe()}\nnothing was loaded; the warehouse is unchanged")

    def outcome() -> None:
        if seeds_check is not None:
            admit(validator.result(seeds_check))
        if new_check is not None:
            check, reasons = validator.result(new_check)
            admit(check)
            hold_by_position(batch, reasons or {})
        for report in extracted:
            for fact, reason in extractions[report.report_id].held:
                where = f"{fact.number_text} at {fact.span_start} in {report.report_id}"
                echo(f"  held back: {where}: {reason}")

    return outcome


def _texts_of(texts: dict[str, str], report_ids) -> dict[str, str]:
    """Of texts, those of these reports (what a check needs is all the worker is sent)."""
    return {rid: texts[rid] for rid in set(report_ids) if rid in texts}


def door_out(paths: Paths) -> None:
    """Great Expectations on the marts the workbooks read; a failure stops the export. The
    build that published this very copy ran it already: its verdict stands."""
    if not paths.published_db.exists():
        raise ExportError(f"{paths.published_db}: no warehouse yet; run `coopwh build` first")
    verdict = (last_build_status(paths) or {}).get("door_out") or {}
    if verdict.get("published") != identity(paths.published_db):
        from coopwh.quality.checks import check_marts_out
        from coopwh.quality.validator import Validator, door_out_verdict

        checks = check_marts_out(
            Validator(paths.quality_dir), paths.published_db, paths.project / "seeds"
        )
        verdict = door_out_verdict(checks)
    passes(verdict)


def passes(verdict: dict) -> None:
    """Raise ExportError unless the door out's verdict is that the marts pass."""
    if not verdict["ok"]:
        raise ExportError("the marts fail their checks:\n" + verdict["detail"])
