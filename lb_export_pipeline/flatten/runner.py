"""Flatten one export file into partitioned Parquet tables: the public entry point.

``flatten_export`` reads the file (optionally in byte ranges across processes), writes every table
of every model run it finds into a staging area, and swaps each touched partition into place
atomically. Running it twice on the same file gives the same rows, never duplicates.

Type errors are found cheaply: Arrow converts whole batches in C, and if it refuses a value the
whole flatten runs again in strict mode, where each row is checked in Python before it is kept, so
the offending line is quarantined with the column named and everything else lands.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..interrupts import sigterm_unwinds, stop_workers
from ..schema import PARTITION_COLUMN, TABLE_NAMES, TABLES
from ..storage import Location, PartitionStore, Staging, store_for
from .errors import FieldError, ProjectExportError, json_problem
from .labels import LineRows
from .partition_values import check_model_run_in_export, check_partition_value
from .quarantine import QUARANTINE_FILE, UNATTRIBUTED_DIR, QuarantineFiles, QuarantineRecord, unattributed_file
from .reader import ByteRange, LineSource, gunzip, gzip_size_hint, is_gzip, split_ranges
from .row import flatten_line, iter_runs
from .sinks import BackgroundWriter, BatchConversionError, Budget, SinkSettings, TableSink, check_row, row_checker

Progress = Callable[[int, int], None]
"""Called with (input bytes done, lines done) as a flatten advances."""

MIN_BYTES_PER_WORKER = 32 << 20  # below this a second process costs more than it saves
# The calling process reads the first range while the others start (~0.5 s to spawn and import):
# it reads this much more than each of them (chosen by timing 0 to 40 MB with two processes on 100 MB).
HEAD_START_BYTES = 24 << 20
_PROGRESS_BYTES = 4 << 20  # report progress this often: lines range from 1 KB to megabytes


@dataclass
class PartitionResult:
    model_run_id: str
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_NAMES, 0))
    quarantined: int = 0
    quarantine_path: Path | str | None = None  # a local path, or an object-store URI
    paths: dict[str, Path | str] = field(default_factory=dict)


@dataclass
class FlattenResult:
    source: Path
    out: Path | str
    partitions: dict[str, PartitionResult]
    lines: int
    bytes: int
    seconds: float
    workers: int
    strict_rerun: bool = False
    skipped_runs: dict[str, int] = field(default_factory=dict)
    unattributed_quarantined: int = 0
    unattributed_path: Path | str | None = None
    first_errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        totals = dict.fromkeys(TABLE_NAMES, 0)
        for p in self.partitions.values():
            for table, n in p.rows.items():
                totals[table] += n
        return totals

    @property
    def quarantined(self) -> int:
        return self.unattributed_quarantined + sum(p.quarantined for p in self.partitions.values())


@dataclass(frozen=True)
class _WorkerTask:
    source: Path  # the file read: the export, or its decompressed copy
    name: str  # the export's file name, for quarantine records and messages
    byte_range: ByteRange | None
    staging: Path
    worker: int
    only_model_run: str | None
    splits: Mapping[str, str] | None
    strict: bool
    settings: SinkSettings
    txn: str = "0"


@dataclass
class _WorkerResult:
    rows: dict[str, dict[str, int]]
    quarantine: dict[Path, int]
    lines: int
    bytes: int
    skipped_runs: dict[str, int]
    first_errors: list[str]


class _Partition:
    def __init__(self, task: _WorkerTask, run_id: str, budget: Budget) -> None:
        # File names carry the transaction id: a reader holding a stale listing can never open the
        # next version's file under an old name (it gets "not found", never a mix).
        prefix = f"part-{task.txn}-w{task.worker:02d}"
        self.sinks = {
            name: TableSink(spec, task.staging / name / f"{PARTITION_COLUMN}={run_id}", prefix, task.settings, budget)
            for name, spec in TABLES.items()
        }

    def add(self, rows: LineRows) -> None:
        for name, sink in self.sinks.items():
            table_rows = getattr(rows, name)
            if table_rows:
                sink.extend(table_rows)


def _quarantine_path(task: _WorkerTask, run_id: str | None) -> Path:
    if run_id is None:
        return task.staging / UNATTRIBUTED_DIR / f"{task.name}.w{task.worker:02d}.ndjson"
    return task.staging / "data_rows" / f"{PARTITION_COLUMN}={run_id}" / f"_quarantine.w{task.worker:02d}.ndjson"


def _runs_named_by(obj: Any, only_model_run: str | None) -> list[str | None]:
    """Where a bad line's quarantine record goes: the runs it names, else the attributed run."""
    if only_model_run is not None:
        return [only_model_run]
    try:
        runs = [check_partition_value(e.run_id) for e in iter_runs(obj)] if isinstance(obj, dict) else []
    except (FieldError, ValueError, AttributeError):
        runs = []
    return list(dict.fromkeys(runs)) or [None]


