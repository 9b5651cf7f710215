"""Per data row (and frame) and class, tp/fp/fn and mean IoU equal the official SDK's metrics."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from labelbox.data.annotation_types import (
    Checklist,
    ClassificationAnnotation,
    ClassificationAnswer,
    ConversationEntity,
    Line,
    ObjectAnnotation,
    Point,
    Polygon,
    Radio,
    Rectangle,
    TextEntity,
)
from labelbox.data.metrics import feature_confusion_matrix_metric, feature_miou_metric

from lb_export_pipeline.evaluation import load
from lb_export_pipeline.evaluation.geometry import skip_reason
from lb_export_pipeline.evaluation.queries import COUNTS_AT_SQL, LABELBOX_MIOU_SQL
from lb_export_pipeline.query import connect

Scope = tuple[str, str, int]


def _value(r: dict[str, Any]) -> Any:
    kind = r["geometry_kind"]
    if kind == "bounding_box":
        return Rectangle(start=Point(x=r["bbox_left"], y=r["bbox_top"]),
                         end=Point(x=r["bbox_left"] + r["bbox_width"], y=r["bbox_top"] + r["bbox_height"]))
    if kind == "polygon":
        return Polygon(points=[Point(x=p["x"], y=p["y"]) for p in r["points"]])
    if kind == "line":
        return Line(points=[Point(x=p["x"], y=p["y"]) for p in r["points"]])
    if kind == "point":
        return Point(x=r["point_x"], y=r["point_y"])
    if kind == "text_span":
        return TextEntity(start=r["text_start"], end=r["text_end"])
    if kind == "conversational_span":
        return ConversationEntity(start=r["text_start"], end=r["text_end"], message_id=r["message_id"])
    if kind == "geojson":
        import json
        ring = json.loads(r["geojson"])["coordinates"][0]
        return Polygon(points=[Point(x=x, y=y) for x, y in ring])
    raise AssertionError(kind)


def _sdk_objects(tables: Path, run: str) -> dict[Scope, tuple[list[Any], list[Any]]]:
    inst = load.instances(connect(tables), run, 0, 1)
    inst = inst.filter(skip_reason(inst).is_null())
    by_scope: dict[Scope, tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
    for r in inst.iter_rows(named=True):  # already in (scope, class, feature id) order
        side = by_scope[(r["data_row_id"], r["dicom_group"], r["frame"])][r["source"] == "prediction"]
        side.append(ObjectAnnotation(name=r["class"], value=_value(r)))
    return by_scope


def _ours(tables: Path, run: str, threshold: float) -> dict[tuple[Scope, str], list[int]]:
    rows = connect(tables).sql(COUNTS_AT_SQL.format(run=run, threshold=threshold)).fetchall()
    return {((d, g or "", f if f is not None else -1), c): [tp, fp, 0, fn] for d, g, f, c, tp, fp, fn in rows}


@pytest.mark.parametrize("threshold", [0.5, 0.75])
def test_object_counts_equal_the_sdk_confusion_matrix(every_kind_run: tuple[Path, str], threshold: float) -> None:
    tables, run = every_kind_run
    ours = _ours(tables, run, threshold)
    theirs = {}
    for scope, (labels, predictions) in _sdk_objects(tables, run).items():
        for metric in feature_confusion_matrix_metric(labels, predictions, iou=threshold):
            theirs[(scope, metric.feature_name)] = list(metric.value)
    kinds = {k for (_, k) in theirs}
    assert len(theirs) > 300 and len(kinds) > 15, (len(theirs), kinds)
    assert ours == theirs


def test_mean_iou_equals_the_sdk_within_1e_9(every_kind_run: tuple[Path, str]) -> None:
    tables, run = every_kind_run
    ours = {((d, g or "", f if f is not None else -1), c): v
            for d, g, f, c, v in connect(tables).sql(LABELBOX_MIOU_SQL.format(run=run)).fetchall()}
    theirs = {}
    for scope, (labels, predictions) in _sdk_objects(tables, run).items():
        for metric in feature_miou_metric(labels, predictions, include_subclasses=False):
            theirs[(scope, metric.feature_name)] = metric.value
    assert ours.keys() == theirs.keys()
    worst = max(abs(ours[k] - theirs[k]) for k in theirs)
    assert worst < 1e-9, worst
    assert 0.3 < sum(theirs.values()) / len(theirs) < 1  # real overlaps, not all zero or all one


def test_classification_answers_equal_the_sdk(every_kind_run: tuple[Path, str]) -> None:
    tables, run = every_kind_run
    con = connect(tables)
    answers = load.answers(con, run, 0, 1).filter(load.answers(con, run, 0, 1)["geometry_kind"] != "text")
    scopes: dict[tuple[str, str, int, str], tuple[dict[str, list[str]], dict[str, list[str]]]] = \
        defaultdict(lambda: (defaultdict(list), defaultdict(list)))
    kinds: dict[str, str] = {}
    for r in answers.iter_rows(named=True):
        key = (r["data_row_id"], r["dicom_group"], r["frame"], r["message_id"] or "")
        scopes[key][r["source"] == "prediction"][r["class"]].append(r["answer"])
        kinds[r["class"]] = r["geometry_kind"]

    def annotations(questions: dict[str, list[str]]) -> list[ClassificationAnnotation]:
        out = []
        for q, names in questions.items():
            if kinds[q] == "checklist":
                value: Any = Checklist(answer=[ClassificationAnswer(name=n) for n in names])
                out.append(ClassificationAnnotation(name=q, value=value))
            else:
                out += [ClassificationAnnotation(name=q, value=Radio(answer=ClassificationAnswer(name=n)))
                        for n in names]
        return out

    theirs = {}
    for key, (labels, predictions) in scopes.items():
        for metric in feature_confusion_matrix_metric(annotations(labels), annotations(predictions)):
            theirs[(key, metric.feature_name)] = list(metric.value)
    rows = con.sql(f"""
        SELECT data_row_id, dicom_group, frame, message_id, answer, count(*) FILTER (pairing = 'pair'),
               count(*) FILTER (pairing = 'prediction'), count(*) FILTER (pairing = 'label')
        FROM evaluation_matches WHERE model_run_id = '{run}' AND geometry_kind IN ('radio', 'checklist')
        GROUP BY ALL""").fetchall()
    ours = {((d, g or "", f if f is not None else -1, m or ""), a): [tp, fp, 0, fn]
            for d, g, f, m, a, tp, fp, fn in rows}
    assert len(theirs) > 300
    assert {k: ours[k] for k in theirs} == theirs  # the SDK skips an answer given twice on one side
    assert sum(v[0] for v in theirs.values()) > 100 and sum(v[1] for v in theirs.values()) > 10
