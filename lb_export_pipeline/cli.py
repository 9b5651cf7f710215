"""``lb-export``: the command line for users outside Dagster (and for the demo).

    lb-export flatten EXPORT.ndjson[.gz] --out DIR [--workers N] [--model-run-id ID]
    lb-export sql DIR [-c "SELECT ..."]
    lb-export export --model-run ID --out FILE [--predictions/--no-predictions ...]
    lb-export emulator [--port N]
    lb-export ddl --engine trino|athena|spark --location URI
    lb-export demo | ui
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
out_console = Console()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Labelbox model-run exports to Hive-partitioned Parquet tables."""


@main.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, help="Tables root: a folder (or an object-store URI).")
@click.option("--workers", default=1, show_default=True, help="Processes to split a large plain file across.")
@click.option("--model-run-id", default=None, help="Write only this model run (and attribute run-less rows to it).")
def flatten(export: Path, out: str, workers: int, model_run_id: str | None) -> None:
    """Flatten a downloaded export file into tables under --out."""
    from .flatten import flatten_export
    from .progress import byte_progress

    with byte_progress(console, export.stat().st_size, f"flatten {export.name}") as advance:
        result = flatten_export(export, out, workers=workers, model_run_id=model_run_id, progress=advance)
    table = Table(title=f"{export.name} -> {out}  ({result.lines:,} lines, {result.seconds:.1f}s, "
                        f"{result.workers} process{'es' if result.workers > 1 else ''})")
    table.add_column("table")
    for run_id in result.partitions:
        table.add_column(f"model_run_id={run_id}", justify="right")
    for name in result.rows:
        table.add_row(name, *(f"{p.rows[name]:,}" for p in result.partitions.values()))
    table.add_row("quarantined lines", *(f"{p.quarantined:,}" for p in result.partitions.values()))
    out_console.print(table)
    if result.unattributed_quarantined:
        console.print(f"[yellow]{result.unattributed_quarantined} line(s) named no model run: "
                      f"{result.unattributed_path}")
    for message in result.first_errors[:5]:
        console.print(f"[yellow]quarantined: {message}")
    if result.skipped_runs:
        console.print(f"skipped rows of other model runs: {sum(result.skipped_runs.values()):,}")


@main.command()
@click.argument("root")
@click.option("-c", "command", default=None, help="Run this SQL and print the result, then exit.")
def sql(root: str, command: str | None) -> None:
    """Query the tables under ROOT with DuckDB (a view per table)."""
    from .query import connect

    con = connect(root)
    if command is not None:
        _print_result(con, command)
        return
    console.print(f"DuckDB over {root}: views data_rows, labels, objects, classifications, video_frames, "
                  "relationships. End statements with ';', Ctrl-D to quit.")
    buffer = ""
    while True:
        try:
            line = input("sql> " if not buffer else "...> ")
        except EOFError:
            break
        buffer += line + "\n"
        if buffer.strip().endswith(";"):
            try:
                _print_result(con, buffer)
            except Exception as exc:  # an interactive shell reports and goes on
                console.print(f"[red]{exc}")
            buffer = ""


def _print_result(con: object, statement: str) -> None:
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    cursor = con.execute(statement)
    if cursor.description is None:
        return
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    table = Table(*columns)
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    out_console.print(table)


if __name__ == "__main__":
    main()
