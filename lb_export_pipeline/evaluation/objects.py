"""Evaluate the objects of one bucket of data rows: matches, COCO detections, confusion counts.

Only the overlapping pairs (``pairs.overlapping``) are matched. A pair is a true positive at the
thresholds below its IoU: ``passed`` (how many thresholds lie below the IoU) is computed once per
pairing, and every per-threshold count is a sum over ``passed`` groups, not a pass per threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import average_precision, geometry, matching, pairs
from .average_precision import COCO_THRESHOLDS
from .masks import Fetch, MaskScorer
from .schemas import BACKGROUND

DETECTION_KINDS = ("bounding_box", "polygon")
_SCOPE = ("data_row_id", "split", "dicom_group", "frame", "message_id")
_OUTCOME = pl.List(pl.Struct({"iou_threshold": pl.Float64, "outcome": pl.String}))


@dataclass
class BucketResult:
    pairings: pl.DataFrame     # pairs, unpaired labels and predictions, skipped objects (see with_outcomes)
    detections: pl.DataFrame   # one row per ranked detection of a detection class, where it matched (bits)
    label_counts: pl.DataFrame  # split, class, labels (evaluated detection-kind labels)
    confusion: pl.DataFrame    # split, iou_threshold, label_class, predicted_class, count


def passed(iou: pl.Series | np.ndarray, thresholds: list[float]) -> pl.Series:
    """How many of the (sorted) thresholds lie below each IoU: a pair is tp at exactly those."""
    values = iou.fill_null(-1.0).to_numpy() if isinstance(iou, pl.Series) else iou
    return pl.Series("passed", np.searchsorted(np.asarray(thresholds), values, side="left"), dtype=pl.Int64)


def _pairings(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray) -> pl.DataFrame:
    """One row per greedy pair, unpaired label, unpaired prediction and skipped object (column ``pairing``)."""
    cols = inst.select(*_SCOPE, "class", "geometry_kind", "feature_id", "confidence", "source", "skip_reason")
    paired_g, paired_p = np.zeros(inst.height, bool), np.zeros(inst.height, bool)
    paired_g[g], paired_p[p] = True, True
    evaluated = cols["skip_reason"].is_null().to_numpy()
    label = (cols["source"] == "label").to_numpy()
    lone_g = np.flatnonzero(evaluated & label & ~paired_g)
    lone_p = np.flatnonzero(evaluated & ~label & ~paired_p)
    skipped = np.flatnonzero(~evaluated)
    none_s, none_f = pl.lit(None, pl.String), pl.lit(None, pl.Float64)
    side = pl.col("feature_id")
    frames = [
        cols[g].select(*_SCOPE, "class", "geometry_kind", label_feature_id=side,
                       prediction_feature_id=cols["feature_id"].gather(p), iou=pl.Series(iou),
                       confidence=cols["confidence"].gather(p), pairing=pl.lit("pair"), skip_reason=none_s),
        cols[lone_g].select(*_SCOPE, "class", "geometry_kind", label_feature_id=side, prediction_feature_id=none_s,
                            iou=none_f, confidence=none_f, pairing=pl.lit("label"), skip_reason=none_s),
        cols[lone_p].select(*_SCOPE, "class", "geometry_kind", label_feature_id=none_s, prediction_feature_id=side,
                            iou=none_f, confidence="confidence", pairing=pl.lit("prediction"), skip_reason=none_s),
        cols[skipped].select(*_SCOPE, "class", "geometry_kind",
                             label_feature_id=pl.when(pl.col("source") == "label").then(side),
                             prediction_feature_id=pl.when(pl.col("source") == "prediction").then(side), iou=none_f,
                             confidence=pl.when(pl.col("source") == "prediction").then("confidence"),
                             pairing=pl.lit("skipped"), skip_reason="skip_reason"),
    ]
    return pl.concat(frames, how="vertical_relaxed")


def with_outcomes(pairings: pl.DataFrame, thresholds: list[float]) -> pl.DataFrame:
    """evaluation_matches rows: each pairing with its outcome at every threshold (none when skipped).

    A pair is tp at the thresholds under its IoU and fn+fp at the others, so there are only
    len(thresholds) + 4 different lists: they are built once and joined on (pairing, passed)."""
    ts = sorted(thresholds)
    lists: list[tuple[str, int, list[dict[str, object]]]] = [
        ("pair", k, [{"iou_threshold": t, "outcome": "tp" if i < k else "fn+fp"} for i, t in enumerate(ts)])
        for k in range(len(ts) + 1)]
    lists += [("label", 0, [{"iou_threshold": t, "outcome": "fn"} for t in ts]),
              ("prediction", 0, [{"iou_threshold": t, "outcome": "fp"} for t in ts]), ("skipped", 0, [])]
    lookup = pl.DataFrame(lists, schema={"pairing": pl.String, "passed": pl.Int64, "outcomes": _OUTCOME},
                          orient="row")
    return (pairings.with_columns(passed=pl.when(pl.col("pairing") == "pair").then(passed(pairings["iou"], ts))
                                  .otherwise(0))
            .join(lookup, on=["pairing", "passed"], how="left", maintain_order="left")
            .drop("passed").with_columns(answer=pl.lit(None, pl.String)))


def _detections(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray) -> pl.DataFrame:
    ranks = matching.coco_ranks(inst.filter(pl.col("geometry_kind").is_in(DETECTION_KINDS)
                                            & pl.col("skip_reason").is_null()))
    ranks = ranks.filter(pl.col("rank") < matching.COCO_MAX_DETS)
    idx = ranks["idx"].to_numpy()
    rank = np.full(inst.height, -1, dtype=np.int64)
    rank[idx] = ranks["rank"].to_numpy()
    matched = matching.coco_match(inst.height, g, p, iou, rank, COCO_THRESHOLDS)[:, idx]
    where = inst.select("class", "split", "data_row_id", "dicom_group", "frame", pl.col("confidence").fill_null(0.0))
    return where[idx].with_columns(rank=ranks["rank"], matched=pl.Series(average_precision.matched_bits(matched)))


def _confusion(inst: pl.DataFrame, g: np.ndarray, p: np.ndarray, iou: np.ndarray,
               thresholds: list[float]) -> pl.DataFrame:
    """Per threshold: labels and predictions paired by the same greedy matching, but across classes
    (same geometry kind); a pair above the threshold counts as (label class, predicted class), anything
    else as (class, background) or (background, class). Rows sum to the labels, columns to the predictions."""
    taken = matching.greedy(g, p, iou)
    best = np.zeros(inst.height)  # each instance's IoU with its cross-class partner (0: none)
    best[g[taken]], best[p[taken]] = iou[taken], iou[taken]
    partner = np.zeros(inst.height, dtype=np.int64)
    partner[g[taken]] = p[taken]
    evaluated = inst.select("split", "class", "source", predicted=inst["class"].gather(partner),
                            passed=passed(best, thresholds)).filter(inst["skip_reason"].is_null())
    labels = evaluated.filter(pl.col("source") == "label").group_by("split", "class", "predicted", "passed").len(
        "count")
    preds = evaluated.filter(pl.col("source") == "prediction").group_by("split", "class", "passed").len("count")
    out = []
    for i, t in enumerate(thresholds):
        hit = pl.col("passed") > i
        per_label = labels.select("split", "count", label_class="class",
                                  predicted_class=pl.when(hit).then("predicted").otherwise(pl.lit(BACKGROUND)))
        lone = preds.filter(~hit).select("split", "count", label_class=pl.lit(BACKGROUND), predicted_class="class")
        out.append(pl.concat([per_label, lone]).group_by("split", "label_class", "predicted_class")
                   .agg(pl.col("count").sum()).with_columns(iou_threshold=pl.lit(t, pl.Float64)))
    return pl.concat(out).with_columns(pl.col("count").cast(pl.UInt32))


def evaluate_bucket(inst: pl.DataFrame, thresholds: list[float], masks: Fetch | None = None) -> BucketResult:
    """``masks`` reads a mask's PNG; without it, masks are skipped (with the reason)."""
    inst = inst.with_columns(skip_reason=geometry.skip_reason(inst, read_masks=masks is not None),
                             code=pl.col("class").cast(pl.Categorical).to_physical())  # few classes: cheap codes
    overlapping, unread = pairs.overlapping(inst, MaskScorer(masks))
    if unread:  # a mask that could not be read is skipped, with why
        reasons = pl.DataFrame({"idx": list(unread), "unread": list(unread.values())},
                               schema={"idx": pl.Int64, "unread": pl.String})
        inst = inst.join(reasons, on="idx", how="left", maintain_order="left").with_columns(
            skip_reason=pl.coalesce("skip_reason", "unread")).drop("unread")
    g, p, iou = pairs.arrays(overlapping)
    same = overlapping["same_class"].to_numpy()
    taken = np.flatnonzero(same)[matching.greedy(g[same], p[same], iou[same])]
    detection_labels = inst.filter((pl.col("source") == "label") & pl.col("skip_reason").is_null()
                                   & pl.col("geometry_kind").is_in(DETECTION_KINDS))
    return BucketResult(
        pairings=_pairings(inst, g[taken], p[taken], iou[taken]),
        detections=_detections(inst, g[same], p[same], iou[same]),
        label_counts=detection_labels.group_by("split", "class").len("labels"),
        confusion=_confusion(inst, g, p, iou, sorted(thresholds)),
    )
