"""Atomic replacement of Hive partitions on a local (POSIX) filesystem.

A flatten writes everything under ``<out>/.staging/<txn>/new/<table>/model_run_id=<id>/`` (a
hidden folder: Spark, Hive, Trino and ``read_parquet('<table>/*/*.parquet')`` never look there),
then swaps each staged partition folder into ``<out>/<table>/``:

* Linux ``renameat2(RENAME_EXCHANGE)`` swaps the two folders in one step, so a reader sees the old
  partition or the new one, never a mix, and a crash at any point leaves one of them whole;
* elsewhere the old folder is first renamed into ``<txn>/old/`` and the new one renamed into place;
  a crash between the two renames is repaired by ``recover()``, which puts the old folder back.

Each transaction holds an exclusive ``flock`` on ``.staging/<txn>.lock`` while it runs, so
``recover()`` (run at the start of every flatten) only touches transactions whose process died,
never a concurrent flatten of another partition. A transaction's folder carries a marker file
naming it; ``recover()`` deletes nothing else (a user's folder, a symlink, a stray file).

Two flattens of the same partition may commit at the same moment: whichever swap comes second
finds the first one's folder in place and replaces it, as any replacement does.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

STAGING_DIR = ".staging"
MARKER_FILE = ".lb-export-transaction"  # inside <txn>/: what recover() may delete holds this, naming its id
_TXN_ID = re.compile(r"[0-9a-f]{16}")
_SWAP_ATTEMPTS = 20  # a concurrent commit of the same partition can move the target between our steps
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2() -> object | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths. False when the OS or filesystem cannot (the caller falls back)."""
    if _renameat2 is None:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)  # type: ignore[operator]
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def fsync_tree(root: Path) -> None:
    """Flush staged files and their folders to disk before they are swapped in."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(Path(dirpath, name))
        fsync_path(Path(dirpath))


def fsync_path(path: Path) -> None:
    """Flush one file, or one folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Transaction:
    """One flatten's staging area under ``<out>/.staging/<id>``."""

    out: Path
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    _lock: IO[bytes] | None = None

    @property
    def root(self) -> Path:
        return self.out / STAGING_DIR / self.id

    @property
    def new(self) -> Path:
        return self.root / "new"

    @property
    def old(self) -> Path:
        return self.root / "old"

    def begin(self) -> Transaction:
        staging = self.out / STAGING_DIR
        while True:
            try:
                staging.mkdir(parents=True, exist_ok=True)
                recover(self.out)
                self._lock = open(staging / f"{self.id}.lock", "wb")
                break
            except FileNotFoundError:
                continue  # another transaction's finish() removed the empty .staging just now
            except FileExistsError:
                # mkdir found .staging, then it was gone when mkdir checked it was a folder (the same
                # finish()); a file or link in its place is no race: say so
                if os.path.lexists(staging):
                    raise
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.root.mkdir()
        (self.root / MARKER_FILE).write_text(self.id)
        self.new.mkdir()
        return self

    def replace(self, relative: Path) -> None:
        """Make ``<out>/<relative>`` the staged ``new/<relative>`` in one atomic step."""
        staged, target = self.new / relative, self.out / relative
        if not staged.is_dir():
            raise FileNotFoundError(errno.ENOENT, "nothing staged", str(staged))
        target.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(_SWAP_ATTEMPTS):
            if self._swap(staged, target, self.old / relative):
                fsync_path(target.parent)
                return
        raise OSError(errno.EBUSY, f"{target} kept changing under {_SWAP_ATTEMPTS} concurrent commits", str(target))

    @staticmethod
    def _swap(staged: Path, target: Path, aside: Path) -> bool:
        """One try; False when another commit of the same partition changed ``target`` meanwhile."""
        try:
            if not target.exists():
                os.rename(staged, target)  # first version; fails if another commit got there first
                return True
            if exchange(staged, target):
                shutil.rmtree(staged)
                return True
            aside.parent.mkdir(parents=True, exist_ok=True)
            if aside.exists():  # moved aside by an earlier try; a newer commit has replaced it since
                shutil.rmtree(aside)
            os.rename(target, aside)
            os.rename(staged, target)
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                return False  # the target appeared or went since we looked: look again
            raise
        shutil.rmtree(aside)
        return True

    def replace_file(self, relative: Path) -> None:
        target = self.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.new / relative, target)

    def finish(self) -> None:
        """Drop the staging area (after commit, or to abandon the transaction)."""
        shutil.rmtree(self.root, ignore_errors=True)
        if self._lock is not None:
            lock_path = Path(self._lock.name)
            self._lock.close()
            self._lock = None
            lock_path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the last transaction out leaves no trace
            (self.out / STAGING_DIR).rmdir()


def _is_transaction(path: Path) -> bool:
    """A folder this module created: a real directory (not a symlink) named by an id, holding the
    marker file that names the same id."""
    marker = path / MARKER_FILE
    try:
        return (_TXN_ID.fullmatch(path.name) is not None and not path.is_symlink() and path.is_dir()
                and not marker.is_symlink() and marker.read_text() == path.name)
    except OSError:
        return False


def _moved_aside(folder: Path) -> Iterator[Path]:
    """The partition folders (``<column>=<value>``) a transaction moved aside, at whatever depth it
    replaced them: ``<table>/<column>=<value>`` for tables, ``<column>=<value>`` for a raw landing."""
    for path in sorted(folder.iterdir()):
        if "=" in path.name:
            yield path
        elif path.is_dir() and not path.is_symlink():
            yield from _moved_aside(path)


def recover(out: Path) -> list[Path]:
    """Repair what dead transactions left: restore any partition moved aside but not replaced,
    then delete their staging folders. Returns the partitions restored.

    Only transactions of this module are touched (see ``_is_transaction``): anything else under
    ``.staging`` is left as it is."""
    staging = out / STAGING_DIR
    restored: list[Path] = []
    if not staging.is_dir():
        return restored
    for txn in sorted(p for p in staging.iterdir() if _is_transaction(p)):
        lock_path = staging / f"{txn.name}.lock"
        with open(lock_path, "ab") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live flatten owns it
            old = txn / "old"
            for part in _moved_aside(old) if old.is_dir() else []:
                target = out / part.relative_to(old)
                if not target.exists():
                    os.rename(part, target)
                    restored.append(target)
            shutil.rmtree(txn, ignore_errors=True)
        lock_path.unlink(missing_ok=True)
    return restored
