"""Several walker threads give the same tables as one, from plain and gzip exports alike, with no
temporary copy of a gzip export and progress in the export file's own bytes."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import TABLE_NAMES, flatten_export


def _synthetic(path: Path, rows: int) -> Path:
    settings = synthetic.GeneratorSettings(seed=3, video_frames=60)
    runs = [synthetic.run_ref(3, 0, 0)]
    with open(path, "wb") as f:
        for line in synthetic.iter_lines(settings, runs, rows, extra_runs=[synthetic.run_ref(3, 1, 0)]):
            f.write(line)
    return path


@pytest.mark.parametrize("compressed", [False, True])
def test_two_walkers_write_the_same_rows_as_one(tmp_path: Path, duck: Any, monkeypatch: Any,
                                                compressed: bool) -> None:
    import tempfile

    plain = _synthetic(tmp_path / "s.ndjson", 200)
    export = plain
    if compressed:
        export = tmp_path / "s.ndjson.gz"
        export.write_bytes(gzip.compress(plain.read_bytes()))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    one = flatten_export(plain, tmp_path / "one", workers=1)
    reports: list[tuple[int, int]] = []
    two = flatten_export(export, tmp_path / "two", workers=2,
                         progress=lambda done, lines: reports.append((done, lines)))
    assert two.workers == 2 and two.lines == one.lines == 200
    # progress counts every thread's bytes and lines, ending at the whole file (compressed bytes for gzip)
    assert reports and max(reports) == (export.stat().st_size, two.lines) and two.bytes == export.stat().st_size
    assert one.rows == two.rows
    assert len(one.partitions) == 2  # some rows sit in a second model run
    a, b = duck(tmp_path / "one"), duck(tmp_path / "two")
    for table in TABLE_NAMES:
        sql = f"select * exclude (model_run_id), model_run_id from {table}"
        assert sorted(a.execute(sql).fetchall(), key=repr) == sorted(b.execute(sql).fetchall(), key=repr), table
    assert list(scratch.iterdir()) == []  # no decompressed copy, no temporary files


def test_synthetic_rows_flatten_without_quarantine(tmp_path: Path) -> None:
    export = _synthetic(tmp_path / "s.ndjson", 200)
    result = flatten_export(export, tmp_path / "out")
    assert result.quarantined == 0, result.first_errors
    assert all(result.rows[t] > 0 for t in TABLE_NAMES)


def test_each_walker_hands_over_at_the_flush_size(tmp_path: Path) -> None:
    from lb_export_pipeline.flatten.native import NativeScan

    line = (_synthetic(tmp_path / "one.ndjson", 1)).read_bytes().splitlines()[0]
    export = tmp_path / "same.ndjson"
    export.write_bytes(b"\n".join([line] * 64) + b"\n")

    def chunk_lines(threads: int, flush: int) -> list[int]:
        with NativeScan(export, threads=threads, block_bytes=1, flush_bytes=flush) as scan:  # a line per block
            return [c.lines for c in scan]

    with NativeScan(export, block_bytes=1, flush_bytes=1) as scan:
        first = next(iter(scan))
    one_line = sum(b.nbytes for tables in first.tables.values() for b in tables.values())
    flush = 8 * one_line
    one = chunk_lines(1, flush)
    assert 2 <= max(chunk_lines(1, flush // 2)) < max(one)
    two = chunk_lines(2, flush)
    assert sum(two) == sum(one) == 64
    assert max(two) == max(one)  # two walkers' chunks are as large as one's: fewer, larger row groups
