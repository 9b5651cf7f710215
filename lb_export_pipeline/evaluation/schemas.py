"""The three evaluation tables, declared with the same ``TableSpec`` as the export tables.

They are Hive-partitioned by ``model_run_id`` like the others, so the same views, DDL and readers
apply. ``ALL`` stands for "every split" or "every class" in ``evaluation_metrics`` roll-up rows.
"""

from __future__ import annotations

import pyarrow as pa

from ..schema import Column, TableSpec

ALL = "(all)"
BACKGROUND = "background"


def _c(name: str, type_: pa.DataType, description: str) -> Column:
    return Column(name, type_, description)


_SCOPE = (
    _c("data_row_id", pa.string(), "Labelbox data row id"),
    _c("split", pa.string(), "the data row's split in the model run"),
    _c("dicom_group", pa.string(), "DICOM view; null otherwise"),
    _c("frame", pa.int64(), "video/DICOM frame the objects were compared in; null for still media"),
    _c("message_id", pa.string(), "conversational message of the span or message-scoped answer"),
)

OUTCOMES = pa.list_(pa.struct([("iou_threshold", pa.float64()), ("outcome", pa.string())]))

EVALUATION_MATCHES = TableSpec(
    name="evaluation_matches",
    description="One row per label-prediction pairing (Labelbox's greedy IoU matching), per label left unpaired "
                "and per prediction left unpaired, with the outcome at each IoU threshold; classification answers "
                "likewise (one outcome, null threshold); objects whose geometry is not evaluated are rows with "
                "pairing 'skipped'.",
    key=("data_row_id", "dicom_group", "frame", "message_id", "class", "label_feature_id", "prediction_feature_id"),
    columns=(
        *_SCOPE,
        _c("class", pa.string(), "feature name (objects) or question name (classifications)"),
        _c("geometry_kind", pa.string(), "bounding_box, polygon, line, point, text_span, conversational_span, "
           "geojson, mask, ...; radio, checklist or text for classifications"),
        _c("answer", pa.string(), "classifications: answer name, or the free text"),
        _c("label_feature_id", pa.string(), "the label's object (track) or answer feature id"),
        _c("prediction_feature_id", pa.string(), "the prediction's object (track) or answer feature id"),
        _c("pairing", pa.string(), "pair, label (unpaired label), prediction (unpaired prediction), or skipped"),
        _c("iou", pa.float64(), "IoU of the pair (Labelbox's rule per geometry kind); null when unpaired"),
        _c("confidence", pa.float64(), "the prediction's confidence"),
        _c("outcomes", OUTCOMES, "per IoU threshold: tp (a pair with iou > threshold), fn+fp (a pair under it: a "
           "missed label and a false prediction), fn (unpaired label), fp (unpaired prediction); one entry with a "
           "null threshold for classification answers; empty when skipped"),
        _c("skip_reason", pa.string(), "why an object was not evaluated"),
    ),
)

EVALUATION_METRICS = TableSpec(
    name="evaluation_metrics",
    description="One row per split (and '(all)') x class (and '(all)') x IoU threshold: counts, precision, recall, "
                "F1, mean IoU of the true positives and COCO average precision (detection classes).",
    key=("kind", "split", "class", "iou_threshold"),
    columns=(
        _c("kind", pa.string(), "'object' or 'classification'"),
        _c("split", pa.string(), "split, or '(all)'"),
        _c("class", pa.string(), "feature name, question name, or '(all)'"),
        _c("iou_threshold", pa.float64(), "IoU threshold (tp when iou > threshold); null for classifications"),
        _c("labels", pa.int64(), "evaluated label objects or answers (= tp + fn)"),
        _c("predictions", pa.int64(), "evaluated predictions (= tp + fp)"),
        _c("tp", pa.int64(), "true positives"),
        _c("fp", pa.int64(), "false positives"),
        _c("fn", pa.int64(), "false negatives"),
        _c("skipped_labels", pa.int64(), "label objects whose geometry is not evaluated"),
        _c("skipped_predictions", pa.int64(), "predicted objects whose geometry is not evaluated"),
        _c("precision", pa.float64(), "tp / (tp + fp); null without predictions"),
        _c("recall", pa.float64(), "tp / (tp + fn); null without labels"),
        _c("f1", pa.float64(), "harmonic mean of precision and recall"),
        _c("mean_iou", pa.float64(), "mean IoU of the true positives"),
        _c("ap50", pa.float64(), "COCO 101-point average precision at IoU >= 0.5 (boxes, polygons); '(all)' "
           "classes: the mean over classes with labels"),
        _c("ap75", pa.float64(), "COCO average precision at IoU >= 0.75"),
        _c("ap", pa.float64(), "COCO average precision averaged over IoU 0.5:0.95"),
    ),
)

EVALUATION_CONFUSION = TableSpec(
    name="evaluation_confusion",
    description="Per split (and '(all)') and IoU threshold: label objects of one class paired with a prediction "
                "of another (the greedy IoU matching, across classes of one geometry kind, iou > threshold); "
                "'background' for labels left unpaired and for predictions left unpaired. Rows sum to the labels, "
                "columns to the predictions.",
    key=("split", "iou_threshold", "label_class", "predicted_class"),
    columns=(
        _c("split", pa.string(), "split, or '(all)'"),
        _c("iou_threshold", pa.float64(), "IoU threshold"),
        _c("label_class", pa.string(), "the label's class, or 'background'"),
        _c("predicted_class", pa.string(), "the paired prediction's class, or 'background'"),
        _c("count", pa.int64(), "objects"),
    ),
)

EVALUATION_TABLES: dict[str, TableSpec] = {
    t.name: t for t in (EVALUATION_MATCHES, EVALUATION_METRICS, EVALUATION_CONFUSION)
}
