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
    matches: pl.DataFrame      # evaluation_matches rows (objects)
    detections: pl.DataFrame   # one row per ranked detection of a detection class: tp<i> per COCO threshold
    label_counts: pl.DataFrame  # split, class, geometry_kind, labels (evaluated detection-kind labels)
    confusion: pl.DataFrame    # split, iou_threshold, label_class, predicted_class, count


def _side(inst: pl.DataFrame, idx: pl.Series, prefix: str) -> pl.DataFrame:
    return inst[idx.to_numpy()].select(*_SCOPE, "class", "geometry_kind",
                                       pl.col("feature_id").alias(f"{prefix}_feature_id"),
                                       pl.col("confidence").alias(f"{prefix}_confidence"))


def _match_rows(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray,
                thresholds: list[float]) -> pl.DataFrame:
    """Long rows: every greedy pair and every unpaired object, at every threshold."""
    evaluated = inst.filter(pl.col("skip_reason").is_null())
    paired = pl.DataFrame({"g": g, "p": p, "iou": iou})
    lone_g = evaluated.filter((pl.col("source") == "label") & ~pl.col("idx").is_in(paired["g"]))["idx"]
    lone_p = evaluated.filter((pl.col("source") == "prediction") & ~pl.col("idx").is_in(paired["p"]))["idx"]
    t = pl.DataFrame({"iou_threshold": thresholds}, schema={"iou_threshold": pl.Float64})
    left = _side(inst, paired["g"], "label")
    right = _side(inst, paired["p"], "prediction").select("prediction_feature_id", "prediction_confidence")
    pairs = pl.concat([left, right, paired.select("iou")], how="horizontal").join(t, how="cross")
    above = pl.col("iou") > pl.col("iou_threshold")
    out = [pairs.filter(above).with_columns(outcome=pl.lit("tp")),
           pairs.filter(~above).with_columns(outcome=pl.lit("fn")),
           pairs.filter(~above).with_columns(outcome=pl.lit("fp"))]
    lone_labels = _side(inst, lone_g, "label").with_columns(
        prediction_feature_id=pl.lit(None, pl.String), prediction_confidence=pl.lit(None, pl.Float64),
        iou=pl.lit(None, pl.Float64)).join(t, how="cross").with_columns(outcome=pl.lit("fn"))
    lone_preds = _side(inst, lone_p, "prediction").with_columns(
        label_feature_id=pl.lit(None, pl.String), label_confidence=pl.lit(None, pl.Float64),
        iou=pl.lit(None, pl.Float64)).join(t, how="cross").with_columns(outcome=pl.lit("fp"))
    skipped = inst.filter(pl.col("skip_reason").is_not_null()).select(
        *_SCOPE, "class", "geometry_kind",
        label_feature_id=pl.when(pl.col("source") == "label").then("feature_id"),
        prediction_feature_id=pl.when(pl.col("source") == "prediction").then("feature_id"),
        prediction_confidence=pl.when(pl.col("source") == "prediction").then("confidence"),
        iou=pl.lit(None, pl.Float64), iou_threshold=pl.lit(None, pl.Float64), outcome=pl.lit("skipped"),
        skip_reason="skip_reason")
    columns = [*_SCOPE, "class", "geometry_kind", "label_feature_id", "prediction_feature_id", "iou",
               "prediction_confidence", "iou_threshold", "outcome"]
    rows = pl.concat([f.select(columns) for f in (*out, lone_labels, lone_preds)], how="vertical_relaxed")
    rows = rows.with_columns(skip_reason=pl.lit(None, pl.String))
    return pl.concat([rows, skipped.select(rows.columns)], how="vertical_relaxed").select(
        *_SCOPE, "class", "geometry_kind", answer=pl.lit(None, pl.String), label_feature_id="label_feature_id",
        prediction_feature_id="prediction_feature_id", iou="iou", confidence="prediction_confidence",
        iou_threshold="iou_threshold", outcome="outcome", skip_reason="skip_reason")


