"""The assets, partitioned by model run:
# No "from __future__ import annotations": Dagster reads these annotations at definition time.

* ``labelbox/raw_export``: starts the model-run export, follows the task, streams the RESULT to
  ``<root>/raw/model_run_id=<id>/export.ndjson.gz`` (atomically), with the run's data-row splits
  and a manifest beside it;
* ``labelbox/<table>`` for every table: the raw export flattened into that model run's Hive
  partition, replaced atomically, with row counts, column schemas and checks.
"""


import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from .. import quality
from ..flatten import SCHEMA_VERSION, TABLE_NAMES, TABLES, CorruptGzipError, NotNdjsonError, flatten_export
from ..flatten.schemas import PARTITION_COLUMN, TableSpec
from ..labelbox import (
    ApiLimitError,
    ExportTimeout,
    InternalServerError,
    LabelboxError,
    TransportError,
    download_stream,
)
from .partitions import model_runs_partitions
from .resources import EXPORT_FILE, MANIFEST_FILE, SPLITS_FILE, LabelboxResource, StorageResource

GROUP = "labelbox"
RAW_KEY = dg.AssetKey([GROUP, "raw_export"])
TABLE_KEYS = {name: dg.AssetKey([GROUP, name]) for name in TABLE_NAMES}
MAX_QUARANTINE_SHARE = 0.01
EXPORT_POOL = "labelbox_export"

# Transient conditions, retried by the RetryPolicy; any other Labelbox error fails the run at once.
_TRANSIENT = (TransportError, ApiLimitError, InternalServerError, ExportTimeout)
RETRY_POLICY = dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def column_schema(spec: TableSpec) -> dg.TableSchema:
    columns = [dg.TableColumn(c.name, str(c.type), description=c.description) for c in spec.columns]
    columns.append(dg.TableColumn(PARTITION_COLUMN, "string", description="Hive partition: the model run id"))
    return dg.TableSchema(columns=columns)


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
    description="The model run's Labelbox export (NDJSON, gzip), landed as it came, with its splits.",
    check_specs=[dg.AssetCheckSpec("line_count_matches_export", asset=RAW_KEY, blocking=True,
                                   description="Landed lines equal the export's totalLines.")],
)
def raw_export(context: dg.AssetExecutionContext, labelbox: LabelboxResource,
               storage: StorageResource) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    model_run_id = context.partition_key
    started = time.perf_counter()
    with storage.raw_writer(model_run_id) as folder, labelbox.get_client() as client:
        try:
            run = client.get_model_run(model_run_id)
            task_id = client.start_model_run_export(model_run_id, labelbox.export_params())
            context.log.info(f"export task {task_id} started for model run '{run.name}' ({model_run_id})")
            client.wait_for_task(
                task_id, poll_interval=labelbox.poll_interval_seconds, timeout=labelbox.export_timeout_seconds,
                on_poll=lambda t: context.log.info(f"export task {t.id}: {t.status} "
                                                   f"{t.completion_percentage or 0:.0f}%"))
            waited = time.perf_counter() - started
            report = throttled(context.log, f"downloading export of {model_run_id}")
            got = download_stream(client, task_id, folder / EXPORT_FILE,
                                  progress=lambda d, t, n: report(d, n, t))
            size, lines, chunks, total_lines = got.bytes, got.lines, got.chunks, got.total_lines
            errors = client.read_stream_lines(task_id, "ERRORS", limit=100)
            splits = {dr.data_row_id: dr.split for dr in client.list_model_run_data_rows(model_run_id)}
        except LabelboxError as error:
            raise _labelbox_failure(error, model_run_id) from error
        retries = len(client.transport.waits)
        _write_json(folder / SPLITS_FILE, splits)
        manifest = {"model_run_id": model_run_id, "model_run_name": run.name, "model_id": run.model_id,
                    "model_run_updated_at": run.updated_at, "task_id": task_id, "bytes": size, "lines": lines,
                    "total_lines": total_lines, "chunks": chunks, "errors": len(errors),
                    "exported_at": datetime.now(UTC), "params": labelbox.export_params().to_input()}
        _write_json(folder / MANIFEST_FILE, manifest)
    context.log.info(f"landed {lines:,} lines ({size / 1e6:,.1f} MB, {chunks} chunks) of task {task_id}; "
                     f"{len(splits):,} data rows with splits; {len(errors)} export error line(s)")
    split_counts: dict[str, int] = {}
    for split in splits.values():
        split_counts[split] = split_counts.get(split, 0) + 1
    yield dg.MaterializeResult(metadata={
        "dagster/partition_row_count": lines,
        "dagster/uri": dg.MetadataValue.path(storage.raw_uri(model_run_id, EXPORT_FILE)),
        "export_task_id": task_id,
        "model_run_name": run.name,
        "bytes": size,
        "total_lines": total_lines,
        "chunks": chunks,
        "export_error_lines": len(errors),
        "http_retries": retries,
        "splits": dg.MetadataValue.json(split_counts),
        "task_wait_seconds": round(waited, 2),
        "duration_seconds": round(time.perf_counter() - started, 2),
    })
    outcome = quality.raw_line_count(lines, total_lines)
    yield dg.AssetCheckResult(check_name="line_count_matches_export", passed=outcome.passed,
                              description=outcome.description, metadata=outcome.metadata)


