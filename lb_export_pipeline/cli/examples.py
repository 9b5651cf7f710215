"""Example questions the tables answer, as SQL over the DuckDB views (``lb-export sql DIR --examples``).

Each is run by the tests against real data, so the README's queries keep working.
"""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "labels and predictions per class and split": """
SELECT d.split, o.name AS class, o.source, count(*) AS objects
FROM objects o JOIN data_rows d USING (model_run_id, data_row_id)
GROUP BY ALL ORDER BY class, d.split, o.source""",
    "objects per data row": """
SELECT model_run_id, data_row_id, count(*) FILTER (WHERE source = 'label') AS labelled,
       count(*) FILTER (WHERE source = 'prediction') AS predicted
FROM objects GROUP BY ALL ORDER BY labelled DESC LIMIT 20""",
    "classification answer distribution": """
SELECT question_name, coalesce(answer_name, text_content) AS answer, source, count(*) AS n
FROM classifications GROUP BY ALL ORDER BY question_name, n DESC""",
    "predictions without a matching label (same data row and class)": """
SELECT p.model_run_id, p.data_row_id, p.name AS class, p.confidence
FROM objects p
WHERE p.source = 'prediction'
  AND NOT EXISTS (SELECT 1 FROM objects l WHERE l.source = 'label' AND l.model_run_id = p.model_run_id
                  AND l.data_row_id = p.data_row_id AND l.name = p.name)
ORDER BY p.confidence DESC NULLS LAST""",
    "video tracks longer than 30 frames": """
SELECT model_run_id, data_row_id, source, feature_id, name, first_frame, last_frame, frame_count, keyframe_count
FROM objects WHERE first_frame IS NOT NULL AND last_frame - first_frame + 1 > 30
ORDER BY last_frame - first_frame DESC""",
    "one split, a slice of global keys, or hand-picked data rows": """
SELECT o.* FROM objects o JOIN data_rows d USING (model_run_id, data_row_id)
WHERE d.split = 'TRAINING'                          -- one split
   OR d.global_key LIKE 'image-%'                   -- a slice of global keys
   OR d.data_row_id IN ('cldw8hs6l1ii9070lcysma1zk') -- hand-picked data rows""",
}


def limited(statement: str, rows: int = 10) -> str:
    """``statement`` with at most ``rows`` rows (for ``--examples``), unless it sets its own LIMIT.
    The LIMIT goes on a line of its own: a statement may end in a ``--`` comment."""
    return statement if "LIMIT" in statement.upper() else f"{statement}\nLIMIT {rows}"
