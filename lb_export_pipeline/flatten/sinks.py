"""Row buffers that become Arrow record batches, then Parquet row groups, with bounded memory.

Rows arrive as Python tuples in column order. Every ``batch_rows`` rows a sink converts its buffer
to a RecordBatch (Arrow does the type conversion in C), and when a sink holds ``row_group_rows``
rows, or all sinks together hold more than the memory budget, batches are written as one row
group. Files rotate every ``file_rows`` rows.

Row groups are encoded and compressed by a ``BackgroundWriter`` thread: Parquet encoding and zstd
run in C++ without the GIL, so they overlap with the Python walk on another core. One write is in
flight at a time, which bounds the extra memory to one row group.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import TableSpec

Row = tuple[Any, ...]


class BatchConversionError(Exception):
    """Arrow refused a value while building a batch: some line has a field of the wrong type.

    The runner answers by flattening again in strict mode, which checks every row of every line
    and quarantines the bad line with the field named.
    """


@dataclass(frozen=True)
class SinkSettings:
    batch_rows: int = 4096
    row_group_rows: int = 131_072
    file_rows: int = 4_000_000
    memory_budget: int = 40 << 20  # Arrow bytes held across all sinks of a process, besides one write in flight
    compression: str = "zstd"
    compression_level: int = 3


class BackgroundWriter:
    """Runs Parquet writes on one thread, in submission order, with at most one in flight.

    An exception raised by a write surfaces in the caller at the next ``submit``, ``wait`` or ``close``.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="parquet-writer")
        self._in_flight: Future[None] | None = None

    def submit(self, write: Callable[[], None]) -> None:
        self.wait()
        self._in_flight = self._pool.submit(write)

    def wait(self) -> None:
        done, self._in_flight = self._in_flight, None
        if done is not None:
            done.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)


@dataclass
class Budget:
    """Arrow bytes buffered by all sinks of one process, and the writer their row groups go through
    (None: write on the calling thread)."""

    limit: int
    used: int = 0
    sinks: list[TableSink] = field(default_factory=list)
    writer: BackgroundWriter | None = None

    def add(self, nbytes: int) -> None:
        self.used += nbytes
        while self.used > self.limit:
            largest = max(self.sinks, key=lambda s: s.pending_bytes)
            if largest.pending_bytes == 0:
                break
            largest.write_pending()


class TableSink:
    """One table of one partition, written as ``<directory>/<prefix>-NNNNN.parquet`` files."""

    def __init__(
        self, spec: TableSpec, directory: Path, prefix: str, settings: SinkSettings, budget: Budget
    ) -> None:
        self.spec = spec
        self.schema = spec.schema
        self.directory = directory
        self.prefix = prefix
        self.settings = settings
        self.budget = budget
        self.rows: list[Row] = []
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.pending_bytes = 0
        self.rows_written = 0
        self.files: list[Path] = []
        self._writer: pq.ParquetWriter | None = None
        self._file_rows = 0
        budget.sinks.append(self)

    def extend(self, rows: list[Row]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.settings.batch_rows:
            self._to_batch()

    def _to_batch(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        try:
            arrays = [
                pa.array(column, type=f.type)
                for column, f in zip(zip(*rows, strict=True), self.schema, strict=True)
            ]
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError) as exc:
            raise BatchConversionError(f"{self.spec.name}: {exc}") from exc
        batch = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        self.pending_bytes += batch.nbytes
        self.budget.add(batch.nbytes)  # may write this sink or a larger one
        if self.pending_rows >= self.settings.row_group_rows:
            self.write_pending()

    def write_pending(self) -> None:
        if not self.pending:
            return
        if self._writer is None:
            self._open()
        writer = self._writer
        assert writer is not None
        table = pa.Table.from_batches(self.pending, schema=self.schema)
        row_group_rows = self.settings.row_group_rows
        if self.budget.writer is None:
            writer.write_table(table, row_group_size=row_group_rows)
        else:
            self.budget.writer.submit(lambda: writer.write_table(table, row_group_size=row_group_rows))
        self.rows_written += table.num_rows
        self._file_rows += table.num_rows
        self.budget.used -= self.pending_bytes
        self.pending, self.pending_rows, self.pending_bytes = [], 0, 0
        if self._file_rows >= self.settings.file_rows:
            self._close_file()

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.prefix}-{len(self.files):05d}.parquet"
        self._writer = pq.ParquetWriter(
            path, self.schema, compression=self.settings.compression,
            compression_level=self.settings.compression_level, write_statistics=True,
        )
        self.files.append(path)
        self._file_rows = 0

    def _close_file(self) -> None:
        if self._writer is not None:
            if self.budget.writer is not None:
                self.budget.writer.wait()  # this file's last row group is written before its footer
            self._writer.close()
            self._writer = None

    def close(self) -> int:
        """Write what is buffered; a partition with no rows still gets one empty file, so every
        engine sees the table's schema. Returns the rows written."""
        self._to_batch()
        self.write_pending()
        if not self.files:
            self._open()
        self._close_file()
        return self.rows_written


def row_checker(spec: TableSpec) -> list[tuple[str, Any]]:
    """(column name, check function) pairs that validate a row tuple the way Arrow would."""
    return [(c.name, _checker(c.type)) for c in spec.columns]


def check_row(checks: list[tuple[str, Any]], table: str, row: Row) -> None:
    for (name, check), value in zip(checks, row, strict=True):
        if value is not None and not check(value):
            raise ValueError(f"column {table}.{name}: {value!r:.80} is not a valid {name} value")


def _is_number(v: Any) -> bool:
    return type(v) in (int, float)


def _checker(t: pa.DataType) -> Any:
    if pa.types.is_string(t):
        return lambda v: isinstance(v, str)
    if pa.types.is_floating(t):
        return _is_number
    if pa.types.is_integer(t):
        bits = t.bit_width

        def is_int(v: Any) -> bool:
            if type(v) is float and v.is_integer():
                v = int(v)
            return type(v) is int and -(1 << (bits - 1)) <= v < (1 << (bits - 1))

        return is_int
    if pa.types.is_boolean(t):
        return lambda v: type(v) is bool
    if pa.types.is_timestamp(t):
        return lambda v: hasattr(v, "isoformat")
    if pa.types.is_list(t):
        inner = _checker(t.value_type)
        return lambda v: isinstance(v, list | tuple) and all(x is None or inner(x) for x in v)
    if pa.types.is_struct(t):
        fields = [(t.field(i).name, _checker(t.field(i).type)) for i in range(t.num_fields)]

        def is_struct(v: Any) -> bool:
            if isinstance(v, tuple):
                return len(v) == len(fields) and all(x is None or c(x) for (_, c), x in zip(fields, v, strict=True))
            return isinstance(v, dict) and all(v.get(n) is None or c(v.get(n)) for n, c in fields)

        return is_struct
    raise TypeError(f"no checker for {t}")
