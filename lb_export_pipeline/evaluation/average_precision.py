"""COCO's 101-point average precision from matched detections (``COCOeval.accumulate``).

Detections of a class are ranked by confidence over all images (ties: image order, then the order
within the image), true and false positives are summed along that ranking, precision is made
monotone from the right and read at 101 recall points; a class without labels has no AP.

The ranking arrives in chunks, already in order (``Ranking.add``), so memory does not grow with the
run: the first position where recall reaches a recall point is found as the chunk passes, and the
precision read there is the largest precision from that position on (this chunk's and every later
one's). The values are those of the whole-array computation, operation for operation.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from .schemas import ALL

COCO_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
_BITS = np.arange(COCO_THRESHOLDS.size, dtype=np.uint16)
RANK_ORDER = ("class", "confidence DESC", "data_row_id", "dicom_group", "frame", "rank")


class Ranking:
    """One class's precision at the 101 recall points for each COCO threshold (``curve``: 10 x 101)."""

    def __init__(self, labels: int) -> None:
        self.labels = labels
        self.tps = np.zeros(COCO_THRESHOLDS.size)
        self.fps = np.zeros(COCO_THRESHOLDS.size)
        self.reached = np.zeros(COCO_THRESHOLDS.size, dtype=np.int64)  # recall points reached so far
        self.curve = np.zeros((COCO_THRESHOLDS.size, RECALL_POINTS.size))

    def add(self, tp: np.ndarray) -> None:
        """The next detections in rank order: ``tp`` (thresholds x detections) says which matched."""
        if tp.shape[1] == 0:
            return
        tps = self.tps[:, None] + np.cumsum(tp, axis=1).astype(np.float64)  # whole numbers: exact
        fps = self.fps[:, None] + (np.arange(1, tp.shape[1] + 1) - tps + self.tps[:, None])
        precision = tps / (fps + tps + np.spacing(1))
        recall = tps / self.labels
        best_after = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
        for t in range(COCO_THRESHOLDS.size):
            k = self.reached[t]
            self.curve[t, :k] = np.maximum(self.curve[t, :k], best_after[t, 0])
            at = np.searchsorted(recall[t], RECALL_POINTS[k:], side="left")
            at = at[at < tp.shape[1]]
            self.curve[t, k:k + at.size] = best_after[t, at]
            self.reached[t] = k + at.size
        self.tps, self.fps = tps[:, -1], fps[:, -1]


def matched_bits(matched: np.ndarray) -> np.ndarray:
    """Whether each detection matched at each COCO threshold (thresholds x detections), as one
    uint16 per detection (bit i: threshold i)."""
    bits: np.ndarray = (matched.astype(np.uint16) << _BITS[:, None]).sum(axis=0, dtype=np.uint16)
    return bits


def curves(ranked: Iterable[pl.DataFrame], label_counts: pl.DataFrame) -> dict[str, dict[str, np.ndarray]]:
    """Per split (and ALL) and class with labels: the curve. ``ranked``: detections in ``RANK_ORDER``
    (columns class, split and ``matched``, see ``matched_bits``), in chunks; ``label_counts``: split,
    class, labels."""
    totals = label_counts.group_by("split", "class").agg(pl.col("labels").sum())
    rankings: dict[tuple[str, str], Ranking] = {}
    for split, cls, n in [*totals.iter_rows(), *totals.group_by("class").agg(pl.col("labels").sum())
                          .select(split=pl.lit(ALL), cls="class", n="labels").iter_rows()]:
        if n > 0:
            rankings[(split, cls)] = Ranking(n)
    for chunk in ranked:
        for (cls,), of_class in chunk.partition_by("class", as_dict=True, maintain_order=True).items():
            _add(rankings.get((ALL, cls)), of_class)
            for (split,), of_split in of_class.partition_by("split", as_dict=True, maintain_order=True).items():
                _add(rankings.get((split, cls)), of_split)
    out: dict[str, dict[str, np.ndarray]] = {}
    for (split, cls), ranking in sorted(rankings.items()):
        out.setdefault(split, {})[cls] = ranking.curve
    return out


def _add(ranking: Ranking | None, detections: pl.DataFrame) -> None:
    if ranking is not None:
        bits = detections["matched"].to_numpy()
        ranking.add((bits[None, :] >> _BITS[:, None]) & 1 == 1)


def summary(curves: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    """(AP@0.5, AP@0.75, AP@[0.5:0.95]) per class and for '(all)' (the mean over classes, as COCO's mAP)."""
    out = {cls: (float(c[0].mean()), float(c[5].mean()), float(c.mean())) for cls, c in curves.items()}
    if curves:
        stacked = np.stack(list(curves.values()))
        out["(all)"] = (float(stacked[:, 0].mean()), float(stacked[:, 5].mean()), float(stacked.mean()))
    return out
