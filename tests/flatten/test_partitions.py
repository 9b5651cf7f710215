"""Partition replacement: idempotent, atomic, crash-safe, and refusing unsafe partition values."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.flatten import InvalidPartitionValue, flatten_export
from lb_export_pipeline.flatten import commit as commit_module
from lb_export_pipeline.flatten import runner as runner_module
from lb_export_pipeline.flatten.commit import STAGING_DIR, Transaction, recover
from tests.conftest import seed_rows, write_lines

IMAGE_RUN = "a08c8321-3e07-06d8-43d2-a26ce0d9862c"


def _count(duck: Any, root: Path, table: str) -> int:
    return int(duck(root).execute(f"select count(*) from {table}").fetchone()[0])


def test_flattening_twice_gives_the_same_rows(tmp_path: Path, seed_export: Path, duck: Any) -> None:
    out = tmp_path / "out"
    first = flatten_export(seed_export, out)
    before = sorted(duck(out).execute("select * from objects").fetchall(), key=repr)
    second = flatten_export(seed_export, out)
    assert first.rows == second.rows
    assert sorted(duck(out).execute("select * from objects").fetchall(), key=repr) == before
    assert not any((out / STAGING_DIR).iterdir())


def test_a_partition_is_replaced_whole_not_appended(tmp_path: Path, duck: Any) -> None:
    out = tmp_path / "out"
    image = seed_rows()[0]
    flatten_export(write_lines(tmp_path / "a.ndjson", [image]), out)
    assert _count(duck, out, "objects") == 12
    run = image["models"]["a08c8320-f6da-01c7-ddfc-440ea660acc2"]["model_runs"][IMAGE_RUN]
    run["predictions"] = []
    flatten_export(write_lines(tmp_path / "b.ndjson", [image]), out)
    assert _count(duck, out, "objects") == 6  # the predictions' rows are gone, not kept stale


def test_only_the_named_run_is_written_when_a_model_run_is_given(tmp_path: Path, seed_export: Path) -> None:
    result = flatten_export(seed_export, tmp_path / "out", model_run_id=IMAGE_RUN, splits={
        "cldw8hs6l1ii9070lcysma1zk": "TEST"})
    assert list(result.partitions) == [IMAGE_RUN]
    assert result.rows["data_rows"] == 1
    assert sum(result.skipped_runs.values()) == 4
    import duckdb

    split = duckdb.execute(f"select split from read_parquet('{tmp_path}/out/data_rows/*/*.parquet')").fetchone()
    assert split == ("TEST",)


def test_invalid_partition_value_is_refused(tmp_path: Path, seed_export: Path) -> None:
    with pytest.raises(InvalidPartitionValue, match=r"invalid model_run_id '\.\./x'"):
        flatten_export(seed_export, tmp_path / "out", model_run_id="../x")


def test_crash_while_writing_leaves_the_old_partition(tmp_path: Path, seed_export: Path, duck: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    flatten_export(seed_export, out)
    before = sorted(duck(out).execute("select * from classifications").fetchall(), key=repr)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(runner_module, "_commit", crash)
    with pytest.raises(RuntimeError, match="killed mid-write"):
        flatten_export(seed_export, out)
    assert sorted(duck(out).execute("select * from classifications").fetchall(), key=repr) == before
    assert not any((out / STAGING_DIR).iterdir())


def test_crash_between_renames_is_repaired(tmp_path: Path, seed_export: Path, duck: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Without RENAME_EXCHANGE the swap is two renames; a crash between them is undone by recover()."""
    out = tmp_path / "out"
    flatten_export(seed_export, out)
    monkeypatch.setattr(commit_module, "exchange", lambda a, b: False)
    real_rename = os.rename
    calls = {"n": 0}

    def rename(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the old folder has moved aside, the new one not yet in
            raise KeyboardInterrupt("power cut")
        real_rename(src, dst)

    txn = Transaction(out).begin()
    staged = txn.new / "objects" / f"model_run_id={IMAGE_RUN}"
    staged.mkdir(parents=True)
    monkeypatch.setattr(commit_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        txn.replace(Path("objects") / f"model_run_id={IMAGE_RUN}")
    monkeypatch.setattr(commit_module.os, "rename", real_rename)
    assert not (out / "objects" / f"model_run_id={IMAGE_RUN}").exists()
    assert txn._lock is not None
    txn._lock.close()  # the process "died": its lock is gone
    txn._lock = None
    restored = recover(out)
    assert restored == [out / "objects" / f"model_run_id={IMAGE_RUN}"]
    assert _count(duck, out, "objects") == 36


def test_recover_leaves_a_live_transaction_alone(tmp_path: Path) -> None:
    live = Transaction(tmp_path).begin()
    (live.new / "marker").write_text("busy")
    assert recover(tmp_path) == []
    assert (live.new / "marker").exists()
    live.finish()
    assert not live.root.exists()


def test_exchange_swaps_folders_atomically(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "new").write_text("n")
    (b / "old").write_text("o")
    if not commit_module.exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here; the two-rename path is tested above")
    assert (b / "new").exists() and (a / "old").exists()
