"""The partition store on a local (POSIX) folder: plain Hive-partitioned Parquet, replaced by atomic
folder swaps (``swap``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ..sql_literals import standard_literal
from .base import Layout, PartitionStore, Staging
from .swap import Transaction, fsync_tree

if TYPE_CHECKING:
    import duckdb
    import polars as pl


class LocalStaging(Staging):
    """A ``swap.Transaction`` under the store's root (``<root>/.staging/<id>/new``)."""

    def __init__(self, txn: Transaction) -> None:
        self.txn = txn
        self.id = txn.id
        self.folder = txn.new
        self._synced = False

    def _sync(self) -> None:
        """Everything staged is on disk before the first thing becomes visible, so the swaps that
        follow take milliseconds (the window in which a crash leaves some partitions replaced)."""
        if not self._synced:
            fsync_tree(self.folder)
            self._synced = True

    def _swap(self, relative: str) -> Path:
        self._sync()
        self.txn.replace(Path(relative))
        return self.txn.out / relative

    def publish_partition(self, relative: str, schema: pa.Schema) -> Path:
        return self._swap(relative)

    def publish_beside(self, partition: str, name: str) -> Path | None:
        published = self.txn.out / partition / name  # swapped in with its partition's folder
        return published if published.exists() else None

    def publish_folder(self, relative: str, last: str) -> Path:
        return self._swap(relative)  # one swap: every file appears at once

    def publish_file(self, relative: str) -> Path:
        self._sync()
        self.txn.replace_file(Path(relative))
        return self.txn.out / relative


class LocalStore(PartitionStore):
    layout: Layout = "hive"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def location(self, relative: str = "") -> Path:
        return self.root / relative if relative else self.root

    @contextmanager
    def stage(self) -> Iterator[LocalStaging]:
        txn = Transaction(self.root).begin()
        try:
            yield LocalStaging(txn)
        finally:
            txn.finish()

    @contextmanager
    def read(self, relative: str, names: Iterable[str]) -> Iterator[Path]:
        yield self.root / relative  # already local: read in place

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def has_partitions(self, table: str, column: str) -> bool:
        return any((self.root / table).glob(f"{column}=*/*.parquet"))

    def scan_partition(self, table: str, column: str, value: str) -> pl.LazyFrame:
        import polars as pl

        files = sorted(str(p) for p in (self.root / table / f"{column}={value}").glob("*.parquet"))
        if not files:
            raise FileNotFoundError(f"{table}: no files for {column}={value} under {self.root}")
        return pl.scan_parquet(files)

    def duckdb_view(self, con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
        if not self.has_partitions(table, column):
            return False
        files = standard_literal(f"{self.root}/{table}/{column}=*/*.parquet")
        con.execute(f"""CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM read_parquet(
            {files}, hive_partitioning = true, union_by_name = true, hive_types = {{'{column}': VARCHAR}})""")
        return True
