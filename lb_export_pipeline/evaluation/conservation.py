"""Nothing is lost between the tables and the evaluation: at every IoU threshold, per split and class,
tp + fn + skipped labels = the label objects in ``objects``/``video_frames``, and tp + fp + skipped
predictions = the predicted ones; for classification answers, tp + fn and tp + fp = the answers."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

_SQL = """
WITH source_rows AS (
    SELECT data_row_id, name AS class, source, 'object' AS kind FROM objects
    WHERE model_run_id = $run AND geometry_kind IS NOT NULL
    UNION ALL
    SELECT data_row_id, name, source, 'object' FROM video_frames WHERE model_run_id = $run AND geometry_kind IS NOT NULL
    UNION ALL
    SELECT data_row_id, question_name, source, 'classification' FROM classifications
    WHERE model_run_id = $run AND object_feature_id IS NULL AND answer_kind IN ('radio', 'checklist', 'text')
), counted AS (
    SELECT kind, coalesce(d.split, 'UNASSIGNED') AS split, class,
           count(*) FILTER (source = 'label') AS labels, count(*) FILTER (source = 'prediction') AS predictions
    FROM source_rows s LEFT JOIN (SELECT data_row_id, split FROM data_rows WHERE model_run_id = $run) d
         USING (data_row_id)
    GROUP BY ALL
), thresholds AS (
    SELECT DISTINCT kind, iou_threshold FROM evaluation_metrics WHERE model_run_id = $run
), expected AS (
    SELECT c.*, t.iou_threshold FROM counted c JOIN thresholds t USING (kind)
), found AS (
    SELECT kind, split, class, iou_threshold, tp + fn + skipped_labels AS labels,
           tp + fp + skipped_predictions AS predictions
    FROM evaluation_metrics
    WHERE model_run_id = $run AND split <> '(all)' AND class <> '(all)'
)
SELECT coalesce(e.kind, f.kind), coalesce(e.split, f.split), coalesce(e.class, f.class),
       coalesce(e.iou_threshold, f.iou_threshold), coalesce(e.labels, 0), coalesce(f.labels, 0),
       coalesce(e.predictions, 0), coalesce(f.predictions, 0)
FROM expected e FULL JOIN found f
  ON e.kind = f.kind AND e.split = f.split AND e.class = f.class
 AND e.iou_threshold IS NOT DISTINCT FROM f.iou_threshold
"""


@dataclass(frozen=True)
class Conservation:
    checked: int            # (kind, split, class, threshold) rows compared
    violations: list[str]   # one readable line per row whose counts differ

    @property
    def ok(self) -> bool:
        return self.checked > 0 and not self.violations


def check(con: duckdb.DuckDBPyConnection, run: str) -> Conservation:
    rows = con.sql(_SQL, params={"run": run}).fetchall()
    bad = [f"{kind} {split}/{cls} at {t}: labels {want_l} in the tables, {got_l} evaluated; "
           f"predictions {want_p} in the tables, {got_p} evaluated"
           for kind, split, cls, t, want_l, got_l, want_p, got_p in rows if (want_l, want_p) != (got_l, got_p)]
    return Conservation(len(rows), bad)
