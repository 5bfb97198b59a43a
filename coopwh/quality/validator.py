"""GX's context, a suite run on a frame, and the outcomes the worker sends back (plain
dataclasses: unpickling them needs no GX). GX itself is imported on first use (it takes
seconds), in the worker only."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import great_expectations as gx

KEEP_RESULTS = 5  # results kept of each suite: the Data Docs of the last few builds


def import_gx():
    """great_expectations and its expectations module, imported on first use."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations import expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gxe


@dataclass
class Failure:
    """One expectation that did not hold, with example rows."""

    expectation: str
    column: str
    unexpected: int
    examples: list[dict] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # positions of every failing row, if per row

    def describe(self) -> str:
        rows = "; ".join(
            ", ".join(f"{k}={v}" for k, v in row.items() if v is not None and v == v)
            for row in self.examples
        )
        where = self.column or "the table"
        return f"{self.expectation} on {where}: {self.unexpected} row(s), e.g. {rows}"


@dataclass
class CheckResult:
    """The outcome of one suite on one batch."""

    suite: str
    source: str  # the file or mart the batch came from
    expectations: list[tuple[str, str, bool]]  # (expectation, column, success)
    failures: list[Failure]
    held: int = 0  # figures held back (the rest of the batch loaded)

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def refused(self) -> bool:
        """The batch did not load at all (as opposed to loading with some figures held)."""
        return bool(self.failures) and not self.held

    def describe(self) -> str:
        head = f"{self.source}: refused by {self.suite}"
        return head + "".join(f"\n  {failure.describe()}" for failure in self.failures)


def door_out_verdict(checks: list[CheckResult]) -> dict:
    """What the door out found on the marts, as the build records it and export reads it:
    whether they pass, and each failed check described."""
    failed = [check.describe() for check in checks if not check.success]
    return {"ok": not failed, "detail": "\n".join(failed)}


def _readable(gx_dir: Path) -> bool:
    """Whether every JSON file GX keeps in gx_dir parses (true if there is none yet)."""
    for path in gx_dir.rglob("*.json"):
        try:
            json.loads(path.read_bytes())
        except (OSError, ValueError):
            return False
    return True


def _set_aside(gx_dir: Path) -> None:
    """Move GX's unreadable files out of the way, as gx.unreadable-<time> beside them."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    gx_dir.rename(gx_dir.with_name(f"gx.unreadable-{stamp}"))


class Validator:
    """A file-backed GX context under warehouse/quality/gx, so every run lands in Data Docs."""

    def __init__(self, root: Path) -> None:
        gx, _ = import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        root.mkdir(parents=True, exist_ok=True)
        # a run killed while GX wrote its configuration or one of its JSON files (a suite, a
        # validation definition, a result) left it half-written: GX's files (and their Data
        # Docs) are set aside and made anew, or every build after it would stop at GX's error
        if not _readable(root / "gx"):
            _set_aside(root / "gx")
        try:
            self.context = gx.get_context(mode="file", project_root_dir=str(root))
        except Exception:
            if not (root / "gx").is_dir():
                raise
            _set_aside(root / "gx")
            self.context = gx.get_context(mode="file", project_root_dir=str(root))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_or_update_pandas("coopwh")
        self.results: list[CheckResult] = []

    def validate(self, suite: gx.ExpectationSuite, frame: pd.DataFrame, source: str) -> CheckResult:
        """Run suite on frame; keep and return the outcome, with example rows of each failure."""
        gx, _ = import_gx()
        asset_name = suite.name
        try:
            asset = self.source.get_asset(asset_name)
        except LookupError:
            asset = self.source.add_dataframe_asset(name=asset_name)
        try:
            batch_definition = asset.get_batch_definition("whole")
        except (KeyError, LookupError):
            batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        suite = self.context.suites.add_or_update(suite)
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=asset_name, data=batch_definition, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame.reset_index(drop=True)},
            result_format="COMPLETE",
        )
        expectations, failures = [], []
        for outcome in result.results:
            config = outcome.expectation_config
            column = config.kwargs.get("column", "")
            expectations.append((config.type, column, bool(outcome.success)))
            if outcome.success:
                continue
            details = outcome.result or {}
            indexes = details.get("unexpected_index_list") or []
            rows = [frame.iloc[i] for i in indexes[:3] if isinstance(i, int) and i < len(frame)]
            keep = [
                c
                for c in (
                    "report_id",
                    "span_start",
                    "number_text",
                    "value",
                    "unit",
                    "kind",
                    "subject",
                    "metric_code",
                    column,
                )
                if c in frame.columns
            ]
            examples = [{c: row[c] for c in dict.fromkeys(keep)} for row in rows]
            if (
                not examples
                and outcome.exception_info
                and outcome.exception_info.get("raised_exception")
            ):
                examples = [{"error": outcome.exception_info.get("exception_message")}]
            if not examples and "observed_value" in details:
                examples = [{"observed": details["observed_value"]}]
            count = details.get("unexpected_count") or len(indexes) or 1
            rows = [i for i in indexes if isinstance(i, int)]
            failures.append(Failure(config.type, column, count, examples, rows))
        checked = CheckResult(suite.name, source, expectations, failures)
        self.results.append(checked)
        return checked

    def build_docs(self) -> Path:
        """Build GX's Data Docs of the results kept (see prune); return its index page."""
        self.prune()
        self.context.clean_data_docs()  # pages of results no longer kept go too
        self.context.build_data_docs()
        url = self.context.get_docs_sites_urls()[0]["site_url"]
        return Path(url.removeprefix("file://"))

    def prune(self, keep: int = KEEP_RESULTS) -> None:
        """Keep the newest `keep` results of each suite in the store, and every result this
        context made (`coopwh validate` checks each report apart): Data Docs renders every
        stored result on every build (about 15 ms each), so the results of every run the
        scheduled job ever made would slow each build without end."""
        made = Counter(check.suite for check in self.results)
        by_suite: dict[str, list] = {}
        store = self.context.validation_results_store
        for key in store.list_keys():
            by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
        for suite, keys in by_suite.items():
            keys.sort(key=lambda found: (str(found.run_id.run_time), found.to_tuple()))
            for key in keys[: -max(keep, made[suite])]:
                store.remove_key(key)
