"""The partition store on an object store (``s3://``, ``gs://``, ``abfs://``...).

Object stores have no atomic rename, so each table is a Delta Lake table with the same Hive layout
(``<table>/model_run_id=<id>/*.parquet``) plus a ``_delta_log``: replacing a partition is one Delta
commit (``overwrite`` with a ``<column> = '<value>'`` predicate). Readers of the log (DuckDB via
``deltalake``, Spark, Trino, Athena, polars) see the old partition or the new one, never both.
Concurrent writers are safe on S3 through conditional writes (``conditional_put = etag``). Other
files are single objects: a PUT is atomic.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from . import objects
from .base import Layout, PartitionStore, Staging, join

if TYPE_CHECKING:  # pyarrow.dataset imports pandas (~0.2 s): too slow for every flatten worker process
    import duckdb
    import polars as pl
    import pyarrow.dataset as ds

BESIDE_TABLES = "_quarantine"  # files that go with a partition sit here, outside the Delta tables:
# a vacuum would delete files the log does not know


def replace_delta_partition(table_uri: str, schema: pa.Schema, column: str, value: str, staged: Path) -> int:
    """Replace the partition ``column = value`` of a Delta table with the staged Parquet files (of
    ``schema``, without the partition column), in one commit. Streams the files (bounded memory).
    Returns the rows written."""
    import pyarrow.dataset as ds
    from deltalake import write_deltalake

    files = sorted(str(p) for p in staged.glob("*.parquet"))
    with_column = schema.append(pa.field(column, pa.string()))
    counted = [0]

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in ds.dataset(files, schema=schema, format="parquet").to_batches():
            counted[0] += batch.num_rows
            values = pa.array([value] * batch.num_rows, pa.string())
            yield pa.RecordBatch.from_arrays([*batch.columns, values], schema=with_column)

    write_deltalake(
        table_uri, pa.RecordBatchReader.from_batches(with_column, batches()), mode="overwrite",
        predicate=f"{column} = '{value}'", partition_by=[column],
        storage_options=objects.delta_storage_options(table_uri), schema_mode="merge",
    )
    return counted[0]


def delta_dataset(table_uri: str) -> ds.Dataset | None:
    """The current snapshot of a Delta table as a pyarrow dataset, or None if it does not exist."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        return DeltaTable(table_uri, storage_options=objects.delta_storage_options(table_uri)).to_pyarrow_dataset()
    except TableNotFoundError:
        return None


class DeltaStaging(Staging):
    """A temporary local folder; publishing uploads from it."""

    def __init__(self, store: DeltaStore, folder: Path) -> None:
        self.store = store
        self.id = uuid.uuid4().hex[:16]
        self.folder = folder

    def publish_partition(self, relative: str, schema: pa.Schema) -> str:
        table, partition = relative.split("/")
        column, value = partition.split("=", 1)
        uri = self.store.location(table)
        replace_delta_partition(uri, schema, column, value, self.folder / relative)
        return uri

    def publish_beside(self, partition: str, name: str) -> str | None:
        staged = self.folder / partition / name
        relative = f"{BESIDE_TABLES}/{partition.rsplit('/', 1)[-1]}/{name}"
        if not staged.exists():
            self.store.remove(relative)  # no stale file from an earlier version
            return None
        return self._put(staged, relative)

    def publish_folder(self, relative: str, last: str) -> str:
        files = sorted(p for p in (self.folder / relative).iterdir() if p.is_file())
        for path in sorted(files, key=lambda p: p.name == last):  # stable: the others keep their order
            self._put(path, f"{relative}/{path.name}")
        return self.store.location(relative)

    def publish_file(self, relative: str) -> str:
        return self._put(self.folder / relative, relative)

    def _put(self, staged: Path, relative: str) -> str:
        uri = self.store.location(relative)
        objects.put_file(staged, uri)
        return uri


class DeltaStore(PartitionStore):
    layout: Layout = "delta"

    def __init__(self, root: str) -> None:
        self.root = root

    def location(self, relative: str = "") -> str:
        return join(self.root, relative) if relative else self.root

    @contextmanager
    def stage(self) -> Iterator[DeltaStaging]:
        with tempfile.TemporaryDirectory(prefix="lb-export-stage-") as folder:
            yield DeltaStaging(self, Path(folder))

    @contextmanager
    def read(self, relative: str, names: Iterable[str]) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="lb-export-read-") as folder:
            for name in names:
                uri = self.location(f"{relative}/{name}")
                if objects.exists(uri):
                    objects.get_file(uri, Path(folder) / name)
            yield Path(folder)

    def exists(self, relative: str) -> bool:
        return objects.exists(self.location(relative))

    def remove(self, relative: str) -> None:
        objects.remove(self.location(relative))

    def has_partitions(self, table: str, column: str) -> bool:
        return delta_dataset(self.location(table)) is not None

    def scan_partition(self, table: str, column: str, value: str) -> pl.LazyFrame:
        import polars as pl

        uri = self.location(table)
        return pl.scan_delta(uri, storage_options=objects.delta_storage_options(uri)).filter(pl.col(column) == value)

    def duckdb_view(self, con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
        """A view over the table's current Delta snapshot, read through ``deltalake`` as an Arrow
        dataset (DuckDB's own httpfs and delta extensions are downloaded at run time; this needs
        neither), so a query sees one committed version of the table."""
        dataset = delta_dataset(self.location(table))
        if dataset is None:
            return False
        con.register(f"__delta_{table}", dataset)
        con.execute(f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM "__delta_{table}"')
        return True
