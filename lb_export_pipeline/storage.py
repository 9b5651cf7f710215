"""Where the raw exports and the tables live: a local folder, or an object-store URI.

* Local folders hold plain Hive-partitioned Parquet; a partition is replaced by an atomic folder
  swap (``flatten.commit``).
* Object stores (``s3://``, ``gs://``, ``abfs://``...) have no atomic rename, so each table is a
  Delta Lake table with the same Hive layout (``<table>/model_run_id=<id>/*.parquet``) plus a
  ``_delta_log``: replacing a model run's partition is one Delta commit (``overwrite`` with a
  ``model_run_id = '<id>'`` predicate). Readers of the log (DuckDB via ``deltalake``, Spark, Trino,
  Athena, polars) see the old partition or the new one, never both. Concurrent writers are safe on
  S3 through conditional writes (``conditional_put = etag``).

Credentials come from the standard environment: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``, ``AWS_REGION``, and ``AWS_ENDPOINT_URL`` for S3-compatible stores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .flatten.schemas import PARTITION_COLUMN, TableSpec

if TYPE_CHECKING:  # pyarrow.dataset imports pandas (~0.2 s): too slow for every flatten worker process
    import pyarrow.dataset as ds

REMOTE_SCHEMES = ("s3://", "s3a://", "gs://", "gcs://", "abfs://", "abfss://", "az://")
_AWS_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL",
             "AWS_S3_ALLOW_UNSAFE_RENAME")


def is_remote(root: str | os.PathLike[str]) -> bool:
    return str(root).startswith(REMOTE_SCHEMES)


def join(root: str | os.PathLike[str], *parts: str) -> str:
    return "/".join([str(root).rstrip("/"), *parts])


def delta_storage_options(uri: str) -> dict[str, str]:
    """``deltalake`` storage options from the standard environment."""
    if not uri.startswith(("s3://", "s3a://")):
        return {}
    options = {k: v for k in _AWS_KEYS if (v := os.environ.get(k))}
    if "AWS_REGION" not in options and os.environ.get("AWS_DEFAULT_REGION"):
        options["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"]
    if options.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        options["AWS_ALLOW_HTTP"] = "true"
    if "AWS_S3_ALLOW_UNSAFE_RENAME" not in options:
        options["conditional_put"] = "etag"  # safe concurrent commits on S3 (conditional writes)
    return options


def filesystem(uri: str) -> Any:
    """An fsspec filesystem for ``uri`` (s3fs for S3, with the same environment)."""
    import fsspec

    if uri.startswith(("s3://", "s3a://")):
        kwargs: dict[str, Any] = {}
        if os.environ.get("AWS_ENDPOINT_URL"):
            kwargs["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            kwargs["client_kwargs"] = {"region_name": region}
        return fsspec.filesystem("s3", **kwargs)
    return fsspec.filesystem(uri.split("://", 1)[0])


def delta_schema(spec: TableSpec) -> pa.Schema:
    return spec.schema.append(pa.field(PARTITION_COLUMN, pa.string()))


def replace_delta_partition(table_uri: str, spec: TableSpec, model_run_id: str, staged: Path) -> int:
    """Replace one model run's partition of a Delta table with the staged Parquet files, in one
    commit. Streams the files (bounded memory). Returns the rows written."""
    import pyarrow.dataset as ds
    from deltalake import write_deltalake

    files = sorted(str(p) for p in staged.glob("*.parquet"))
    schema = delta_schema(spec)
    counted = [0]

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in ds.dataset(files, schema=spec.schema, format="parquet").to_batches():
            counted[0] += batch.num_rows
            run = pa.array([model_run_id] * batch.num_rows, pa.string())
            yield pa.RecordBatch.from_arrays([*batch.columns, run], schema=schema)

    write_deltalake(
        table_uri, pa.RecordBatchReader.from_batches(schema, batches()), mode="overwrite",
        predicate=f"{PARTITION_COLUMN} = '{model_run_id}'", partition_by=[PARTITION_COLUMN],
        storage_options=delta_storage_options(table_uri), schema_mode="merge",
    )
    return counted[0]


def delta_dataset(table_uri: str) -> ds.Dataset | None:
    """The current snapshot of a Delta table as a pyarrow dataset, or None if it does not exist."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        return DeltaTable(table_uri, storage_options=delta_storage_options(table_uri)).to_pyarrow_dataset()
    except TableNotFoundError:
        return None


def put_file(local: Path, uri: str) -> None:
    """Upload one file (an object PUT is atomic: readers see the old object or the new one)."""
    filesystem(uri).put_file(str(local), uri)


def get_file(uri: str, local: Path) -> None:
    filesystem(uri).get_file(uri, str(local))


def exists(uri: str) -> bool:
    return bool(filesystem(uri).exists(uri))