def _table_checks() -> list[dg.AssetCheckSpec]:
    specs = []
    for name in TABLE_NAMES:
        specs.append(dg.AssetCheckSpec("unique_keys", asset=TABLE_KEYS[name], blocking=True,
                                       description=f"({', '.join(TABLES[name].key)}) is unique in the partition"))
        if name != "data_rows":
            specs.append(dg.AssetCheckSpec("has_data_row_parent", asset=TABLE_KEYS[name], blocking=True,
                                           description="every row's data_row_id is in data_rows"))
    specs.append(dg.AssetCheckSpec("no_quarantined_lines", asset=TABLE_KEYS["data_rows"],
                                   description="no export line was quarantined (warning)"))
    specs.append(dg.AssetCheckSpec("quarantine_under_threshold", asset=TABLE_KEYS["data_rows"], blocking=True,
                                   description=f"at most {MAX_QUARANTINE_SHARE:.0%} of lines quarantined"))
    return specs


@dg.multi_asset(
    name="labelbox_tables",
    specs=[
        dg.AssetSpec(
            TABLE_KEYS[name], deps=[RAW_KEY], partitions_def=model_runs_partitions, group_name=GROUP,
            kinds={"labelbox", "parquet"}, code_version=f"schema-{SCHEMA_VERSION}", description=spec.description,
            metadata={"dagster/column_schema": column_schema(spec), "dagster/table_name": f"labelbox.{name}",
                      "natural_key": ", ".join(spec.key_with_partition)},
        )
        for name, spec in TABLES.items()
    ],
    check_specs=_table_checks(),
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
    for name in TABLE_NAMES:
        metadata: dict[str, Any] = {
            "dagster/partition_row_count": part.rows[name],
            "dagster/column_schema": column_schema(TABLES[name]),
            "dagster/table_name": f"labelbox.{name}",
            "dagster/uri": dg.MetadataValue.path(str(part.paths[name])),
            "schema_version": SCHEMA_VERSION,
            "quarantined_lines": part.quarantined,
            "export_task_id": manifest.get("task_id", ""),
            "flatten_seconds": round(result.seconds, 2),
            "flatten_workers": result.workers,
        }
        if name == "data_rows" and part.quarantine_path is not None:
            metadata["quarantine_file"] = dg.MetadataValue.path(str(part.quarantine_path))
        yield dg.MaterializeResult(asset_key=TABLE_KEYS[name], metadata=metadata)

    root = storage.tables_root
    for name in TABLE_NAMES:
        for check_name, outcome in (
            ("unique_keys", quality.unique_keys(root, name, model_run_id)),
            *([("has_data_row_parent", quality.parent_rows(root, name, model_run_id))] if name != "data_rows" else []),
        ):
            yield dg.AssetCheckResult(asset_key=TABLE_KEYS[name], check_name=check_name, passed=outcome.passed,
                                      description=outcome.description, metadata=outcome.metadata)
    yield dg.AssetCheckResult(asset_key=TABLE_KEYS["data_rows"], check_name="no_quarantined_lines",
                              passed=part.quarantined == 0, severity=dg.AssetCheckSeverity.WARN,
                              description=f"{part.quarantined} line(s) quarantined",
                              metadata={"quarantined_lines": part.quarantined})
    share = quality.quarantine_share(part.quarantined, result.lines, MAX_QUARANTINE_SHARE)
    yield dg.AssetCheckResult(asset_key=TABLE_KEYS["data_rows"], check_name="quarantine_under_threshold",
                              passed=share.passed, description=share.description, metadata=share.metadata)
