"""Parquet writer settings on the six tables of a flattened export: encode time and file size.

    .venv/bin/python benchmarks/bench_parquet.py [--mb 100] [--out benchmarks/results/parquet.md]

The tables of the generated export (benchmarks/bench_flatten.py's) are flattened once and read back
into memory; then each setting writes all six tables (in row groups of the sinks' size, one thread,
best of 3) to files on disk. The floor column is orjson.loads of the same export's lines, measured
in the same run, so the times compare with the flatten benchmark's.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from bench_flatten import generate

from lb_export_pipeline.flatten import TABLES, flatten_export
from lb_export_pipeline.flatten.parquet import DICTIONARY_COLUMNS, ParquetSettings

HERE = Path(__file__).parent

LOW = sorted(DICTIONARY_COLUMNS)
SETTINGS: dict[str, dict[str, object]] = {
    "zstd 3, dictionary and statistics on every column (before)": {
        "compression": "zstd", "compression_level": 3, "use_dictionary": True, "write_statistics": True},
    "zstd 3, dictionary on low-cardinality strings": {
        "compression": "zstd", "compression_level": 3, "use_dictionary": LOW, "write_statistics": True},
    "zstd 1, no dictionary": {
        "compression": "zstd", "compression_level": 1, "use_dictionary": False, "write_statistics": True},
    "zstd 1, dictionary on low-cardinality strings": {
        "compression": "zstd", "compression_level": 1, "use_dictionary": LOW, "write_statistics": True},
    "zstd 1, low-cardinality dictionary, no statistics on text/JSON/lists (the flatten's)": "flatten",  # type: ignore[dict-item]
}


def floor_seconds(path: Path) -> float:
    started = time.perf_counter()
    with open(path, "rb") as f:
        for line in f:
            orjson.loads(line)
    return time.perf_counter() - started


def read_tables(root: Path) -> dict[str, pa.Table]:
    return {name: pa.concat_tables([pq.read_table(f) for f in sorted((root / name).rglob("*.parquet"))])
            .replace_schema_metadata(TABLES[name].schema.metadata) for name in TABLES}


def write_all(tables: dict[str, pa.Table], folder: Path, options: dict[str, object] | str) -> tuple[float, int]:
    settings = ParquetSettings()
    started = time.perf_counter()
    for name, table in tables.items():
        kwargs = settings.writer_options(table.schema) if options == "flatten" else options
        pq.write_table(table, folder / f"{name}.parquet", row_group_size=settings.row_group_rows,
                       **kwargs)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    return seconds, sum(f.stat().st_size for f in folder.iterdir())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--out", default=str(HERE / "results" / "parquet.md"))
    args = parser.parse_args()
    export = generate(args.mb)
    mb = export.stat().st_size / 1e6
    work = Path(tempfile.mkdtemp(prefix="bench-parquet-"))
    try:
        flatten_export(export, work / "tables")
        tables = read_tables(work / "tables")
        arrow_mb = sum(t.nbytes for t in tables.values()) / 1e6
        floor = min(floor_seconds(export) for _ in range(2))
        lines = [f"Export {mb:,.0f} MB; six tables {sum(t.num_rows for t in tables.values()):,} rows, "
                 f"{arrow_mb:,.0f} MB in Arrow; floor (orjson.loads per line) {floor:.2f} s. Command: "
                 f"`.venv/bin/python benchmarks/bench_parquet.py --mb {args.mb}`", "",
                 "| setting | encode s (best of 5) | encode alone, x floor | files MB |", "|---|---:|---:|---:|"]
        for label, options in SETTINGS.items():
            best, size = float("inf"), 0
            for _ in range(5):
                folder = work / "out"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                seconds, size = write_all(tables, folder, options)
                best = min(best, seconds)
            lines.append(f"| {label} | {best:.2f} | {floor / best:.2f} | {size / 1e6:.1f} |")
            print(lines[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
