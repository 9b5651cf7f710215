"""Downloading a model run's export: start the task, follow it, stream the RESULT chunks to disk.

Memory stays flat: each chunk goes from the socket to the file (gzip-compressed when the path ends
in ``.gz``) piece by piece as it arrives. Each chunk's length is checked against its offsets, the total line count
against ``totalLines``, and the file appears under its final name only when complete. Until then it
is ``.<name>.<hex>.partial``, removed on any error, SIGTERM included, and, after a SIGKILL, by the
next download to the same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import gzip
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..interrupts import sigterm_unwinds
from . import exceptions as exc
from .client import LabelboxClient
from .config import EXPORT_TIMEOUT_SECONDS, POLL_INTERVAL_SECONDS
from .types import DownloadedStream, ExportParams, ExportResult, StreamType, Task

DownloadProgress = Callable[[int, int, int], None]
"""Called with (bytes done, total bytes, lines done) after every piece written."""


PARTIAL_SUFFIX = ".partial"


def remove_stale_partials(target: Path) -> list[Path]:
    """Remove what killed downloads to ``target`` left (``.<name>.<hex>.partial``): every such file
    no live download holds locked. Returns the files removed."""
    removed = []
    for partial in target.parent.glob(f".{glob.escape(target.name)}.*{PARTIAL_SUFFIX}"):
        with contextlib.suppress(OSError), open(partial, "rb") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # being written by a download that is still running
            partial.unlink()
            removed.append(partial)
    return removed


@sigterm_unwinds()
def download_stream(client: LabelboxClient, task_id: str, path: str | os.PathLike[str], *,
                    stream: StreamType = "RESULT", progress: DownloadProgress | None = None) -> DownloadedStream:
    """Write a completed task's stream to ``path`` atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    header = client.stream_header(task_id, stream)
    total = header.total_size if header else 0
    expected_lines = header.total_lines if header else 0
    remove_stale_partials(target)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}{PARTIAL_SUFFIX}")
    done = lines = chunks = 0
    last_byte = b"\n"
    try:
        with open(tmp, "wb") as raw:
            fcntl.flock(raw, fcntl.LOCK_EX)  # held while written: remove_stale_partials leaves it alone
            sink: IO[bytes] | gzip.GzipFile = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) \
                if target.suffix == ".gz" else raw

            def write(data: bytes) -> None:
                nonlocal done, lines, last_byte
                sink.write(data)
                done += len(data)
                lines += data.count(b"\n")
                last_byte = data[-1:]
                if progress is not None:
                    progress(done, total, lines)

            for chunk in client.chunks(task_id, stream, total):
                client.download_chunk(chunk, write)
                chunks += 1
            if sink is not raw:
                sink.close()
            raw.flush()
            os.fsync(raw.fileno())
        if done and last_byte != b"\n":
            lines += 1  # a last line without its newline
        if header is not None and lines != expected_lines:
            raise exc.ExportIntegrityError(
                f"task {task_id}: downloaded {lines} lines, Labelbox's header says {expected_lines}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return DownloadedStream(done, lines, expected_lines, chunks)


def export_model_run(
    client: LabelboxClient,
    model_run_id: str,
    path: str | os.PathLike[str],
    params: ExportParams | None = None,
    *,
    poll_interval: float = POLL_INTERVAL_SECONDS,
    timeout: float = EXPORT_TIMEOUT_SECONDS,
    on_poll: Callable[[Task], None] | None = None,
    progress: DownloadProgress | None = None,
) -> ExportResult:
    """Export one model run to ``path`` (plain NDJSON, or gzip when it ends in ``.gz``)."""
    started = time.perf_counter()
    task_id = client.start_model_run_export(model_run_id, params)
    client.wait_for_task(task_id, poll_interval=poll_interval, timeout=timeout, on_poll=on_poll)
    got = download_stream(client, task_id, path, progress=progress)
    errors = client.read_stream_lines(task_id, "ERRORS", limit=100)
    return ExportResult(task_id=task_id, path=str(path), bytes=got.bytes, lines=got.lines,
                        total_lines=got.total_lines, chunks=got.chunks, errors=errors,
                        seconds=time.perf_counter() - started)
