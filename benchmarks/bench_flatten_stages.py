"""Where a single-process flatten spends its time: a cumulative ladder of stages on the same lines.

    .venv/bin/python benchmarks/bench_flatten_stages.py [--mb 60]

Takes the first --mb MB of benchmarks/data/export-1000mb.ndjson (made by bench_flatten.py), holds
the lines in memory (no I/O), and times, best of 3, each stage added to the previous one:
parse (orjson, the floor) -> walk (rows as tuples) -> + transpose (zip) -> + Arrow arrays -> + Parquet
(zstd).
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_flatten import first_lines  # noqa: E402

from lb_export_pipeline.flatten.row import flatten_line  # noqa: E402
from lb_export_pipeline.flatten.sinks import SinkSettings  # noqa: E402
from lb_export_pipeline.schema import TABLES  # noqa: E402

STAGES = ("parse (orjson)", "parse + walk", "+ transpose", "+ Arrow arrays", "+ Parquet (zstd)")
SETTINGS = SinkSettings()  # the flatten's own batch and row-group sizes


def run(lines: list[bytes], upto: int, batch: int = SETTINGS.batch_rows) -> float:
    started = time.perf_counter()
    buffers: dict[str, list[tuple[object, ...]]] = {name: [] for name in TABLES}
    pending: dict[str, list[pa.RecordBatch]] = {name: [] for name in TABLES}
    sink = io.BytesIO()
    writers = {name: pq.ParquetWriter(sink, spec.schema, compression="zstd") for name, spec in TABLES.items()} \
        if upto >= 4 else {}

    def write(name: str) -> None:
        batches, pending[name] = pending[name], []
        writers[name].write_table(pa.Table.from_batches(batches, schema=TABLES[name].schema))

    def flush(name: str) -> None:
        rows, buffers[name] = buffers[name], []
        columns = list(zip(*rows, strict=True))
        if upto >= 3:
            arrays = [pa.array(c, type=f.type) for c, f in zip(columns, TABLES[name].schema, strict=True)]
            if upto >= 4:  # batches gather into row groups, as in the sinks
                pending[name].append(pa.RecordBatch.from_arrays(arrays, schema=TABLES[name].schema))
                if sum(b.num_rows for b in pending[name]) >= SETTINGS.row_group_rows:
                    write(name)

    for n, line in enumerate(lines, 1):
        if upto == 0:
            orjson.loads(line)
            continue
        result = flatten_line(orjson.loads(line), n)
        for rows in result.runs.values():
            for name in TABLES:
                table_rows = getattr(rows, name)
                if table_rows:
                    buffers[name].extend(table_rows)
                    if upto >= 2 and len(buffers[name]) >= batch:
                        flush(name)
    if upto >= 2:
        for name in TABLES:
            if buffers[name]:
                flush(name)
            if pending[name]:
                write(name)
    for writer in writers.values():
        writer.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=60)
    parser.add_argument("--batch-rows", type=int, default=SETTINGS.batch_rows,
                        help="rows per Arrow conversion (default: the sinks' own)")
    args = parser.parse_args()
    lines, size = first_lines(args.mb)
    gc.disable()  # as the flatten worker does
    pa.array(["warm up"])
    parse = None
    print(f"{size / 1e6:.0f} MB, {len(lines):,} lines, one process, "
          f"{args.batch_rows:,} rows per Arrow conversion")
    for upto, name in enumerate(STAGES):
        seconds = min(run(lines, upto, args.batch_rows) for _ in range(3))
        parse = parse or seconds
        print(f"{name:<18} {seconds:6.3f} s  {size / 1e6 / seconds:6.1f} MB/s  {parse / seconds:5.2f}x parse")


if __name__ == "__main__":
    main()