def _run_worker(task: _WorkerTask, progress: Progress | None = None, shared: Any = None) -> _WorkerResult:
    # Parsed JSON and row tuples hold no reference cycles; the cyclic GC would only rescan the
    # growing row buffers over and over (measured: about a third of the run time).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _flatten_range(task, progress, shared)
    finally:
        if gc_was_enabled:
            gc.enable()


def _flatten_range(task: _WorkerTask, progress: Progress | None, shared: Any) -> _WorkerResult:
    writer = BackgroundWriter()
    budget = Budget(task.settings.memory_budget, writer=writer)
    partitions: dict[str, _Partition] = {}
    quarantine = QuarantineFiles()
    skipped: dict[str, int] = {}
    first_errors: list[str] = []
    checks = {name: row_checker(spec) for name, spec in TABLES.items()} if task.strict else None
    source = LineSource(task.source, task.byte_range)
    loads = orjson.loads
    lines = 0
    next_report = _PROGRESS_BYTES
    name = task.name

    def report() -> None:
        """Bytes and lines done: to the caller's callback here, to the parent through ``shared``."""
        if progress is not None:
            progress(source.bytes_done, lines)
        if shared is not None:
            shared[2 * task.worker], shared[2 * task.worker + 1] = source.bytes_done, lines

    def reject(obj: Any, n: int, raw: bytes, field_path: str, reason: str) -> None:
        record = QuarantineRecord(name, n, field_path, reason, raw)
        if len(first_errors) < 20:
            first_errors.append(record.message)
        for run_id in _runs_named_by(obj, task.only_model_run):
            if run_id is not None and run_id not in partitions:
                partitions[run_id] = _Partition(task, run_id, budget)
            quarantine.write(_quarantine_path(task, run_id), record)

    try:
        for n, raw in source:
            lines += 1
            if source.bytes_done >= next_report:
                next_report = source.bytes_done + _PROGRESS_BYTES
                report()
            if not raw.strip():
                continue  # a blank line (e.g. a trailing newline) carries no data row
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError as exc:
                reject(None, n, raw, "", json_problem(exc))
                continue
            try:
                result = flatten_line(obj, n, only_model_run=task.only_model_run, splits=task.splits)
                if checks is not None:
                    for rows in result.runs.values():
                        for table, table_checks in checks.items():
                            for row in getattr(rows, table):
                                check_row(table_checks, table, row)
            except ProjectExportError as exc:  # the whole file is of another kind: refuse it, as a JSON array
                raise ProjectExportError(f"{name}: line {n} is {exc}") from None
            except FieldError as exc:
                reject(obj, n, raw, exc.path, exc.problem)
                continue
            except ValueError as exc:  # strict check_row
                where = str(exc).split(":", 1)[0].removeprefix("column ")
                reject(obj, n, raw, where, str(exc))
                continue
            except (RecursionError, ArithmeticError, LookupError, TypeError, AttributeError) as exc:
                # Last resort (e.g. classifications nested thousands deep): one line never costs the file.
                reject(obj, n, raw, "", f"could not flatten this line ({type(exc).__name__}: {exc})")
                continue
            for run_id in result.skipped_runs:
                skipped[run_id] = skipped.get(run_id, 0) + 1
            for run_id, rows in result.runs.items():
                part = partitions.get(run_id)
                if part is None:
                    part = partitions[run_id] = _Partition(task, run_id, budget)
                part.add(rows)
        counts = {
            run_id: {table: sink.close() for table, sink in part.sinks.items()}
            for run_id, part in partitions.items()
        }
    finally:
        quarantine.close()
        writer.close()
    report()
    return _WorkerResult(counts, dict(quarantine.counts), lines, source.bytes_done, skipped, first_errors)


_SHARED: Any = None


