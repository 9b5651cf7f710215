"""Evaluate model runs: read their tables a bucket of data rows at a time, write the three evaluation
tables (and the PNGs) into the same root through its partition store, each model run's partitions
replaced atomically (a folder swap on a local root, a Delta commit on an object store).

Memory is bounded by a bucket (``BUCKET_OBJECTS`` objects): the run is read once and cut into buckets
of whole data rows (or, when the tables do not keep a data row's rows together, split into buckets
in one pass by a hash of the data row); a bucket's matches are written (on a writer thread, while the
next bucket is evaluated) before the one after it is read, and the detections that average precision
ranks across the whole run go to scratch files that DuckDB sorts within a memory limit (spilling to
disk beyond it).
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq

from ..flatten.partition_values import check_partition_value
from ..query import connect
from ..schema import TableSpec, partition_path
from ..sql_literals import standard_literal
from ..storage import Location, Staging, store_for
from . import average_precision, load, metrics, plots
from .classifications import evaluate_answers
from .masks import Fetch
from .objects import evaluate_bucket, with_outcomes
from .schemas import ALL, EVALUATION_CONFUSION, EVALUATION_MATCHES, EVALUATION_METRICS

DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
PLOTS_DIR = "evaluation_plots"
BUCKET_OBJECTS = 100_000  # instances read at once: bounds memory on large runs
SORT_MEMORY = "256MB"  # DuckDB's limit while ranking the run's detections (it spills beyond)
# the data rows' order as read (each one's rows are together): cheaper to sort on than their ids
_ROW_RUN = (pl.col("data_row_id") != pl.col("data_row_id").shift()).fill_null(True).cum_sum()
_SCRATCH = "_scratch"  # inside the staging folder, removed before anything is published
# Feature ids are unique within a file: dictionary-encoding them only costs time (2x on the matches).
_LOW_CARDINALITY = ["data_row_id", "split", "dicom_group", "message_id", "class", "geometry_kind", "answer", "pairing",
                    "skip_reason", "kind", "label_class", "predicted_class"]
# Statistics only where a reader prunes on them (the scope and class columns, numbers): none on the
# feature ids and outcome lists, which cost 15% of the matches' writing for nothing.
_PARQUET: dict[str, Any] = {"compression": "zstd", "use_dictionary": _LOW_CARDINALITY, "write_statistics": [
    *_LOW_CARDINALITY, "frame", "iou", "confidence", "iou_threshold", "labels", "predictions", "tp", "fp", "fn",
    "precision", "recall", "f1", "mean_iou", "ap50", "ap75", "ap", "count"]}


@dataclass
class RunEvaluation:
    model_run_id: str
    metrics: pl.DataFrame
    rows: dict[str, int] = field(default_factory=dict)
    plots: dict[str, Location] = field(default_factory=dict)  # where the PNGs were published
    pictures: dict[str, bytes] = field(default_factory=dict)  # the PNGs themselves


def _with_nulls(matches: pl.DataFrame) -> pl.DataFrame:
    """The scope's placeholders ('' view, frame -1) back to null."""
    return matches.with_columns(dicom_group=pl.col("dicom_group").replace("", None),
                                frame=pl.when(pl.col("frame") >= 0).then("frame"))


def _write(table: pl.DataFrame, spec: TableSpec, path: Path) -> int:
    arrow = table.select(spec.column_names).to_arrow().cast(spec.schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow, path, **_PARQUET)
    return int(arrow.num_rows)


