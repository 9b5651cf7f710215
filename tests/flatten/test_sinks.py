"""Table sinks: row groups written in order through the background writer, its errors surfaced."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lb_export_pipeline.flatten.sinks import BackgroundWriter, Budget, SinkSettings, TableSink
from lb_export_pipeline.schema import RELATIONSHIPS


def _row(i: int) -> tuple[object, ...]:
    return (f"dr{i}", "label", "lab", f"f{i}", None, "rel", None, None, "unidirectional", "a", "b", None, i)


@pytest.mark.parametrize("background", [False, True])
def test_rows_land_in_order_in_row_groups(tmp_path: Path, background: bool) -> None:
    writer = BackgroundWriter() if background else None
    settings = SinkSettings(batch_rows=10, row_group_rows=30, file_rows=1000)
    sink = TableSink(RELATIONSHIPS, tmp_path, "part", settings, Budget(1 << 30, writer=writer))
    for i in range(0, 100, 10):
        sink.extend([_row(j) for j in range(i, i + 10)])
    assert sink.close() == 100
    if writer is not None:
        writer.close()
    (path,) = sink.files
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 100 and meta.num_row_groups == 4  # 30 + 30 + 30 + 10
    assert pq.read_table(path).column("line_number").to_pylist() == list(range(100))


def test_a_failed_write_is_raised_in_the_caller() -> None:
    writer = BackgroundWriter()

    def fail() -> None:
        raise OSError("No space left on device")

    writer.submit(fail)
    with pytest.raises(OSError, match="No space left on device"):
        writer.wait()
    writer.submit(lambda: None)  # the writer stays usable
    writer.close()
