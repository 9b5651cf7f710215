"""Flatten one export file into partitioned Parquet tables: the public entry point.

``flatten_export`` runs the native core over the file on threads of this process (plain or gzip;
gzip is decompressed in the core, no temporary copy), writes every table of every model run it
finds into a store transaction's staging area as Parquet, encoded on threads while the core walks
on, and has the store replace each touched partition atomically (a local swap, or a Delta commit).
Running it twice on the same file gives the same rows, never duplicates. Threads, not processes: an
interrupt (Ctrl-C, SIGTERM) or an error stops them and removes the staging area, and nothing
outlives the call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from ..interrupts import sigterm_unwinds
from ..storage import store_for
from .native import NativeScan, Progress
from .parquet import ParquetSettings
from .partition_values import check_model_run_in_export, check_partition_value
from .publish import publish
from .result import FlattenResult
from .staging import ChunkWriter


@sigterm_unwinds()
def flatten_export(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int = 1,
    model_run_id: str | None = None,
    splits: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    settings: ParquetSettings | None = None,
) -> FlattenResult:
    """Flatten ``source`` (NDJSON, plain or gzip) into Hive-partitioned tables under ``out``.

    Args:
        source: the export file.
        out: the tables' root: a folder, where each table is ``<out>/<table>/model_run_id=<id>/``, or
            an object-store URI (``s3://bucket/prefix``), where each table is a Delta table with
            that layout (see ``storage``).
        workers: threads that walk the file's lines (a reader thread comes on top, which also
            decompresses gzip); Parquet is encoded on ``settings.encoder_threads`` more.
        model_run_id: the model run this export is of. Only its rows are written (other runs are
            counted in ``skipped_runs``), and lines that name no run are attributed to it.
        splits: data_row_id -> split, filling ``data_rows.split`` where the export has none.
        progress: called with (input bytes done, lines done) as work advances.
        settings: Parquet writer settings.

    Every partition the file touches is replaced as a whole, atomically.
    """
    started = time.perf_counter()
    src = Path(source)
    if not src.is_file():
        raise FileNotFoundError(f"export file not found: {src}")
    if model_run_id is not None:
        check_partition_value(model_run_id)
    settings = settings or ParquetSettings()
    store = store_for(out)
    with store.stage() as staging:
        writer = ChunkWriter(staging.folder, staging.id, src.name, settings, model_run_id)
        try:
            with NativeScan(src, threads=workers, only_model_run=model_run_id, splits=splits,
                            progress=progress) as scan:
                for chunk in scan:
                    writer.add(chunk)
                input_bytes, _ = scan.progress()
            staged = writer.close()
        except BaseException:
            writer.abort()
            raise
        if model_run_id is not None:
            check_model_run_in_export(src, model_run_id, found=model_run_id in staged.rows,
                                      other_runs=staged.skipped_runs)
        result = publish(staging, store.location(), src, staged, model_run_id)
    if progress is not None:
        progress(input_bytes, result.lines)
    result.bytes = input_bytes
    result.workers = max(1, workers)
    result.seconds = time.perf_counter() - started
    return result
