"""PNG pictures of an evaluation: per-class precision-recall curves and the confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.figure import Figure  # files only: no pyplot, no display backend (and half the import time)

from .average_precision import RECALL_POINTS
from .schemas import ALL, BACKGROUND

PR_CURVES = "pr_curves.png"
CONFUSION = "confusion_matrix.png"


def pr_curves(curves: dict[str, np.ndarray], path: Path) -> None:
    """Precision against recall at IoU 0.5 (COCO's interpolated curve), one line per class."""
    fig = Figure(figsize=(7, 5), dpi=100)
    ax = fig.subplots()
    for cls, c in curves.items():
        ax.plot(RECALL_POINTS, c[0], label=f"{cls} (AP50 {c[0].mean():.2f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title="Precision-recall at IoU 0.5")
    if curves:
        ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.1, top=0.93)  # fixed margins: tight_layout costs seconds
    fig.savefig(path)


def confusion_matrix(confusion: pl.DataFrame, threshold: float, path: Path) -> None:
    """Label class (rows) against best-overlapping predicted class (columns), all splits."""
    c = confusion.filter((pl.col("split") == ALL) & ((pl.col("iou_threshold") - threshold).abs() < 1e-9))
    names = [*sorted((set(c["label_class"]) | set(c["predicted_class"])) - {BACKGROUND}), BACKGROUND]
    pos = {n: i for i, n in enumerate(names)}
    m = np.zeros((len(names), len(names)), dtype=np.int64)
    for lab, pred, n in c.select("label_class", "predicted_class", "count").iter_rows():
        m[pos[lab], pos[pred]] += n
    size = max(5.0, 0.45 * len(names) + 2)
    fig = Figure(figsize=(size, size), dpi=100)
    ax = fig.subplots()
    ax.imshow(np.log1p(m), cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    for i, j in zip(*np.nonzero(m), strict=True):
        ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7)
    ax.set(xlabel="predicted class", ylabel="label class", title=f"Confusion at IoU > {threshold:g}")
    fig.subplots_adjust(left=0.25, right=0.98, bottom=0.25, top=0.95)
    fig.savefig(path)
