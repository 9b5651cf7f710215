"""SIGTERM unwinds like Ctrl-C: every ``finally`` block and context manager runs.

SIGTERM is what ``timeout``, Docker and Kubernetes send. Left to its default, it ends the process at
once: a flatten's worker processes, its decompressed copy of a gzip export in ``TMPDIR`` and a
download's ``.partial`` file would all outlive it. Inside ``sigterm_unwinds()`` it raises
``Terminated`` in the main thread instead, so the same cleanup as for ``KeyboardInterrupt`` happens
(worker processes are stopped where they are started: ``stop_workers``).

Only a default handler is replaced, and only in the main thread (where Python runs signal handlers):
a host that handles SIGTERM itself (the Dagster run worker does) keeps its own handling.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from types import FrameType


class Terminated(SystemExit):
    """A SIGTERM received inside ``sigterm_unwinds()``. Uncaught, it ends the process with status 143
    (128 + SIGTERM), as a shell reports a terminated command."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup short
    raise Terminated


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While inside, SIGTERM raises ``Terminated`` (if nobody else handles SIGTERM)."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def die_of_sigterm() -> None:
    """End this process by SIGTERM itself (after cleanup), so its parent sees the true cause."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
    signal.pause()  # not reached: the signal is delivered before os.kill returns


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate a process pool's workers now (``shutdown`` would wait for their running tasks) and
    reap them, so none outlives the caller and none writes into a folder being removed."""
    # Taken before shutdown(), which forgets them. (Python 3.14 has pool.terminate_workers().)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.join(timeout=10)
