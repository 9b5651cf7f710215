"""``lb-export demo`` and ``lb-export ui``: the pipeline through Dagster against the local emulator."""

from __future__ import annotations

from pathlib import Path

import click

from .main import console, out_console


@click.command()
@click.option("--home", default=".demo", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo's Dagster instance and data.")
def demo(home: Path) -> None:
    """Run the whole pipeline through Dagster against the local emulator and print what landed."""
    from ..demo import run_demo

    raise SystemExit(run_demo(home, out_console))


@click.command()
@click.option("--home", default=".demo", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", default=3000, show_default=True, help="Dagster UI port.")
@click.option("--emulator-port", default=8765, show_default=True)
def ui(home: Path, port: int, emulator_port: int) -> None:
    """Start the emulator and the Dagster UI (dg dev) against it, with the sensors on."""
    from ..demo import run_ui

    raise SystemExit(run_ui(home, port, emulator_port, console))
