"""The assets, partitioned by model run:
# No "from __future__ import annotations": Dagster reads these annotations at definition time.

* ``labelbox/raw_export``: the client's ``export_model_run`` (start the export, follow the task,
  stream the RESULT) into ``<root>/raw/model_run_id=<id>/export.ndjson.gz`` (atomically), with the
  run's data-row splits and a manifest beside it;
* ``labelbox/<table>`` for every table: the raw export flattened into that model run's Hive
  partition, replaced atomically, with row counts and checks. Each table follows its raw export
  (declarative automation), so a raw export materialized alone brings the tables along.

Specs and metadata come from the translator, the checks from ``checks.TABLE_CHECKS``.
"""


import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from ..flatten import TABLE_NAMES, CorruptGzipError, NotNdjsonError, flatten_export
from ..labelbox import (
    ApiLimitError,
    ExportTimeout,
    InternalServerError,
    LabelboxError,
    Task,
    TransportError,
    export_model_run,
)
from . import checks
from .partitions import model_runs_partitions
from .resources import EXPORT_FILE, MANIFEST_FILE, SPLITS_FILE, LabelboxResource, StorageResource
from .translator import LabelboxTranslator, ModelRunNames, RawExportFacts, TableFacts

TRANSLATOR = LabelboxTranslator()
GROUP = TRANSLATOR.group
RAW_KEY = TRANSLATOR.raw_key
TABLE_KEYS = TRANSLATOR.table_keys()
EXPORT_POOL = "labelbox_export"

# Transient conditions, retried by the RetryPolicy; any other Labelbox error fails the run at once.
_TRANSIENT = (TransportError, ApiLimitError, InternalServerError, ExportTimeout)
RETRY_POLICY = dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def throttled(log: Any, label: str, every: float = 5.0) -> Callable[..., None]:
    """A progress callback that logs counts at most every ``every`` seconds."""
    last = [0.0]

    def report(done: int, lines: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            pct = f" ({100 * done / total:.0f}%)" if total else ""
            log.info(f"{label}: {done / 1e6:,.1f} MB{pct}, {lines:,} lines")

    return report


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(value, indent=1, default=str))
    os.replace(tmp, path)


def _labelbox_failure(error: LabelboxError, model_run_id: str) -> Exception:
    if isinstance(error, _TRANSIENT):
        return error  # let the RetryPolicy have another go
    return dg.Failure(description=f"Labelbox export of model run {model_run_id} failed: "
                                  f"{type(error).__name__}: {error}",
                      metadata={"error_type": type(error).__name__}, allow_retries=False)


@dg.asset(
    key=RAW_KEY,
    partitions_def=model_runs_partitions,
    group_name=GROUP,
    kinds={"labelbox", "ndjson"},
    pool=EXPORT_POOL,
    retry_policy=RETRY_POLICY,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    code_version="raw-1",
    description="The model run's Labelbox export (NDJSON, gzip), landed as it came, with its splits. "
                "Metadata model_name / model_run_name say which run a partition (a model run id) is.",
    check_specs=[checks.raw_check_spec(RAW_KEY)],
)
def raw_export(context: dg.AssetExecutionContext, labelbox: LabelboxResource,
               storage: StorageResource) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    model_run_id = context.partition_key
    started = time.perf_counter()
    waited = [0.0]

    def on_poll(task: Task) -> None:
        waited[0] = time.perf_counter() - started
        context.log.info(f"export task {task.id}: {task.status} {task.completion_percentage or 0:.0f}%")

    try:
        with storage.raw_writer(model_run_id) as folder, labelbox.get_client() as client:
            run = client.get_model_run(model_run_id)
            names = ModelRunNames(model_name=client.get_model(run.model_id).name, model_run_name=run.name)
            context.log.info(f"exporting model run '{run.name}' of model '{names.model_name}' ({model_run_id})")
            report = throttled(context.log, f"downloading export of {model_run_id}")
            got = export_model_run(client, model_run_id, folder / EXPORT_FILE, labelbox.export_params(),
                                   poll_interval=labelbox.poll_interval_seconds,
                                   timeout=labelbox.export_timeout_seconds, on_poll=on_poll,
                                   progress=lambda done, total, lines: report(done, lines, total))
            splits = {dr.data_row_id: dr.split for dr in client.list_model_run_data_rows(model_run_id)}
            retries = len(client.transport.waits)
            _write_json(folder / SPLITS_FILE, splits)
            manifest = {"model_run_id": model_run_id, "model_run_name": run.name, "model_id": run.model_id,
                        "model_name": names.model_name, "model_run_updated_at": run.updated_at,
                        "task_id": got.task_id, "bytes": got.bytes, "lines": got.lines,
                        "total_lines": got.total_lines, "chunks": got.chunks, "errors": len(got.errors),
                        "exported_at": datetime.now(UTC), "params": labelbox.export_params().to_input()}
            _write_json(folder / MANIFEST_FILE, manifest)
    except LabelboxError as error:  # the landing is left as it was: nothing is published on error
        raise _labelbox_failure(error, model_run_id) from error
    context.log.info(f"landed {got.lines:,} lines ({got.bytes / 1e6:,.1f} MB, {got.chunks} chunks) of task "
                     f"{got.task_id}; {len(splits):,} data rows with splits; {len(got.errors)} export error line(s)")
    split_counts: dict[str, int] = {}
    for split in splits.values():
        split_counts[split] = split_counts.get(split, 0) + 1
    facts = RawExportFacts(
        names=names, uri=storage.raw_uri(model_run_id, EXPORT_FILE), export_task_id=got.task_id, lines=got.lines,
        total_lines=got.total_lines, bytes=got.bytes, chunks=got.chunks, export_error_lines=len(got.errors),
        http_retries=retries, splits=split_counts, task_wait_seconds=round(waited[0], 2),
        duration_seconds=round(time.perf_counter() - started, 2))
    yield dg.MaterializeResult(metadata=TRANSLATOR.raw_metadata(facts))
    yield checks.raw_check_result(got.lines, got.total_lines)


