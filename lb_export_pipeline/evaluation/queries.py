"""SQL over the evaluation tables that users (and the tests) run as they are."""

# Labelbox's per-feature mean IoU (the SDK's feature_miou_metric without subclasses), per data row,
# frame and class: the IoUs of the greedy pairs over max(labels, predictions).
LABELBOX_MIOU_SQL = """
SELECT data_row_id, dicom_group, frame, class,
       coalesce(sum(iou) FILTER (pairing = 'pair'), 0)
       / greatest(count(label_feature_id), count(prediction_feature_id)) AS mean_iou
FROM evaluation_matches
WHERE model_run_id = '{run}' AND pairing <> 'skipped' AND geometry_kind NOT IN ('radio', 'checklist', 'text')
GROUP BY ALL
"""

# tp, fp and fn at one IoU threshold, from the outcome lists
COUNTS_AT_SQL = """
SELECT data_row_id, dicom_group, frame, class,
       count(*) FILTER (o.outcome = 'tp') AS tp,
       count(*) FILTER (o.outcome IN ('fp', 'fn+fp')) AS fp,
       count(*) FILTER (o.outcome IN ('fn', 'fn+fp')) AS fn
FROM (SELECT *, unnest(outcomes) AS o FROM evaluation_matches WHERE model_run_id = '{run}')
WHERE o.iou_threshold = {threshold}
GROUP BY ALL
"""
