"""Where the warehouse lives, behind one interface: `local`, the embedded DuckDB file (the
default), or `postgres`, a shared server (coopwh.gateway.postgres). The build, publish and the
readers ask the gateway, never which one it is."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from coopwh.paths import Paths


class Gateway:
    """The local gateway: SQLMesh builds into a DuckDB file in the warehouse directory, and the
    readers' copy is the published DuckDB file beside it. Each method is what a server does
    beside that (coopwh.gateway.postgres.Postgres); here, nothing more."""

    name = "local"
    sqlmesh_gateway: str | None = None  # config.yaml's gateway (None: its default)

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def lock(self) -> AbstractContextManager:
        """A lock held beside the warehouse's own while a build runs (a server's, across
        machines)."""
        return nullcontext()

    def send_raw(self, build_db: Path, tables: Iterable[str]) -> None:
        """Send the raw.* tables the loaders wrote into build_db to where the models read."""

    def built(self, adapter):  # SQLMesh's engine adapter -> what publish copies from
        """What publishing reads the build's marts and seeds through."""
        return adapter

    def fetch_published(self) -> bool:
        """Bring the readers' copy up to date in paths.published_db; False if there is none."""
        return self.paths.published_db.exists()

    def send_published(self, staging: Path) -> None:
        """Publish a new readers' copy (written at staging) where readers read it."""

    def forget_pending(self, pending_table: str) -> None:
        """Empty the loaders' list of pending reports wherever the next build reads it."""

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """One read-only statement on the published copy: column names and rows."""
        from coopwh.query import run_query

        return run_query(self.paths, sql)

    def home(self) -> str:
        """Where the published warehouse lives, in words."""
        return str(self.paths.published_db)

    def where(self) -> str:
        """Where a build published, in words."""
        return self.home()


def gateway_for(paths: Paths) -> Gateway:
    """The gateway of these paths (paths.gateway: local or postgres)."""
    if paths.on_server:
        from coopwh.gateway.postgres import Postgres

        return Postgres(paths)
    return Gateway(paths)
