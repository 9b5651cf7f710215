"""Parquet sinks: record batches become row groups in order through the encoder threads, a failed
write surfaces in the caller, and dictionary encoding is used only where it pays."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lb_export_pipeline.flatten.parquet import HUGE_PAGES_OFF, Budget, Encoders, ParquetSettings, TableSink
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


@pytest.mark.parametrize("threads", [False, True])
def test_over_the_footer_budget_the_file_with_the_largest_footer_is_closed(tmp_path: Path, threads: bool) -> None:
    settings = ParquetSettings(row_group_rows=10)
    encoders = Encoders(settings) if threads else None
    columns = len(RELATIONSHIPS.schema)
    budget = Budget(1 << 30, footer_limit=3 * columns)  # three row groups' column chunks in all
    small = TableSink(RELATIONSHIPS, tmp_path / "small", "part", settings, encoders, budget)
    large = TableSink(RELATIONSHIPS, tmp_path / "large", "part", settings, encoders, budget)
    small.add(_batch(0, 10))
    for i in range(0, 100, 10):
        large.add(_batch(i, 10))
    assert budget.footer_used == 2 * columns  # small's open file and large's newest one
    assert (small.close(), large.close()) == (10, 100)
    if encoders is not None:
        encoders.close()
    assert budget.footer_used == 0
    assert [pq.ParquetFile(p).metadata.num_row_groups for p in small.files] == [1]
    assert [pq.ParquetFile(p).metadata.num_row_groups for p in large.files] == [3, 3, 3, 1]
    lines = [n for p in large.files for n in pq.read_table(p).column("line_number").to_pylist()]
    assert lines == list(range(100))


@pytest.mark.skipif(sys.platform != "linux", reason="transparent huge pages are a Linux setting")
def test_encoders_turn_huge_pages_off_while_any_runs_and_leave_a_setting_they_did_not_make() -> None:
    prctl = HUGE_PAGES_OFF._prctl
    assert prctl is not None
    get, set_ = HUGE_PAGES_OFF._PR_GET_THP_DISABLE, HUGE_PAGES_OFF._PR_SET_THP_DISABLE
    assert prctl(get, 0, 0, 0, 0) == 0
    first, second = Encoders(ParquetSettings()), Encoders(ParquetSettings())
    assert prctl(get, 0, 0, 0, 0) == 1
    first.close()
    first.close()  # closing twice releases once
    assert prctl(get, 0, 0, 0, 0) == 1  # the second still runs
    second.close()
    assert prctl(get, 0, 0, 0, 0) == 0
    prctl(set_, 1, 0, 0, 0)  # the process's own choice
    try:
        Encoders(ParquetSettings()).close()
        assert prctl(get, 0, 0, 0, 0) == 1
    finally:
        prctl(set_, 0, 0, 0, 0)
