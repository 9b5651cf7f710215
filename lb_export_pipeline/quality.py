"""Data-quality checks on one model run's partition, as plain functions (Dagster asset checks call
them; so can anyone). Lazy polars scans keep their memory bounded on large partitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from .flatten.schemas import PARTITION_COLUMN, TABLES
from .storage import delta_storage_options, is_remote, join


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def partition_files(tables_root: str | Path, table: str, model_run_id: str) -> list[str]:
    return sorted(str(p) for p in (Path(tables_root) / table / f"{PARTITION_COLUMN}={model_run_id}").glob("*.parquet"))


def _scan(tables_root: str | Path, table: str, model_run_id: str) -> pl.LazyFrame:
    if is_remote(tables_root):
        uri = join(tables_root, table)
        return pl.scan_delta(uri, storage_options=delta_storage_options(uri)).filter(
            pl.col(PARTITION_COLUMN) == model_run_id)
    files = partition_files(tables_root, table, model_run_id)
    if not files:
        raise FileNotFoundError(f"{table}: no files for {PARTITION_COLUMN}={model_run_id} under {tables_root}")
    return pl.scan_parquet(files)


def unique_keys(tables_root: str | Path, table: str, model_run_id: str) -> CheckOutcome:
    """No two rows of the partition share the table's natural key."""
    key = list(TABLES[table].key)
    dupes = (_scan(tables_root, table, model_run_id).group_by(key).agg(pl.len().alias("n"))
             .filter(pl.col("n") > 1).collect())
    sample = dupes.head(5).to_dicts()
    return CheckOutcome(
        passed=dupes.height == 0,
        description=f"{table}: {dupes.height} duplicated key(s) ({', '.join(key)})" if dupes.height
        else f"{table}: every ({', '.join(key)}) is unique",
        metadata={"duplicate_keys": dupes.height, "key": ", ".join(key), "sample": str(sample)},
    )


def parent_rows(tables_root: str | Path, table: str, model_run_id: str) -> CheckOutcome:
    """Every row of ``table`` has its data_rows parent in the same partition."""
    child = _scan(tables_root, table, model_run_id).select("data_row_id", "line_number")
    parents = _scan(tables_root, "data_rows", model_run_id).select("data_row_id")
    orphans = child.join(parents, on="data_row_id", how="anti").collect()
    return CheckOutcome(
        passed=orphans.height == 0,
        description=f"{table}: {orphans.height} row(s) without a data_rows parent" if orphans.height
        else f"{table}: every row has its data_rows parent",
        metadata={"orphan_rows": orphans.height,
                  "orphan_data_row_ids": str(orphans["data_row_id"].unique().head(5).to_list())},
    )


def raw_line_count(lines: int, total_lines: int) -> CheckOutcome:
    """The landed export holds exactly the lines Labelbox's stream header announced."""
    return CheckOutcome(
        passed=lines == total_lines,
        description=f"raw export has {lines} lines; Labelbox announced {total_lines}",
        metadata={"lines": lines, "total_lines": total_lines},
    )


def quarantine_share(quarantined: int, lines: int, max_share: float) -> CheckOutcome:
    share = quarantined / lines if lines else 0.0
    return CheckOutcome(
        passed=share <= max_share,
        description=f"{quarantined} of {lines} lines quarantined ({share:.2%}; limit {max_share:.2%})",
        metadata={"quarantined_lines": quarantined, "lines": lines, "share": share, "max_share": max_share},
    )
