"""The native flatten core, behind a thin typed API.

The rules that turn an export line into table rows live once, in Rust (``native/``, the
``lb_export_pipeline._native`` extension). ``NativeScan`` runs them over one export file on threads
of this process: a reader thread cuts the file into blocks of whole lines (decompressing gzip on
the way) and walker threads turn blocks into Arrow record batches, handed over to pyarrow without a
copy. Waiting for them releases the GIL, so Python threads (the Parquet encoders) run meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType

import pyarrow as pa

from .. import _native
from ..schema import TABLE_NAMES

Progress = Callable[[int, int], None]
"""Called with (input bytes done, lines done) as a flatten advances."""

BLOCK_BYTES = 1 << 20  # lines per hand-off to a walker thread: small enough to share the work evenly
# Arrow bytes a walker gathers before handing its batches over. Each walker has its own: shared,
# two walkers' smaller chunks made twice the row groups and cost 10-12% more CPU on two cores, for
# ~30 MB less peak RSS (the row-group budget, 16 MB, keeps two walkers under 300 MB instead).
FLUSH_BYTES = 16 << 20
_POLL_SECONDS = 0.1  # how often a wait comes back to Python (progress, Ctrl-C, SIGTERM)


@dataclass(frozen=True)
class QuarantinedLine:
    """A line the core could not flatten: its number, the field (JSON path) and why."""

    line: int
    field: str
    reason: str
    runs: tuple[str, ...]  # the model runs it names; empty: none (or unreadable)
    raw: bytes  # the line as read, without its line end


@dataclass(frozen=True)
class Chunk:
    """What one walker thread produced since its last hand-over; a worker's chunks come in line order."""

    worker: int
    lines: int
    tables: dict[str, dict[str, pa.RecordBatch]]  # model run id -> table name -> rows (tables with rows only)
    quarantine: list[QuarantinedLine]
    skipped_runs: dict[str, int]  # model run id -> lines it appeared in, left out by ``only_model_run``


def native_schemas() -> dict[str, pa.Schema]:
    """The six tables' schemas as the native core builds them."""
    return {name: pa.schema(s) for name, s in zip(_native.TABLE_NAMES, _native.table_schemas(), strict=True)}


class NativeScan:
    """Iterates the chunks of one export file; closing it (or leaving the ``with``) stops its threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        threads: int = 1,
        only_model_run: str | None = None,
        splits: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        block_bytes: int = BLOCK_BYTES,
        flush_bytes: int = FLUSH_BYTES,
    ) -> None:
        self._progress = progress
        # Each walker holds at most one chunk (built or waiting): the scan's Arrow buffers are at most
        # `flush_bytes` per walker.
        self._scanner = _native.Scanner(
            os.fspath(path), threads=max(1, threads), block_bytes=block_bytes, flush_bytes=flush_bytes,
            only_model_run=only_model_run, splits=dict(splits) if splits is not None else None,
        )

    def __iter__(self) -> Iterator[Chunk]:
        scanner = self._scanner
        while True:
            raw = scanner.next_chunk(_POLL_SECONDS)
            if raw is not None:
                yield _chunk(raw)
            elif scanner.done:
                break
            if self._progress is not None:
                self._progress(*scanner.progress())

    def progress(self) -> tuple[int, int]:
        """(input bytes, lines) walked so far."""
        return self._scanner.progress()

    def close(self) -> None:
        self._scanner.close()

    def __enter__(self) -> NativeScan:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _chunk(raw: _native.RawChunk) -> Chunk:
    worker, lines, partitions, quarantine, skipped = raw
    tables = {
        run_id: {name: pa.record_batch(b) for name, b in zip(TABLE_NAMES, batches, strict=True) if b is not None}
        for run_id, batches in partitions
    }
    records = [QuarantinedLine(n, field, reason, tuple(runs), data) for n, field, reason, runs, data in quarantine]
    return Chunk(worker, lines, tables, records, skipped)
