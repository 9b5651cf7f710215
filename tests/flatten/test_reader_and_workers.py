"""Byte ranges cut on line boundaries, and several processes giving the same tables as one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import TABLE_NAMES, flatten_export
from lb_export_pipeline.flatten.reader import LineSource, split_ranges


def _synthetic(path: Path, rows: int) -> Path:
    settings = synthetic.GeneratorSettings(seed=3, video_frames=60)
    runs = [synthetic.run_ref(3, 0, 0)]
    with open(path, "wb") as f:
        for line in synthetic.iter_lines(settings, runs, rows, extra_runs=[synthetic.run_ref(3, 1, 0)]):
            f.write(line)
    return path


def test_ranges_cover_every_line_once_with_absolute_numbers(tmp_path: Path) -> None:
    export = _synthetic(tmp_path / "s.ndjson", 40)
    whole = list(LineSource(export))
    for parts in (2, 3, 7):
        ranges = split_ranges(export, parts)
        assert ranges[0].start == 0 and ranges[-1].end == export.stat().st_size
        pieces = [item for r in ranges for item in LineSource(export, r)]
        assert pieces == whole
    # the first range can be given a head start; every line is still read once
    size = export.stat().st_size
    even, ahead = split_ranges(export, 2), split_ranges(export, 2, first_extra=size // 4)
    assert ahead[0].end > even[0].end
    assert [item for r in ahead for item in LineSource(export, r)] == whole


def test_two_workers_write_the_same_rows_as_one(tmp_path: Path, duck: Any) -> None:
    export = _synthetic(tmp_path / "s.ndjson", 120)
    one = flatten_export(export, tmp_path / "one", workers=1)
    reports: list[tuple[int, int]] = []
    two = flatten_export(export, tmp_path / "two", workers=2, min_bytes_per_worker=1,
                         progress=lambda done, lines: reports.append((done, lines)))
    assert two.workers == 2
    # progress counts both workers' bytes and lines, ending at the whole file
    assert reports and max(reports) == (export.stat().st_size, two.lines)
    assert one.rows == two.rows
    assert len(one.partitions) == 2  # some rows sit in a second model run
    a, b = duck(tmp_path / "one"), duck(tmp_path / "two")
    for table in TABLE_NAMES:
        sql = f"select * exclude (model_run_id), model_run_id from {table}"
        assert sorted(a.execute(sql).fetchall(), key=repr) == sorted(b.execute(sql).fetchall(), key=repr), table
    files = sorted(p.name for p in (tmp_path / "two" / "objects").glob("*/*.parquet"))
    assert any("-w01-" in name for name in files)


def test_synthetic_rows_flatten_without_quarantine(tmp_path: Path) -> None:
    export = _synthetic(tmp_path / "s.ndjson", 200)
    result = flatten_export(export, tmp_path / "out")
    assert result.quarantined == 0, result.first_errors
    assert all(result.rows[t] > 0 for t in TABLE_NAMES)


def test_a_gzip_export_is_split_through_a_temporary_plain_copy(tmp_path: Path, duck: Any, monkeypatch: Any) -> None:
    import gzip
    import tempfile

    plain = _synthetic(tmp_path / "s.ndjson", 120)
    with open(plain, "ab") as f:
        f.write(b"not json\n")  # its quarantine record must name the .gz file, not the copy
    gz = tmp_path / "s.ndjson.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    reports: list[tuple[int, int]] = []

    one = flatten_export(plain, tmp_path / "one", workers=1)
    two = flatten_export(gz, tmp_path / "two", workers=2, min_bytes_per_worker=1,
                         progress=lambda done, lines: reports.append((done, lines)))

    assert two.workers == 2 and two.rows == one.rows and two.quarantined == 1
    assert two.unattributed_path == tmp_path / "two" / "_quarantine" / "s.ndjson"
    assert "s.ndjson.gz line 121: not valid JSON" in two.first_errors[0]
    assert max(reports) == (gz.stat().st_size, two.lines)  # progress in the .gz file's own bytes
    assert list(scratch.iterdir()) == []  # the plain copy is gone
    a, b = duck(tmp_path / "one"), duck(tmp_path / "two")
    sql = "select * exclude (model_run_id), model_run_id from video_frames"
    assert sorted(a.execute(sql).fetchall(), key=repr) == sorted(b.execute(sql).fetchall(), key=repr)


def test_a_script_without_a_main_guard_can_use_workers(tmp_path: Path) -> None:
    import subprocess
    import sys

    export = _synthetic(tmp_path / "s.ndjson", 60)
    script = tmp_path / "flatten_it.py"  # no `if __name__ == "__main__":`, as a newcomer writes it
    script.write_text(
        "from lb_export_pipeline.flatten import flatten_export\n"
        f"r = flatten_export({str(export)!r}, {str(tmp_path / 'out')!r}, workers=2, min_bytes_per_worker=1)\n"
        "print('workers', r.workers, 'data_rows', r.rows['data_rows'])\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = flatten_export(export, tmp_path / "one").rows["data_rows"]
    assert done.stdout.strip() == f"workers 2 data_rows {expected}"
