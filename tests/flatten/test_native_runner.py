"""The native flatten's plumbing: reading plain and gzip files on threads, refusing what is not
NDJSON, quarantining bad lines in line order, progress (stopping it: tests/test_interrupts.py)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.flatten.quarantine import read_quarantine
from lb_export_pipeline.flatten.reader import CorruptGzipError, NotNdjsonError


def _bad_lines(n: int) -> bytes:
    return b"".join(b"{not json %d}\n" % i for i in range(1, n + 1))


def test_bad_lines_are_quarantined_in_line_order_across_threads(tmp_path: Path) -> None:
    export = tmp_path / "bad.ndjson"
    export.write_bytes(_bad_lines(30_000))
    reports: list[tuple[int, int]] = []
    result = flatten_export(export, tmp_path / "out", workers=3, progress=lambda b, n: reports.append((b, n)))
    assert (result.lines, result.bytes, result.unattributed_quarantined) == (30_000, export.stat().st_size, 30_000)
    assert reports[-1] == (export.stat().st_size, 30_000)
    records = read_quarantine(Path(result.unattributed_path))  # type: ignore[arg-type]
    assert [r["line"] for r in records] == list(range(1, 30_001))
    assert records[41]["raw"] == "{not json 42}" and str(records[41]["reason"]).startswith("not valid JSON")
    assert not (tmp_path / "out" / ".staging").exists()


def test_a_gzip_export_is_read_in_the_core(tmp_path: Path) -> None:
    export = tmp_path / "bad.ndjson.gz"
    export.write_bytes(gzip.compress(_bad_lines(5000)))
    result = flatten_export(export, tmp_path / "out", workers=2)
    assert (result.lines, result.bytes, result.unattributed_quarantined) == (5000, export.stat().st_size, 5000)


def test_a_truncated_gzip_names_the_last_good_line_and_lands_nothing(tmp_path: Path) -> None:
    export = tmp_path / "cut.ndjson.gz"
    whole = gzip.compress(_bad_lines(200_000))
    export.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CorruptGzipError, match=r"cut.ndjson.gz: the gzip stream is truncated or damaged after "
                                               r"line [\d,]+ .*download the export again"):
        flatten_export(export, tmp_path / "out", workers=2)
    assert not (tmp_path / "out" / "_quarantine").exists()
    assert not (tmp_path / "out" / ".staging").exists()


def test_a_json_array_is_refused(tmp_path: Path) -> None:
    export = tmp_path / "v1.json"
    export.write_bytes(b'[{"data_row": {"id": "x"}}]\n')
    with pytest.raises(NotNdjsonError, match="line 1 starts a JSON array"):
        flatten_export(export, tmp_path / "out")
