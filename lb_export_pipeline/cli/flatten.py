"""``lb-export flatten``: an export file into tables, with a summary and an exit code that tells the truth."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.table import Table

from .main import console, out_console, writing_under


@click.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, help="Tables root: a folder (or an object-store URI).")
@click.option("--workers", default=0, show_default=True,
              help="Threads that walk the export's lines (plain or gzip); 0: one per CPU core.")
@click.option("--model-run-id", default=None, help="Write only this model run (and attribute run-less rows to it).")
def flatten(export: Path, out: str, workers: int, model_run_id: str | None) -> None:
    """Flatten a downloaded export file into tables under --out."""
    from ..flatten import CorruptGzipError, InvalidPartitionValue, ModelRunNotInExport, NotNdjsonError, flatten_export
    from .progress import byte_progress

    workers = workers or os.cpu_count() or 1
    if Path(out).exists() and not Path(out).is_dir():
        raise click.ClickException(f"--out {out} is a file; give a folder (created if missing) or an object-store URI")
    if not _has_data(export):
        raise click.ClickException(f"{export}: no data rows (the file is empty); nothing was written")
    writing_under(out)

    try:
        with byte_progress(console, export.stat().st_size, f"flatten {export.name}") as advance:
            result = flatten_export(export, out, workers=workers, model_run_id=model_run_id, progress=advance)
    except (NotNdjsonError, CorruptGzipError, InvalidPartitionValue, ModelRunNotInExport) as error:
        raise click.ClickException(str(error)) from None
    table = Table(title=f"{export.name} -> {out}  ({result.lines:,} lines, {result.seconds:.1f}s, "
                        f"{result.workers} thread{'s' if result.workers > 1 else ''})")
    table.add_column("model_run_id", no_wrap=True)
    for name in result.rows:
        table.add_column(name, justify="right")
    table.add_column("quarantined", justify="right")
    for run_id, part in result.partitions.items():
        table.add_row(run_id, *(f"{part.rows[name]:,}" for name in result.rows), f"{part.quarantined:,}")
    if len(result.partitions) > 1:
        table.add_row("[bold]total", *(f"[bold]{n:,}" for n in result.rows.values()),
                      f"[bold]{result.quarantined:,}")
    out_console.print(table)
    if result.unattributed_quarantined:
        console.print(f"[yellow]{result.unattributed_quarantined} line(s) named no model run: "
                      f"{result.unattributed_path}")
    for message in result.first_errors[:5]:
        console.print(f"[yellow]quarantined: {message}")
    if result.skipped_runs:
        console.print(f"skipped rows of other model runs: {sum(result.skipped_runs.values()):,}")
    if not any(result.rows.values()):
        where = [str(p) for p in (result.unattributed_path, *(p.quarantine_path for p in result.partitions.values()))
                 if p is not None]
        raise click.ClickException(f"{export}: every line ({result.quarantined:,}) was quarantined, no row landed; "
                                   f"the reasons are in {', '.join(where)}")


def _has_data(export: Path) -> bool:
    """Whether the file holds anything but white space (plain or gzip). A damaged gzip counts as data:
    the flatten names the damage."""
    import gzip

    try:
        with open(export, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if raw.read(2) == b"\x1f\x8b" else raw
            raw.seek(0)
            while block := stream.read(1 << 16):
                if block.strip():
                    return True
    except (OSError, EOFError):
        return True
    return False
