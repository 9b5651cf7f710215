"""The asset checks, declared once: which check runs on which asset, whether it blocks, and the
query behind it. Specs (``check_specs``) and results (``evaluate``) are both derived from
``TABLE_CHECKS``. Lazy polars scans keep the queries' memory bounded on large partitions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import polars as pl

from ..schema import PARTITION_COLUMN, TABLE_NAMES, TABLES
from ..storage import store_for

MAX_QUARANTINE_SHARE = 0.01


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlattenedPartition:
    """What the table checks look at: one model run's partition and its flatten's counts."""

    tables_root: str
    model_run_id: str
    lines: int
    quarantined: int


@dataclass(frozen=True)
class TableCheck:
    name: str
    tables: tuple[str, ...]
    describe: Callable[[str], str]  # the spec's description, per table
    run: Callable[[FlattenedPartition, str], CheckOutcome]
    blocking: bool = True  # a blocking check fails the run; the others only warn

    @property
    def severity(self) -> dg.AssetCheckSeverity:
        return dg.AssetCheckSeverity.ERROR if self.blocking else dg.AssetCheckSeverity.WARN


def _scan(tables_root: str, table: str, model_run_id: str) -> pl.LazyFrame:
    return store_for(tables_root).scan_partition(table, PARTITION_COLUMN, model_run_id)


def unique_keys(partition: FlattenedPartition, table: str) -> CheckOutcome:
    """No two rows of the partition share the table's natural key."""
    key = list(TABLES[table].key)
    dupes = (_scan(partition.tables_root, table, partition.model_run_id).group_by(key).agg(pl.len().alias("n"))
             .filter(pl.col("n") > 1).collect())
    return CheckOutcome(
        passed=dupes.height == 0,
        description=f"{table}: {dupes.height} duplicated key(s) ({', '.join(key)})" if dupes.height
        else f"{table}: every ({', '.join(key)}) is unique",
        metadata={"duplicate_keys": dupes.height, "key": ", ".join(key), "sample": str(dupes.head(5).to_dicts())},
    )


def parent_rows(partition: FlattenedPartition, table: str) -> CheckOutcome:
    """Every row of ``table`` has its data_rows parent in the same partition."""
    child = _scan(partition.tables_root, table, partition.model_run_id).select("data_row_id", "line_number")
    parents = _scan(partition.tables_root, "data_rows", partition.model_run_id).select("data_row_id")
    orphans = child.join(parents, on="data_row_id", how="anti").collect()
    return CheckOutcome(
        passed=orphans.height == 0,
        description=f"{table}: {orphans.height} row(s) without a data_rows parent" if orphans.height
        else f"{table}: every row has its data_rows parent",
        metadata={"orphan_rows": orphans.height,
                  "orphan_data_row_ids": str(orphans["data_row_id"].unique().head(5).to_list())},
    )


def no_quarantine(partition: FlattenedPartition, table: str) -> CheckOutcome:
    return CheckOutcome(passed=partition.quarantined == 0, description=f"{partition.quarantined} line(s) quarantined",
                        metadata={"quarantined_lines": partition.quarantined})


def quarantine_share(partition: FlattenedPartition, table: str) -> CheckOutcome:
    quarantined, lines = partition.quarantined, partition.lines
    share = quarantined / lines if lines else 0.0
    return CheckOutcome(
        passed=share <= MAX_QUARANTINE_SHARE,
        description=f"{quarantined} of {lines} lines quarantined ({share:.2%}; limit {MAX_QUARANTINE_SHARE:.2%})",
        metadata={"quarantined_lines": quarantined, "lines": lines, "share": share, "max_share": MAX_QUARANTINE_SHARE},
    )


TABLE_CHECKS: tuple[TableCheck, ...] = (
    TableCheck("unique_keys", TABLE_NAMES, lambda t: f"({', '.join(TABLES[t].key)}) is unique in the partition",
               unique_keys),
    TableCheck("has_data_row_parent", tuple(t for t in TABLE_NAMES if t != "data_rows"),
               lambda t: "every row's data_row_id is in data_rows", parent_rows),
    TableCheck("no_quarantined_lines", ("data_rows",), lambda t: "no export line was quarantined (warning)",
               no_quarantine, blocking=False),
    TableCheck("quarantine_under_threshold", ("data_rows",),
               lambda t: f"at most {MAX_QUARANTINE_SHARE:.0%} of lines quarantined", quarantine_share),
)

RAW_CHECK = "line_count_matches_export"


def raw_line_count(lines: int, total_lines: int) -> CheckOutcome:
    """The landed export holds exactly the lines Labelbox's stream header announced."""
    return CheckOutcome(passed=lines == total_lines,
                        description=f"raw export has {lines} lines; Labelbox announced {total_lines}",
                        metadata={"lines": lines, "total_lines": total_lines})


def raw_check_spec(raw_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(RAW_CHECK, asset=raw_key, blocking=True,
                             description="Landed lines equal the export's totalLines.")


def raw_check_result(lines: int, total_lines: int) -> dg.AssetCheckResult:
    outcome = raw_line_count(lines, total_lines)
    return dg.AssetCheckResult(check_name=RAW_CHECK, passed=outcome.passed, description=outcome.description,
                               metadata=outcome.metadata)


def check_specs(key_of: Callable[[str], dg.AssetKey]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(check.name, asset=key_of(table), blocking=check.blocking,
                              description=check.describe(table))
            for check in TABLE_CHECKS for table in check.tables]


def evaluate(partition: FlattenedPartition, key_of: Callable[[str], dg.AssetKey]) -> Iterator[dg.AssetCheckResult]:
    for check in TABLE_CHECKS:
        for table in check.tables:
            outcome = check.run(partition, table)
            yield dg.AssetCheckResult(asset_key=key_of(table), check_name=check.name, passed=outcome.passed,
                                      severity=check.severity, description=outcome.description,
                                      metadata=outcome.metadata)
