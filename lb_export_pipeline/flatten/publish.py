"""Publishing a staged flatten: every touched partition gets every table, quarantine pieces are merged,
then each partition is swapped into place (a local folder) or committed (a Delta table)."""

from __future__ import annotations

from pathlib import Path

from ..storage import filesystem, join
from ..storage.delta import replace_delta_partition
from ..storage.objects import exists as remote_exists
from ..storage.objects import put_file
from ..storage.swap import Transaction, fsync_tree
from .parquet import write_empty
from .quarantine import QUARANTINE_FILE, UNATTRIBUTED_DIR, unattributed_file
from .result import FlattenResult, PartitionResult
from .schemas import PARTITION_COLUMN, TABLES
from .staging import StagedCounts, merge_by_line, partition_dir, total


def publish(txn: Transaction, src: Path, staged: StagedCounts, model_run_id: str | None,
            remote_out: str | None = None) -> FlattenResult:
    """Complete the staged partitions and publish them; returns the result (``seconds`` left at 0)."""
    out: Path | str = remote_out or txn.out
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
            folder = partition_dir(txn.new, table, run_id)
            if not any(folder.glob("*.parquet")):
                write_empty(spec, folder, f"part-{txn.id}-w00")

    for run_id, part in partitions.items():
        folder = partition_dir(txn.new, "data_rows", run_id)
        pieces = sorted(folder.glob("_quarantine.w*.ndjson"))
        if pieces:
            part.quarantined = total(staged.quarantine, pieces)
            merge_by_line(pieces, folder / QUARANTINE_FILE)
            part.quarantine_path = partition_dir(txn.out, "data_rows", run_id) / QUARANTINE_FILE
    unattributed: list[Path] = []
    un_pieces = sorted((txn.new / UNATTRIBUTED_DIR).glob(f"{src.name}.w*.ndjson"))
    if un_pieces:
        unattributed.append(Path(UNATTRIBUTED_DIR) / unattributed_file(src.name))
        merge_by_line(un_pieces, txn.new / unattributed[0])

    if remote_out is None:
        _publish_local(txn, partitions, unattributed)
    else:
        _publish_remote(txn, partitions, unattributed, remote_out)

    return FlattenResult(
        source=src, out=out, partitions=partitions, lines=staged.lines, bytes=0, seconds=0.0, workers=1,
        skipped_runs=staged.skipped_runs, unattributed_quarantined=total(staged.quarantine, un_pieces),
        unattributed_path=(join(out, str(unattributed[0])) if remote_out else txn.out / unattributed[0])
        if unattributed else None,
        first_errors=staged.first_errors,
    )


def _publish_local(txn: Transaction, partitions: dict[str, PartitionResult], unattributed: list[Path]) -> None:
    fsync_tree(txn.new)
    for run_id, part in partitions.items():
        for table in TABLES:
            relative = Path(table) / f"{PARTITION_COLUMN}={run_id}"
            txn.replace(relative)
            part.paths[table] = txn.out / relative
    for rel in unattributed:
        txn.replace_file(rel)


def _publish_remote(txn: Transaction, partitions: dict[str, PartitionResult], unattributed: list[Path],
                    out: str) -> None:
    for run_id, part in partitions.items():
        for table, spec in TABLES.items():
            uri = join(out, table)
            replace_delta_partition(uri, spec.schema, PARTITION_COLUMN, run_id, partition_dir(txn.new, table, run_id))
            part.paths[table] = uri
        # Quarantine sits outside the Delta tables (a vacuum would delete files the log does not know).
        local = partition_dir(txn.new, "data_rows", run_id) / QUARANTINE_FILE
        target = join(out, UNATTRIBUTED_DIR, f"{PARTITION_COLUMN}={run_id}", QUARANTINE_FILE)
        if local.exists():
            put_file(local, target)
            part.quarantine_path = target
        elif remote_exists(target):
            filesystem(target).rm_file(target)  # no stale quarantine from an earlier version
    for rel in unattributed:
        put_file(txn.new / rel, join(out, str(rel)))
