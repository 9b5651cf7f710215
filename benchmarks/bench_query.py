"""Typical aggregations in DuckDB: over the flattened tables, and over the raw export NDJSON.

    .venv/bin/python benchmarks/bench_query.py [--mb 1000]

Uses benchmarks/data/export-<mb>mb.ndjson (made by bench_flatten.py) and its flattened tables
(flattened here if missing). Each query is timed as the best of 3 in one DuckDB connection.
Reading the raw export needs an explicit schema: its model, run, frame and feature ids are object
keys, so every id-keyed level is a MAP (inference fails or explodes on them).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_flatten import DATA, generate  # noqa: E402

_CLASS = "STRUCT(name VARCHAR, radio_answer STRUCT(name VARCHAR), checklist_answers STRUCT(name VARCHAR)[])"
_LABEL = (f"STRUCT(id VARCHAR, annotations STRUCT(objects STRUCT(name VARCHAR, annotation_kind VARCHAR)[], "
          f"classifications {_CLASS}[], segments JSON))")
RAW_COLUMNS = {
    "data_row": "STRUCT(id VARCHAR)",
    "experiments": f"MAP(VARCHAR, STRUCT(name VARCHAR, runs MAP(VARCHAR, STRUCT(labels {_LABEL}[], "
                   f"predictions {_LABEL}[]))))",
}

RAW_LABELS = """
WITH runs AS (
  SELECT unnest(map_values(e.runs)) AS r FROM (SELECT unnest(map_values(experiments)) AS e FROM raw)
), labels AS (
  SELECT unnest(r.labels) AS l, 'label' AS source FROM runs
  UNION ALL SELECT unnest(r.predictions) AS l, 'prediction' AS source FROM runs
)"""

QUERIES = {
    "objects per annotation kind and source (non-video)": (
        """SELECT annotation_kind, source, count(*) FROM objects WHERE first_frame IS NULL
           AND geometry_kind IS NOT NULL GROUP BY ALL ORDER BY ALL""",
        RAW_LABELS + """, objects AS (SELECT unnest(l.annotations.objects) AS o, source FROM labels)
           SELECT o.annotation_kind, source, count(*) FROM objects GROUP BY ALL ORDER BY ALL""",
    ),
    "top-level radio/checklist answer distribution": (
        """SELECT question_name, answer_name, count(*) FROM classifications WHERE depth = 0 AND frame IS NULL
           AND object_feature_id IS NULL AND answer_kind IN ('radio', 'checklist') AND message_id IS NULL
           GROUP BY ALL ORDER BY ALL""",
        RAW_LABELS + """, q AS (SELECT unnest(l.annotations.classifications) AS c FROM labels),
           answers AS (
             SELECT c.name AS question, c.radio_answer.name AS answer FROM q WHERE c.radio_answer IS NOT NULL
             UNION ALL SELECT c.name, unnest(c.checklist_answers).name FROM q WHERE c.checklist_answers IS NOT NULL)
           SELECT question, answer, count(*) FROM answers GROUP BY ALL ORDER BY ALL""",
    ),
    "video tracks longer than 30 frames": (
        "SELECT count(*) FROM objects WHERE dicom_group IS NULL AND last_frame - first_frame + 1 > 30",
        # segments is {feature: [[start, end]]} for video but {view: {feature: ...}} for DICOM: JSON it is.
        RAW_LABELS + """, segs AS (SELECT l.annotations.segments AS seg, unnest(json_keys(l.annotations.segments)) AS k
                                   FROM labels WHERE l.annotations.segments IS NOT NULL),
           spans AS (SELECT json_extract(seg, '$."' || k || '"') AS s FROM segs)
           SELECT count(*) FROM spans WHERE json_type(s) = 'ARRAY' AND
             list_max([x[2] FOR x IN s::BIGINT[][]]) - list_min([x[1] FOR x IN s::BIGINT[][]]) + 1 > 30""",
    ),
}


def best_of(con: duckdb.DuckDBPyConnection, sql: str, times: int = 3) -> tuple[float, list[tuple[object, ...]]]:
    best, rows = float("inf"), []
    for _ in range(times):
        started = time.perf_counter()
        rows = con.execute(sql).fetchall()
        best = min(best, time.perf_counter() - started)
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "results" / "query.md"))
    args = parser.parse_args()
    export = generate(args.mb)
    tables = DATA / f"query-tables-{args.mb}"
    if not (tables / "objects").exists():
        from lb_export_pipeline.flatten import flatten_export

        flatten_export(export, tables, workers=2)
    from lb_export_pipeline.query import connect

    con = connect(tables)
    columns = ", ".join(f"'{k}': '{v}'" for k, v in RAW_COLUMNS.items())
    con.execute(f"CREATE VIEW raw AS SELECT * FROM read_json('{export}', format = 'newline_delimited', "
                f"columns = {{{columns}}}, maximum_object_size = 536870912)")
    parquet_mb = sum(p.stat().st_size for p in tables.rglob("*.parquet")) / 1e6
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, DuckDB "
             f"{duckdb.__version__}; export {export.stat().st_size / 1e6:,.0f} MB NDJSON, tables {parquet_mb:,.0f} MB "
             f"Parquet (zstd); command: `.venv/bin/python benchmarks/bench_query.py --mb {args.mb}`", "",
             "| query | tables (Parquet) | raw NDJSON (read_json) | speed-up | same answer |", "|---|---:|---:|---:|---|"]
    for title, (table_sql, raw_sql) in QUERIES.items():
        t_tables, rows_tables = best_of(con, table_sql)
        t_raw, rows_raw = best_of(con, raw_sql, times=1)
        same = sorted(rows_tables) == sorted(rows_raw)
        print(f"{title:<52} tables {t_tables:7.3f}s   raw {t_raw:7.2f}s   x{t_raw / t_tables:6.0f}  same={same}")
        lines.append(f"| {title} | {t_tables:.3f} s | {t_raw:.2f} s | {t_raw / t_tables:,.0f}x | {same} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
