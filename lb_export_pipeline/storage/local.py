"""The partition store on a local (POSIX) folder: plain Hive-partitioned Parquet, replaced by atomic
folder swaps (``swap``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from .base import PartitionStore, Staging
from .swap import Transaction, fsync_tree


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
