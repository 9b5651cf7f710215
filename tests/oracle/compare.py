"""Differential checks: an export through the native flatten and through the Python oracle gives the
same tables, cell for cell, and the same quarantine records (line, field path, partition)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.flatten.quarantine import read_quarantine
from lb_export_pipeline.schema import PARTITION_COLUMN, TABLE_NAMES, TABLES

from .walk import walk_file


def native_tables(out: Path, run_id: str) -> dict[str, pa.Table]:
    """A partition's tables as the native flatten wrote them, rows in line order (stable: rows of one
    line keep the order the walker emitted them in, since one line lands in one worker's file)."""
    tables = {}
    for name in TABLE_NAMES:
        files = sorted((out / name / f"{PARTITION_COLUMN}={run_id}").glob("*.parquet"))
        parts = [pq.read_table(f) for f in files] or [TABLES[name].schema.empty_table()]
        table = pa.concat_tables(parts).replace_schema_metadata(None)
        tables[name] = table.take(pc.sort_indices(table, [("line_number", "ascending")]))
    return tables


def _first_difference(got: pa.Table, want: pa.Table) -> str:
    if got.num_rows != want.num_rows:
        return f"{got.num_rows} rows, oracle {want.num_rows}"
    for name in want.column_names:
        a, b = got.column(name).to_pylist(), want.column(name).to_pylist()
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y or type(x) is not type(y):
                return f"column {name}, row {i} (line {want.column('line_number')[i]}): native {x!r}, oracle {y!r}"
    return "schemas differ"


def assert_same_as_oracle(export: Path, out: Path, *, workers: int = 2, model_run_id: str | None = None,
                          splits: Mapping[str, str] | None = None) -> int:
    """Flatten ``export`` natively into ``out`` and compare with the oracle; returns the rows compared."""
    oracle = walk_file(export, only_model_run=model_run_id, splits=splits)
    result = flatten_export(export, out, workers=workers, model_run_id=model_run_id, splits=splits)
    assert result.lines == oracle.lines
    assert result.skipped_runs == oracle.skipped_runs
    compared = 0
    for run_id, want_tables in oracle.tables().items():
        got_tables = native_tables(out, run_id)
        for name, want in want_tables.items():
            got = got_tables[name]
            assert got.equals(want.replace_schema_metadata(None)), \
                f"{export.name}: {name} of {run_id}: {_first_difference(got, want)}"
            compared += want.num_rows
    for run_id, part in result.partitions.items():  # no partition beyond the oracle's, none with rows
        if run_id not in oracle.rows:
            assert sum(part.rows.values()) == 0, f"{run_id}: {part.rows} rows the oracle has not"

    got_records = []
    for run_id, part in result.partitions.items():
        if part.quarantine_path is not None:
            got_records += [(run_id, r["line"], r["field"]) for r in read_quarantine(Path(part.quarantine_path))]
    if result.unattributed_path is not None:
        got_records += [(None, r["line"], r["field"]) for r in read_quarantine(Path(result.unattributed_path))]
    want_records = [(run, q.line, q.field) for q in oracle.quarantine for run in (q.runs or (None,))]
    assert sorted(got_records, key=repr) == sorted(want_records, key=repr)
    return compared