def _detections(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray) -> pl.DataFrame:
    ranks = matching.coco_ranks(inst.filter(pl.col("geometry_kind").is_in(DETECTION_KINDS)
                                            & pl.col("skip_reason").is_null()))
    ranks = ranks.filter(pl.col("rank") < matching.COCO_MAX_DETS)
    rank = np.full(inst.height, -1, dtype=np.int64)
    rank[ranks["idx"].to_numpy()] = ranks["rank"].to_numpy()
    tp = {f"tp{i}": matching.coco_match(inst.height, g, p, iou, rank, float(t))[ranks["idx"].to_numpy()] >= 0
          for i, t in enumerate(COCO_THRESHOLDS)}
    split = inst["split"].to_numpy()[ranks["idx"].to_numpy()]
    return ranks.select("class", "scope", "rank", pl.col("confidence").fill_null(0.0)).with_columns(
        split=pl.Series(split, dtype=pl.String), **{k: pl.Series(v) for k, v in tp.items()})


def _confusion(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray,
               thresholds: list[float]) -> pl.DataFrame:
    """Per threshold: each label's best-overlapping prediction (any class) above it, or background;
    predictions that are no label's best, as background labels."""
    cls = inst["class"]
    split = inst["split"]
    pairs = pl.DataFrame({"g": g, "p": p, "iou": iou}).filter(pl.col("iou") > 0)
    best = pairs.sort("iou", "p", descending=[True, False]).group_by("g", maintain_order=True).first()
    labels = inst.filter((pl.col("source") == "label") & pl.col("skip_reason").is_null()).select(g="idx")
    preds = inst.filter((pl.col("source") == "prediction") & pl.col("skip_reason").is_null()).select(p="idx")
    out = []
    for t in thresholds:
        chosen = best.filter(pl.col("iou") > t)
        per_label = labels.join(chosen, on="g", how="left")
        lone = preds.filter(~pl.col("p").is_in(chosen["p"]))
        g_idx, p_idx = per_label["g"].to_numpy(), per_label["p"].to_numpy(allow_copy=True)
        has = ~np.isnan(p_idx.astype(np.float64))
        predicted = np.full(g_idx.size, BACKGROUND, dtype=object)
        predicted[has] = cls.to_numpy()[p_idx[has].astype(np.int64)]
        lone_idx = lone["p"].to_numpy()
        out.append(pl.DataFrame({
            "split": np.concatenate([split.to_numpy()[g_idx], split.to_numpy()[lone_idx]]),
            "label_class": np.concatenate([cls.to_numpy()[g_idx], np.full(lone_idx.size, BACKGROUND, dtype=object)]),
            "predicted_class": np.concatenate([predicted, cls.to_numpy()[lone_idx]]),
        }, schema={"split": pl.String, "label_class": pl.String, "predicted_class": pl.String})
            .group_by("split", "label_class", "predicted_class").len("count")
            .with_columns(iou_threshold=pl.lit(t, pl.Float64)))
    return pl.concat(out)


def evaluate_bucket(inst: pl.DataFrame, thresholds: list[float]) -> BucketResult:
    inst = inst.with_columns(skip_reason=geometry.skip_reason(inst))
    geoms = geometry.shapes(inst)
    pairs = matching.candidate_pairs(inst.filter(pl.col("skip_reason").is_null()))
    g, p = pairs["g"].to_numpy().astype(np.int64), pairs["p"].to_numpy().astype(np.int64)
    iou = geometry.pair_iou(inst, geoms, g, p)
    same = pairs["same_class"].to_numpy() & (iou > 0)
    taken = np.flatnonzero(same)[matching.greedy(g[same], p[same], iou[same])]
    detection_labels = inst.filter((pl.col("source") == "label") & pl.col("skip_reason").is_null()
                                   & pl.col("geometry_kind").is_in(DETECTION_KINDS))
    return BucketResult(
        matches=_match_rows(inst, g[taken], p[taken], iou[taken], thresholds),
        detections=_detections(inst, g[same], p[same], iou[same]),
        label_counts=detection_labels.group_by("split", "class").len("labels"),
        confusion=_confusion(inst, g, p, iou, thresholds),
    )
