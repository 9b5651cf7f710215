"""Progress bars for long CLI work (rich); Dagster code logs counts instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


@contextmanager
def byte_progress(console: Console, total: int | None, label: str) -> Iterator[Callable[[int, int], None]]:
    """A bar over bytes; yields ``advance(bytes_done, lines_done)`` with absolute counts."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TextColumn("{task.fields[lines]} lines"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=total, lines="")

        def advance(done: int, lines: int) -> None:
            progress.update(task, completed=done, lines=f"{lines:,}" if lines else "")

        yield advance
        progress.update(task, completed=total if total is not None else None)
