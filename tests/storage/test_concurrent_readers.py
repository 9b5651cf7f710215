"""A reader during a partition replacement sees the old partition or the new one, never both."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.query import connect

RUN = synthetic.run_ref(5, 0, 0)


def _export(path: Path, rows: int) -> Path:
    settings = synthetic.GeneratorSettings(seed=5, video_frames=30)
    with open(path, "wb") as f:
        for line in synthetic.iter_lines(settings, [RUN], rows):
            f.write(line)
    return path


def _race(root: str, tmp_path: Path, count: callable[[], int]) -> set[int]:  # type: ignore[valid-type]
    small, large = _export(tmp_path / "small.ndjson", 12), _export(tmp_path / "large.ndjson", 30)
    flatten_export(large, root)
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            # A listing taken just before a swap fails to open a file: the reader retries, never mixes.
            with contextlib.suppress(duckdb.IOException, duckdb.InvalidInputException, OSError):
                seen.add(count())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(6):
            flatten_export(small if i % 2 == 0 else large, root)
    finally:
        done.set()
        reader.join()
    return seen


def test_local_hive_partition_swap(tmp_path: Path) -> None:
    root = tmp_path / "tables"

    def count() -> int:
        return int(duckdb.execute(
            f"select count(*) from read_parquet('{root}/data_rows/*/*.parquet')").fetchone()[0])  # type: ignore[index]

    seen = _race(str(root), tmp_path, count)
    assert seen and seen <= {12, 30}


def test_delta_partition_commit(s3: str, tmp_path: Path) -> None:
    root = f"{s3}/tables"

    def count() -> int:
        return int(connect(root).execute("select count(*) from data_rows").fetchone()[0])  # type: ignore[index]

    seen = _race(root, tmp_path, count)
    assert seen and seen <= {12, 30}


def test_reads_forced_inside_the_swap_window_see_one_whole_version(tmp_path: Path, monkeypatch: Any) -> None:
    """The race above is left to chance; here a read runs at each step of the commit of one partition:
    just before its swap, just after it (old folder still on disk, about to be removed), and with a
    listing taken before the swap but opened after it."""
    from lb_export_pipeline.storage import swap

    root = tmp_path / "tables"
    small, large = _export(tmp_path / "small.ndjson", 12), _export(tmp_path / "large.ndjson", 30)
    flatten_export(large, root)
    partition = root / "data_rows" / f"model_run_id={RUN.run_id}"
    seen: dict[str, Any] = {}

    def count(files: list[str] | None = None) -> int:
        source = files if files is not None else f"{root}/data_rows/*/*.parquet"
        return int(duckdb.execute("select count(*) from read_parquet(?)", [source]).fetchone()[0])  # type: ignore[index]

    real_exchange = swap.exchange

    def exchange(staged: Path, target: Path) -> bool:
        if target != partition:
            return real_exchange(staged, target)
        seen["before"] = count()
        seen["listing"] = sorted(str(p) for p in target.glob("*.parquet"))
        swapped = real_exchange(staged, target)
        seen["after"] = count()  # the old version sits in the staging area, not yet removed
        seen["old folder still there"] = any(staged.glob("*.parquet"))
        return swapped

    monkeypatch.setattr(swap, "exchange", exchange)
    flatten_export(small, root)
    if not seen.get("old folder still there"):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    assert (seen["before"], seen["after"]) == (30, 12)
    with pytest.raises(duckdb.IOException, match=r"No files found|No such file"):  # never the old rows, never a mix
        count(seen["listing"])
    assert count() == 12
