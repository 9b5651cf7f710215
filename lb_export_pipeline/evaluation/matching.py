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


def _first_of(keys: Ints, size: int) -> Ints:
    """Per key, the first position where it occurs (``size``: one past the largest key)."""
    first = np.full(size, keys.size, dtype=np.int64)
    np.minimum.at(first, keys, np.arange(keys.size, dtype=np.int64))
    return first


def greedy(g: Ints, p: Ints, iou: npt.NDArray[np.float64]) -> Ints:
    """Labelbox's greedy matching of same-class pairs with iou > 0: the positions of the pairs taken.
    Ties in IoU go to the lower label, then the lower prediction (the SDK's list order)."""
    order = np.lexsort((p, g, -iou))
    g, p = g[order], p[order]
    size = int(max(g.max(), p.max())) + 1 if order.size else 0
    used_g, used_p = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    alive = np.arange(order.size)
    taken: list[Ints] = []
    while alive.size:
        ga, pa = g[alive], p[alive]
        at = np.arange(alive.size)
        win = (_first_of(ga, size)[ga] == at) & (_first_of(pa, size)[pa] == at)
        taken.append(alive[win])
        used_g[ga[win]], used_p[pa[win]] = True, True
        alive = alive[~used_g[ga] & ~used_p[pa]]
    return order[np.concatenate(taken)] if taken else np.empty(0, np.int64)


def coco_ranks(inst: pl.DataFrame) -> pl.DataFrame:
    """Each prediction's rank within its (scope, class) by confidence, highest first, ties in
    instance order (COCO's stable sort); columns idx, rank. ``code`` is the class as an integer.
    Ranks from COCO_MAX_DETS on are not evaluated."""
    preds = inst.filter(pl.col("source") == "prediction")
    idx = preds["idx"].to_numpy()
    scope, code = preds["scope"].to_numpy(), preds["code"].to_numpy()
    order = np.lexsort((idx, -preds["confidence"].fill_null(0.0).to_numpy(), code, scope))
    scope, code = scope[order], code[order]
    first = np.r_[True, (scope[1:] != scope[:-1]) | (code[1:] != code[:-1])]
    starts = np.flatnonzero(first)
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    return pl.DataFrame({"idx": idx[order], "rank": rank.astype(np.int64)})


def coco_match(n: int, g: Ints, p: Ints, iou: npt.NDArray[np.float64], rank: Ints,
               thresholds: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """COCO's matching over same-class pairs at each threshold: whether each prediction instance
    matched a label (shape thresholds x n). ``rank`` is the prediction's rank, indexed by instance
    (-1 for labels and unranked predictions).

    All thresholds run at once: the pairs are repeated per threshold, with the threshold's number
    folded into the instance numbers so that a label matched at one threshold stays free at another.
    The pairs are sorted once, by (rank, prediction, IoU descending, label descending): in round k
    (the k-th detection of every image and class, at every threshold), a prediction takes the first
    of its pairs whose label is still free."""
    r = rank[p]
    keep = (r >= 0) & (r < COCO_MAX_DETS)
    g, p, iou, r = g[keep], p[keep], iou[keep], r[keep]
    order = np.lexsort((-g, -iou, p, r))
    g, p, iou, r = g[order], p[order], iou[order], r[order]
    at = [np.flatnonzero(iou >= min(t, 1 - 1e-10)) for t in thresholds]
    level = np.repeat(np.arange(len(thresholds), dtype=np.int64), [a.size for a in at])
    rows = np.concatenate(at)
    g, p, r = g[rows] + level * n, p[rows] + level * n, r[rows].astype(np.int16)
    by_rank = np.argsort(r, kind="stable")  # keeps (threshold, prediction, best first) within a rank
    g, p, r = g[by_rank], p[by_rank], r[by_rank]
    bounds = np.searchsorted(r, np.arange(int(r.max()) + 2 if r.size else 1))
    matched_label = np.zeros(n * len(thresholds), dtype=bool)
    matched = np.zeros(n * len(thresholds), dtype=bool)
    for k in range(len(bounds) - 1):
        gk, pk = g[bounds[k]:bounds[k + 1]], p[bounds[k]:bounds[k + 1]]
        free = ~matched_label[gk]
        gk, pk = gk[free], pk[free]
        if pk.size == 0:
            continue
        first = np.r_[True, pk[1:] != pk[:-1]]  # each prediction's best free label
        matched[pk[first]] = True
        matched_label[gk[first]] = True
    return matched.reshape(len(thresholds), n)
