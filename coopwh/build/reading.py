"""Report files read and their figures extracted, on every core when there are many."""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from coopwh.errors import BuildError
from coopwh.paths import Paths
from coopwh.pool import Pool
from coopwh.processes import die_with_parent, workers_for
from loaders.extract import Extraction, ExtractionLimit, extract
from loaders.reference import load_gazetteer
from loaders.reports import SUPPORTED_SUFFIXES, Report, ReportError, read_report

Echo = Callable[[str], None]


class Prepared(NamedTuple):
    """A report ingest has read and extracted already: the build checks and loads it as it is."""

    sha256: str  # of the text it was read from
    extraction: Extraction | Spilled
    keys: list[int] | None  # its sentence keys (loaders.raw.sentence_keys)


SPILL_FROM = 200  # files in a batch from which their extractions wait on disk, not in memory


class Spilled:
    """An extraction kept on disk until the build loads it (pickled by the worker that made
    it, in the run's spill directory): a batch is read and extracted whole before it is built,
    and the figures of 10,000 reports held in memory took 3 GB. Its figures are read back
    where they are needed (facts), or once, to be loaded (load)."""

    __slots__ = ("path", "count")

    def __init__(self, path: Path, count: int) -> None:
        self.path, self.count = path, count

    @property
    def facts(self) -> list:
        return self.load().facts

    def load(self) -> Extraction:
        with open(self.path, "rb") as handle:
            return pickle.load(handle)


def spill(extraction: Extraction, directory: Path, name: str) -> Spilled:
    """Write an extraction into directory (as name.pickle) and return what reads it back."""
    path = directory / f"{name}.pickle"
    with open(path, "wb") as handle:
        pickle.dump(extraction, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return Spilled(path, len(extraction.facts))


def figures_in(extraction: Extraction | Spilled) -> int:
    """How many figures an extraction holds, without reading a spilled one back."""
    return extraction.count if isinstance(extraction, Spilled) else len(extraction.facts)


def in_memory(extraction: Extraction | Spilled) -> Extraction:
    return extraction.load() if isinstance(extraction, Spilled) else extraction


def report_files(reports_dir: Path) -> list[Path]:
    """The report files a build reads: .txt, .docx, .html, .pdf and .xlsx in reports_dir."""
    return sorted(
        p for p in reports_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def read_reports(reports_dir: Path, loaded: dict | None = None) -> tuple[list[Report], list[str]]:
    """Read the reports in reports_dir whose file is not the one loaded (by size and time, from
    raw's manifest); return them and the ids of every report file there. A bad file stops the
    build before anything is written."""
    files = report_files(reports_dir) if reports_dir.is_dir() else []
    if not files:
        raise BuildError(
            f"{reports_dir}: no reports (.txt, .docx, .html, .pdf, .xlsx) to build from"
        )
    loaded = loaded or {}
    reports = []
    try:
        for path in files:
            stat = path.stat()
            if loaded.get(path.stem, ("",))[1:] == (stat.st_size, stat.st_mtime_ns):
                continue  # the very file raw.* holds
            reports.append(read_report(path))
    except ReportError as error:
        raise BuildError(f"{error}; nothing was loaded and the warehouse is unchanged") from error
    return reports, [path.stem for path in files]


def extract_reports(
    paths: Paths, reports: list[Report], echo: Echo | None = None
) -> dict[str, Extraction]:
    """What the extractor reads in each report, with the places and metrics the seeds know;
    on every core when there are several reports (echo: progress, if it takes a while)."""
    extractions = on_every_core(
        _extract_one, reports, paths.project / "seeds", echo, "reports extracted"
    )
    return {report.report_id: e for report, e in zip(reports, extractions, strict=True)}


def _extract_one(report: Report) -> Extraction:
    return extract(report.text, report.report_id, gazetteer())


_GAZETTEER = None  # the seeds' places and metrics, loaded once in each process that extracts


def _load_gazetteer(seeds_dir: Path) -> None:
    global _GAZETTEER
    _GAZETTEER = load_gazetteer(seeds_dir)


def _worker_start(seeds_dir: Path, parent: int) -> None:
    """A reading worker: dies with the run (kill -9 included), then loads the gazetteer."""
    die_with_parent(parent)
    _load_gazetteer(seeds_dir)


def gazetteer():  # -> loaders.reference.Gazetteer
    """The gazetteer on_every_core loaded for the function it runs."""
    return _GAZETTEER


PROGRESS_SECONDS = 5.0  # how often on_every_core says how far it is


def on_every_core(
    function: Callable,
    jobs: list,
    seeds_dir: Path,
    echo: Echo | None = None,
    done: str = "done",
) -> list:
    """[function(job) for job in jobs], in order, with gazetteer() loaded from seeds_dir: in
    this process, or on workers_for(jobs) processes (extraction is pure Python: one core each).
    echo: told how many are `done` every PROGRESS_SECONDS (a thousand reports take a while)."""
    workers = workers_for(jobs)
    if workers == 1:
        _load_gazetteer(seeds_dir)
        return [function(job) for job in jobs]
    results: list = []
    told = time.perf_counter()
    pool = Pool(max_workers=workers, initializer=_worker_start, initargs=(seeds_dir, os.getpid()))
    try:
        chunks = max(1, len(jobs) // (workers * 8))
        for result in pool.map(function, jobs, chunksize=chunks):
            results.append(result)
            waiting = len(jobs) - len(results)
            if echo and waiting and time.perf_counter() - told >= PROGRESS_SECONDS:
                echo(f"  {len(results):,} of {len(jobs):,} {done} …")
                told = time.perf_counter()
    except BaseException:  # stopped (SIGTERM, Ctrl-C) or failed: the workers go at once
        pool.stop()
        raise
    pool.shutdown()
    return results


def batch_name(reports: list[Report]) -> str:
    names = ", ".join(Path(r.path).name for r in reports[:3])
    return names + (f" and {len(reports) - 3} more" if len(reports) > 3 else "")


@dataclass
class Figures:
    """What `coopwh extract` shows of one file: a row per figure, and notes for the reader."""

    path: Path
    rows: list[dict]
    relations: int
    unit: str  # the unit the report is about, in words
    warning: str | None = None  # what makes the file bad for the inbox, if anything

    def notes(self) -> list[str]:
        lines = [f"coopwh extract: warning: {self.warning}"] if self.warning else []
        lines.append(
            f"{len(self.rows)} figures and {self.relations} relations in {self.path}; "
            f"the report is about {self.unit}"
        )
        return lines


def figures_of(path: Path, seeds_dir: Path) -> Figures:
    """Every figure the extractor reads in one report file, with its subject's name and
    province; changes nothing. Raises ReportError or ExtractionLimit naming the file."""
    report = read_report(path)
    gazetteer = load_gazetteer(seeds_dir)
    try:
        extraction = extract(report.text, report.report_id, gazetteer)
    except ExtractionLimit as error:
        raise ExtractionLimit(f"{path}: {error}") from error
    places = gazetteer.places
    rows = [
        {
            **fact.as_row(),
            "subject_name": places.display_name(fact.region_code)
            if fact.region_code
            else fact.subject,
            "province_code": places.province_of(fact.region_code) if fact.region_code else None,
        }
        for fact in extraction.facts
    ]
    unit = (
        places.display_name(extraction.unit_code)
        if extraction.unit_code
        else "全国 (no unit named)"
    )
    warning = None if extraction.facts else str(ReportError(path, "has no figures"))
    return Figures(path, rows, len(extraction.relations), unit, warning)
