"""Partition replacement: idempotent, atomic, crash-safe, and refusing unsafe partition values."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.flatten import InvalidPartitionValue, flatten_export
from lb_export_pipeline.flatten import runner as runner_module
from lb_export_pipeline.storage import swap as swap_module
from lb_export_pipeline.storage.swap import STAGING_DIR, Transaction, recover
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
    assert not (out / STAGING_DIR).exists()


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

    monkeypatch.setattr(runner_module, "publish", crash)
    with pytest.raises(RuntimeError, match="killed mid-write"):
        flatten_export(seed_export, out)
    assert sorted(duck(out).execute("select * from classifications").fetchall(), key=repr) == before
    assert not (out / STAGING_DIR).exists()


def test_crash_between_renames_is_repaired(tmp_path: Path, seed_export: Path, duck: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Without RENAME_EXCHANGE the swap is two renames; a crash between them is undone by recover()."""
    out = tmp_path / "out"
    flatten_export(seed_export, out)
    monkeypatch.setattr(swap_module, "exchange", lambda a, b: False)
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
    monkeypatch.setattr(swap_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        txn.replace(Path("objects") / f"model_run_id={IMAGE_RUN}")
    monkeypatch.setattr(swap_module.os, "rename", real_rename)
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
    if not swap_module.exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here; the two-rename path is tested above")
    assert (b / "new").exists() and (a / "old").exists()


# -- two commits of the same new partition at once (issue: one crashed with "Directory not empty") -------

_ROUNDS = 100


def _commit_rounds(out: str, barrier: Any, errors: Any) -> None:
    """One of two processes: each round, stage a partition and swap it in at the same moment as the other."""
    for r in range(1, _ROUNDS + 1):
        txn = Transaction(Path(out)).begin()
        relative = Path("objects") / f"model_run_id=r{r}"
        (txn.new / relative).mkdir(parents=True)
        (txn.new / relative / f"part-{txn.id}.parquet").write_text(txn.id)
        barrier.wait()
        try:
            txn.replace(relative)
        except OSError as error:
            errors.put(f"round {r}: {error}")
        finally:
            txn.finish()


def test_two_flattens_creating_the_same_partition_at_once_both_commit(tmp_path: Path) -> None:
    """A stress run with real processes (the window is microseconds: a few rounds in a hundred collide on
    this machine); the next test forces the collision every time."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier, errors = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_commit_rounds, args=(str(tmp_path), barrier, errors)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == [] and [p.exitcode for p in procs] == [0, 0]
    for r in range(1, _ROUNDS + 1):  # each partition is one whole version: one part file, of one transaction
        parts = list((tmp_path / "objects" / f"model_run_id=r{r}").iterdir())
        assert len(parts) == 1 and parts[0].read_text() in parts[0].name
    assert not (tmp_path / STAGING_DIR).exists()


@pytest.mark.parametrize("with_exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_partition_created_between_the_check_and_the_rename_is_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_exchange: bool) -> None:
    """The same race, forced: another commit's folder lands just after this one looked for it."""
    if not with_exchange:
        monkeypatch.setattr(swap_module, "exchange", lambda a, b: False)
    relative = Path("objects") / "model_run_id=r"
    mine = Transaction(tmp_path).begin()
    (mine.new / relative).mkdir(parents=True)
    (mine.new / relative / "part-mine.parquet").write_text("mine")
    real_rename = os.rename
    calls = {"n": 0}

    def rename(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # the other flatten wins the first-time rename
            (tmp_path / relative).mkdir(parents=True)
            (tmp_path / relative / "part-theirs.parquet").write_text("theirs")
        real_rename(src, dst)

    monkeypatch.setattr(swap_module.os, "rename", rename)
    mine.replace(relative)
    mine.finish()
    assert [p.name for p in (tmp_path / relative).iterdir()] == ["part-mine.parquet"]
    assert not (tmp_path / STAGING_DIR).exists()


# -- recover() deletes only its own transactions -----------------------------------------------------------


def test_recover_deletes_only_folders_a_transaction_marked(tmp_path: Path) -> None:
    staging = tmp_path / STAGING_DIR
    staging.mkdir()
    user = staging / "my-notes"  # a user's folder
    user.mkdir()
    (user / "keep.txt").write_text("mine")
    lookalike = staging / "0123456789abcdef"  # named like a transaction, but unmarked
    lookalike.mkdir()
    (lookalike / "keep.txt").write_text("mine too")
    precious = tmp_path / "precious"  # a symlink's target, outside .staging
    precious.mkdir()
    (precious / "data.txt").write_text("do not delete")
    (staging / "fedcba9876543210").symlink_to(precious)
    dead = Transaction(tmp_path).begin()  # a transaction whose process died
    (dead.new / "objects").mkdir()
    assert dead._lock is not None
    dead._lock.close()
    dead._lock = None

    recover(tmp_path)
    assert not dead.root.exists()
    assert (user / "keep.txt").read_text() == "mine"
    assert (lookalike / "keep.txt").read_text() == "mine too"
    assert (precious / "data.txt").read_text() == "do not delete"
    assert (staging / "fedcba9876543210").is_symlink()
    assert sorted(p.name for p in staging.iterdir()) == ["0123456789abcdef", "fedcba9876543210", "my-notes"]


def test_a_model_run_not_in_the_export_leaves_its_partition_untouched(tmp_path: Path, seed_export: Path,
                                                                      duck: Any) -> None:
    from lb_export_pipeline.flatten import ModelRunNotInExport

    out = tmp_path / "out"
    only_image = write_lines(tmp_path / "image.ndjson", [seed_rows()[0]])
    flatten_export(seed_export, out, model_run_id=IMAGE_RUN)
    other = "a0903f81-3b79-0d74-f653-71624d71dba1"
    flatten_export(seed_export, out, model_run_id=other)
    before = _count(duck, out, "objects")
    with pytest.raises(ModelRunNotInExport, match=rf"image\.ndjson: model run '{other}' is not in this export, "
                                                  rf"which holds rows of 1 other model run\(s\) \({IMAGE_RUN}\)"):
        flatten_export(only_image, out, model_run_id=other)
    assert _count(duck, out, "objects") == before
    assert duck(out).execute("select count(*) from data_rows where model_run_id = ?", [other]).fetchone() == (1,)
    empty = flatten_export(write_lines(tmp_path / "empty.ndjson", []), out, model_run_id=other)  # an empty run
    assert empty.rows["data_rows"] == 0