class _Bucketed:
    """The per-bucket work of one run; what is summed across buckets is kept, the rest written."""

    def __init__(self, staging: Staging, run: str, thresholds: list[float], masks: Fetch | None) -> None:
        self.staging, self.run, self.thresholds, self.masks = staging, run, thresholds, masks
        self.scratch = staging.folder / _SCRATCH
        self.scratch.mkdir(parents=True)
        self.parts: list[pl.DataFrame] = []
        self.label_counts: list[pl.DataFrame] = []
        self.confusion: list[pl.DataFrame] = []
        self.written = 0

    def matches_path(self, bucket: int) -> Path:
        folder = self.staging.folder / partition_path(EVALUATION_MATCHES.name, self.run)
        return folder / f"part-{self.staging.id}-w00-{bucket:05d}.parquet"

    def run_all(self, con: duckdb.DuckDBPyConnection) -> None:
        """Evaluate every bucket: read in the tables' order, or else partitioned by data row."""
        try:  # one DuckDB thread keeps the tables' order as it streams (two may interleave); the
            con.execute("SET threads = 1")  # evaluation runs beside it on the other core anyway
            self._pipeline(self._contiguous(con))
            return
        except load.NotContiguous:
            self.reset()
            con.execute("RESET threads")
        buckets = max(1, math.ceil(load.object_count(con, self.run) / BUCKET_OBJECTS))
        if buckets > 1:
            load.partition(con, self.run, buckets, self.scratch)
        self._pipeline(self.read(con, b, buckets, self.scratch if buckets > 1 else None) for b in range(buckets))

    def _contiguous(self, con: duckdb.DuckDBPyConnection) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
        """Instance buckets, then answer buckets, cut from one read of the run in the tables' order
        (NotContiguous if they cannot be); each comes with an empty frame of the other side."""
        no_instances, no_answers = load.empty(con, self.run, "instances"), load.empty(con, self.run, "answers")
        for bucket in load.contiguous_buckets(con, self.run, "instances", BUCKET_OBJECTS):
            yield load.numbered(bucket, _ROW_RUN), no_answers
        for bucket in load.contiguous_buckets(con, self.run, "answers", BUCKET_OBJECTS):
            yield load.numbered(no_instances, _ROW_RUN), bucket

    def _pipeline(self, inputs: Iterator[tuple[pl.DataFrame, pl.DataFrame]]) -> None:
        """Evaluate each bucket of ``inputs``; the next one is read (and sorted) and the previous one's
        matches written on two more threads while this one is evaluated. The connection is used by
        one thread at a time: ``inputs`` only runs on the reading thread."""
        with ThreadPoolExecutor(2, thread_name_prefix="evaluation-io") as io:
            written: Future[int] | None = None
            coming = io.submit(next, inputs, None)
            b = 0
            while (got := coming.result()) is not None:
                coming = io.submit(next, inputs, None)
                matches = self.bucket(b, *got)
                if written is not None:
                    self.written += written.result()  # at most one bucket's matches waits to be written
                written = io.submit(_write, matches, EVALUATION_MATCHES, self.matches_path(b))
                b += 1
            if written is not None:
                self.written += written.result()

    def reset(self) -> None:
        """Forget what was evaluated, to start over another way."""
        shutil.rmtree(self.matches_path(0).parent, ignore_errors=True)
        for detections in self.scratch.glob("detections-*.parquet"):
            detections.unlink()
        self.parts, self.label_counts, self.confusion, self.written = [], [], [], 0

    def read(self, con: duckdb.DuckDBPyConnection, b: int, buckets: int,
             scratch: Path | None) -> tuple[pl.DataFrame, pl.DataFrame]:
        return (load.instances(con, self.run, b, buckets, scratch), load.answers(con, self.run, b, buckets, scratch))

    def bucket(self, b: int, instances: pl.DataFrame, answers: pl.DataFrame) -> pl.DataFrame:
        result = evaluate_bucket(instances, self.thresholds, self.masks)
        scored = evaluate_answers(answers)
        self.parts += [metrics.counts(result.pairings, [None, *self.thresholds], "object"),
                       metrics.counts(scored, [None], "classification")]
        result.detections.write_parquet(self.scratch / f"detections-{b:05d}.parquet", compression="uncompressed")
        self.label_counts.append(result.label_counts)
        self.confusion.append(result.confusion)
        matches = pl.concat([with_outcomes(result.pairings, self.thresholds), scored], how="diagonal_relaxed")
        return _with_nulls(matches)

    def ranked(self) -> Iterator[pl.DataFrame]:
        """The run's detections in COCO's rank order, in chunks (DuckDB sorts within SORT_MEMORY)."""
        spill = self.scratch / "spill"
        con = duckdb.connect(config={"memory_limit": SORT_MEMORY, "temp_directory": str(spill)})
        files = standard_literal(str(self.scratch / "detections-*.parquet"))
        order = ", ".join(average_precision.RANK_ORDER)
        reader = con.sql("SELECT class, split, matched "
                         f"FROM read_parquet({files}) ORDER BY {order}").to_arrow_reader(load.BATCH_ROWS)
        for batch in reader:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame
        con.close()


