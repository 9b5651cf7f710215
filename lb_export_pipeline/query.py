"""DuckDB over the tables: one view per table, Hive partitions as a ``model_run_id`` column.

Local roots are read with ``read_parquet(..., hive_partitioning = true)``; object-store roots are
Delta tables, read through ``deltalake`` as Arrow datasets (DuckDB's own httpfs and delta
extensions are downloaded at run time, which this does not need), so a query sees one committed
snapshot of each table.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

from .evaluation.schemas import EVALUATION_TABLES
from .schema import PARTITION_COLUMN, TABLES
from .storage import delta_dataset, is_remote, join


def table_glob(root: str | os.PathLike[str], table: str) -> str:
    return f"{str(root).rstrip('/')}/{table}/{PARTITION_COLUMN}=*/*.parquet"


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal. A view's definition cannot take bound parameters, so a path
    (``/data/o_bob's``) is quoted here rather than spliced in as it is."""
    return "'" + text.replace("'", "''") + "'"


def tables_present(root: str | os.PathLike[str]) -> list[str]:
    """The tables that have at least one partition under ``root``."""
    if is_remote(root):
        return [name for name in TABLES if delta_dataset(join(root, name)) is not None]
    return [name for name in TABLES if _has_partitions(root, name)]


def _has_partitions(root: str | os.PathLike[str], table: str) -> bool:
    return any(Path(root, table).glob(f"{PARTITION_COLUMN}=*/*.parquet"))


def create_views(con: duckdb.DuckDBPyConnection, root: str | os.PathLike[str]) -> list[str]:
    """Create (or replace) a view per table over ``root``; a table with no files yet gets an empty
    view with its full schema, so queries never fail on a fresh install. Returns the view names."""
    remote = is_remote(root)
    for name, spec in {**TABLES, **EVALUATION_TABLES}.items():
        if remote:
            dataset = delta_dataset(join(root, name))
            if dataset is not None:
                con.register(f"__delta_{name}", dataset)
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "__delta_{name}"')
                continue
        elif _has_partitions(root, name):
            con.execute(
                f"""CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet(
                    {sql_string(table_glob(root, name))}, hive_partitioning = true, union_by_name = true,
                    hive_types = {{'{PARTITION_COLUMN}': VARCHAR}})"""
            )
            continue
        empty = spec.schema.empty_table().append_column(PARTITION_COLUMN, pa.array([], pa.string()))
        con.register(f"__empty_{name}", empty)
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "__empty_{name}"')
    return [*TABLES, *EVALUATION_TABLES]


def connect(root: str | os.PathLike[str], database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a view per table over the tables under ``root``."""
    con = duckdb.connect(database)
    create_views(con, root)
    return con
