"""Evaluate model runs: read their tables a bucket of data rows at a time, write the three evaluation
tables (and the PNGs) into the same root, each model run's partitions replaced atomically."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from ..flatten.partition_values import check_partition_value
from ..query import connect
from ..schema import PARTITION_COLUMN, TableSpec
from ..storage import is_remote
from ..storage.swap import Transaction, fsync_tree
from . import average_precision, load, metrics, plots
from .classifications import evaluate_answers
from .objects import evaluate_bucket, with_outcomes
from .schemas import ALL, EVALUATION_CONFUSION, EVALUATION_MATCHES, EVALUATION_METRICS

DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
PLOTS_DIR = "evaluation_plots"
BUCKET_OBJECTS = 250_000
# Feature ids are unique within a file: dictionary-encoding them only costs time (2x on the matches).
_PARQUET: dict[str, Any] = {"compression": "zstd", "use_dictionary": [
    "data_row_id", "split", "dicom_group", "message_id", "class", "geometry_kind", "answer", "pairing", "skip_reason",
    "kind", "label_class", "predicted_class"]}  # instances read at once: bounds memory on large runs


@dataclass
class RunEvaluation:
    model_run_id: str
    metrics: pl.DataFrame
    rows: dict[str, int] = field(default_factory=dict)
    plots: dict[str, Path] = field(default_factory=dict)


def _with_nulls(matches: pl.DataFrame) -> pl.DataFrame:
    """The scope's placeholders ('' view, frame -1) back to null."""
    return matches.with_columns(dicom_group=pl.col("dicom_group").replace("", None),
                                frame=pl.when(pl.col("frame") >= 0).then("frame"))


def _write(table: pl.DataFrame, spec: TableSpec, path: Path) -> int:
    arrow = table.select(spec.column_names).to_arrow().cast(spec.schema)
    pq.write_table(arrow, path, **_PARQUET)
    return int(arrow.num_rows)


def _part(txn: Transaction, spec: TableSpec, run: str, n: int) -> Path:
    folder = txn.new / spec.name / f"{PARTITION_COLUMN}={run}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"part-{txn.id}-w00-{n:05d}.parquet"


def evaluate_run(root: Path, run: str, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> RunEvaluation:
    """Evaluate one model run under ``root`` and replace its partitions of the evaluation tables."""
    check_partition_value(run)
    thresholds = sorted({float(t) for t in thresholds})
    con = connect(root)
    buckets = max(1, math.ceil(load.object_count(con, run) / BUCKET_OBJECTS))
    txn = Transaction(root).begin()
    try:
        parts, detections, label_counts, confusion = [], [], [], []
        written = 0
        scratch = txn.root / "scratch" if buckets > 1 else None
        if scratch is not None:
            load.partition(con, run, buckets, scratch)
        for b in range(buckets):
            result = evaluate_bucket(load.instances(con, run, b, buckets, scratch), thresholds)
            answers = evaluate_answers(load.answers(con, run, b, buckets, scratch))
            matches = pl.concat([with_outcomes(result.pairings, thresholds), answers], how="diagonal_relaxed")
            written += _write(_with_nulls(matches), EVALUATION_MATCHES, _part(txn, EVALUATION_MATCHES, run, b))
            parts += [metrics.counts(result.pairings, [None, *thresholds], "object"),
                      metrics.counts(answers, [None], "classification")]
            detections.append(result.detections)
            label_counts.append(result.label_counts)
            confusion.append(result.confusion)
        ap, curves = _average_precision(pl.concat(detections), pl.concat(label_counts))
        metric_rows = metrics.rows(parts, ap)
        confusion_rows = _confusion_rows(pl.concat(confusion))
        rows = {EVALUATION_MATCHES.name: written}
        for spec, table in ((EVALUATION_METRICS, metric_rows), (EVALUATION_CONFUSION, confusion_rows)):
            rows[spec.name] = _write(table, spec, _part(txn, spec, run, 0))
        plot_dir = txn.new / PLOTS_DIR / f"{PARTITION_COLUMN}={run}"
        plot_dir.mkdir(parents=True)
        plots.pr_curves(curves, plot_dir / plots.PR_CURVES)
        plots.confusion_matrix(confusion_rows, thresholds[0], plot_dir / plots.CONFUSION)
        fsync_tree(txn.new)
        for name in (*rows, PLOTS_DIR):
            txn.replace(Path(name) / f"{PARTITION_COLUMN}={run}")
    finally:
        txn.finish()
    final = root / PLOTS_DIR / f"{PARTITION_COLUMN}={run}"
    return RunEvaluation(run, metric_rows, rows, {"pr_curves": final / plots.PR_CURVES,
                                                   "confusion_matrix": final / plots.CONFUSION})


def _average_precision(detections: pl.DataFrame, label_counts: pl.DataFrame
                       ) -> tuple[dict[tuple[str, str], tuple[float, float, float]], dict[str, np.ndarray]]:
    ap: dict[tuple[str, str], tuple[float, float, float]] = {}
    all_curves: dict[str, np.ndarray] = {}
    splits = sorted(set(label_counts["split"]) | set(detections["split"]))
    by_split = detections.partition_by("split", as_dict=True)
    for split in [ALL, *splits]:
        d = detections if split == ALL else by_split.get((split,), detections.clear())
        lc = label_counts if split == ALL else label_counts.filter(pl.col("split") == split)
        counts = dict(lc.group_by("class").agg(pl.col("labels").sum()).iter_rows())
        curves = average_precision.class_curves(d, counts)
        for cls, v in average_precision.summary(curves).items():
            ap[(split, cls)] = v
        if split == ALL:
            all_curves = curves
    return ap, all_curves


def _confusion_rows(confusion: pl.DataFrame) -> pl.DataFrame:
    key = ["split", "iou_threshold", "label_class", "predicted_class"]
    per_split = confusion.group_by(key).agg(pl.col("count").sum())
    every = per_split.group_by("iou_threshold", "label_class", "predicted_class").agg(
        pl.col("count").sum()).with_columns(split=pl.lit(ALL))
    return pl.concat([per_split, every.select(per_split.columns)]).sort(key)


def model_run_ids(root: Path) -> list[str]:
    con = connect(root)
    return [r[0] for r in con.sql("SELECT DISTINCT model_run_id FROM objects ORDER BY 1").fetchall()]


def evaluate(root: str | os.PathLike[str], runs: Sequence[str] | None = None,
             thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> list[RunEvaluation]:
    """Evaluate ``runs`` (default: every model run in the tables) under a local ``root``."""
    if is_remote(root):
        raise ValueError(f"evaluate writes local tables only; {root} is an object store")
    path = Path(root)
    if not (path / "objects").is_dir():
        raise FileNotFoundError(f"no objects table under {path}: flatten an export into it first")
    bad = [t for t in thresholds if not 0 < t < 1]
    if bad:
        raise ValueError(f"IoU thresholds must lie strictly between 0 and 1: {bad}")
    return [evaluate_run(path, run, thresholds) for run in (runs or model_run_ids(path))]


