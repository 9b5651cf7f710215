"""JSON text the core writes (``extra`` and the other JSON columns) is orjson's text, float for float."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from lb_export_pipeline.flatten import flatten_export
from tests.conftest import seed_rows, write_lines


def _floats(n: int) -> list[float]:
    rng = random.Random(7)
    values: list[float] = [1.6900607208313233e15, 0.1, 1e16, 1e-7, -0.0, 5e-324, 1.7976931348623157e308]
    while len(values) < n:
        f = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if f == f and abs(f) != float("inf"):
            values.append(f)
        values.append(rng.randrange(10**8) / 10 ** rng.randrange(9))  # short decimals, as coordinates are
    return values


def test_floats_in_extra_are_printed_as_orjson_prints_them(tmp_path: Path) -> None:
    values = _floats(20_000)
    row = seed_rows()[0]
    row["float_samples"] = values
    flatten_export(write_lines(tmp_path / "export.ndjson", [row]), tmp_path / "out")
    extra = pq.read_table(tmp_path / "out" / "data_rows").column("extra").to_pylist()
    assert len(extra) == 1
    text = orjson.dumps(values).decode()
    assert f'"float_samples":{text}' in extra[0]  # 1.6900607208313233e15 ends in .2, as repr() too
