"""Could another parser carry the flatten to the issue's targets? The same lines, held in memory, one core.

    .venv/bin/python benchmarks/bench_parsers.py [--mb 60]

Takes the first --mb MB of benchmarks/data/export-1000mb.ndjson (made by bench_flatten.py) and times,
best of 3:

* orjson.loads of every line (the benchmarks' floor), and the flatten walk on top of it, for scale;
* msgspec.json decoding into plain objects;
* DuckDB read_json with the export's nested shape declared (MAP for keys that are ids or frame
  numbers), on one thread: the scan alone, and the scan materialized as a table.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import msgspec
import orjson

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_flatten import first_lines  # noqa: E402

from lb_export_pipeline.flatten.row import flatten_line  # noqa: E402


def _duckdb_columns() -> str:
    obj = ("STRUCT(feature_id VARCHAR, feature_schema_id VARCHAR, name VARCHAR, value VARCHAR, "
           "annotation_kind VARCHAR, confidence DOUBLE, bounding_box STRUCT(top DOUBLE, \"left\" DOUBLE, "
           "height DOUBLE, width DOUBLE), point STRUCT(x DOUBLE, y DOUBLE), line STRUCT(x DOUBLE, y DOUBLE)[], "
           "polygon STRUCT(x DOUBLE, y DOUBLE)[], classifications JSON)")
    frame = f"STRUCT(objects MAP(VARCHAR, {obj}), classifications JSON)"
    label = (f"STRUCT(id VARCHAR, annotations STRUCT(frames MAP(VARCHAR, {frame}), objects {obj}[], "
             "classifications JSON, key_frame_feature_map JSON, segments JSON, relationships JSON, groups JSON))")
    run = f"STRUCT(name VARCHAR, labels {label}[], predictions {label}[])"
    columns = {"data_row": "STRUCT(id VARCHAR, global_key VARCHAR, row_data VARCHAR, details JSON)",
               "media_attributes": "JSON", "metadata_fields": "JSON", "attachments": "JSON",
               "experiments": f"MAP(VARCHAR, STRUCT(name VARCHAR, runs MAP(VARCHAR, {run})))",
               "models": f"MAP(VARCHAR, STRUCT(name VARCHAR, model_runs MAP(VARCHAR, {run})))"}
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def best(run: Callable[[], object], times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=60)
    args = parser.parse_args()
    lines, size = first_lines(args.mb)
    gc.disable()  # as the flatten worker does
    plain = msgspec.json.Decoder()

    def each(decode: Callable[[bytes], object]) -> Callable[[], None]:
        def run() -> None:
            for line in lines:
                decode(line)  # parsed and dropped, as the flatten does line by line
        return run

    def walk() -> None:
        for n, line in enumerate(lines, 1):
            flatten_line(orjson.loads(line), n)

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "lines.ndjson"
        source.write_bytes(b"".join(lines))
        con = duckdb.connect(config={"threads": 1})
        scan = (f"read_json('{source}', format='newline_delimited', columns={_duckdb_columns()}, "
                "maximum_object_size=1000000000)")
        rows = [
            ("orjson.loads (floor)", best(each(orjson.loads))),
            ("orjson.loads + flatten walk", best(walk)),
            ("msgspec, plain objects", best(each(plain.decode))),
            ("DuckDB read_json typed, scan (1 thread)",
             best(lambda: con.execute(f"SELECT count(*), count(experiments), count(models) FROM {scan}").fetchone())),
            ("DuckDB read_json typed, materialized (1 thread)",
             best(lambda: con.execute(f"CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM {scan}").fetchone())),
        ]
    floor = rows[0][1]
    print(f"{size / 1e6:.0f} MB, {len(lines):,} lines, one core")
    for label, seconds in rows:
        print(f"{label:<50} {seconds:6.3f} s  {size / 1e6 / seconds:7.1f} MB/s  {seconds / floor:5.2f}x floor time")


if __name__ == "__main__":
    main()
