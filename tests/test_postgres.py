"""The postgres gateway on a real, throw-away PostgreSQL server: the same rows as DuckDB, audits
that block, a reader who can only read, and a swap that readers never see half of.

The server is started here (initdb and pg_ctl from Debian's postgresql package, on a Unix socket
in a temporary directory). Without those programs the tests are skipped, saying how to run
them; with COOPWH_REQUIRE_POSTGRES=1 (as .ci/run sets) they fail instead."""

from __future__ import annotations

import glob
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest

from coopwh.cli import main
from tests.conftest import NEW_REPORT, copy_project

psycopg2 = pytest.importorskip("psycopg2", reason="pip install 'coopwh[postgres]'")

HOW = (
    "PostgreSQL's server programs are not installed: apt-get install postgresql "
    "(the tests start a throw-away server of their own)"
)


def _server_programs() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="module")
def server() -> dict[str, str]:
    """A PostgreSQL server for this module; the libpq variables that reach it."""
    programs = _server_programs()
    if programs is None:
        if os.environ.get("COOPWH_REQUIRE_POSTGRES"):
            pytest.fail(HOW)
        pytest.skip(HOW)
    base = Path(tempfile.mkdtemp(prefix="coopwh-postgres-"))  # pytest's is root's alone
    as_owner: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(base, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"
    subprocess.run(
        [*as_owner, str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-k {base} -p 5499 -c listen_addresses='' -c fsync=off"
    subprocess.run(
        [*as_owner, str(programs / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log)]
        + ["-w", "start"],
        check=True,
        capture_output=True,
    )
    yield {"PGHOST": str(base), "PGPORT": "5499", "PGUSER": "postgres", "PGDATABASE": "coopwh"}
    subprocess.run(
        [*as_owner, str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
        capture_output=True,
    )
    shutil.rmtree(base, ignore_errors=True)


def run(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """coopwh on the postgres gateway, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "coopwh.cli", "--project", str(project), "--gateway", "postgres"]
        + list(args),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


def pg(env: dict[str, str], database: str = "coopwh", user: str = "postgres"):
    return psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=user, dbname=database)


def server_rows(env: dict[str, str], sql: str, user: str = "postgres") -> list[tuple]:
    connection = pg(env, user=user)
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def on_server(server: dict[str, str], built_project: Path, tmp_path_factory) -> Path:
    """A copy of the DuckDB-built project, built again on the server."""
    project = tmp_path_factory.mktemp("pg") / "project"
    shutil.copytree(built_project, project, ignore=shutil.ignore_patterns(".lock"))
    result = run(project, server, "build")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Published to the server's database coopwh" in result.stdout
    return project


def _same(left: object, right: object) -> bool:
    """Equal, but for how a float is written (71.0 or 71) and its last bits."""
    if isinstance(left, float | int) and isinstance(right, float | int):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(left, str) and isinstance(right, str):
        plain = re.compile(r"(\d)\.0\b")
        return plain.sub(r"\1", left) == plain.sub(r"\1", right)
    if hasattr(left, "isoformat") and hasattr(right, "isoformat"):
        return left == right
    return left == right


def test_the_server_build_gives_the_duckdb_rows_of_every_mart(on_server: Path, server) -> None:
    local = duckdb.connect(str(on_server / "warehouse" / "coopwh.duckdb"), read_only=True)
    tables = local.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('marts', 'seeds') ORDER BY 1, 2"
    ).fetchall()
    assert len(tables) > 20
    for schema, table in tables:
        columns = [
            name
            for (name,) in local.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                "AND table_name = ? ORDER BY column_index",
                [schema, table],
            ).fetchall()
        ]
        names = ", ".join(f'"{c}"' for c in columns)
        mine = sorted(local.execute(f'SELECT {names} FROM {schema}."{table}"').fetchall(), key=repr)
        theirs = server_rows(server, f'SELECT {names} FROM {schema}."{table}"')
        theirs = sorted(
            (
                tuple(float(v) if type(v).__name__ == "Decimal" else v for v in row)
                for row in theirs
            ),
            key=repr,
        )
        assert len(mine) == len(theirs), f"{schema}.{table}"
        for a, b in zip(mine, theirs, strict=True):
            differ = [(c, x, y) for c, x, y in zip(columns, a, b, strict=True) if not _same(x, y)]
            assert not differ, f"{schema}.{table}: {differ}"
    local.close()


@pytest.fixture
def analyst(on_server: Path, server) -> str:
    """A login of the server's own with coopwh_reader's rights, as a DBA would make one."""
    admin = pg(server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = 'analyst'")
        if not cursor.fetchone():
            cursor.execute("CREATE ROLE analyst LOGIN IN ROLE coopwh_reader")
    admin.close()
    return "analyst"


def test_a_reader_reads_the_marts_and_can_do_nothing_else(
    on_server: Path, server, analyst: str
) -> None:
    rows = server_rows(server, "SELECT COUNT(*) FROM marts.growth_since_2016", user="analyst")
    assert rows[0][0] > 0
    for refused in (
        "INSERT INTO marts.facts (fact_id) VALUES ('x')",
        "UPDATE marts.facts SET value = 0",
        "DELETE FROM marts.facts",
        "DROP TABLE marts.growth_since_2016",
        "CREATE TABLE marts.mine (a INT)",
        "CREATE TEMP TABLE mine (a INT)",
    ):
        with pytest.raises(psycopg2.Error) as error:
            server_rows(server, refused, user="analyst")
        assert "permission denied" in str(error.value) or "must be owner" in str(error.value)
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        pg(server, database="coopwh_build", user="analyst")  # SQLMesh's state and tables


def test_commands_read_the_servers_copy(on_server: Path, server, tmp_path: Path) -> None:
    result = run(on_server, server, "sql", "SELECT COUNT(*) AS n FROM marts.facts")
    assert result.returncode == 0, result.stderr
    assert str(server_rows(server, "SELECT COUNT(*) FROM marts.facts")[0][0]) in result.stdout
    exported = run(on_server, server, "export", "--out", str(tmp_path / "x"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "x" / "全国.xlsx").exists() and (tmp_path / "x" / "河北省.xlsx").exists()
    assert run(on_server, server, "validate").returncode == 0
    changes = run(on_server, server, "changes")
    assert changes.returncode == 0 and "Build 1" in changes.stdout


def sql_in_process(
    project: Path, server, monkeypatch, capsys, query: str, **env: str
) -> tuple[int, str, str]:
    """coopwh --gateway postgres sql in this process, with the server's variables (and env)."""
    monkeypatch.delenv("COOPWH_PG_READER_USER", raising=False)
    monkeypatch.delenv("COOPWH_PG_READER_PASSWORD", raising=False)
    for name, value in {**server, **env}.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = main(["--project", str(project), "--gateway", "postgres", "sql", query])
    out, err = capsys.readouterr()
    return code, out, err


def untouched(project: Path, server) -> tuple:
    """What no query may change: the server's figures, the local copy's and the seeds' bytes."""
    facts = server_rows(
        server, "SELECT COUNT(*), md5(string_agg(f::text, '|' ORDER BY f::text)) FROM marts.facts f"
    )
    files = [project / "warehouse" / "postgres" / "coopwh.duckdb", *(project / "seeds").iterdir()]
    return facts, {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_sql_on_the_server_runs_as_the_reader_login_the_build_made(
    on_server: Path, server, monkeypatch, capsys
) -> None:
    code, out, err = sql_in_process(
        on_server, server, monkeypatch, capsys, "SELECT current_user, session_user"
    )
    assert (code, err) == (0, "")
    assert out.count("coopwh_reader_login") == 2  # PGUSER is postgres, a superuser
    kept = on_server / "warehouse" / "postgres" / "reader_login.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert server_rows(
        server,
        "SELECT rolsuper, rolcreaterole, rolcreatedb, "
        "ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid "
        "WHERE m.member = r.oid) FROM pg_roles r WHERE rolname = 'coopwh_reader_login'",
    ) == [(False, False, False, ["coopwh_reader"])]


SERVER_REFUSED = {
    "read a server file": "SELECT pg_read_file('/etc/hostname')",
    "run a program": "COPY (SELECT 1) TO PROGRAM 'touch {ran}'",
    "run a program from a block": (
        "DO $$BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {ran}'''; END$$"
    ),
    "become the build account, then read": (
        "SET ROLE postgres; SELECT pg_read_file('/etc/hostname')"
    ),
    "become the build account for the session": (
        "SET SESSION AUTHORIZATION postgres; COPY (SELECT 1) TO PROGRAM 'touch {ran}'"
    ),
    "leave the role, then delete": "RESET ROLE; DELETE FROM marts.facts",
    "a read-write transaction": "COMMIT; BEGIN READ WRITE; DELETE FROM marts.facts",
    "delete figures": "DELETE FROM marts.facts",
    "write a server file": "COPY marts.facts TO '{ran}'",
    "import a server file": "SELECT lo_import('/etc/hostname')",
    "create a table": "CREATE TABLE public.scratch (a INT)",
}


@pytest.mark.parametrize("query", SERVER_REFUSED.values(), ids=SERVER_REFUSED.keys())
def test_sql_on_the_server_cannot_write_read_files_or_run_programs(
    on_server: Path, server, monkeypatch, capsys, tmp_path: Path, query: str
) -> None:
    ran = tmp_path / "ran"
    tmp_path.chmod(0o777)  # so that the server's account could write there, if it were let
    before = untouched(on_server, server)
    code, out, err = sql_in_process(
        on_server, server, monkeypatch, capsys, query.replace("{ran}", str(ran))
    )
    assert code == 1
    assert err.startswith("coopwh sql is read-only: "), err
    assert "Traceback" not in err and out == ""
    assert not ran.exists()
    assert untouched(on_server, server) == before


def test_a_reader_login_that_can_do_more_is_refused(
    on_server: Path, server, monkeypatch, capsys
) -> None:
    code, out, err = sql_in_process(
        on_server, server, monkeypatch, capsys, "SELECT 1", COOPWH_PG_READER_USER="postgres"
    )
    assert code == 1 and out == ""
    assert "COOPWH_PG_READER_USER (postgres) is a superuser" in err and "Traceback" not in err


def test_an_analysts_own_reader_login_is_used_as_it_is(
    on_server: Path, server, monkeypatch, capsys, tmp_path: Path
) -> None:
    admin = pg(server)
    admin.autocommit = True
    admin.cursor().execute("CREATE ROLE reader_wang LOGIN IN ROLE coopwh_reader")
    admin.close()
    elsewhere = tmp_path / "warehouse"  # another machine's: no reader login kept there
    query = "SELECT current_user, COUNT(*) FROM marts.facts"
    code, out, err = sql_in_process(
        on_server,
        server,
        monkeypatch,
        capsys,
        query,
        PGUSER="reader_wang",
        COOPWH_WAREHOUSE=str(elsewhere),
    )
    assert (code, err) == (0, "") and "reader_wang" in out
    assert not elsewhere.exists()
    code, out, err = sql_in_process(
        on_server, server, monkeypatch, capsys, query, COOPWH_WAREHOUSE=str(elsewhere)
    )  # as postgres, who may do more than read: a reader login is made for this machine
    assert (code, err) == (0, "") and "coopwh_reader_login" in out
    assert (elsewhere / "postgres" / "reader_login.json").is_file()


def test_a_failing_audit_on_the_server_names_the_fund_and_changes_nothing(
    on_server: Path, server
) -> None:
    before = server_rows(server, "SELECT built_at FROM meta.build_info")
    seed = on_server / "seeds" / "fund_contributions.csv"
    original = seed.read_text(encoding="utf-8")
    seed.write_text(original.replace("246000000", "256000000"), encoding="utf-8")
    try:
        result = run(on_server, server, "build")
    finally:
        seed.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    assert "assert_fund_parts_sum_to_stated_total" in result.stderr
    assert "shaanxi_fund_phase1" in result.stderr
    assert server_rows(server, "SELECT built_at FROM meta.build_info") == before
    assert server_rows(
        server,
        "SELECT contribution_yuan FROM marts.fund_composition "
        "WHERE contribution_span_start = 18249",
    ) == [(246_000_000.0,)]


def test_a_query_during_a_rebuild_finishes_on_one_whole_build(
    on_server: Path, server, analyst: str
) -> None:
    both = "SELECT (SELECT built_at FROM meta.build_info), COUNT(*) FROM marts.facts"
    old = server_rows(server, both)[0]
    long: list[tuple] = []
    short: list[tuple] = []
    building = threading.Event()
    # the long statement waits on an advisory lock the test holds until the swap is visible to
    # the poller: it starts on the old build and ends after the new one is in place
    holder = pg(server)
    holder.cursor().execute("SELECT pg_advisory_lock(4242)")
    released: list[str] = []  # why the long statement was let go
    once = threading.Lock()

    def release(why: str) -> None:
        with once:
            if not released:
                released.append(why)
                holder.cursor().execute("SELECT pg_advisory_unlock(4242)")

    def long_reader() -> None:  # one statement that outlasts the build, swap included
        wait = "(SELECT pg_advisory_xact_lock_shared(4242)) AS swapped"
        long.extend(server_rows(server, f"{both} CROSS JOIN {wait}", user="analyst"))

    def poller() -> None:  # statement after statement while the build runs
        while building.is_set():
            rows = server_rows(server, both, user="analyst")
            short.extend(rows)
            if rows != [old]:
                release("the new build is in place")
            time.sleep(0.05)  # twenty a second: a new connection each, not a core's worth

    inbox = on_server / "reports" / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / NEW_REPORT.name).write_text(NEW_REPORT.read_text(encoding="utf-8"), encoding="utf-8")
    building.set()
    threads = [threading.Thread(target=long_reader), threading.Thread(target=poller)]
    for thread in threads:
        thread.start()
    safety = threading.Timer(300, release, ["timed out"])  # should the swap never come
    safety.start()
    try:
        result = run(on_server, server, "run")  # the scheduled job: inbox, build, workbooks
    finally:
        building.clear()
        release("the run ended")
        safety.cancel()
        for thread in threads:
            thread.join()
        holder.close()
    assert result.returncode == 0, result.stderr
    assert released == ["the new build is in place"]
    assert (on_server / "exports" / "河北省.xlsx").exists()
    new = server_rows(server, both)[0]
    assert new[1] > old[1]  # the new report's figures
    assert long == [old]  # it started on the old build and finished on it
    assert set(short) <= {old, new} and new in set(short)  # never half of each


def test_without_a_server_the_error_says_how_to_reach_one(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    result = run(project, {"PGHOST": str(tmp_path), "PGPORT": "1"}, "build")
    assert result.returncode == 1
    assert "cannot connect to PostgreSQL" in result.stderr and "PGHOST" in result.stderr
