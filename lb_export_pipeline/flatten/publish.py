"""Publishing a staged flatten: every touched partition gets every table, quarantine pieces are merged
by line number, then the store replaces each partition (a local swap, or a Delta commit)."""

from __future__ import annotations

from pathlib import Path

from ..schema import TABLES, partition_path
from ..storage import Location, Staging
from .parquet import write_empty
from .quarantine import QUARANTINE_FILE, UNATTRIBUTED_DIR, unattributed_file
from .result import FlattenResult, PartitionResult
from .staging import StagedCounts, merge_by_line, partition_dir, total


def publish(staging: Staging, out: Location, src: Path, staged: StagedCounts,
            model_run_id: str | None) -> FlattenResult:
    """Complete the staged partitions and publish them; returns the result (``seconds`` left at 0)."""
    partitions: dict[str, PartitionResult] = {}
    if model_run_id is not None:
        partitions[model_run_id] = PartitionResult(model_run_id)
    for run_id, counts in staged.rows.items():
        part = partitions.setdefault(run_id, PartitionResult(run_id))
        for table, count in counts.items():
            part.rows[table] += count

    # Every partition touched gets every table, even empty, so a re-flatten never leaves stale rows.
    for run_id in partitions:
        for table, spec in TABLES.items():
            folder = partition_dir(staging.folder, table, run_id)
            if not any(folder.glob("*.parquet")):
                write_empty(spec, folder, f"part-{staging.id}-w00")

    for run_id, part in partitions.items():
        folder = partition_dir(staging.folder, "data_rows", run_id)
        pieces = sorted(folder.glob("_quarantine.w*.ndjson"))
        if pieces:
            part.quarantined = total(staged.quarantine, pieces)
            merge_by_line(pieces, folder / QUARANTINE_FILE)
    un_pieces = sorted((staging.folder / UNATTRIBUTED_DIR).glob(f"{src.name}.w*.ndjson"))
    unattributed = f"{UNATTRIBUTED_DIR}/{unattributed_file(src.name)}" if un_pieces else None
    if unattributed is not None:
        merge_by_line(un_pieces, staging.folder / unattributed)

    # Each partition is replaced with its quarantine; the unattributed quarantine goes last.
    for run_id, part in partitions.items():
        for table, spec in TABLES.items():
            part.paths[table] = staging.publish_partition(partition_path(table, run_id), spec.schema)
        part.quarantine_path = staging.publish_beside(partition_path("data_rows", run_id), QUARANTINE_FILE)
    unattributed_path = staging.publish_file(unattributed) if unattributed is not None else None

    return FlattenResult(
        source=src, out=out, partitions=partitions, lines=staged.lines, bytes=0, seconds=0.0, workers=1,
        skipped_runs=staged.skipped_runs, unattributed_quarantined=total(staged.quarantine, un_pieces),
        unattributed_path=unattributed_path, first_errors=staged.first_errors,
    )
