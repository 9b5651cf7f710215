"""Parquet sinks: record batches become row groups in order through the encoder threads, a failed
write surfaces in the caller, and dictionary encoding is used only where it pays."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lb_export_pipeline.flatten.parquet import Budget, Encoders, ParquetSettings, TableSink
from lb_export_pipeline.schema import RELATIONSHIPS


def _batch(start: int, n: int) -> pa.RecordBatch:
    rows = [(f"dr{i}", "label", "lab", f"f{i}", None, "rel", None, None, "unidirectional", "a", "b", None, i)
            for i in range(start, start + n)]
    schema = RELATIONSHIPS.schema
    return pa.RecordBatch.from_arrays([pa.array(c, f.type) for c, f in zip(zip(*rows, strict=True), schema,
                                                                            strict=True)], schema=schema)


@pytest.mark.parametrize("threads", [False, True])
def test_batches_land_in_order_in_row_groups(tmp_path: Path, threads: bool) -> None:
    settings = ParquetSettings(row_group_rows=30, file_rows=1000)
    encoders = Encoders(settings) if threads else None
    sink = TableSink(RELATIONSHIPS, tmp_path, "part", settings, encoders, Budget(1 << 30))
    for i in range(0, 100, 10):
        sink.add(_batch(i, 10))
    assert sink.close() == 100
    if encoders is not None:
        encoders.close()
    (path,) = sink.files
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 100 and meta.num_row_groups == 4  # 30 + 30 + 30 + 10
    assert pq.read_table(path).column("line_number").to_pylist() == list(range(100))
    encodings = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i).encodings
                 for i in range(meta.num_columns)}
    assert "RLE_DICTIONARY" in encodings["kind"]  # few distinct values
    assert "RLE_DICTIONARY" not in encodings["data_row_id"]  # an id: plain


def test_a_failed_write_is_raised_in_the_caller() -> None:
    encoders = Encoders(ParquetSettings())

    def fail() -> None:
        raise OSError("No space left on device")

    encoders.submit(fail, 1)
    with pytest.raises(OSError, match="No space left on device"):
        encoders.wait()
    encoders.submit(lambda: None, 1)  # the pool stays usable
    encoders.close()
