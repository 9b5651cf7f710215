"""Where a one-core flatten spends its time: a cumulative ladder of stages on the same lines.

    .venv/bin/python benchmarks/bench_flatten_stages.py [--mb 60]

Takes the first --mb MB of benchmarks/data/export-100mb.ndjson (made by bench_flatten.py) into a file
of its own (read from the page cache), pins the process to one core, and times, best of 3, each
stage added to the previous one:

* floor: orjson.loads of every line (the lines held in memory)
* read alone, and read + gunzip alone (the slice's gzip copy, level 1), in the native reader: what a
  gzip export adds
* read + decode + walk: the native core, one walker thread, batches finished in Rust and dropped
* + handoff: each batch imported by pyarrow through the Arrow PyCapsule interface
* + encode: the six tables written as Parquet by the flatten's own sinks (encoder threads, same core)
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import orjson
import pyarrow as pa

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_flatten import generate  # noqa: E402

from lb_export_pipeline import _native  # noqa: E402
from lb_export_pipeline.flatten.native import NativeScan  # noqa: E402
from lb_export_pipeline.flatten.parquet import ParquetSettings  # noqa: E402
from lb_export_pipeline.flatten.staging import ChunkWriter  # noqa: E402

STAGES = ("floor: orjson.loads per line", "read (native)", "read + gunzip (native, zlib-rs)",
          "read + decode + walk (native)", "+ handoff to pyarrow", "+ Parquet encode (the sinks)")


def floor(lines: list[bytes]) -> float:
    started = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return time.perf_counter() - started


def read_only(path: Path) -> float:
    started = time.perf_counter()
    _native.read_only(path)
    return time.perf_counter() - started


def walk_only(path: Path) -> float:
    started = time.perf_counter()
    scanner = _native.Scanner(str(path), threads=1)
    while not scanner.done:
        scanner.next_chunk(1.0)  # batches are finished in Rust and dropped here, never imported
    return time.perf_counter() - started


def with_handoff(path: Path) -> float:
    started = time.perf_counter()
    with NativeScan(path, threads=1) as scan:
        for chunk in scan:
            assert all(isinstance(b, pa.RecordBatch) for t in chunk.tables.values() for b in t.values())
    return time.perf_counter() - started


def with_encode(path: Path, work: Path) -> float:
    out = work / "staging"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    staging = ChunkWriter(out, "bench", path.name, ParquetSettings(), None)
    with NativeScan(path, threads=1) as scan:
        for chunk in scan:
            staging.add(chunk)
    staging.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=60)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, threads included
    work = Path(tempfile.mkdtemp(prefix="bench-stages-"))
    try:
        path = work / "slice.ndjson"
        lines, size = [], 0
        with open(generate(100), "rb") as src, open(path, "wb") as dst:
            for line in src:
                lines.append(line)
                dst.write(line)
                size += len(line)
                if size >= args.mb * 1_000_000:
                    break
        gz = work / "slice.ndjson.gz"
        with open(path, "rb") as src, gzip.GzipFile(gz, "wb", compresslevel=1, mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        runs = [lambda: floor(lines), lambda: read_only(path), lambda: read_only(gz), lambda: walk_only(path),
                lambda: with_handoff(path), lambda: with_encode(path, work)]
        print(f"{size / 1e6:.0f} MB, {len(lines):,} lines, one core")
        base = None
        for name, run in zip(STAGES, runs, strict=True):
            seconds = min(run() for _ in range(3))
            base = base or seconds
            print(f"{name:<34} {seconds:6.3f} s  {size / 1e6 / seconds:7.1f} MB/s  {base / seconds:5.2f}x floor",
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
