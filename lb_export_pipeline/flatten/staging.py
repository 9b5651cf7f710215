"""Chunks from the native core into a transaction's staging folder: Parquet per table and partition,
quarantine records per partition.

Every walker thread writes its own files (``part-<txn>-w<worker>-NNNNN.parquet``,
``_quarantine.w<worker>.ndjson``): a worker's chunks come in line order, so each file is in line
order, and the quarantine pieces are merged by line number when the transaction is committed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import orjson

from ..schema import TABLE_NAMES, TABLES, partition_path
from .native import Chunk
from .parquet import Budget, Encoders, ParquetSettings, TableSink
from .quarantine import UNATTRIBUTED_DIR, QuarantineFiles, QuarantineRecord

MAX_FIRST_ERRORS = 20


def partition_dir(staging: Path, table: str, run_id: str) -> Path:
    return staging / partition_path(table, run_id)


@dataclass
class StagedCounts:
    """What was staged: rows per partition and table, quarantine records per file, lines."""

    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantine: dict[Path, int] = field(default_factory=dict)
    skipped_runs: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    first_errors: list[str] = field(default_factory=list)


class ChunkWriter:
    """Writes the chunks of one flatten under ``staging`` (a store transaction's staging folder)."""

    def __init__(self, staging: Path, txn: str, source_name: str, settings: ParquetSettings,
                 only_model_run: str | None) -> None:
        self.staging = staging
        self.txn = txn
        self.source_name = source_name
        self.settings = settings
        self.only_model_run = only_model_run
        self.encoders = Encoders(settings)
        self.budget = Budget(settings.memory_budget, settings.footer_column_chunks)
        self.sinks: dict[tuple[int, str], dict[str, TableSink]] = {}  # (worker, run id) -> table -> sink
        self.quarantine = QuarantineFiles()
        self.counts = StagedCounts()

    def add(self, chunk: Chunk) -> None:
        self.counts.lines += chunk.lines
        for run_id, n in chunk.skipped_runs.items():
            self.counts.skipped_runs[run_id] = self.counts.skipped_runs.get(run_id, 0) + n
        for run_id, tables in chunk.tables.items():
            sinks = self._sinks(chunk.worker, run_id)
            for name, batch in tables.items():
                sinks[name].add(batch)
        for q in chunk.quarantine:
            record = QuarantineRecord(self.source_name, q.line, q.field, q.reason, q.raw)
            if len(self.counts.first_errors) < MAX_FIRST_ERRORS:
                self.counts.first_errors.append(record.message)
            runs: tuple[str | None, ...] = q.runs or (self.only_model_run,)
            for dest in runs:
                if dest is not None:
                    self._sinks(chunk.worker, dest)  # a partition the file names, even if all its lines are bad
                self.quarantine.write(self.quarantine_piece(chunk.worker, dest), record)

    def _sinks(self, worker: int, run_id: str) -> dict[str, TableSink]:
        sinks = self.sinks.get((worker, run_id))
        if sinks is None:
            prefix = f"part-{self.txn}-w{worker:02d}"
            sinks = self.sinks[(worker, run_id)] = {
                name: TableSink(spec, partition_dir(self.staging, name, run_id), prefix, self.settings,
                                self.encoders, self.budget)
                for name, spec in TABLES.items()
            }
            self.counts.rows.setdefault(run_id, dict.fromkeys(TABLE_NAMES, 0))
        return sinks

    def quarantine_piece(self, worker: int, run_id: str | None) -> Path:
        if run_id is None:
            return self.staging / UNATTRIBUTED_DIR / f"{self.source_name}.w{worker:02d}.ndjson"
        return partition_dir(self.staging, "data_rows", run_id) / f"_quarantine.w{worker:02d}.ndjson"

    def close(self) -> StagedCounts:
        """Write every buffered row group and close every file; returns what was staged."""
        try:
            # Every sink's last row group goes to the encoder threads first, so that they are encoded
            # side by side; closing one sink at a time would encode them one by one.
            for sinks in self.sinks.values():
                for sink in sinks.values():
                    sink.write_pending()
            for (_, run_id), sinks in self.sinks.items():
                for name, sink in sinks.items():
                    self.counts.rows[run_id][name] += sink.close()
        finally:
            self.quarantine.close()
            self.encoders.close()
        self.counts.quarantine = dict(self.quarantine.counts)
        return self.counts

    def abort(self) -> None:
        """Stop the encoder threads without finishing the files (the transaction is thrown away)."""
        self.quarantine.close()
        self.encoders.close()


def merge_by_line(pieces: list[Path], target: Path) -> None:
    """Merge quarantine pieces (each in line order) into one file in line order, then remove them."""
    files = [open(p, "rb") for p in pieces]
    try:
        with open(target, "wb") as out:
            for _, record in heapq.merge(*(_keyed(f) for f in files)):
                out.write(record)
    finally:
        for f in files:
            f.close()
    for p in pieces:
        p.unlink()


def _keyed(f: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for record in f:
        line = orjson.loads(record)["line"]
        yield line, record


def total(counts: Mapping[Path, int], pieces: list[Path]) -> int:
    return sum(counts.get(p, 0) for p in pieces)
