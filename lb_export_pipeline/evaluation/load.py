"""Read one model run's labels and predictions out of the tables, a bucket of data rows at a time.

The flatten writes each data row's rows next to each other, so a run is read once, in the tables'
order, and cut into buckets between data rows (``contiguous_buckets``). Should a data row's rows not
be together (tables written otherwise), that is noticed and the run is instead split into buckets in
one streaming pass (``partition``): each row goes, by a hash of its data row, to its bucket's Arrow IPC
file in a scratch folder, and a bucket is then memory-mapped on its own. Memory: about one bucket.

Still media come from ``objects``; video and DICOM from ``video_frames`` (one instance per frame and
track). Each instance gets a ``scope`` (data row, DICOM view, frame) within which objects are
compared, and instances are numbered in (scope, class, feature id) order: that order breaks IoU ties
in the matching, as the order of annotations does in Labelbox's SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
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


def empty(con: duckdb.DuckDBPyConnection, run: str, name: str) -> pl.DataFrame:
    """No rows, the columns of ``name`` (instances or answers)."""
    return _frame(con.sql(f"SELECT * FROM ({_QUERIES[name]}) LIMIT 0", params={"run": run}).to_arrow_table())


def object_count(con: duckdb.DuckDBPyConnection, run: str) -> int:
    row = con.sql("SELECT (SELECT count(*) FROM objects WHERE model_run_id = $run) + "
                  "(SELECT count(*) FROM video_frames WHERE model_run_id = $run)", params={"run": run}).fetchall()
    return int(row[0][0]) if row else 0


def instances(con: duckdb.DuckDBPyConnection, run: str, bucket: int, buckets: int,
              scratch: Path | None = None) -> pl.DataFrame:
    """Label and prediction objects of one bucket of data rows, numbered (column ``idx``)."""
    return numbered(_read(con, "instances", run, bucket, buckets, scratch), "data_row_id")


def numbered(df: pl.DataFrame, row_key: str | pl.Expr) -> pl.DataFrame:
    """Instances sorted by (data row, view, frame, class, feature id) and numbered in that order.
    ``row_key`` orders the data rows: any key that keeps each one's rows together will do (the order
    of data rows only changes the instances' numbers, never which are compared or how ties break)."""
    df = df.sort(row_key, "dicom_group", "frame", "class", "feature_id")
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


class NotContiguous(Exception):
    """A data row's rows are not all next to each other in the tables: buckets cannot be cut from the stream."""


def contiguous_buckets(con: duckdb.DuckDBPyConnection, run: str, name: str, rows: int) -> Iterator[pl.DataFrame]:
    """The run's instances or answers (``name``) in the tables' order, cut between data rows into
    buckets of about ``rows`` rows (at least one bucket, maybe empty). Raises NotContiguous (possibly
    after some buckets) when a data row's rows come back after another data row's."""
    reader = con.sql(_QUERIES[name], params={"run": run}).to_arrow_reader(BATCH_ROWS)
    try:
        seen, yielded = _Seen(), 0
        pending: list[pl.DataFrame] = [_frame(reader.schema.empty_table())]
        size = 0
        for batch in reader:
            pending.append(_frame(pa.Table.from_batches([batch])))
            size += batch.num_rows
            if size < rows:
                continue
            whole = pl.concat(pending)
            ids = whole["data_row_id"]
            starts = (ids != ids.shift()).fill_null(True).arg_true().to_numpy()  # where each data row begins
            begin = 0
            while (k := int(np.searchsorted(starts, begin + rows))) < starts.size:  # a bucket ends where one begins
                seen.add(whole[begin:starts[k]])
                yield whole[begin:starts[k]]
                yielded, begin = yielded + 1, int(starts[k])
            pending, size = [whole[begin:]], whole.height - begin
        last = pl.concat(pending)
        seen.add(last)
        if last.height or not yielded:
            yield last
    finally:  # the connection takes no other query while a result is open
        reader.close()


class _Seen:
    """The data rows of the buckets so far, as sorted arrays of 64-bit hashes (8 bytes a data row), merged
    as they accumulate like a binary counter so that checking and adding stay O(log) per data row.
    Two data rows with the same hash only cost the faster path (NotContiguous), never a wrong result."""

    def __init__(self) -> None:
        self.levels: list[npt.NDArray[np.uint64]] = []

    def add(self, bucket: pl.DataFrame) -> None:
        ids = bucket["data_row_id"]
        hashes = np.sort(ids.unique().hash().to_numpy())
        runs = int((ids != ids.shift()).fill_null(True).sum())
        if runs != hashes.size or any(_contains(level, hashes) for level in self.levels):
            raise NotContiguous("a data row's rows are not next to each other in the tables")
        self.levels.append(hashes)
        while len(self.levels) > 1 and self.levels[-2].size <= 2 * self.levels[-1].size:
            top = self.levels.pop()
            self.levels[-1] = np.sort(np.concatenate([self.levels[-1], top]))


def _contains(level: npt.NDArray[np.uint64], hashes: npt.NDArray[np.uint64]) -> bool:
    if not level.size:
        return False
    at = np.minimum(np.searchsorted(level, hashes), level.size - 1)
    return bool((level[at] == hashes).any())
