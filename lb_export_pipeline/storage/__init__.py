"""Where the raw exports and the tables live: one ``PartitionStore``, chosen once from the root.

* A local folder (``LocalStore``) holds plain Hive-partitioned Parquet; a partition is replaced by an
  atomic folder swap (``swap``).
* An object-store URI (``DeltaStore``: ``s3://``, ``gs://``, ``abfs://``...) holds each table as a
  Delta Lake table with the same Hive layout; a partition is replaced by one Delta commit.

Callers stage files on local disk, then publish them; they never ask which kind of store it is.
"""

from __future__ import annotations

import os

from .base import Layout, Location, PartitionStore, Staging, is_remote, join
from .delta import DeltaStore, delta_dataset
from .local import LocalStore
from .objects import delta_storage_options, exists, filesystem


def store_for(root: str | os.PathLike[str]) -> PartitionStore:
    """The store for ``root``: Delta tables on an object-store URI, atomic folder swaps on a folder."""
    return DeltaStore(str(root)) if is_remote(root) else LocalStore(root)


__all__ = [
    "DeltaStore",
    "Layout",
    "LocalStore",
    "Location",
    "PartitionStore",
    "Staging",
    "delta_dataset",
    "delta_storage_options",
    "exists",
    "filesystem",
    "is_remote",
    "join",
    "store_for",
]
