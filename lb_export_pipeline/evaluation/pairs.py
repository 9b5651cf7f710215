"""Candidate label-prediction pairs and their IoU; only pairs that overlap (IoU > 0) come out.

Every label is paired with every prediction of its scope (data row, view, frame) and geometry kind,
of any class: the same-class pairs feed Labelbox's matching and COCO's, all of them the confusion.
The candidates are enumerated by the native core (``_native.overlapping_pairs``) from the labels and
predictions sorted by (scope, kind): it computes box IoU as it goes and keeps only the boxes that
overlap (most candidates do not), so memory follows the pairs kept, however crowded a scope is;
spans and shapes are computed in numpy/shapely on their pairs.
Every later step (greedy matching, COCO ranks, confusion) only needs pairs with IoU > 0, since every
threshold is above 0.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .. import _native
from . import geometry
from .masks import MaskScorer

_KINDS = 16  # scope and geometry kind folded into one key: scope * _KINDS + kind


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
    g_bytes, p_bytes, iou_bytes = _native.overlapping_pairs(
        np.concatenate([labels, key[labels]]).astype(np.int64).tobytes(),
        np.concatenate([preds, key[preds]]).astype(np.int64).tobytes(), kind.astype(np.int64).tobytes(),
        geometry.BOX, np.concatenate([edges[e] for e in geometry.EDGES]).astype(np.float64).tobytes())
    gi, pi = np.frombuffer(g_bytes, np.int64), np.frombuffer(p_bytes, np.int64)
    iou = np.frombuffer(iou_bytes, np.float64).copy()  # the other kinds' IoU is filled in below
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


def arrays(pairs: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g, p, iou) as numpy arrays."""
    return pairs["g"].to_numpy(), pairs["p"].to_numpy(), pairs["iou"].to_numpy()
