"""The partition store's contract: what the flatten, the raw landing and the resources ask of storage.

Everything is written on local disk first, in a staging area, then published: a Hive partition
(``<table>/<column>=<value>/``) replaced as a whole, a folder replaced as a whole (its ``last`` file
published after the others), or single files. Readers see the old version or the new one, never a
mix. Paths are relative to the store's root, ``/``-separated.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

if TYPE_CHECKING:  # the readers import these lazily: a flatten worker needs neither
    import duckdb
    import polars as pl

Location = Path | str
"""Where something is published: a local path, or an object-store URI."""

Layout = Literal["hive", "delta"]
"""How a store lays tables out: plain Hive-partitioned Parquet folders, or Delta Lake tables."""

REMOTE_SCHEMES = ("s3://", "s3a://", "gs://", "gcs://", "abfs://", "abfss://", "az://")


def is_remote(root: str | os.PathLike[str]) -> bool:
    return str(root).startswith(REMOTE_SCHEMES)


def join(root: str | os.PathLike[str], *parts: str) -> str:
    return "/".join([str(root).rstrip("/"), *parts])


class Staging(ABC):
    """One transaction: every file is written under ``folder`` (local disk) first, then published."""

    id: str  # unique per transaction: staged file names carry it
    folder: Path

    @abstractmethod
    def publish_partition(self, relative: str, schema: pa.Schema) -> Location:
        """Replace the Hive partition ``relative`` (``<table>/<column>=<value>``) with the staged
        Parquet files (of ``schema``) in one atomic step. Returns where readers find it: the
        partition's folder, or the table holding it."""

    @abstractmethod
    def publish_beside(self, partition: str, name: str) -> Location | None:
        """Publish the staged file ``<partition>/<name>`` that goes with a partition but is not table
        data (a quarantine), or remove an earlier one when none is staged. Call it after
        ``publish_partition``. Returns where the file is now, None when there is none."""

    @abstractmethod
    def publish_folder(self, relative: str, last: str) -> Location:
        """Replace the folder ``relative`` with the staged one; the file ``last`` (a manifest) is
        visible only once every other file is."""

    @abstractmethod
    def publish_file(self, relative: str) -> Location:
        """Replace one file with the staged one, atomically."""


class PartitionStore(ABC):
    """A root (local folder or object-store URI) holding partitioned tables and landed files.

    Tables are ``<table>/<column>=<value>/`` folders of Parquet files; readers ask the store for them
    (``has_partitions``, ``scan_partition``, ``duckdb_view``) and never look at which kind it is."""

    layout: Layout  # what other engines are told to read (``lb-export ddl``)

    @abstractmethod
    def location(self, relative: str = "") -> Location:
        """Where ``relative`` is (or would be) under the root."""

    @abstractmethod
    def stage(self) -> AbstractContextManager[Staging]:
        """A staging area for one transaction; whatever was not published is dropped on exit."""

    @abstractmethod
    def read(self, relative: str, names: Iterable[str]) -> AbstractContextManager[Path]:
        """A local folder holding the files ``names`` of the folder ``relative`` (those that exist; a
        local store gives the folder itself)."""

    @abstractmethod
    def exists(self, relative: str) -> bool:
        """Whether a file or folder exists at ``relative``."""

    @abstractmethod
    def remove(self, relative: str) -> None:
        """Remove the file ``relative`` if it is there (a stale file an earlier version left)."""

    @abstractmethod
    def has_partitions(self, table: str, column: str) -> bool:
        """Whether the table ``table`` (partitioned by ``column``) holds at least one partition."""

    @abstractmethod
    def scan_partition(self, table: str, column: str, value: str) -> pl.LazyFrame:
        """A lazy polars scan of the current rows of the partition ``column = value`` of ``table``
        (the partition column may or may not be among its columns)."""

    @abstractmethod
    def duckdb_view(self, con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
        """Create (or replace) the view ``table`` over the table's current rows, with its partitions
        as the VARCHAR column ``column``. Creates nothing and returns False when the table has no
        partition yet."""
