"""Parquet files of one table of one partition, written from Arrow record batches on encoder threads.

pyarrow is the one Parquet writer (local tables and Delta tables alike). Encoding and compression run
in C++ without the GIL, so the six tables' row groups are encoded on a small thread pool while the
native core walks the next lines. Memory is bounded three times: batches waiting to form a row group
count against ``memory_budget`` (the largest table is written early when it is exceeded), writes in
flight against ``in_flight_bytes`` (the caller waits for the oldest), and the column chunks in the
footers of open files against ``footer_column_chunks`` (a writer holds its footer, about 1 KB per
column chunk, until the file is closed; the file with the largest one is closed first).
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import TableSpec

# String columns with few distinct values, where dictionary encoding pays; every other column
# (ids, JSON text, numbers) is written plain, which encodes faster and, with zstd, is as small or
# smaller (benchmarks/bench_parquet.py).
DICTIONARY_COLUMNS = frozenset({
    "source", "model_id", "model_name", "model_run_name", "split", "dataset_id", "dataset_name", "created_by",
    "mime_type", "label_kind", "version", "feature_schema_id", "name", "value", "annotation_kind",
    "geometry_kind", "geojson_type", "dicom_group", "question_schema_id", "question_name", "question_value",
    "answer_kind", "answer_schema_id", "answer_name", "answer_value", "path", "kind",
})

# Columns with no min/max statistics: free text, JSON and nested lists, which no query prunes row
# groups by, and whose statistics cost encode time (every other column keeps them).
NO_STATISTICS_COLUMNS = frozenset({
    "row_data", "media_attributes_extra", "attachments", "metadata_fields", "embeddings", "reviews",
    "custom_metrics", "points", "mask_url", "mask_color_rgb", "text", "geojson", "document_groups",
    "message_ids", "segments", "text_content", "extra",
})


@dataclass(frozen=True)
class ParquetSettings:
    row_group_rows: int = 131_072
    file_rows: int = 4_000_000
    footer_column_chunks: int = 4096  # row groups x columns in the footers of open files, all sinks
    # Arrow bytes waiting to form row groups, across all sinks. Each row group costs encode time of
    # its own (32 MB: 29 row groups on the 100 MB export and ~2-6% less CPU on one core than 16 MB's
    # 44), but two walkers with 32 MB peak just over 300 MB at 1 GB.
    memory_budget: int = 16 << 20
    in_flight_bytes: int = 8 << 20  # Arrow bytes handed to encoder threads and not yet written
    encoder_threads: int = 2
    compression: str = "zstd"
    compression_level: int = 1
    dictionary_columns: frozenset[str] = DICTIONARY_COLUMNS
    no_statistics_columns: frozenset[str] = NO_STATISTICS_COLUMNS

    def writer_options(self, schema: pa.Schema) -> dict[str, object]:
        return {
            "compression": self.compression,
            "compression_level": self.compression_level,
            "use_dictionary": [n for n in schema.names if n in self.dictionary_columns],
            "write_statistics": [n for n in schema.names if n not in self.no_statistics_columns],
        }


class _HugePagesOff:
    """Transparent huge pages off for this process while any flatten encodes (Linux; restored after).

    pyarrow's default pool (mimalloc 3) asks for huge pages, so the encoders' few MB of short-lived
    buffers are spread over 2 MB pages: ~70 MB resident (~40 without them) for ~6 MB in use, on a
    1 GB export.
    """

    _PR_SET_THP_DISABLE, _PR_GET_THP_DISABLE = 41, 42

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._ours = False
        self._prctl = None
        if sys.platform == "linux":
            self._prctl = ctypes.CDLL(None, use_errno=True).prctl
            self._prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
            self._prctl.restype = ctypes.c_int

    def acquire(self) -> None:
        with self._lock:
            self._users += 1
            if self._users == 1 and self._prctl is not None and self._prctl(self._PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0:
                self._ours = self._prctl(self._PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._ours:
                assert self._prctl is not None
                self._prctl(self._PR_SET_THP_DISABLE, 0, 0, 0, 0)
                self._ours = False


HUGE_PAGES_OFF = _HugePagesOff()


class Encoders:
    """Runs Parquet writes on threads. Writes of one file stay in order (a sink waits for its previous
    write before it submits the next); an exception surfaces in the caller at the next call.

    Every ``release_seconds`` an encoder hands the pool's freed memory back to the system: mimalloc
    keeps it for a second otherwise (~30 MB on a 1 GB export, ~20 with this)."""

    release_seconds = 0.25

    def __init__(self, settings: ParquetSettings) -> None:
        HUGE_PAGES_OFF.acquire()
        self._closed = False
        self._released = time.monotonic()
        self._pool = ThreadPoolExecutor(max(1, settings.encoder_threads), thread_name_prefix="parquet-encoder")
        self._in_flight: deque[tuple[Future[None], int]] = deque()
        self._bytes = 0
        self._limit = settings.in_flight_bytes

    def submit(self, write: Callable[[], None], nbytes: int) -> Future[None]:
        while self._in_flight and (self._bytes + nbytes > self._limit or self._in_flight[0][0].done()):
            self._retire_oldest()
        future = self._pool.submit(self._write, write)
        self._in_flight.append((future, nbytes))
        self._bytes += nbytes
        return future

    def _write(self, write: Callable[[], None]) -> None:
        write()
        now = time.monotonic()
        if now - self._released >= self.release_seconds:
            self._released = now  # a race between encoders costs at most one extra release
            pa.default_memory_pool().release_unused()

    def wait(self) -> None:
        while self._in_flight:
            self._retire_oldest()

    def _retire_oldest(self) -> None:
        """Wait for the oldest write in flight; its error, if any, is raised here."""
        done, size = self._in_flight.popleft()
        self._bytes -= size
        done.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            if not self._closed:
                self._closed = True
                HUGE_PAGES_OFF.release()


@dataclass
class Budget:
    """Arrow bytes waiting in all sinks, and column chunks in the footers of their open files. Over
    the first limit the fullest sink writes its row group early; over the second the file with the
    largest footer is closed (its sink's next rows start a new file)."""

    limit: int
    footer_limit: int = 1 << 62
    used: int = 0
    footer_used: int = 0
    sinks: list[TableSink] = field(default_factory=list)

    def add(self, nbytes: int) -> None:
        self.used += nbytes
        while self.used > self.limit:
            largest = max(self.sinks, key=lambda s: s.pending_bytes)
            if largest.pending_bytes == 0:
                break
            largest.write_pending()

    def add_footer(self, chunks: int) -> None:
        self.footer_used += chunks
        while self.footer_used > self.footer_limit:
            largest = max(self.sinks, key=lambda s: s.footer_chunks)
            if largest.footer_chunks == 0:
                break
            largest.close_file()


class TableSink:
    """One table of one partition, written as ``<directory>/<prefix>-NNNNN.parquet`` files."""

    def __init__(self, spec: TableSpec, directory: Path, prefix: str, settings: ParquetSettings,
                 encoders: Encoders | None, budget: Budget) -> None:
        self.spec = spec
        self.schema = spec.schema
        self.directory = directory
        self.prefix = prefix
        self.settings = settings
        self.encoders = encoders
        self.budget = budget
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.pending_bytes = 0
        self.rows_written = 0
        self.files: list[Path] = []
        self._writer: pq.ParquetWriter | None = None
        self._file_rows = 0
        self.footer_chunks = 0  # row groups x columns written to the open file
        self._last_write: Future[None] | None = None
        budget.sinks.append(self)

    def add(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        self.pending_bytes += batch.nbytes
        self.budget.add(batch.nbytes)  # may write this sink or a fuller one
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
        size = self.settings.row_group_rows
        if self.encoders is None:
            writer.write_table(table, row_group_size=size)
        else:
            self._wait_last()  # row groups of one file are written in order
            self._last_write = self.encoders.submit(lambda: writer.write_table(table, row_group_size=size),
                                                    self.pending_bytes)
        self.rows_written += table.num_rows
        self._file_rows += table.num_rows
        self.budget.used -= self.pending_bytes
        self.pending, self.pending_rows, self.pending_bytes = [], 0, 0
        if self._file_rows >= self.settings.file_rows:
            self.close_file()
        else:
            chunks = -(-table.num_rows // size) * len(self.schema)
            self.footer_chunks += chunks
            self.budget.add_footer(chunks)  # may close this file or a larger one

    def _wait_last(self) -> None:
        last, self._last_write = self._last_write, None
        if last is not None:
            last.result()

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.prefix}-{len(self.files):05d}.parquet"
        self._writer = pq.ParquetWriter(path, self.schema, **self.settings.writer_options(self.schema))
        self.files.append(path)
        self._file_rows = 0

    def close_file(self) -> None:
        if self._writer is not None:
            self._wait_last()  # this file's last row group is written before its footer
            self._writer.close()
            self._writer = None
            self.budget.footer_used -= self.footer_chunks
            self.footer_chunks = 0

    def close(self) -> int:
        """Write what is buffered; a partition with no rows still gets one empty file, so every
        engine sees the table's schema. Returns the rows written."""
        self.write_pending()
        if not self.files:
            self._open()
        self.close_file()
        return self.rows_written


def write_empty(spec: TableSpec, directory: Path, prefix: str) -> None:
    """One file with the table's schema and no rows (a partition the file touched but left empty)."""
    TableSink(spec, directory, prefix, ParquetSettings(), None, Budget(0)).close()
