"""The ``lb-export`` group and what every command shares: its consoles, SIGTERM handling, and one
line, naming a path, for a filesystem error."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from ..interrupts import Terminated, die_of_sigterm, sigterm_unwinds

# Wide enough for the summary tables when output is piped (rich falls back to 80 columns).
_WIDTH = None if sys.stdout.isatty() else 150
console = Console(stderr=True, width=_WIDTH)
out_console = Console(width=_WIDTH)

WRITING = "lb_export.writing"  # ctx.meta: where a command writes, for an OSError that names no path


class _Commands(click.Group):
    """Every command: SIGTERM cleans up as Ctrl-C does, and a filesystem error is one line naming its path."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            with sigterm_unwinds():
                return super().invoke(ctx)
        except Terminated:
            die_of_sigterm()  # cleanup is done: end with the signal's own status
            raise
        except OSError as error:
            raise click.ClickException(describe_os_error(error, ctx.meta.get(WRITING))) from None


def writing_under(path: object) -> None:
    """Say where the running command writes, for errors that name no path (ENOSPC from a write)."""
    click.get_current_context().meta[WRITING] = path


def describe_os_error(error: OSError, writing: object = None) -> str:
    """One line for a filesystem error, always with a path: ENOSPC from a write names none."""
    path = error.filename if error.filename is not None else writing
    problem = os.strerror(error.errno) if error.errno else (error.strerror or str(error))
    if error.filename2 is not None:
        return f"{path} -> {error.filename2}: {problem}"
    if path is None:
        return problem
    return f"{path}: {problem}" if error.filename is not None else f"{problem} (writing under {path})"


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Labelbox model-run exports to Hive-partitioned Parquet tables."""
