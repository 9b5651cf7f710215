"""Read one model run's labels and predictions out of the tables, a bucket of data rows at a time.

A large run is first split into buckets in one streaming pass (``partition``): the query's rows come
in Arrow batches and each row goes, by a hash of its data row, to its bucket's Arrow IPC file in a
scratch folder. A bucket is then memory-mapped on its own instead of scanning the whole run once per
bucket. Memory: one batch while splitting, one bucket while evaluating.

Still media come from ``objects``; video and DICOM from ``video_frames`` (one instance per frame and
track). Each instance gets a ``scope`` (data row, DICOM view, frame) within which objects are
compared, and instances are numbered in (scope, class, feature id) order: that order breaks IoU ties
in the matching, as the order of annotations does in Labelbox's SDK.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

_GEOMETRY = ("geometry_kind, bbox_top, bbox_left, bbox_height, bbox_width, point_x, point_y, points, "
             "text_start, text_end, message_id, geojson_type, geojson, mask_url, mask_color_rgb")
_OBJECTS_SQL = f"""
SELECT o.data_row_id, coalesce(d.split, 'UNASSIGNED') AS split, coalesce(o.dicom_group, '') AS dicom_group,
       -1::BIGINT AS frame, o.source, o.name AS class, o.feature_id, o.confidence, {_GEOMETRY}
FROM objects o LEFT JOIN data_rows d USING (model_run_id, data_row_id)
WHERE o.model_run_id = $run AND o.geometry_kind IS NOT NULL
UNION ALL
SELECT v.data_row_id, coalesce(d.split, 'UNASSIGNED'), coalesce(v.dicom_group, ''), v.frame, v.source,
       v.name, v.feature_id, v.confidence, {_GEOMETRY}
FROM video_frames v LEFT JOIN data_rows d USING (model_run_id, data_row_id)
WHERE v.model_run_id = $run AND v.geometry_kind IS NOT NULL
"""

_CLASSIFICATIONS_SQL = """
SELECT c.data_row_id, coalesce(d.split, 'UNASSIGNED') AS split, coalesce(c.dicom_group, '') AS dicom_group,
       coalesce(c.frame, -1) AS frame, c.source, c.question_name AS class, c.answer_kind AS geometry_kind,
       coalesce(c.answer_name, c.text_content) AS answer,
       coalesce(c.answer_feature_id, c.question_feature_id) AS answer_feature_id, c.question_feature_id,
       c.confidence, c.depth, c.message_id
FROM classifications c LEFT JOIN data_rows d USING (model_run_id, data_row_id)
WHERE c.model_run_id = $run AND c.object_feature_id IS NULL AND c.answer_kind IN ('radio', 'checklist', 'text')
"""
_QUERIES = {"instances": _OBJECTS_SQL, "answers": _CLASSIFICATIONS_SQL}


BATCH_ROWS = 1 << 16  # rows per batch while splitting: DuckDB buffers a few batches ahead


def partition(con: duckdb.DuckDBPyConnection, run: str, buckets: int, scratch: Path) -> None:
    """Write the run's instances and answers into ``scratch``, split into ``buckets`` by data row
    (one file per bucket, empty ones included, so that a bucket is read without the connection)."""
    scratch.mkdir(parents=True, exist_ok=True)
    for name, sql in _QUERIES.items():
        bucketed = f"SELECT *, (hash(data_row_id) % {int(buckets)})::UINTEGER AS bucket FROM ({sql})"
        reader = con.sql(bucketed, params={"run": run}).to_arrow_reader(BATCH_ROWS)
        schema = reader.schema.remove(reader.schema.get_field_index("bucket"))
        writers = [ipc.new_file(_bucket_file(scratch, name, b), schema) for b in range(buckets)]
        try:
            for batch in reader:  # one gather per batch: rows grouped by bucket, then a slice per bucket
                bucket = batch.column("bucket").to_numpy()
                order = np.argsort(bucket, kind="stable")
                bounds = np.searchsorted(bucket[order], np.arange(buckets + 1))
                grouped = batch.drop_columns(["bucket"]).take(pa.array(order))
                for b in np.flatnonzero(np.diff(bounds)):
                    writers[b].write_batch(grouped.slice(bounds[b], bounds[b + 1] - bounds[b]))
        finally:
            for writer in writers:
                writer.close()


def _bucket_file(scratch: Path, name: str, bucket: int) -> Path:
    return scratch / f"{name}-{bucket}.arrow"


def _read(con: duckdb.DuckDBPyConnection, name: str, run: str, bucket: int, buckets: int,
          scratch: Path | None) -> pl.DataFrame:
    if scratch is not None:  # zero-copy: the frame reads the memory-mapped file
        return _frame(ipc.open_file(pa.memory_map(str(_bucket_file(scratch, name, bucket)))).read_all())
    sql = f"SELECT * FROM ({_QUERIES[name]}) WHERE hash(data_row_id) % $buckets = $bucket"
    return _frame(con.sql(sql, params={"run": run, "bucket": bucket, "buckets": buckets}).to_arrow_table())


def object_count(con: duckdb.DuckDBPyConnection, run: str) -> int:
    row = con.sql("SELECT (SELECT count(*) FROM objects WHERE model_run_id = $run) + "
                  "(SELECT count(*) FROM video_frames WHERE model_run_id = $run)", params={"run": run}).fetchall()
    return int(row[0][0]) if row else 0


def instances(con: duckdb.DuckDBPyConnection, run: str, bucket: int, buckets: int,
              scratch: Path | None = None) -> pl.DataFrame:
    """Label and prediction objects of one bucket of data rows, numbered (column ``idx``)."""
    df = _read(con, "instances", run, bucket, buckets, scratch).sort(
        "data_row_id", "dicom_group", "frame", "class", "feature_id")
    return df.with_columns(
        idx=pl.int_range(pl.len(), dtype=pl.Int64),
        scope=_changes("data_row_id", "dicom_group", "frame").cum_sum().cast(pl.Int64),
    )


def _changes(*columns: str) -> pl.Expr:
    """True on the first row of each run of equal ``columns`` (the frame is sorted by them)."""
    changed = pl.lit(False)
    for c in columns:
        changed = changed | (pl.col(c) != pl.col(c).shift()).fill_null(True)
    return changed


def answers(con: duckdb.DuckDBPyConnection, run: str, bucket: int, buckets: int,
            scratch: Path | None = None) -> pl.DataFrame:
    """Classification answers not nested under an object, of one bucket of data rows."""
    return _read(con, "answers", run, bucket, buckets, scratch)


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame
