"""COCO's 101-point average precision from matched detections (``COCOeval.accumulate``).

Detections of a class are ranked by confidence over all images (ties: image order, then the order
within the image), true and false positives are summed along that ranking, precision is made
monotone from the right and read at 101 recall points; a class without labels has no AP.
"""

from __future__ import annotations

import numpy as np
import polars as pl

COCO_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def precision_at_recall(tp: np.ndarray, labels: int) -> np.ndarray:
    """101 interpolated precisions for detections already in rank order (tp: bool per detection)."""
    q = np.zeros(RECALL_POINTS.size)
    if tp.size == 0:
        return q
    tps = np.cumsum(tp, dtype=np.float64)
    fps = np.cumsum(~tp, dtype=np.float64)
    recall = tps / labels
    precision = tps / (fps + tps + np.spacing(1))
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    ok = idx < tp.size
    q[ok] = precision[idx[ok]]
    return q


def class_curves(detections: pl.DataFrame, label_counts: dict[str, int]) -> dict[str, np.ndarray]:
    """Per class: precision at the 101 recall points for each COCO threshold (shape 10 x 101).

    ``detections``: class, the image (data_row_id, dicom_group, frame), rank within it, confidence and
    one boolean column ``tp<i>`` per COCO threshold; only classes with labels get a curve."""
    curves: dict[str, np.ndarray] = {}
    by_class = detections.partition_by("class", as_dict=True)
    for cls, n in sorted(label_counts.items()):
        if n == 0:
            continue
        d = by_class.get((cls,), detections.clear()).sort(
            "confidence", "data_row_id", "dicom_group", "frame", "rank", descending=[True, False, False, False, False])
        curves[cls] = np.stack([precision_at_recall(d[f"tp{i}"].to_numpy(), n) for i in range(COCO_THRESHOLDS.size)])
    return curves


def summary(curves: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    """(AP@0.5, AP@0.75, AP@[0.5:0.95]) per class and for '(all)' (the mean over classes, as COCO's mAP)."""
    out = {cls: (float(c[0].mean()), float(c[5].mean()), float(c.mean())) for cls, c in curves.items()}
    if curves:
        stacked = np.stack(list(curves.values()))
        out["(all)"] = (float(stacked[:, 0].mean()), float(stacked[:, 5].mean()), float(stacked.mean()))
    return out
