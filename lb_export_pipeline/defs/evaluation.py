"""The ``labelbox/evaluation`` asset: a model run's predictions compared with its labels.

Downstream of the tables, one partition per model run, and kept up to date with them: its
automation condition (eager, evaluated by the automation sensor) materializes a partition whose
tables were rematerialized without it. It writes ``evaluation_matches``,
``evaluation_metrics`` and ``evaluation_confusion`` (and two PNGs) into the tables root, shows the
headline metrics per class and the pictures in its metadata, and checks that no label or prediction
was lost between the tables and the evaluation.
"""

# No "from __future__ import annotations": Dagster reads these annotations at definition time.

import base64
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl
from dagster._core.definitions.metadata.metadata_set import TableMetadataSet, UriMetadataSet  # as the translator

from ..evaluation import conservation
from ..evaluation.runner import DEFAULT_THRESHOLDS, evaluate_run
from ..evaluation.schemas import ALL, EVALUATION_TABLES
from ..labelbox import ConfigurationError
from ..query import connect
from ..storage import join
from .assets import GROUP, TABLE_KEYS
from .partitions import model_runs_partitions
from .resources import LabelboxResource, StorageResource

EVALUATION_KEY = dg.AssetKey([GROUP, "evaluation"])
HEADLINE_THRESHOLD = 0.5
_HEADLINE = ("kind", "class", "labels", "predictions", "tp", "fp", "fn", "precision", "recall", "f1", "mean_iou",
             "ap50", "ap", "skipped_labels")
_TYPES = {"kind": "string", "class": "string", "precision": "float", "recall": "float", "f1": "float",
          "mean_iou": "float", "ap50": "float", "ap": "float"}


def headline(metrics: pl.DataFrame) -> dg.TableMetadataValue:
    """Per class, all splits: objects at IoU > 0.5, and classification answers."""
    rows = metrics.filter((pl.col("split") == ALL) & (
        (pl.col("iou_threshold") == HEADLINE_THRESHOLD) | (pl.col("kind") == "classification"))).sort(
        pl.col("kind") != "object", pl.col("class") != ALL, "class")  # objects first, each kind's total first
    records = [dg.TableRecord({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})
               for r in rows.select(_HEADLINE).iter_rows(named=True)]
    schema = dg.TableSchema(columns=[dg.TableColumn(c, _TYPES.get(c, "int")) for c in _HEADLINE])
    return dg.MetadataValue.table(records, schema=schema)


def _picture(png: bytes, where: object, title: str) -> dg.MarkdownMetadataValue:
    """The PNG inline (the UI shows it in place), with where the file is."""
    data = base64.b64encode(png).decode()
    return dg.MetadataValue.md(f"![{title}](data:image/png;base64,{data})\n\n`{where}`")


@dg.asset(
    key=EVALUATION_KEY,
    deps=[TABLE_KEYS[name] for name in ("data_rows", "objects", "classifications", "video_frames")],
    partitions_def=model_runs_partitions,
    group_name=GROUP,
    kinds={"parquet", "numpy"},
    code_version="evaluation-1",
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    automation_condition=dg.AutomationCondition.eager(),  # follows its tables, as they follow raw_export
    description="Predictions against labels, as Labelbox's metrics count them: evaluation_matches, "
                "evaluation_metrics and evaluation_confusion, with precision-recall curves and a confusion matrix.",
    check_specs=[dg.AssetCheckSpec("counts_conserved", asset=EVALUATION_KEY, blocking=True,
                                   description="At every IoU threshold, per split and class: tp + fn + skipped = "
                                               "label objects and tp + fp + skipped = predictions in the tables")],
)
def evaluation(context: dg.AssetExecutionContext, storage: StorageResource,
               labelbox: LabelboxResource) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    run = context.partition_key
    root = storage.tables_root
    try:
        client = labelbox.get_client()  # reads the mask PNGs, with the key where Labelbox wants it
    except ConfigurationError as error:
        context.log.warning(f"masks will be skipped: {error}")
        client = None
    try:
        result = evaluate_run(root, run, DEFAULT_THRESHOLDS, client.read_mask if client else None)
    finally:
        if client is not None:
            client.close()
    context.log.info(f"evaluated model run {run}: " + ", ".join(f"{t} {n:,}" for t, n in result.rows.items()))
    metadata: dict[str, Any] = {
        **TableMetadataSet(partition_row_count=result.rows["evaluation_metrics"]),
        **UriMetadataSet(uri=join(root, "evaluation_metrics", f"model_run_id={run}")),
        "metrics_per_class": headline(result.metrics),
        "iou_thresholds": dg.MetadataValue.json(list(DEFAULT_THRESHOLDS)),
        **{f"{name}_rows": result.rows[name] for name in EVALUATION_TABLES},
        "pr_curves": _picture(result.pictures["pr_curves"], result.plots["pr_curves"], "precision-recall curves"),
        "confusion_matrix": _picture(result.pictures["confusion_matrix"], result.plots["confusion_matrix"],
                                     "confusion matrix"),
        "pr_curves_png": dg.MetadataValue.path(str(result.plots["pr_curves"])),
        "confusion_matrix_png": dg.MetadataValue.path(str(result.plots["confusion_matrix"])),
    }
    yield dg.MaterializeResult(metadata=metadata)
    kept = conservation.check(connect(root), run)
    yield dg.AssetCheckResult(
        check_name="counts_conserved", passed=kept.ok,
        description=f"{kept.checked} (split, class, threshold) counts compared; {len(kept.violations)} differ",
        metadata={"compared": kept.checked, "violations": dg.MetadataValue.json(kept.violations[:20])})
