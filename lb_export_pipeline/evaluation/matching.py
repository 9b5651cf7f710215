"""Pairing labels with predictions: every candidate pair, Labelbox's greedy matching, COCO's matching.

Labelbox (``object_pair_confusion_matrix``) sorts all pairs of a class by IoU, highest first, and
takes a pair when neither side is taken yet and ``iou > threshold``. Because the threshold only cuts
the sorted list short, the matching at any threshold is the threshold-free greedy matching restricted
to pairs above it: one matching serves every threshold. Greedy matching is computed in vectorised
rounds: a pair that comes first (in the sort order) for both its label and its prediction among the
pairs still free is exactly a pair greedy takes; take them all, drop their sides, repeat.

COCO (``COCOeval.evaluateImg``) walks detections by confidence, highest first, and gives each the
free label of highest IoU ``>= threshold``; here one round handles the k-th detection of every
(image, class) at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

Ints = npt.NDArray[np.int64]
COCO_MAX_DETS = 100


def candidate_pairs(inst: pl.DataFrame) -> pl.DataFrame:
    """Every (label, prediction) of one scope and geometry kind, any class: columns g, p, same_class."""
    keys = ["scope", "geometry_kind"]
    labels = inst.filter(pl.col("source") == "label").select(*keys, g="idx", g_class="class")
    preds = inst.filter(pl.col("source") == "prediction").select(*keys, p="idx", p_class="class")
    pairs = labels.join(preds, on=keys, how="inner")
    return pairs.select("g", "p", same_class=pl.col("g_class") == pl.col("p_class"))


def greedy(g: Ints, p: Ints, iou: npt.NDArray[np.float64]) -> Ints:
    """Labelbox's greedy matching of same-class pairs with iou > 0: the positions of the pairs taken.
    Ties in IoU go to the lower label, then the lower prediction (the SDK's list order)."""
    order = np.lexsort((p, g, -iou))
    df = pl.DataFrame({"g": g[order], "p": p[order], "at": order}).with_row_index("o")
    taken: list[pl.DataFrame] = []
    while df.height:
        first_g = df.group_by("g").agg(pl.col("o").min())["o"]
        first_p = df.group_by("p").agg(pl.col("o").min())["o"]
        win = df.filter(pl.col("o").is_in(first_g) & pl.col("o").is_in(first_p))
        taken.append(win)
        df = df.filter(~pl.col("g").is_in(win["g"]) & ~pl.col("p").is_in(win["p"]))
    if not taken:
        return np.empty(0, np.int64)
    return pl.concat(taken)["at"].to_numpy().astype(np.int64)


def coco_ranks(inst: pl.DataFrame) -> pl.DataFrame:
    """Each prediction's rank within its (scope, class) by confidence, highest first, ties in
    instance order (COCO's stable sort); ranks from COCO_MAX_DETS on are not evaluated."""
    preds = inst.filter(pl.col("source") == "prediction").select("idx", "scope", "class", "confidence")
    preds = preds.sort("scope", "class", pl.col("confidence").fill_null(0.0), "idx",
                       descending=[False, False, True, False])
    return preds.with_columns(rank=pl.int_range(pl.len()).over("scope", "class").cast(pl.Int64))


def coco_match(n: int, g: Ints, p: Ints, iou: npt.NDArray[np.float64], rank: Ints, threshold: float) -> Ints:
    """COCO's matching at one threshold over same-class pairs: for each prediction instance the label
    it matched, or -1. ``rank`` is the prediction's rank, indexed by instance (-1 for labels)."""
    keep = iou >= min(threshold, 1 - 1e-10)
    g, p, iou = g[keep], p[keep], iou[keep]
    r = rank[p]
    keep = (r >= 0) & (r < COCO_MAX_DETS)
    g, p, iou, r = g[keep], p[keep], iou[keep], r[keep]
    order = np.argsort(r, kind="stable")
    g, p, iou, r = g[order], p[order], iou[order], r[order]
    bounds = np.searchsorted(r, np.arange(int(r.max()) + 2 if r.size else 1))
    matched_label = np.zeros(n, dtype=bool)
    match = np.full(n, -1, dtype=np.int64)
    for k in range(len(bounds) - 1):
        sl = slice(bounds[k], bounds[k + 1])
        gk, pk, ik = g[sl], p[sl], iou[sl]
        free = ~matched_label[gk]
        gk, pk, ik = gk[free], pk[free], ik[free]
        if gk.size == 0:
            continue
        best = np.lexsort((gk, ik, pk))  # per prediction: highest IoU, then the later label (COCO's ties)
        last = np.r_[pk[best][1:] != pk[best][:-1], True]
        chosen_p, chosen_g = pk[best][last], gk[best][last]
        match[chosen_p] = chosen_g
        matched_label[chosen_g] = True
    return match