@dg.multi_asset(
    name="labelbox_tables",
    specs=TRANSLATOR.table_specs(),
    check_specs=checks.check_specs(TRANSLATOR.get_asset_key),
    partitions_def=model_runs_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def labelbox_tables(context: dg.AssetExecutionContext,
                    storage: StorageResource) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    model_run_id = context.partition_key
    with storage.raw_reader(model_run_id) as folder:
        export = folder / EXPORT_FILE
        if not export.exists():
            raise dg.Failure(f"no raw export at {storage.raw_uri(model_run_id, EXPORT_FILE)}: materialize "
                             f"{RAW_KEY.to_user_string()} for this partition first", allow_retries=False)
        manifest = json.loads((folder / MANIFEST_FILE).read_text()) if (folder / MANIFEST_FILE).exists() else {}
        splits = json.loads((folder / SPLITS_FILE).read_text()) if (folder / SPLITS_FILE).exists() else None
        report = throttled(context.log, f"flattening {model_run_id}")
        try:
            result = flatten_export(export, storage.tables_root, model_run_id=model_run_id, splits=splits,
                                    workers=storage.flatten_workers, progress=lambda done, lines: report(done, lines))
        except (CorruptGzipError, NotNdjsonError) as exc:
            raise dg.Failure(f"{exc}. Materialize {RAW_KEY.to_user_string()} for this partition again.",
                             allow_retries=False) from None
    part = result.partitions[model_run_id]
    context.log.info(f"flattened {result.lines:,} lines in {result.seconds:.1f}s: "
                     + ", ".join(f"{t} {n:,}" for t, n in part.rows.items())
                     + f"; {part.quarantined} line(s) quarantined")
    for message in result.first_errors[:5]:
        context.log.warning(f"quarantined: {message}")
    names = ModelRunNames(model_name=manifest.get("model_name", ""), model_run_name=manifest.get("model_run_name", ""))
    for name in TABLE_NAMES:
        metadata = TRANSLATOR.table_metadata(TableFacts(
            names=names, uri=str(part.paths[name]), rows=part.rows[name], quarantined_lines=part.quarantined,
            export_task_id=manifest.get("task_id", ""), flatten_seconds=round(result.seconds, 2),
            flatten_workers=result.workers))
        if name == "data_rows" and part.quarantine_path is not None:
            metadata["quarantine_file"] = dg.MetadataValue.path(str(part.quarantine_path))
        yield dg.MaterializeResult(asset_key=TABLE_KEYS[name], metadata=metadata)
    partition = checks.FlattenedPartition(tables_root=storage.tables_root, model_run_id=model_run_id,
                                          lines=result.lines, quarantined=part.quarantined)
    yield from checks.evaluate(partition, TRANSLATOR.get_asset_key)
