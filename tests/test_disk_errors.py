"""A full disk, a read-only or unwritable --out: one line naming the path, exit 1, no traceback.

The filesystems are real: a small or read-only tmpfs mounted in a private mount namespace
(``unshare -m``) for the one command under test, and an unprivileged user namespace (``unshare -U``)
for a permission error when the tests run as root. Where the machine allows neither, the tests skip.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_EXPORT

CLI = Path(sys.executable).parent / "lb-export"


@functools.cache
def _can_mount(probe: str) -> bool:
    return subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {shlex.quote(probe)}"],
                          capture_output=True, check=False).returncode == 0


def _in_mount(tmp_path: Path, options: str, command: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``command`` (shell) with a fresh tmpfs (``-o options``) at ``tmp_path/mnt``, visible to it
    alone; afterwards list what is left on that tmpfs. Returns (status, stdout, stderr)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if not _can_mount(str(mnt)):
        pytest.skip("needs a private mount namespace (unshare -m with CAP_SYS_ADMIN) to mount a small tmpfs")
    script = (f"mount -t tmpfs -o {options} tmpfs {shlex.quote(str(mnt))} || exit 99; {command}; rc=$?; "
              f"echo LEFT: $(find {shlex.quote(str(mnt))} -mindepth 1 | sort); exit $rc")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})), check=False)
    assert done.returncode != 99, done.stderr
    return done.returncode, done.stdout, done.stderr


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def _left(stdout: str) -> str:
    return stdout.rsplit("LEFT:", 1)[1].strip()


def test_a_gzip_flatten_on_two_threads_needs_no_space_in_tmpdir(tmp_path: Path, large_gzip: Path) -> None:
    # Two walkers share a gzip export without a decompressed copy: a 64 KB TMPDIR is enough.
    mnt = tmp_path / "mnt"
    status, stdout, stderr = _in_mount(
        tmp_path, "size=64k", f"{CLI} flatten {large_gzip} --out {tmp_path / 'tables'} --workers 2",
        env={"TMPDIR": str(mnt)})
    assert status == 0, stderr
    words = " ".join(stdout.split())  # rich may wrap the summary's title
    assert "(10,000 lines," in words and "2 threads)" in words
    assert _left(stdout) == ""  # nothing written to TMPDIR


def test_a_full_out_disk_names_where_it_was_writing(tmp_path: Path) -> None:
    export = tmp_path / "big.ndjson"
    export.write_bytes(SEED_EXPORT.read_bytes() * 400)  # 14 MB: ~1 MB of Parquet, more than the disk
    out = tmp_path / "mnt" / "tables"
    status, stdout, stderr = _in_mount(tmp_path, "size=256k", f"{CLI} flatten {export} --out {out} --workers 1")
    assert status == 1
    assert _error_line(stderr) == f"Error: No space left on device (writing under {out})"
    assert _left(stdout) == str(out)  # the empty folder: no staging area, no half partition


def test_a_read_only_out_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "mnt" / "tables"
    status, _, stderr = _in_mount(tmp_path, "ro", f"{CLI} flatten {SEED_EXPORT} --out {out}")
    assert status == 1
    assert _error_line(stderr) == f"Error: {out}: Read-only file system"


def test_an_out_folder_without_write_permission_is_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    tmp_path.chmod(0o755)
    out = locked / "tables"
    command = [str(CLI), "flatten", str(SEED_EXPORT), "--out", str(out)]
    if os.geteuid() == 0:  # root writes anywhere: run as an unmapped user of a new user namespace
        if subprocess.run(["unshare", "-U", "true"], capture_output=True, check=False).returncode != 0:
            pytest.skip("running as root, and no user namespace (unshare -U) to drop the privilege in")
        command = ["unshare", "-U", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert _error_line(done.stderr) == f"Error: {out}: Permission denied"
