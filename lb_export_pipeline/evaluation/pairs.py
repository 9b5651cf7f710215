"""Candidate label-prediction pairs and their IoU; only pairs that overlap (IoU > 0) come out.

Every label is paired with every prediction of its scope (data row, view, frame) and geometry kind,
of any class: the same-class pairs feed Labelbox's matching and COCO's, all of them the confusion.
Box IoU is a Polars expression evaluated on the join as it is built (most candidate boxes do not
overlap and are dropped at once); spans and shapes are computed in numpy/shapely on their pairs.
Every later step (greedy matching, COCO ranks, confusion) only needs pairs with IoU > 0, since every
threshold is above 0.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import geometry
from .masks import MaskScorer

_KINDS = 16  # scope and geometry kind folded into one join key: scope * _KINDS + kind


def overlapping(inst: pl.DataFrame, masks: MaskScorer) -> tuple[pl.DataFrame, dict[int, str]]:
    """Columns g, p (instance numbers), same_class, iou; one row per overlapping pair. ``inst`` has
    ``code``, the class as an integer (cheap to compare on every pair). Also the mask instances that
    could not be read, with why (``masks``)."""
    evaluated = inst.filter(pl.col("skip_reason").is_null())
    sides = evaluated.select(
        "idx", "source", "code", key=pl.col("scope") * _KINDS + pl.Series(geometry.kind_code(evaluated)),
        **{k: pl.Series(v) for k, v in geometry.box_edges(evaluated).items()})
    labels = sides.filter(pl.col("source") == "label").drop("source").lazy()
    preds = sides.filter(pl.col("source") == "prediction").drop("source").lazy()
    box = pl.col("key") % _KINDS == geometry.BOX
    pairs = (labels.join(preds, on="key", suffix="_p")
             .select(g="idx", p="idx_p", box=box, same_class=pl.col("code") == pl.col("code_p"),
                     iou=pl.when(box).then(geometry.box_iou("_p")))
             .filter(~pl.col("box") | (pl.col("iou") > 0))
             .collect(engine="streaming"))  # the candidates stream through the filter, never all in memory
    others = pairs.filter(~pl.col("box"))
    g, p = others["g"].to_numpy(), others["p"].to_numpy()
    iou = geometry.PairIoU(inst)(g, p)
    is_mask = geometry.kind_code(inst)[g] == geometry.KINDS.index(geometry.MASK)
    iou[is_mask], unread = masks.score(inst, g[is_mask], p[is_mask])
    others = others.with_columns(iou=pl.Series(iou, dtype=pl.Float64)).filter(pl.col("iou") > 0)
    pairs = pl.concat([pairs.filter(pl.col("box")), others])
    return pairs.select("g", "p", "same_class", "iou").with_columns(
        pl.col("g", "p").cast(pl.Int64), pl.col("iou").cast(pl.Float64)), unread


def arrays(pairs: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g, p, iou) as numpy arrays."""
    return pairs["g"].to_numpy(), pairs["p"].to_numpy(), pairs["iou"].to_numpy()
