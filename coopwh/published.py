"""The one reader of the published copy: locked read-only connections, rows as dicts, which
copy it is, and (on a server) the local snapshot fetched first."""

from __future__ import annotations

import os
from pathlib import Path

from coopwh.errors import BuildError
from coopwh.gateway import gateway_for
from coopwh.paths import Paths

EXPORT_MEMORY = "1GB"  # DuckDB's memory in each process writing workbooks (80% of RAM else)
SUMMARY_MEMORY = "1GB"  # in a reader summing a warehouse up for a page or a log


def read_only(database: Path, memory: str | None = None):  # -> duckdb.DuckDBPyConnection
    """A connection to a DuckDB file that can read its tables and nothing else: read-only, no
    files (no COPY, ATTACH, EXPORT, read_csv, glob, …), no extensions (no INSTALL, LOAD), and
    its settings locked, so no query can SET them back; no progress bars in scheduled runs'
    output. Every reader the product opens on a warehouse file goes through here (analysts'
    SQL too), but the one that has DuckDB write files: read_only_writing_into. memory: DuckDB's
    cap for this reader (it spills past it), else DuckDB's own (80% of the machine's)."""
    return _locked(database, None, memory)


def read_only_writing_into(database: Path, directory: Path):  # -> duckdb.DuckDBPyConnection
    """read_only, but DuckDB may also write (and read) files in directory and nowhere else.
    For the export alone: it has DuckDB write the 全部数据 CSV of a large scope with COPY … TO,
    a few reports at a time (fetching those rows into Python to write them would be slower and
    hold them all). Never give it to SQL that comes from outside the product."""
    return _locked(database, Path(directory), EXPORT_MEMORY)


def _locked(database: Path, directory: Path | None, memory: str | None):
    """Settings are the database's, shared by every connection of this process to that file:
    one opened while another is still open (a nested reader) finds them locked already, and is
    accepted if file access is off (but for directory, if given, or the outer one's)."""
    import duckdb

    connection = duckdb.connect(str(database), read_only=True)
    try:
        locked, external, allowed = connection.execute(
            "SELECT current_setting('lock_configuration'), "
            "current_setting('enable_external_access'), current_setting('allowed_directories')"
        ).fetchone()
        wanted = [] if directory is None else [f"{directory.resolve()}{os.sep}"]
        if locked:
            if external or not set(wanted) <= set(allowed):
                raise RuntimeError(
                    f"{database}: already open in this process with other settings "
                    f"(file access {'on' if external else 'off'}, directories {allowed}); "
                    "close that connection first"
                )
            return connection
        connection.execute("SET enable_progress_bar = false")
        if wanted:  # the export's
            connection.execute("SET allowed_directories = ?", [wanted])
        if memory:  # the export's workers, two at a time, each hold at most this much
            connection.execute(f"SET memory_limit = '{memory}'")
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
    except BaseException:
        connection.close()
        raise
    return connection


def readers_copy(paths: Paths) -> Path:
    """The published copy a command reads: on a server, fetched first (into
    warehouse/postgres/coopwh.duckdb, in one consistent snapshot); locally, the file itself."""
    gateway = gateway_for(paths)
    if gateway.name != "local" and not gateway.fetch_published():
        raise BuildError(
            f"{gateway.home()} has no published warehouse yet; run coopwh build --gateway "
            f"{gateway.name}"
        )
    return paths.published_db


def identity(path: Path) -> str:
    """Which published copy this is: its size and modification time (a new copy is a new file)."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def rows(published_db: Path, sql: str, parameters: list | None = None) -> list[dict]:
    """Rows of a query on the published copy, as dicts."""
    with read_only(published_db) as connection:
        return fetch_dicts(connection, sql, parameters)


def fetch_dicts(connection, sql: str, parameters: list | None = None) -> list[dict]:
    """Rows of a query on an open connection, as dicts."""
    cursor = connection.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def held_facts(published_db: Path) -> list[dict]:
    """The figures held back from the marts (marts.held_facts), with their reasons."""
    return rows(published_db, "SELECT * FROM marts.held_facts ORDER BY report_id, span_start")


def review_progress(published_db: Path) -> list[dict]:
    """How much of each report is reviewed (marts.review_progress)."""
    return rows(published_db, "SELECT * FROM marts.review_progress ORDER BY report_id")


def warnings(published_db: Path) -> list[dict]:
    """The warnings of the audits of each report's own arithmetic (marts.audit_findings)."""
    return rows(
        published_db,
        "SELECT * FROM marts.audit_findings WHERE status = 'warning' ORDER BY finding_id",
    )
