"""Where the project and the warehouse files live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
GATEWAYS = ("local", "postgres")  # config.yaml: the embedded DuckDB file, a PostgreSQL server


@dataclass(frozen=True)
class Paths:
    """The project directory (models, seeds, reports), the warehouse directory (DuckDB files)
    and the gateway: `local` builds into DuckDB files there; `postgres` builds on a server and
    keeps only its working files there, under warehouse/postgres/."""

    project: Path
    warehouse: Path
    gateway: str = "local"

    @property
    def on_server(self) -> bool:
        """The models and the published copy live on a PostgreSQL server."""
        return self.gateway == "postgres"

    @property
    def root(self) -> Path:
        """This gateway's files in the warehouse directory."""
        return self.warehouse / "postgres" if self.on_server else self.warehouse

    @property
    def build_db(self) -> Path:
        """The DuckDB file SQLMesh builds into (on a server: the raw.* tables the loaders write
        before they go to the server); only `coopwh build` opens it."""
        return self.root / "build" / "coopwh.duckdb"

    @property
    def published_db(self) -> Path:
        """The read-only copy analysts query; replaced whole after every good build (on a
        server: a local snapshot of the published copy there, read by export and validate)."""
        return self.root / "coopwh.duckdb"

    @property
    def lock_file(self) -> Path:
        """Held while a build runs, so two builds never overlap."""
        return self.root / "build" / ".lock"

    @property
    def status_file(self) -> Path:
        """The outcome of the last build (ok or failed, when, why), read by export."""
        return self.root / "build" / "last_build.json"

    @property
    def reports_dir(self) -> Path:
        """Reports that make up the warehouse."""
        return self.project / "reports"

    @property
    def inbox_dir(self) -> Path:
        """Where new reports are dropped for `coopwh run`."""
        return self.reports_dir / "inbox"

    @property
    def quarantine_dir(self) -> Path:
        """Where files that could not be taken in go, each with NAME.reason.txt beside it."""
        return self.reports_dir / "quarantine"

    @property
    def held_dir(self) -> Path:
        """Where files go that nearly repeat a loaded report, until someone says what they are."""
        return self.reports_dir / "held"

    @property
    def archive_dir(self) -> Path:
        """Where files go that repeat a report already loaded (same text)."""
        return self.reports_dir / "archive"

    @property
    def quality_dir(self) -> Path:
        """Great Expectations' context and Data Docs, and the one-page quality summary."""
        return self.root / "quality"

    @property
    def quality_report(self) -> Path:
        """The one-page quality summary a build ends with."""
        return self.quality_dir / "index.html"

    @property
    def exports_dir(self) -> Path:
        """Where `coopwh run` refreshes the workbooks."""
        return self.project / "exports"


def resolve_paths(
    project: str | Path | None = None,
    warehouse: str | Path | None = None,
    gateway: str | None = None,
) -> Paths:
    """Project: the option, else $COOPWH_PROJECT, else the directory holding config.yaml above
    the current one, else this checkout. Warehouse: the option, else $COOPWH_WAREHOUSE, else
    <project>/warehouse. Gateway: the option, else $COOPWH_GATEWAY, else local."""
    gateway = gateway or os.environ.get("COOPWH_GATEWAY") or "local"
    if gateway not in GATEWAYS:
        raise ValueError(f"unknown gateway {gateway!r}: choose {' or '.join(GATEWAYS)}")
    if project is None:
        project = os.environ.get("COOPWH_PROJECT") or _find_project(Path.cwd()) or PACKAGE_ROOT
    project_path = Path(project).resolve()
    if warehouse is None:
        warehouse = os.environ.get("COOPWH_WAREHOUSE") or project_path / "warehouse"
    return Paths(project=project_path, warehouse=Path(warehouse).resolve(), gateway=gateway)


def _find_project(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / "config.yaml").is_file() and (directory / "models").is_dir():
            return directory
    return None
