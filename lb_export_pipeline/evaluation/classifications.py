"""Agreement of classification answers, per question and answer, as Labelbox's confusion metric counts it.

The SDK (``classification_confusion_matrix``) splits a checklist into one feature per checked option
and keys radio answers by answer: an answer given by both label and prediction is a true positive,
by the prediction only a false positive, by the label only a false negative. Free text is keyed by
its content (the same text is a true positive). An answer given twice on one side (the SDK skips such
a feature) pairs as often as both sides have it. Answers nested under objects are not evaluated.
"""

from __future__ import annotations

import polars as pl

_KEY = ("data_row_id", "split", "dicom_group", "frame", "message_id", "class", "answer")


def evaluate_answers(answers: pl.DataFrame) -> pl.DataFrame:
    """evaluation_matches rows for classification answers: pairing pair (tp), label (fn) or prediction (fp)."""
    ranked = answers.with_columns(message_id=pl.col("message_id").fill_null("")).sort(
        *_KEY, "answer_feature_id").with_columns(n=pl.int_range(pl.len()).over(*_KEY, "source"))
    labels = ranked.filter(pl.col("source") == "label").select(
        *_KEY, "n", label_kind="geometry_kind", label_feature_id="answer_feature_id")
    preds = ranked.filter(pl.col("source") == "prediction").select(
        *_KEY, "n", pred_kind="geometry_kind", prediction_feature_id="answer_feature_id", confidence="confidence")
    both = labels.join(preds, on=[*_KEY, "n"], how="full", coalesce=True)
    return both.select(
        "data_row_id", "split", "dicom_group", "frame", pl.col("message_id").replace("", None), "class",
        geometry_kind=pl.coalesce("label_kind", "pred_kind"), answer="answer",
        label_feature_id="label_feature_id", prediction_feature_id="prediction_feature_id",
        pairing=pl.when(pl.col("label_feature_id").is_null()).then(pl.lit("prediction"))
        .when(pl.col("prediction_feature_id").is_null()).then(pl.lit("label")).otherwise(pl.lit("pair")),
        iou=pl.lit(None, pl.Float64), confidence="confidence", skip_reason=pl.lit(None, pl.String),
    ).with_columns(outcomes=pl.concat_list(pl.struct(
        iou_threshold=pl.lit(None, pl.Float64),
        outcome=pl.col("pairing").replace_strict({"pair": "tp", "label": "fn", "prediction": "fp"}))))
