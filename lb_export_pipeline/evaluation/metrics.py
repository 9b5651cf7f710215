"""evaluation_metrics rows: counts per split x class x threshold, rolled up to '(all)', with ratios and AP."""

from __future__ import annotations

import polars as pl

from .objects import passed
from .schemas import ALL, EVALUATION_METRICS

COUNT_KEY = ("kind", "split", "class", "iou_threshold")


def counts(pairings: pl.DataFrame, thresholds: list[float | None], kind: str) -> pl.DataFrame:
    """Partial sums of one bucket's pairings at each threshold (None: no threshold, as for
    classification answers, and the skipped objects), to be added across buckets.

    The pairings are first summed per (split, class, pairing, thresholds passed); each threshold's
    counts are then sums over those few groups."""
    ts = sorted(t for t in thresholds if t is not None)
    pairing = pl.col("pairing")
    grouped = pairings.with_columns(passed=pl.when(pairing == "pair").then(passed(pairings["iou"], ts)).otherwise(0)
                                    ).group_by("split", "class", "pairing", "passed").agg(
        n=pl.len(), iou_sum=pl.col("iou").sum(), labels=pl.col("label_feature_id").is_not_null().sum(),
        predictions=pl.col("prediction_feature_id").is_not_null().sum())
    n, skipped = pl.col("n"), pairing == "skipped"
    out = []
    for t in thresholds:
        hit = (pairing == "pair") & ((pl.col("passed") > ts.index(t)) if t is not None else pl.lit(True))
        miss = (pairing == "pair") & ~hit
        out.append(grouped.group_by("split", "class").agg(
            tp=n.filter(hit).sum(), fp=n.filter(miss | (pairing == "prediction")).sum(),
            fn=n.filter(miss | (pairing == "label")).sum(),
            skipped_labels=pl.col("labels").filter(skipped).sum(),
            skipped_predictions=pl.col("predictions").filter(skipped).sum(),
            iou_sum=pl.col("iou_sum").filter(hit).sum(),
        ).with_columns(kind=pl.lit(kind), iou_threshold=pl.lit(t, pl.Float64)))
    return pl.concat(out)


def rows(parts: list[pl.DataFrame], ap: dict[tuple[str, str], tuple[float, float, float]]) -> pl.DataFrame:
    """Sum the bucket counts, add the '(all)' roll-ups, derive the ratios; ``ap`` maps (split, class)."""
    total = pl.concat(parts).group_by(*COUNT_KEY).agg(pl.exclude(*COUNT_KEY).sum())
    skipped = total.filter(pl.col("iou_threshold").is_null() & (pl.col("kind") == "object")).select(
        "kind", "split", "class", "skipped_labels", "skipped_predictions")
    scored = total.filter(pl.col("iou_threshold").is_not_null() | (pl.col("kind") == "classification")).drop(
        "skipped_labels", "skipped_predictions")
    scored = scored.join(skipped, on=["kind", "split", "class"], how="full", coalesce=True)
    # a class whose objects are all skipped still gets a row per threshold
    thresholds = scored.filter(pl.col("kind") == "object")["iou_threshold"].drop_nulls().unique()
    only_skipped = scored.filter((pl.col("kind") == "object") & pl.col("iou_threshold").is_null())
    if only_skipped.height and thresholds.len():
        filled = only_skipped.drop("iou_threshold").join(pl.DataFrame({"iou_threshold": thresholds}), how="cross")
        scored = pl.concat([scored.filter(~((pl.col("kind") == "object") & pl.col("iou_threshold").is_null())),
                            filled.select(scored.columns)])
    scored = scored.fill_null(strategy="zero").with_columns(
        iou_threshold=pl.when(pl.col("kind") == "object").then("iou_threshold"))
    sums = pl.exclude(*COUNT_KEY).sum()
    rolled = pl.concat([
        scored,
        scored.group_by("kind", "class", "iou_threshold").agg(sums).with_columns(split=pl.lit(ALL)),
        scored.group_by("kind", "split", "iou_threshold").agg(sums).with_columns(**{"class": pl.lit(ALL)}),
        scored.group_by("kind", "iou_threshold").agg(sums).with_columns(split=pl.lit(ALL), **{"class": pl.lit(ALL)}),
    ], how="diagonal")
    tp, fp, fn = pl.col("tp"), pl.col("fp"), pl.col("fn")
    out = rolled.with_columns(
        labels=tp + fn, predictions=tp + fp,
        precision=pl.when(tp + fp > 0).then(tp / (tp + fp)),
        recall=pl.when(tp + fn > 0).then(tp / (tp + fn)),
        f1=pl.when(2 * tp + fp + fn > 0).then(2 * tp / (2 * tp + fp + fn)),
        mean_iou=pl.when((tp > 0) & (pl.col("kind") == "object")).then(pl.col("iou_sum") / tp),
    )
    ap_frame = pl.DataFrame([(s, c, *v) for (s, c), v in ap.items()],
                            schema={"split": pl.String, "class": pl.String, "ap50": pl.Float64,
                                    "ap75": pl.Float64, "ap": pl.Float64}, orient="row")
    out = out.join(ap_frame.with_columns(kind=pl.lit("object")), on=["kind", "split", "class"], how="left")
    return out.select(EVALUATION_METRICS.column_names).sort("kind", "split", "class", "iou_threshold")
