"""The raw contract is written once (loaders/contract.py): the DDL, the columns the loaders fill
and external_models.yaml all come from it."""

from __future__ import annotations

import duckdb
from sqlmesh.utils.yaml import load as load_yaml

from loaders.contract import RAW, TABLES, YAML, ddl, external_models_yaml
from loaders.raw import FACT_COLUMNS, RAW_DDL, RAW_TABLES, ensure_raw_tables
from tests.conftest import ROOT


def test_external_models_yaml_is_what_the_contract_writes() -> None:
    assert YAML == ROOT / "external_models.yaml"
    assert YAML.read_text(encoding="utf-8") == external_models_yaml(), (
        "external_models.yaml differs from loaders/contract.py: run python -m loaders.contract"
    )


def test_the_tables_the_ddl_makes_have_the_columns_and_types_sqlmesh_is_told() -> None:
    told = {entry["name"]: entry["columns"] for entry in load_yaml(YAML)}
    with duckdb.connect() as connection:
        connection.execute(RAW_DDL)
        made = {}
        for table, column, kind in connection.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'raw' ORDER BY table_name, column_index"
        ).fetchall():
            made.setdefault(f'"raw"."{table}"', {})[column] = kind
    aliases = {"TEXT": "VARCHAR", "INT": "INTEGER"}
    assert set(told) <= set(made)
    for table, columns in told.items():
        wanted = {name: aliases.get(kind, kind) for name, kind in columns.items()}
        assert {name: made[table][name] for name in wanted} == wanted, table
    assert {f'"raw"."{t.name}"' for t in TABLES if t.description} == set(told)


def test_the_loaders_fill_the_columns_of_the_contract() -> None:
    assert FACT_COLUMNS == [c.name for c in RAW["extracted_facts"].columns]
    assert RAW["held_facts"].column_names == [*FACT_COLUMNS, "reason"]
    assert RAW_TABLES == tuple(f"raw.{t.name}" for t in TABLES)


def test_a_warehouse_made_before_a_column_was_added_gains_it() -> None:
    with duckdb.connect() as connection:
        connection.execute(
            "CREATE SCHEMA raw; CREATE TABLE raw.reports (report_id TEXT PRIMARY KEY, path TEXT, "
            "sha256 TEXT, n_chars INT, text TEXT, loaded_at TIMESTAMP)"
        )
        ensure_raw_tables(connection)
        ensure_raw_tables(connection)  # again: nothing to do
        columns = connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'reports'"
        ).fetchall()
    assert [name for (name,) in columns] == RAW["reports"].column_names
    assert ddl() == RAW_DDL
