"""Candidate label-prediction pairs and their IoU; only pairs that overlap (IoU > 0) come out.

Every label is paired with every prediction of its scope (data row, view, frame) and geometry kind,
of any class: the same-class pairs feed Labelbox's matching and COCO's, all of them the confusion.
The candidates are enumerated in numpy from the instances sorted by (scope, kind), a slice of labels
at a time so that memory stays bounded however crowded a scope is; box IoU is computed on each slice
and the boxes that do not overlap (most of them) are dropped at once; spans and shapes are computed
in numpy/shapely on their pairs.
Every later step (greedy matching, COCO ranks, confusion) only needs pairs with IoU > 0, since every
threshold is above 0.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import polars as pl

from . import geometry
from .masks import MaskScorer

_KINDS = 16  # scope and geometry kind folded into one key: scope * _KINDS + kind
_CANDIDATES = 1 << 21  # candidate pairs enumerated at once


def overlapping(inst: pl.DataFrame, masks: MaskScorer) -> tuple[pl.DataFrame, dict[int, str]]:
    """Columns g, p (instance numbers), same_class, iou; one row per overlapping pair. ``inst`` has
    ``code``, the class as an integer. Also the mask instances that could not be read, with why (``masks``)."""
    evaluated = inst.filter(pl.col("skip_reason").is_null())
    kind = geometry.kind_code(evaluated)
    key = evaluated["scope"].to_numpy() * _KINDS + kind
    idx, code = evaluated["idx"].to_numpy(), evaluated["code"].to_numpy()
    edges = geometry.box_edges(evaluated)
    label = (evaluated["source"] == "label").to_numpy()
    labels, preds = np.flatnonzero(label), np.flatnonzero(~label)
    labels, preds = labels[np.argsort(key[labels], kind="stable")], preds[np.argsort(key[preds], kind="stable")]
    first = np.searchsorted(key[preds], key[labels], "left")
    count = np.searchsorted(key[preds], key[labels], "right") - first  # predictions in each label's scope and kind
    g_parts, p_parts, iou_parts = [], [], []
    for rows in _slices(count):
        n = count[rows]
        gi = np.repeat(labels[rows], n)
        pi = preds[np.repeat(first[rows], n) + np.arange(gi.size) - np.repeat(np.cumsum(n) - n, n)]
        box = kind[gi] == geometry.BOX
        iou = np.full(gi.size, np.nan)
        iou[box] = geometry.box_iou(edges, gi[box], pi[box])
        keep = ~box | (iou > 0)
        g_parts.append(gi[keep])
        p_parts.append(pi[keep])
        iou_parts.append(iou[keep])
    gi = np.concatenate(g_parts) if g_parts else np.empty(0, np.int64)
    pi = np.concatenate(p_parts) if p_parts else np.empty(0, np.int64)
    iou = np.concatenate(iou_parts) if iou_parts else np.empty(0, np.float64)
    g, p = idx[gi], idx[pi]
    others = np.flatnonzero(kind[gi] != geometry.BOX)
    if others.size:
        iou[others] = geometry.PairIoU(inst)(g[others], p[others])
    is_mask = others[kind[gi[others]] == geometry.KINDS.index(geometry.MASK)]
    iou[is_mask], unread = masks.score(inst, g[is_mask], p[is_mask])
    keep = iou > 0
    return pl.DataFrame({"g": g[keep], "p": p[keep], "same_class": code[gi[keep]] == code[pi[keep]],
                         "iou": iou[keep]}, schema={"g": pl.Int64, "p": pl.Int64, "same_class": pl.Boolean,
                                                    "iou": pl.Float64}), unread


def _slices(count: npt.NDArray[np.int64]) -> list[slice]:
    """Consecutive ranges of labels with about _CANDIDATES candidate pairs each (a label's all in one)."""
    ends = np.searchsorted(np.cumsum(count), np.arange(_CANDIDATES, int(count.sum()), _CANDIDATES), "left") + 1
    bounds = [0, *sorted(set(int(e) for e in ends)), count.size]
    return [slice(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def arrays(pairs: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g, p, iou) as numpy arrays."""
    return pairs["g"].to_numpy(), pairs["p"].to_numpy(), pairs["iou"].to_numpy()
