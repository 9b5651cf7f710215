"""Average precision equals pycocotools' COCOeval on the same boxes and polygons."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from lb_export_pipeline.evaluation import load
from lb_export_pipeline.query import connect


def _polygon(points: list[dict[str, float]]) -> Any:
    poly = shapely.Polygon([(round(p["x"], 6), round(p["y"], 6)) for p in points])
    return poly if poly.is_valid else poly.buffer(0)


class _ExactPolygons(COCOeval):  # type: ignore[misc]
    """COCOeval with polygon IoU computed exactly (pycocotools would rasterise polygons to pixels);
    boxes keep pycocotools' own IoU."""

    polygon_categories: set[int] = set()

    def computeIoU(self, imgId: int, catId: int) -> Any:
        if catId not in self.polygon_categories:
            return super().computeIoU(imgId, catId)
        gt, dt = self._gts[imgId, catId], self._dts[imgId, catId]
        if not gt or not dt:
            return []
        dt = [dt[i] for i in np.argsort([-d["score"] for d in dt], kind="mergesort")][: self.params.maxDets[-1]]
        ious = np.zeros((len(dt), len(gt)))
        for i, d in enumerate(dt):
            for j, g in enumerate(gt):
                a, b = d["shape"], g["shape"]
                if a.intersects(b):
                    ious[i, j] = a.intersection(b).area / a.union(b).area
        return ious


def _coco(inst: pl.DataFrame, source: str, categories: dict[str, int]) -> COCO:
    annotations = []
    for r in inst.filter(pl.col("source") == source).iter_rows(named=True):
        if r["geometry_kind"] == "bounding_box":
            bbox = [r["bbox_left"], r["bbox_top"], r["bbox_width"], r["bbox_height"]]
            shape, area = None, r["bbox_width"] * r["bbox_height"]
        else:
            shape = _polygon(r["points"])
            x0, y0, x1, y1 = shape.bounds
            bbox, area = [x0, y0, x1 - x0, y1 - y0], shape.area
        annotations.append({"id": len(annotations) + 1, "image_id": r["scope"], "category_id": categories[r["class"]],
                            "bbox": bbox, "area": area, "iscrowd": 0, "score": r["confidence"] or 0.0,
                            "shape": shape})
    coco = COCO()
    coco.dataset = {"images": [{"id": int(i)} for i in sorted(set(inst["scope"]))],
                    "categories": [{"id": i, "name": n} for n, i in categories.items()],
                    "annotations": annotations}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def test_average_precision_equals_pycocotools(every_kind_run: tuple[Path, str], image_run: tuple[Path, str]) -> None:
    checked = 0
    for tables, run in (every_kind_run, image_run):
        inst = load.instances(connect(tables), run, 0, 1).filter(
            pl.col("geometry_kind").is_in(["bounding_box", "polygon"]))
        categories = {n: i + 1 for i, n in enumerate(sorted(set(inst["class"])))}
        evaluator = _ExactPolygons(_coco(inst, "label", categories), _coco(inst, "prediction", categories), "bbox")
        evaluator.polygon_categories = {categories[c] for c in
                                        set(inst.filter(pl.col("geometry_kind") == "polygon")["class"])}
        with contextlib.redirect_stdout(io.StringIO()):
            evaluator.evaluate()
            evaluator.accumulate()
        precision = evaluator.eval["precision"][:, :, :, 0, -1]  # IoU x recall x class, area all, 100 detections
        ours = {c: (a50, a75, a) for c, a50, a75, a in connect(tables).sql(f"""
            SELECT DISTINCT class, ap50, ap75, ap FROM evaluation_metrics
            WHERE model_run_id = '{run}' AND split = '(all)' AND ap IS NOT NULL""").fetchall()}
        theirs = {}
        for name, k in categories.items():
            p = precision[:, :, k - 1]
            if (p > -1).any():
                theirs[name] = (p[0].mean(), p[5].mean(), p.mean())
        theirs["(all)"] = (float(precision[0][precision[0] > -1].mean()), float(precision[5][precision[5] > -1].mean()),
                           float(precision[precision > -1].mean()))
        assert ours.keys() == theirs.keys()
        for name in theirs:
            assert np.allclose(ours[name], theirs[name], rtol=0, atol=1e-6), (name, ours[name], theirs[name])
        assert 0.2 < theirs["(all)"][0] < 0.95  # a real curve, neither empty nor perfect
        checked += len(theirs)
    assert checked >= 8
