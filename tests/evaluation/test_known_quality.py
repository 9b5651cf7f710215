"""The emulator's predictions have a known fate per label object; the metrics must find exactly it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from lb_export_pipeline.emulator import predictions
from lb_export_pipeline.evaluation.geometry import EVALUATED
from lb_export_pipeline.query import connect


def _objects(tables: Path, run: str) -> pl.DataFrame:
    return pl.from_arrow(connect(tables).sql(f"""
        SELECT o.*, o.label_id IN (SELECT label_id FROM labels p WHERE p.source = 'prediction'
                                   AND p.data_row_id = o.data_row_id AND p.model_run_id = o.model_run_id) AS predicted
        FROM objects o WHERE model_run_id = '{run}'""").to_arrow_table())  # type: ignore[return-value]


def _metrics(tables: Path, run: str, threshold: float) -> dict[str, tuple[int, int, int]]:
    rows = connect(tables).sql(f"""SELECT class, tp, fp, fn FROM evaluation_metrics WHERE model_run_id = '{run}'
        AND kind = 'object' AND split = '(all)' AND iou_threshold = {threshold}""").fetchall()
    return {c: (tp, fp, fn) for c, tp, fp, fn in rows if tp or fp or fn}


def _expected(objects: pl.DataFrame, threshold: float) -> dict[str, tuple[int, int, int]]:
    labels = objects.filter(pl.col("source") == "label")
    preds = objects.filter(pl.col("source") == "prediction")
    tp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    exact_or_shifted: Counter[str] = Counter()
    for o in labels.iter_rows(named=True):
        fate = predictions.fate_of(o["feature_id"]) if o["predicted"] else "missing"
        if fate in ("exact", "shifted"):
            exact_or_shifted[o["name"]] += 1
        if o["geometry_kind"] not in EVALUATED:
            continue
        short_span = o["geometry_kind"] == "text_span" and o["text_end"] - o["text_start"] < 4
        hit = fate == "exact" or (fate == "shifted" and (threshold < 0.6 or short_span))
        (tp if hit else fn)[o["name"]] += 1
        if fate == "shifted" and not hit:
            fp[o["name"]] += 1  # the moved prediction, below the threshold
        if fate == "relabelled":
            fp[o["name"] + "_other"] += 1
    # whatever else was predicted under a label's own class is the spurious copy
    per_class = Counter(preds.filter(pl.col("geometry_kind").is_in(EVALUATED))["name"].to_list())
    for name, n in per_class.items():
        if not name.endswith("_other"):
            fp[name] += n - exact_or_shifted[name]
    names = set(tp) | set(fp) | set(fn)
    out = {n: (tp[n], fp[n], fn[n]) for n in names if tp[n] or fp[n] or fn[n]}
    out["(all)"] = (sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return out


@pytest.mark.parametrize("threshold", [0.5, 0.55, 0.95])
def test_metrics_are_the_fates(image_run: tuple[Path, str], threshold: float) -> None:
    tables, run = image_run
    objects = _objects(tables, run)
    expected = _expected(objects, threshold)
    assert _metrics(tables, run, threshold) == expected
    fates = Counter(predictions.fate_of(f) for f in objects.filter(pl.col("source") == "label")["feature_id"])
    assert min(fates.values()) > 20, fates  # every fate occurs
    labels = objects.filter(pl.col("source") == "label", pl.col("predicted"))["label_id"].unique().to_list()
    spurious = sum(predictions.has_spurious(label) for label in labels)
    spurious_found = sum(fp for name, (_, fp, _) in _expected(objects, 0.5).items()
                         if not name.endswith("_other") and name != "(all)")
    assert spurious_found > 10 and spurious_found <= spurious  # (a spurious copy of a mask is skipped, not counted)


def test_shifted_boxes_and_points_have_the_designed_iou(image_run: tuple[Path, str]) -> None:
    tables, run = image_run
    con = connect(tables)
    rows = pl.from_arrow(con.sql(f"""
        SELECT m.geometry_kind, m.iou, o.bbox_width AS w, m.label_feature_id
        FROM evaluation_matches m JOIN objects o ON o.model_run_id = m.model_run_id
             AND o.feature_id = m.label_feature_id AND o.source = 'label'
        WHERE m.model_run_id = '{run}' AND m.pairing = 'pair' AND m.iou > 0.5
          AND m.geometry_kind IN ('bounding_box', 'point', 'polygon')""").to_arrow_table())
    assert isinstance(rows, pl.DataFrame)
    shifted = rows.filter(pl.col("label_feature_id").map_elements(
        lambda f: predictions.fate_of(f) == "shifted", return_dtype=pl.Boolean))
    boxes = shifted.filter(pl.col("geometry_kind") == "bounding_box")
    d = (boxes["w"] * predictions.BOX_SHIFT).round(0)  # integers: Python's and Polars' rounding agree here
    designed = (boxes["w"] - d) / (boxes["w"] + d)
    assert boxes.height > 20 and ((boxes["iou"] - designed).abs() < 1e-12).all()
    points = shifted.filter(pl.col("geometry_kind") == "point")["iou"]
    assert points.len() > 5 and (points - 0.6932).abs().max() < 5e-4  # two 70-px discs 20 px apart
    polygons = shifted.filter(pl.col("geometry_kind") == "polygon")["iou"]
    near = ((polygons - 1 / predictions.POLYGON_SCALE**2).abs() < 1e-6).mean()
    assert polygons.len() > 20 and near is not None and near > 0.9  # scaled about an inner point: 1/1.44


def test_confusion_is_the_fates(image_run: tuple[Path, str]) -> None:
    """At IoU > 0.5: a label's own class where the prediction is exact or shifted, '<class>_other' where
    it was relabelled, background where it is missing; spurious predictions are background labels."""
    tables, run = image_run
    objects = _objects(tables, run)
    expected: Counter[tuple[str, str]] = Counter()
    for o in objects.filter(pl.col("source") == "label", pl.col("geometry_kind").is_in(EVALUATED)).iter_rows(
            named=True):
        fate = predictions.fate_of(o["feature_id"]) if o["predicted"] else "missing"
        predicted = {"exact": o["name"], "shifted": o["name"], "relabelled": o["name"] + "_other"}.get(fate)
        expected[(o["name"], predicted or "background")] += 1
    for name, (_, fp, _) in _expected(objects, 0.5).items():
        if not name.endswith("_other") and name != "(all)" and fp:
            expected[("background", name)] += fp  # the spurious copies
    rows = connect(tables).sql(f"""SELECT label_class, predicted_class, count FROM evaluation_confusion
        WHERE model_run_id = '{run}' AND split = '(all)' AND iou_threshold = 0.5""").fetchall()
    assert {(lab, pred): n for lab, pred, n in rows} == dict(expected)
    assert expected[("box", "box_other")] > 3 and expected[("box", "background")] > 3