def evaluate_run(root: str | os.PathLike[str], run: str, thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                 masks: Fetch | None = None) -> RunEvaluation:
    """Evaluate one model run under ``root`` and replace its partitions of the evaluation tables.
    ``masks`` reads a mask's PNG (``LabelboxClient.read_mask``); without it masks are skipped."""
    check_partition_value(run)
    ts = sorted({float(t) for t in thresholds})
    con = connect(root)
    with store_for(root).stage() as staging:
        work = _Bucketed(staging, run, ts, masks)
        work.run_all(con)
        con.close()  # its caches are not needed any more
        curves = average_precision.curves(work.ranked(), pl.concat(work.label_counts))
        shutil.rmtree(work.scratch)
        ap = {(split, cls): v for split, by_class in curves.items()
              for cls, v in average_precision.summary(by_class).items()}
        metric_rows = metrics.rows(work.parts, ap)
        confusion_rows = _confusion_rows(pl.concat(work.confusion))
        rows = {EVALUATION_MATCHES.name: work.written}
        for spec, table in ((EVALUATION_METRICS, metric_rows), (EVALUATION_CONFUSION, confusion_rows)):
            rows[spec.name] = _write(table, spec, staging.folder / partition_path(spec.name, run)
                                     / f"part-{staging.id}-w00-00000.parquet")
        plot_dir = staging.folder / partition_path(PLOTS_DIR, run)
        plot_dir.mkdir(parents=True)
        plots.pr_curves(curves.get(ALL, {}), plot_dir / plots.PR_CURVES)
        plots.confusion_matrix(confusion_rows, ts[0], plot_dir / plots.CONFUSION)
        pictures = {"pr_curves": (plot_dir / plots.PR_CURVES).read_bytes(),
                    "confusion_matrix": (plot_dir / plots.CONFUSION).read_bytes()}
        for spec in (EVALUATION_MATCHES, EVALUATION_METRICS, EVALUATION_CONFUSION):
            staging.publish_partition(partition_path(spec.name, run), spec.schema)
        published = staging.publish_folder(partition_path(PLOTS_DIR, run), last=plots.CONFUSION)
    where = {name: _join(published, file) for name, file in (("pr_curves", plots.PR_CURVES),
                                                                ("confusion_matrix", plots.CONFUSION))}
    return RunEvaluation(run, metric_rows, rows, where, pictures)


def _join(folder: Location, name: str) -> Location:
    return folder / name if isinstance(folder, Path) else f"{folder.rstrip('/')}/{name}"


def _confusion_rows(confusion: pl.DataFrame) -> pl.DataFrame:
    key = ["split", "iou_threshold", "label_class", "predicted_class"]
    per_split = confusion.group_by(key).agg(pl.col("count").sum())
    every = per_split.group_by("iou_threshold", "label_class", "predicted_class").agg(
        pl.col("count").sum()).with_columns(split=pl.lit(ALL))
    return pl.concat([per_split, every.select(per_split.columns)]).sort(key)


def model_run_ids(root: str | os.PathLike[str]) -> list[str]:
    con = connect(root)
    return [r[0] for r in con.sql("SELECT DISTINCT model_run_id FROM objects ORDER BY 1").fetchall()]


def evaluate(root: str | os.PathLike[str], runs: Sequence[str] | None = None,
             thresholds: Sequence[float] = DEFAULT_THRESHOLDS, masks: Fetch | None = None) -> list[RunEvaluation]:
    """Evaluate ``runs`` (default: every model run in the tables) under ``root``, a local folder or an
    object-store URI."""
    if not store_for(root).exists("objects"):
        raise FileNotFoundError(f"no objects table under {root}: flatten an export into it first")
    bad = [t for t in thresholds if not 0 < t < 1]
    if bad:
        raise ValueError(f"IoU thresholds must lie strictly between 0 and 1: {bad}")
    return [evaluate_run(root, run, thresholds, masks) for run in (runs or model_run_ids(root))]

