"""A raw landing is swapped like a table partition, one level up: a crash inside its swap is repaired too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.storage import LocalStore
from lb_export_pipeline.storage import swap as swap_module
from lb_export_pipeline.storage.swap import Transaction, recover


def _land(store: LocalStore, text: str) -> None:
    with store.stage() as staging:
        (staging.folder / "model_run_id=r1").mkdir()
        (staging.folder / "model_run_id=r1" / "manifest.json").write_text(text)
        staging.publish_folder("model_run_id=r1", last="manifest.json")


def test_a_landing_moved_aside_by_a_dead_swap_is_put_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without RENAME_EXCHANGE the swap is two renames and the process dies between them. recover()
    looked for ``old/<table>/<partition>`` only, so a landing moved aside (``old/<partition>``) made
    it rename the landing's files into a folder that was gone (FileNotFoundError)."""
    raw = LocalStore(tmp_path / "raw")
    _land(raw, "old")
    monkeypatch.setattr(swap_module, "exchange", lambda a, b: False)
    real_rename = os.rename
    calls = {"n": 0}

    def rename(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the old landing has moved aside, the new one is not in yet
            raise KeyboardInterrupt("power cut")
        real_rename(src, dst)

    txn = Transaction(raw.root).begin()
    (txn.new / "model_run_id=r1").mkdir()
    (txn.new / "model_run_id=r1" / "manifest.json").write_text("new")
    monkeypatch.setattr(swap_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        txn.replace(Path("model_run_id=r1"))
    monkeypatch.setattr(swap_module.os, "rename", real_rename)
    assert not (raw.root / "model_run_id=r1").exists()
    assert txn._lock is not None
    txn._lock.close()  # the process "died": its lock is gone
    txn._lock = None
    assert recover(raw.root) == [raw.root / "model_run_id=r1"]
    assert (raw.root / "model_run_id=r1" / "manifest.json").read_text() == "old"
    _land(raw, "next")  # the next landing goes through
    assert (raw.root / "model_run_id=r1" / "manifest.json").read_text() == "next"
    assert not (raw.root / swap_module.STAGING_DIR).exists()


def test_begin_survives_the_last_transaction_removing_staging_under_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Another transaction's finish() removes the empty .staging between mkdir seeing it (EEXIST) and
    mkdir checking it is a folder: begin() looks again rather than failing with FileExistsError (a
    stress test of two flattening processes hit it)."""
    staging = tmp_path / swap_module.STAGING_DIR
    real_mkdir = os.mkdir
    raced = []

    def mkdir(path: Any, mode: int = 0o777) -> None:
        if Path(path) == staging and not raced:
            raced.append(path)
            raise FileExistsError(17, "File exists", str(path))  # it was there, and is gone by now
        real_mkdir(path, mode)

    monkeypatch.setattr(os, "mkdir", mkdir)
    txn = Transaction(tmp_path).begin()
    assert raced and txn.new.is_dir() and txn.root.parent == staging
    txn.finish()
    assert not staging.exists()


def test_begin_refuses_a_file_where_staging_goes(tmp_path: Path) -> None:
    (tmp_path / swap_module.STAGING_DIR).write_text("not a folder")
    with pytest.raises(FileExistsError):
        Transaction(tmp_path).begin()
