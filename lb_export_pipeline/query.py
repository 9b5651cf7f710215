"""DuckDB over the tables: one view per table, Hive partitions as a ``model_run_id`` column.

The store behind the root builds each view (``PartitionStore.duckdb_view``): Parquet files read in
place on a local folder, the current Delta snapshot on an object store.
"""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa

from .evaluation.schemas import EVALUATION_TABLES
from .schema import PARTITION_COLUMN, TABLES
from .storage import store_for


def tables_present(root: str | os.PathLike[str]) -> list[str]:
    """The tables that have at least one partition under ``root``."""
    store = store_for(root)
    return [name for name in TABLES if store.has_partitions(name, PARTITION_COLUMN)]


def create_views(con: duckdb.DuckDBPyConnection, root: str | os.PathLike[str]) -> list[str]:
    """Create (or replace) a view per table over ``root``; a table with no files yet gets an empty
    view with its full schema, so queries never fail on a fresh install. Returns the view names."""
    store = store_for(root)
    for name, spec in {**TABLES, **EVALUATION_TABLES}.items():
        if store.duckdb_view(con, name, PARTITION_COLUMN):
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
