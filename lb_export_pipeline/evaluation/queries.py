"""SQL over the evaluation tables that users (and the tests) run as they are."""

# Labelbox's per-feature mean IoU (the SDK's feature_miou_metric without subclasses), per data row,
# frame and class: the IoUs of the greedy pairs over max(labels, predictions).
LABELBOX_MIOU_SQL = """
WITH m AS (
    SELECT DISTINCT data_row_id, dicom_group, frame, class, label_feature_id, prediction_feature_id, iou
    FROM evaluation_matches
    WHERE model_run_id = '{run}' AND iou_threshold IS NOT NULL
)
SELECT data_row_id, dicom_group, frame, class,
       coalesce(sum(iou) FILTER (label_feature_id IS NOT NULL AND prediction_feature_id IS NOT NULL), 0)
       / greatest(count(DISTINCT label_feature_id), count(DISTINCT prediction_feature_id)) AS mean_iou
FROM m GROUP BY ALL
"""
