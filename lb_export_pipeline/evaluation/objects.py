"""Evaluate the objects of one bucket of data rows: matches, COCO detections, confusion counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import geometry, matching
from .average_precision import COCO_THRESHOLDS
from .schemas import BACKGROUND

DETECTION_KINDS = ("bounding_box", "polygon")
_SCOPE = ("data_row_id", "split", "dicom_group", "frame", "message_id")


@dataclass
class BucketResult:
    pairings: pl.DataFrame     # pairs, unpaired labels and predictions, skipped objects (see with_outcomes)
    detections: pl.DataFrame   # one row per ranked detection of a detection class: tp<i> per COCO threshold
    label_counts: pl.DataFrame  # split, class, geometry_kind, labels (evaluated detection-kind labels)
    confusion: pl.DataFrame    # split, iou_threshold, label_class, predicted_class, count


def _side(inst: pl.DataFrame, idx: pl.Series, prefix: str) -> pl.DataFrame:
    return inst[idx.to_numpy()].select(*_SCOPE, "class", "geometry_kind",
                                       pl.col("feature_id").alias(f"{prefix}_feature_id"),
                                       pl.col("confidence").alias(f"{prefix}_confidence"))


def _pairings(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray) -> pl.DataFrame:
    """One row per greedy pair, unpaired label, unpaired prediction and skipped object (column ``pairing``)."""
    evaluated = inst.filter(pl.col("skip_reason").is_null())
    paired = pl.DataFrame({"g": g, "p": p, "iou": iou})
    lone_g = evaluated.filter((pl.col("source") == "label") & ~pl.col("idx").is_in(paired["g"]))["idx"]
    lone_p = evaluated.filter((pl.col("source") == "prediction") & ~pl.col("idx").is_in(paired["p"]))["idx"]
    left = _side(inst, paired["g"], "label")
    right = _side(inst, paired["p"], "prediction").select("prediction_feature_id", "prediction_confidence")
    pairs = pl.concat([left, right, paired.select("iou")], how="horizontal").with_columns(pairing=pl.lit("pair"))
    none_s, none_f = pl.lit(None, pl.String), pl.lit(None, pl.Float64)
    lone_labels = _side(inst, lone_g, "label").with_columns(
        prediction_feature_id=none_s, prediction_confidence=none_f, iou=none_f, pairing=pl.lit("label"))
    lone_preds = _side(inst, lone_p, "prediction").with_columns(
        label_feature_id=none_s, iou=none_f, pairing=pl.lit("prediction"))
    skipped = inst.filter(pl.col("skip_reason").is_not_null()).select(
        *_SCOPE, "class", "geometry_kind",
        label_feature_id=pl.when(pl.col("source") == "label").then("feature_id"),
        prediction_feature_id=pl.when(pl.col("source") == "prediction").then("feature_id"),
        prediction_confidence=pl.when(pl.col("source") == "prediction").then("confidence"),
        iou=none_f, pairing=pl.lit("skipped"), skip_reason="skip_reason")
    columns = [*_SCOPE, "class", "geometry_kind", "label_feature_id", "prediction_feature_id", "iou",
               "prediction_confidence", "pairing"]
    rows = pl.concat([f.select(columns) for f in (pairs, lone_labels, lone_preds)], how="vertical_relaxed")
    return pl.concat([rows.with_columns(skip_reason=none_s), skipped.select(*columns, "skip_reason")],
                     how="vertical_relaxed").rename({"prediction_confidence": "confidence"})


def with_outcomes(pairings: pl.DataFrame, thresholds: list[float]) -> pl.DataFrame:
    """evaluation_matches rows: each pairing with its outcome at every threshold (none when skipped).

    A pair is tp at the thresholds under its IoU and fn+fp at the others, so there are only
    len(thresholds) + 4 different lists: they are built once and joined on (pairing, thresholds passed)."""
    ts = sorted(thresholds)
    lists: list[tuple[str, int, list[dict[str, object]]]] = [
        ("pair", k, [{"iou_threshold": t, "outcome": "tp" if i < k else "fn+fp"} for i, t in enumerate(ts)])
        for k in range(len(ts) + 1)]
    lists += [("label", 0, [{"iou_threshold": t, "outcome": "fn"} for t in ts]),
              ("prediction", 0, [{"iou_threshold": t, "outcome": "fp"} for t in ts]), ("skipped", 0, [])]
    lookup = pl.DataFrame(lists, schema={"pairing": pl.String, "passed": pl.Int64, "outcomes": pl.List(
        pl.Struct({"iou_threshold": pl.Float64, "outcome": pl.String}))}, orient="row")
    passed = np.searchsorted(np.asarray(ts), pairings["iou"].fill_null(-1.0).to_numpy(), side="left")
    return (pairings.with_columns(passed=pl.when(pl.col("pairing") == "pair").then(pl.Series(passed, dtype=pl.Int64))
                                  .otherwise(0))
            .join(lookup, on=["pairing", "passed"], how="left", maintain_order="left")
            .drop("passed").with_columns(answer=pl.lit(None, pl.String)))


def _detections(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray) -> pl.DataFrame:
    ranks = matching.coco_ranks(inst.filter(pl.col("geometry_kind").is_in(DETECTION_KINDS)
                                            & pl.col("skip_reason").is_null()))
    ranks = ranks.filter(pl.col("rank") < matching.COCO_MAX_DETS)
    rank = np.full(inst.height, -1, dtype=np.int64)
    rank[ranks["idx"].to_numpy()] = ranks["rank"].to_numpy()
    tp = {f"tp{i}": matching.coco_match(inst.height, g, p, iou, rank, float(t))[ranks["idx"].to_numpy()] >= 0
          for i, t in enumerate(COCO_THRESHOLDS)}
    where = inst.select("idx", "split", "data_row_id", "dicom_group", "frame")  # the image, across buckets
    return (ranks.select("idx", "class", "rank", pl.col("confidence").fill_null(0.0))
            .with_columns(**{k: pl.Series(v) for k, v in tp.items()})
            .join(where, on="idx", how="left", maintain_order="left").drop("idx"))


def _confusion(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray,
               thresholds: list[float]) -> pl.DataFrame:
    """Per threshold: labels and predictions paired by the same greedy matching, but across classes
    (same geometry kind); a pair above the threshold counts as (label class, predicted class), anything
    else as (class, background) or (background, class). Rows sum to the labels, columns to the predictions."""
    overlapping = iou > 0
    taken = np.flatnonzero(overlapping)[matching.greedy(g[overlapping], p[overlapping], iou[overlapping])]
    pairs = pl.DataFrame({"g": g[taken], "p": p[taken], "iou": iou[taken]})
    evaluated = inst.filter(pl.col("skip_reason").is_null())
    labels = (evaluated.filter(pl.col("source") == "label").select("split", "class", g="idx")
              .join(pairs, on="g", how="left").join(inst.select(p="idx", predicted="class"), on="p", how="left")
              .with_columns(pl.col("iou").fill_null(0.0)))
    preds = (evaluated.filter(pl.col("source") == "prediction").select("split", "class", p="idx")
             .join(pairs.select("p", "iou"), on="p", how="left").with_columns(pl.col("iou").fill_null(0.0)))
    out = []
    for t in thresholds:
        per_label = labels.select("split", label_class="class", predicted_class=pl.when(pl.col("iou") > t)
                                  .then("predicted").otherwise(pl.lit(BACKGROUND)))
        lone = preds.filter(pl.col("iou") <= t).select("split", label_class=pl.lit(BACKGROUND),
                                                        predicted_class="class")
        out.append(pl.concat([per_label, lone]).group_by("split", "label_class", "predicted_class").len("count")
                   .with_columns(iou_threshold=pl.lit(t, pl.Float64)))
    return pl.concat(out)


def evaluate_bucket(inst: pl.DataFrame, thresholds: list[float]) -> BucketResult:
    inst = inst.with_columns(skip_reason=geometry.skip_reason(inst))
    pairs = matching.candidate_pairs(inst.filter(pl.col("skip_reason").is_null()))
    g, p = pairs["g"].to_numpy().astype(np.int64), pairs["p"].to_numpy().astype(np.int64)
    iou = geometry.PairIoU(inst)(g, p)
    same = pairs["same_class"].to_numpy() & (iou > 0)
    taken = np.flatnonzero(same)[matching.greedy(g[same], p[same], iou[same])]
    detection_labels = inst.filter((pl.col("source") == "label") & pl.col("skip_reason").is_null()
                                   & pl.col("geometry_kind").is_in(DETECTION_KINDS))
    return BucketResult(
        pairings=_pairings(inst, g[taken], p[taken], iou[taken]),
        detections=_detections(inst, g[same], p[same], iou[same]),
        label_counts=detection_labels.group_by("split", "class").len("labels"),
        confusion=_confusion(inst, g, p, iou, thresholds),
    )
