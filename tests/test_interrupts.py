"""SIGTERM (what ``timeout``, Docker and Kubernetes send) cleans up as Ctrl-C does.

Real signals to real processes: the CLI or a library caller runs in a child process, is sent SIGTERM
mid-work, and every process it started is looked up by PID afterwards.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

CLI = Path(sys.executable).parent / "lb-export"
IMAGE_RUN = "a08c8321-3e07-06d8-43d2-a26ce0d9862c"


def _wait_for(what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"exited ({proc.returncode}) before {what}: {proc.stderr.read()!r}"
                                 if proc.stderr else f"exited before {what}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _alive(pids: set[int]) -> set[int]:
    """The PIDs that still run (a zombie has exited; only its parent's wait is missing)."""
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.fixture
def reaper() -> Iterator[set[int]]:
    """PIDs a test saw; any still running at the end is killed, so a failing test leaks nothing."""
    pids: set[int] = set()
    yield pids
    for pid in _alive(pids):
        os.kill(pid, signal.SIGKILL)


def _terminate_mid_flatten(cmd: list[str], out: Path, tmp_path: Path, reaper: set[int],
                           signum: int = signal.SIGTERM) -> tuple[int, set[int], Path]:
    """Run ``cmd`` with its own TMPDIR; once its flatten has begun its transaction (the walker threads
    then run for a while yet), send ``signum`` to it alone (as ``timeout`` does). Returns (status, the
    processes it started, TMPDIR)."""
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    proc = subprocess.Popen(cmd, env=dict(os.environ, TMPDIR=str(tmpdir)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    reaper.add(proc.pid)
    parent = psutil.Process(proc.pid)
    children: set[int] = set()
    try:
        _wait_for("the flatten's transaction", lambda: any((out / ".staging").glob("*/new")), proc)
        children.update(c.pid for c in parent.children(recursive=True))
        reaper.update(children)
        proc.send_signal(signum)
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return status, children, tmpdir


@pytest.mark.parametrize(("signum", "status"), [
    (signal.SIGTERM, -signal.SIGTERM),  # cleaned up, then died of the signal itself: its parent sees why
    (signal.SIGINT, 1),  # Ctrl-C sent to the parent alone (not the whole terminal group): click's "Aborted!"
], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_cli_flatten_leaves_no_process_and_no_copy(tmp_path: Path, large_gzip: Path,
                                                                     reaper: set[int], signum: int,
                                                                     status: int) -> None:
    out = tmp_path / "tables"
    got, children, tmpdir = _terminate_mid_flatten(
        [str(CLI), "flatten", str(large_gzip), "--out", str(out), "--workers", "2"], out, tmp_path, reaper, signum)
    assert got == status
    assert _alive(children) == set()  # threads, not processes: nothing to outlive the flatten
    assert list(tmpdir.iterdir()) == []  # gzip is decompressed in memory: no copy
    assert not (out / ".staging").exists() and not any(out.rglob("*.parquet"))  # nothing half-committed


def test_sigterm_during_a_library_flatten_leaves_no_process_and_no_copy(tmp_path: Path, large_gzip: Path,
                                                                        reaper: set[int]) -> None:
    script = ("import sys; from lb_export_pipeline.flatten import flatten_export; "
              "flatten_export(sys.argv[1], sys.argv[2], workers=2)")
    out = tmp_path / "tables"
    status, children, tmpdir = _terminate_mid_flatten(
        [sys.executable, "-c", script, str(large_gzip), str(out)], out, tmp_path, reaper)
    assert status == 128 + signal.SIGTERM  # Terminated (a SystemExit) ended the script after the cleanup
    assert _alive(children) == set()
    assert list(tmpdir.iterdir()) == []
    assert not (out / ".staging").exists()


# -- downloads -----------------------------------------------------------------------------------------------


@pytest.fixture
def slow_emulator() -> Iterator[Any]:
    """Every response waits 0.5 s: a download is still running when the test signals it."""
    from lb_export_pipeline.emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults

    state = EmulatorState(Catalog(CatalogSpec(rows=40)), Faults(polls_to_complete=1, slow_seconds=0.5))
    with EmulatorServer(state) as server:
        yield server


def _start_export(emulator: Any, out: Path, reaper: set[int]) -> subprocess.Popen[bytes]:
    from lb_export_pipeline.emulator import FIXTURE_RUN_ID

    proc = subprocess.Popen([str(CLI), "export", "--model-run", FIXTURE_RUN_ID, "--out", str(out), "--endpoint",
                             emulator.graphql_url, "--poll-interval", "0.01"],
                            env=dict(os.environ, LABELBOX_API_KEY="sigterm-test-key"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    reaper.add(proc.pid)
    _wait_for("the .partial download file", lambda: any(out.parent.glob(f".{out.name}.*.partial")), proc)
    return proc


def _partials(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*.partial"))


def test_sigterm_during_a_download_removes_its_partial_file(tmp_path: Path, slow_emulator: Any,
                                                            reaper: set[int]) -> None:
    out = tmp_path / "run.ndjson.gz"
    proc = _start_export(slow_emulator, out, reaper)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM
    assert _partials(out) == [] and not out.exists()


def test_the_next_download_removes_what_a_killed_one_left(tmp_path: Path, slow_emulator: Any,
                                                          reaper: set[int]) -> None:
    out = tmp_path / "run.ndjson.gz"
    proc = _start_export(slow_emulator, out, reaper)
    proc.kill()  # SIGKILL: nothing can clean up
    proc.wait(timeout=30)
    left = _partials(out)
    assert len(left) == 1
    from lb_export_pipeline.emulator import FIXTURE_RUN_ID

    done = subprocess.run([str(CLI), "export", "--model-run", FIXTURE_RUN_ID, "--out", str(out), "--endpoint",
                           slow_emulator.graphql_url, "--poll-interval", "0.01"],
                          env=dict(os.environ, LABELBOX_API_KEY="sigterm-test-key"), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _partials(out) == []
    assert gzip.decompress(out.read_bytes()).count(b"\n") == 5


def test_a_partial_file_being_written_is_left_alone(tmp_path: Path) -> None:
    import fcntl

    from lb_export_pipeline.labelbox.export import remove_stale_partials

    out = tmp_path / "run.ndjson"
    stale, live = tmp_path / ".run.ndjson.0000aaaa.partial", tmp_path / ".run.ndjson.1111bbbb.partial"
    other = tmp_path / ".other.ndjson.2222cccc.partial"  # another target's: not ours to judge
    for path in (stale, live, other):
        path.write_bytes(b"{}\n")
    with open(live, "rb") as writing:
        fcntl.flock(writing, fcntl.LOCK_EX)  # as a running download holds it
        assert remove_stale_partials(out) == [stale]
    assert not stale.exists() and live.exists() and other.exists()