def _init_pool(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _pool_worker(task: _WorkerTask) -> _WorkerResult:
    return _run_worker(task, shared=_SHARED)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start worker processes without re-running the caller's ``__main__`` in them.

    Workers need nothing from it (their function lives here), and spawn would otherwise execute the
    caller's script again: a script without an ``if __name__ == "__main__"`` guard would fail, and a
    heavy entry point (the ``dagster`` CLI) would be imported by every worker before it starts.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    spec, file = getattr(main, "__spec__", None), getattr(main, "__file__", None)
    try:
        main.__spec__ = None  # multiprocessing reads __spec__.name, then __file__
        if file is not None:
            del main.__file__
        yield
    finally:
        main.__spec__ = spec
        if file is not None:
            main.__file__ = file


def _run_all(tasks: list[_WorkerTask], progress: Progress | None) -> list[_WorkerResult]:
    if len(tasks) == 1:
        return [_run_worker(tasks[0], progress)]
    # The first range runs here, where everything is already imported; the others in fresh
    # processes. spawn, not fork: the caller may be a threaded Dagster run worker.
    ctx = multiprocessing.get_context("spawn")
    shared = ctx.Array("q", 2 * len(tasks), lock=False)  # (bytes, lines) per worker

    def overall(done: int, lines: int) -> None:
        if progress is not None:
            progress(done + sum(shared[0::2]), lines + sum(shared[1::2]))

    with ProcessPoolExecutor(len(tasks) - 1, mp_context=ctx, initializer=_init_pool, initargs=(shared,)) as pool:
        with _main_module_hidden():
            futures = [pool.submit(_pool_worker, t) for t in tasks[1:]]  # starts the processes
        try:
            first = _run_worker(tasks[0], overall)
            while not all(f.done() for f in futures):
                time.sleep(0.1)
                overall(first.bytes, first.lines)
            return [first, *(f.result() for f in futures)]
        except BaseException:  # an error, Ctrl-C or SIGTERM (see interrupts): no worker outlives it
            stop_workers(pool)
            raise


@contextlib.contextmanager
def _splittable(src: Path, workers: int, min_bytes: int) -> Iterator[Path]:
    """The file the workers read: ``src`` itself or, for a large gzip export several processes are to
    share, a decompressed copy in ``TMPDIR`` (a gzip stream cannot be cut into byte ranges), removed
    afterwards whatever happens, a damaged file included."""
    if workers < 2 or not is_gzip(src) or gzip_size_hint(src) < 2 * min_bytes:
        yield src
        return
    with tempfile.TemporaryDirectory(prefix="lb-flatten-src-") as folder:
        copy = Path(folder) / "export.ndjson"
        gunzip(src, copy)
        yield copy


def _scaled(progress: Progress | None, total: int, read_total: int) -> Progress | None:
    """Progress over a decompressed copy, reported in the export file's own bytes."""
    if progress is None or read_total == 0:
        return progress
    ratio = total / read_total
    report = progress
    return lambda done, lines: report(int(done * ratio), lines)


@sigterm_unwinds()
def flatten_export(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int = 1,
    model_run_id: str | None = None,
    splits: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    settings: SinkSettings | None = None,
    min_bytes_per_worker: int = MIN_BYTES_PER_WORKER,
) -> FlattenResult:
    """Flatten ``source`` (NDJSON, plain or gzip) into Hive-partitioned tables under ``out``.

    Args:
        source: the export file.
        out: the tables' root: a folder, where each table is ``<out>/<table>/model_run_id=<id>/``, or
            an object-store URI (``s3://bucket/prefix``), where each table is a Delta table with
            that layout (see ``storage``).
        workers: processes to split a large file across (a large gzip file is decompressed to a
            temporary copy in ``TMPDIR`` first, since a gzip stream cannot be cut into ranges).
        model_run_id: the model run this export is of. Only its rows are written (other runs are
            counted in ``skipped_runs``), and lines that name no run are attributed to it.
        splits: data_row_id -> split, filling ``data_rows.split`` where the export has none.
        progress: called with (bytes done, lines done) as work advances.
        min_bytes_per_worker: a file smaller than this per worker uses fewer workers.

    Every partition the file touches is replaced as a whole, atomically.
    """
    started = time.perf_counter()
    src = Path(source)
    if not src.is_file():
        raise FileNotFoundError(f"export file not found: {src}")
    if model_run_id is not None:
        check_partition_value(model_run_id)
    settings = settings or SinkSettings()
    min_bytes = max(1, min_bytes_per_worker)
    with _splittable(src, workers, min_bytes) as read_from:
        if read_from is not src:
            progress = _scaled(progress, src.stat().st_size, read_from.stat().st_size)
        n = max(1, min(workers, read_from.stat().st_size // min_bytes or 1))
        ranges: list[ByteRange | None] = [None]
        if n > 1 and not is_gzip(read_from):
            ranges = list(split_ranges(read_from, n, first_extra=HEAD_START_BYTES))

        store = store_for(out)
        strict = False
        while True:
            with store.stage() as staging:
                tasks = [_WorkerTask(read_from, src.name, r, staging.folder, i, model_run_id, splits, strict,
                                     settings, staging.id) for i, r in enumerate(ranges)]
                try:
                    results = _run_all(tasks, progress)
                except BatchConversionError:
                    if strict:
                        raise
                    # Some value Arrow refused: start again and check every row to find its line.
                    strict = True
                    continue
                if model_run_id is not None:
                    check_model_run_in_export(src, model_run_id, found=any(model_run_id in r.rows for r in results),
                                              other_runs=(run for r in results for run in r.skipped_runs))
                result = _commit(store, staging, src, results, model_run_id)
                break
    result.strict_rerun = strict
    result.workers = len(ranges)
    result.seconds = time.perf_counter() - started
    return result


def _commit(store: PartitionStore, staging: Staging, src: Path, results: list[_WorkerResult],
            model_run_id: str | None) -> FlattenResult:
    partitions: dict[str, PartitionResult] = {}
    if model_run_id is not None:
        partitions[model_run_id] = PartitionResult(model_run_id)
    for r in results:
        for run_id, counts in r.rows.items():
            part = partitions.setdefault(run_id, PartitionResult(run_id))
            for table, count in counts.items():
                part.rows[table] += count

    # Every partition touched gets every table, even empty, so a re-flatten never leaves stale rows.
    for run_id in partitions:
        for table, spec in TABLES.items():
            folder = staging.folder / table / f"{PARTITION_COLUMN}={run_id}"
            if not any(folder.glob("*.parquet")):
                sink = TableSink(spec, folder, f"part-{staging.id}-w00", SinkSettings(), Budget(1 << 30))
                sink.close()

    # Merge the workers' quarantine files in worker (= line) order.
    for run_id, part in partitions.items():
        folder = staging.folder / "data_rows" / f"{PARTITION_COLUMN}={run_id}"
        pieces = sorted(folder.glob("_quarantine.w*.ndjson"))
        if pieces:
            part.quarantined = sum(r.quarantine.get(p, 0) for r in results for p in pieces)
            _concat(pieces, folder / QUARANTINE_FILE)
    un_pieces = sorted((staging.folder / UNATTRIBUTED_DIR).glob(f"{src.name}.w*.ndjson"))
    un_count = sum(r.quarantine.get(p, 0) for r in results for p in un_pieces)
    unattributed = f"{UNATTRIBUTED_DIR}/{unattributed_file(src.name)}" if un_pieces else None
    if unattributed is not None:
        _concat(un_pieces, staging.folder / unattributed)

    unattributed_path = _publish(staging, partitions, unattributed)

    skipped: dict[str, int] = {}
    for r in results:
        for run_id, count in r.skipped_runs.items():
            skipped[run_id] = skipped.get(run_id, 0) + count
    return FlattenResult(
        source=src, out=store.location(), partitions=partitions,
        lines=sum(r.lines for r in results), bytes=sum(r.bytes for r in results), seconds=0.0,
        workers=len(results), skipped_runs=skipped, unattributed_quarantined=un_count,
        unattributed_path=unattributed_path,
        first_errors=[e for r in results for e in r.first_errors][:20],
    )


def _publish(staging: Staging, partitions: dict[str, PartitionResult], unattributed: str | None) -> Location | None:
    """Replace every touched partition (its quarantine goes with it), then publish the unattributed
    quarantine; returns where that is."""
    for run_id, part in partitions.items():
        for table, spec in TABLES.items():
            part.paths[table] = staging.publish_partition(f"{table}/{PARTITION_COLUMN}={run_id}", spec.schema)
        part.quarantine_path = staging.publish_beside(f"data_rows/{PARTITION_COLUMN}={run_id}", QUARANTINE_FILE)
    return staging.publish_file(unattributed) if unattributed is not None else None


def _concat(pieces: list[Path], target: Path) -> None:
    with open(target, "wb") as dst:
        for piece in pieces:
            with open(piece, "rb") as src:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            piece.unlink()
