"""coopwh sql, and every reader the product opens, can read the published tables and nothing
else: no writing a file, no attaching the build database, no reading other files, no turning
the settings back, one statement per call. The warehouse, its raw data and the seeds are
unchanged afterwards. (The PostgreSQL gateway's reader is tested in tests/test_postgres.py.)"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from coopwh.cli import main
from coopwh.published import read_only, read_only_writing_into

ALLOWED = "only one SELECT"


@pytest.fixture(scope="module")
def project(built_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built project that the refused queries are tried on."""
    copy = tmp_path_factory.mktemp("readonly") / "project"
    shutil.copytree(built_project, copy, ignore=shutil.ignore_patterns(".lock"))
    return copy


def sql(project: Path, capsys, *args: str) -> tuple[int, str, str]:
    """coopwh sql in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(["--project", str(project), "sql", *args])
    out, err = capsys.readouterr()
    return code, out, err


def state(project: Path) -> dict[str, object]:
    """What no query may change: the published file's bytes, every seed's, the rows of
    marts.facts, the raw reports in the build database."""
    published = project / "warehouse" / "coopwh.duckdb"
    seeds = {p.name: _sha256(p) for p in sorted((project / "seeds").iterdir()) if p.is_file()}
    with duckdb.connect(str(published), read_only=True) as connection:
        facts = connection.execute("SELECT COUNT(*), SUM(hash(f)) FROM marts.facts AS f").fetchone()
    with duckdb.connect(str(project / "warehouse" / "build" / "coopwh.duckdb"), True) as build:
        reports = build.execute("SELECT COUNT(*), SUM(hash(r)) FROM raw.reports AS r").fetchone()
    return {"published": _sha256(published), "seeds": seeds, "facts": facts, "raw": reports}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


REFUSED = {
    "copy over the published copy": (
        "COPY (SELECT 1 AS x) TO 'warehouse/coopwh.duckdb' (FORMAT csv)",
        "COPY … TO writes a file",
    ),
    "copy over a seed": (
        "COPY (SELECT 1 AS x) TO 'seeds/report_facts.csv' (FORMAT csv, HEADER false)",
        "COPY … TO writes a file",
    ),
    "copy a table out, by absolute path": (
        "COPY marts.facts TO '{project}/seeds/report_facts.csv'",
        "COPY … TO writes a file",
    ),
    "attach the build database and delete raw data": (
        "ATTACH 'warehouse/build/coopwh.duckdb' AS b (READ_WRITE); DELETE FROM b.raw.reports",
        "2 statements were given",
    ),
    "attach the build database": (
        "ATTACH '{project}/warehouse/build/coopwh.duckdb' AS b (READ_WRITE)",
        "ATTACH opens another database",
    ),
    "read /etc/shadow": (
        "SELECT * FROM read_csv('/etc/shadow', header = false, columns = {'line': 'VARCHAR'})",
        'Cannot access file "/etc/shadow"',
    ),
    "list the root directory": ("SELECT * FROM glob('/*')", 'Cannot access file "/*"'),
    "read a file as text": ("SELECT content FROM read_text('/etc/hostname')", "read_text"),
    "read a seed by its path": (
        "SELECT * FROM '{project}/seeds/report_facts.csv'",
        "out of its reach",
    ),
    "export the database": ("EXPORT DATABASE '{project}/dump'", "EXPORT DATABASE writes files"),
    "install an extension": ("INSTALL httpfs", "INSTALL and LOAD add extensions"),
    "load an extension": ("LOAD httpfs", "INSTALL and LOAD add extensions"),
    "turn file access back on": ("SET enable_external_access = true", "SET, RESET and USE"),
    "unlock the settings": ("RESET lock_configuration", "SET, RESET and USE"),
    "a second statement after a harmless one": (
        "SELECT 1; COPY (SELECT 1) TO 'seeds/regions.csv'",
        "2 statements were given",
    ),
    "create a table": ("CREATE TABLE marts.scratch (i INT)", "CREATE changes the warehouse"),
    "delete figures": ("DELETE FROM marts.facts", "DELETE changes the warehouse"),
    "a transaction": ("BEGIN TRANSACTION", "BEGIN, COMMIT and ROLLBACK"),
    "nothing at all": (" ; ", "no statement was given"),
}


@pytest.mark.parametrize("query, named", REFUSED.values(), ids=REFUSED.keys())
def test_sql_refuses_what_is_not_reading_and_says_what(
    project: Path, capsys, monkeypatch, query: str, named: str
) -> None:
    monkeypatch.chdir(project)  # relative paths in the query point into the project
    before = state(project)
    code, out, err = sql(project, capsys, query.replace("{project}", str(project)))
    assert code == 1
    assert err.startswith("coopwh sql is read-only: "), err
    assert named in err
    assert "Traceback" not in err and out == ""
    assert state(project) == before
    assert not (project / "dump").exists()


def test_sql_still_runs_every_kind_of_reading_query(project: Path, capsys) -> None:
    for query in (
        "SELECT COUNT(*) AS n FROM marts.facts",
        "WITH growth AS (SELECT * FROM marts.growth_since_2016) SELECT COUNT(*) FROM growth;",
        "FROM marts.pilot_scorecard LIMIT 1",
        "DESCRIBE marts.facts",
        "SHOW ALL TABLES",
        "SUMMARIZE seeds.pilots",
        "EXPLAIN SELECT * FROM marts.facts",
        "PRAGMA table_info('marts.facts')",
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'facts'",
    ):
        code, out, err = sql(project, capsys, query)
        assert (code, err) == (0, ""), query
        assert out.rstrip().endswith("rows") or out.rstrip().endswith("row"), query


def test_sql_runs_the_readmes_tracing_query_and_csv(project: Path, capsys) -> None:
    code, out, err = sql(
        project,
        capsys,
        "SELECT facts.number_text, substr(reports.text, facts.span_start + 1, "
        "facts.span_end - facts.span_start) AS from_text "
        "FROM marts.facts AS facts JOIN meta.reports AS reports USING (report_id) "
        "WHERE facts.span_start IN (617, 3029, 20114)",
    )
    assert code == 0, err
    assert "│ 43%         │ 43%       │" in out and out.rstrip().endswith("3 rows")
    code, out, err = sql(
        project,
        capsys,
        "--csv",
        "SELECT subject_id, growth_pct FROM marts.growth_since_2016 WHERE "
        "metric_code = 'sales_total' AND subject_id = 'changli' AND basis = 'since_2016'",
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == ["subject_id,growth_pct", "changli,108.0"]


def test_an_error_in_a_reading_query_is_plain(project: Path, capsys) -> None:
    code, out, err = sql(project, capsys, "SELECT * FROM marts.no_such_mart")
    assert code == 1 and err.startswith("coopwh sql: Catalog Error") and "no_such_mart" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT 1) TO '{directory}/x.csv'",
        "ATTACH '{directory}/other.duckdb' AS other",
        "SELECT * FROM read_csv('{seed}')",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
    ],
)
def test_the_products_readers_can_read_tables_only(
    project: Path, tmp_path: Path, statement: str
) -> None:
    seed = project / "seeds" / "regions.csv"
    with read_only(project / "warehouse" / "coopwh.duckdb") as connection:
        assert connection.execute("SELECT COUNT(*) FROM marts.facts").fetchone()[0] > 0
        with pytest.raises(duckdb.Error, match="disabled by configuration|locked"):
            connection.execute(statement.format(directory=tmp_path, seed=seed))
    assert list(tmp_path.iterdir()) == []


def test_the_exports_reader_writes_into_its_directory_and_nowhere_else(
    project: Path, tmp_path: Path
) -> None:
    before = state(project)
    out = tmp_path / "out"
    out.mkdir()
    published = project / "warehouse" / "coopwh.duckdb"
    with read_only_writing_into(published, out) as connection:
        connection.execute(f"COPY (SELECT fact_id FROM marts.facts) TO '{out}/facts.csv'")
        for elsewhere in (tmp_path / "beside.csv", published, project / "seeds" / "regions.csv"):
            with pytest.raises(duckdb.PermissionException):
                connection.execute(f"COPY (SELECT 1) TO '{elsewhere}'")
        with pytest.raises(duckdb.Error, match="locked"):
            connection.execute("SET allowed_directories = ['/']")
        with read_only(published) as nested:  # a reader opened inside it, as the export does
            assert nested.execute("SELECT COUNT(*) FROM marts.facts").fetchone()[0] > 0
    assert (out / "facts.csv").stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert state(project) == before


def test_a_writing_reader_inside_a_reader_is_refused_plainly(project: Path, tmp_path: Path) -> None:
    published = project / "warehouse" / "coopwh.duckdb"
    with read_only(published):
        with pytest.raises(RuntimeError, match="already open in this process"):
            read_only_writing_into(published, tmp_path)
