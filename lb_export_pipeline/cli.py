"""``lb-export``: the command line for users outside Dagster (and for the demo).

    lb-export flatten EXPORT.ndjson[.gz] --out DIR [--workers N] [--model-run-id ID]
    lb-export sql DIR [-c "SELECT ..."]
    lb-export export --model-run ID --out FILE [--predictions/--no-predictions ...]
    lb-export emulator [--port N]
    lb-export ddl --engine trino|athena|spark --location URI
    lb-export evaluate DIR [--model-run-id ID] [--iou 0.5:0.95:0.05]
    lb-export demo | ui
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .labelbox.config import EXPORT_TIMEOUT_SECONDS, POLL_INTERVAL_SECONDS
from .labelbox.types import ExportParams

_EXPORT = ExportParams()  # the export options' defaults, declared once (ExportParams)

# Wide enough for the summary tables when output is piped (rich falls back to 80 columns).
_WIDTH = None if sys.stdout.isatty() else 150
console = Console(stderr=True, width=_WIDTH)
out_console = Console(width=_WIDTH)


class _Commands(click.Group):
    """Every command: SIGTERM cleans up as Ctrl-C does, and a filesystem error is one line naming its path."""

    def invoke(self, ctx: click.Context) -> object:
        from .interrupts import Terminated, die_of_sigterm, sigterm_unwinds

        try:
            with sigterm_unwinds():
                return super().invoke(ctx)
        except Terminated:
            die_of_sigterm()  # cleanup is done: end with the signal's own status
            raise
        except OSError as error:
            raise click.ClickException(describe_os_error(error, ctx.meta.get(_WRITING))) from None


_WRITING = "lb_export.writing"  # ctx.meta: where a command writes, for an OSError that names no path


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


@main.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, help="Tables root: a folder (or an object-store URI).")
@click.option("--workers", default=0, show_default=True,
              help="Threads that walk the export's lines (plain or gzip); 0: one per CPU core.")
@click.option("--model-run-id", default=None, help="Write only this model run (and attribute run-less rows to it).")
def flatten(export: Path, out: str, workers: int, model_run_id: str | None) -> None:
    """Flatten a downloaded export file into tables under --out."""
    from .flatten import CorruptGzipError, InvalidPartitionValue, ModelRunNotInExport, NotNdjsonError, flatten_export
    from .progress import byte_progress

    workers = workers or os.cpu_count() or 1
    if Path(out).exists() and not Path(out).is_dir():
        raise click.ClickException(f"--out {out} is a file; give a folder (created if missing) or an object-store URI")
    if not _has_data(export):
        raise click.ClickException(f"{export}: no data rows (the file is empty); nothing was written")
    click.get_current_context().meta[_WRITING] = out

    try:
        with byte_progress(console, export.stat().st_size, f"flatten {export.name}") as advance:
            result = flatten_export(export, out, workers=workers, model_run_id=model_run_id, progress=advance)
    except (NotNdjsonError, CorruptGzipError, InvalidPartitionValue, ModelRunNotInExport) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        if error.errno == errno.ENOSPC and str(error.filename or "").startswith(tempfile.gettempdir()):
            raise click.ClickException(f"{describe_os_error(error)}: workers sharing a gzip export read a decompressed "
                                       "copy in TMPDIR; point TMPDIR at a larger disk or pass --workers 1") from None
        raise
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


@main.command()
@click.argument("root")
@click.option("-c", "command", default=None, help="Run this SQL and print the result, then exit.")
@click.option("--examples", is_flag=True, help="Run the example queries (lb_export_pipeline/examples.py).")
def sql(root: str, command: str | None, examples: bool) -> None:
    """Query the tables under ROOT (a folder or s3://...) with DuckDB: a view per table."""
    import duckdb

    from .query import connect, tables_present

    if not tables_present(root):
        hint = f"; did you mean {Path(root, 'tables')}?" if Path(root, "tables").is_dir() else ""
        raise click.ClickException(f"no tables under {root}: expected <table>/model_run_id=<id>/*.parquet "
                                   f"(the folder lb-export flatten --out wrote){hint}")
    con = connect(root)
    try:
        if examples:
            from .examples import EXAMPLES, limited

            for title, statement in EXAMPLES.items():
                out_console.print(f"[bold]-- {title}[/]{statement}")
                _print_result(con, limited(statement))
            return
        if command is not None:
            _print_result(con, command)
            return
    except duckdb.Error as error:
        raise click.ClickException(str(error).strip().splitlines()[0]) from None
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


@main.command("export")
@click.option("--model-run", "model_run_id", required=True, help="Model run id to export.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Destination file (.ndjson, or .ndjson.gz to compress).")
@click.option("--endpoint", default=None, help="GraphQL endpoint [env LABELBOX_ENDPOINT, default Labelbox's].")
@click.option("--attachments/--no-attachments", default=_EXPORT.attachments, show_default=True)
@click.option("--metadata-fields/--no-metadata-fields", default=_EXPORT.metadata_fields, show_default=True)
@click.option("--data-row-details/--no-data-row-details", default=_EXPORT.data_row_details, show_default=True)
@click.option("--predictions/--no-predictions", default=_EXPORT.predictions, show_default=True)
@click.option("--embeddings/--no-embeddings", default=_EXPORT.embeddings, show_default=True)
@click.option("--model-run-details/--no-model-run-details", default=_EXPORT.model_run_details, show_default=True)
@click.option("--media-type-override", default=_EXPORT.media_type_override, help="e.g. IMAGE, VIDEO, TEXT.")
@click.option("--poll-interval", default=POLL_INTERVAL_SECONDS, show_default=True, help="Seconds between task polls.")
@click.option("--timeout", default=EXPORT_TIMEOUT_SECONDS, show_default=True,
              help="Seconds to wait for the export task.")
def export_command(model_run_id: str, out: Path, endpoint: str | None, attachments: bool, metadata_fields: bool,
                   data_row_details: bool, predictions: bool, embeddings: bool, model_run_details: bool,
                   media_type_override: str | None, poll_interval: float, timeout: float) -> None:
    """Download one model run's export with the API key in LABELBOX_API_KEY."""
    from .labelbox import API_KEY_ENV, ExportParams, LabelboxClient, LabelboxError, Task, export_model_run
    from .progress import byte_progress

    if not os.environ.get(API_KEY_ENV):
        raise click.ClickException(f"no Labelbox API key: set {API_KEY_ENV} (lb-export export reads it from there "
                                   "only, so it never shows in the process list)")
    click.get_current_context().meta[_WRITING] = out.parent
    params = ExportParams(attachments=attachments, metadata_fields=metadata_fields,
                          data_row_details=data_row_details, predictions=predictions, embeddings=embeddings,
                          model_run_details=model_run_details, media_type_override=media_type_override)
    try:
        with LabelboxClient(endpoint=endpoint) as client:
            run = client.get_model_run(model_run_id)
            console.print(f"exporting model run [bold]{run.name}[/] ({run.id}) from {client.config.endpoint}")
            with byte_progress(console, None, "download") as advance:
                def on_poll(task: Task) -> None:
                    console.print(f"task {task.id}: {task.status} {task.completion_percentage or 0:.0f}%")

                result = export_model_run(client, run.id, out, params, poll_interval=poll_interval, timeout=timeout,
                                          on_poll=on_poll, progress=lambda done, total, lines: advance(done, lines))
    except LabelboxError as error:
        raise click.ClickException(f"{type(error).__name__}: {error}") from None
    out_console.print(f"{result.path}: {result.lines:,} lines, {result.bytes:,} bytes in {result.chunks} chunk(s), "
                      f"task {result.task_id}, {result.seconds:.1f}s")
    for line in result.errors[:5]:
        console.print(f"[yellow]export error: {line}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True)
@click.option("--models", default=2, show_default=True, help="Synthetic models.")
@click.option("--runs-per-model", default=2, show_default=True)
@click.option("--rows", default=40, show_default=True, help="Data rows per model run.")
@click.option("--seed", default=7, show_default=True)
@click.option("--shape", type=click.Choice(["experiments", "models"]), default="experiments", show_default=True,
              help="experiments/runs (current API) or models/model_runs (export v2 beta).")
@click.option("--api-key", default=None, help="Require this key (default: accept any).")
@click.option("--rate-limit-every", default=0, help="Fault: every Nth GraphQL request gets 429 + Retry-After.")
@click.option("--server-error-every", default=0, help="Fault: every Nth GraphQL request gets 503.")
@click.option("--drop-chunk-every", default=0, help="Fault: every Nth chunk download is cut mid-way.")
@click.option("--slow-seconds", default=0.0, help="Fault: delay every response.")
@click.option("--fail-export", is_flag=True, help="Fault: export tasks end FAILED with an ERRORS stream.")
@click.option("--malformed-every", default=0, help="Fault: every Nth result line is broken JSON.")
def emulator(host: str, port: int, models: int, runs_per_model: int, rows: int, seed: int, shape: str,
             api_key: str | None, rate_limit_every: int, server_error_every: int, drop_chunk_every: int,
             slow_seconds: float, fail_export: bool, malformed_every: int) -> None:
    """Serve a local Labelbox (GraphQL + chunk files) with synthetic model runs."""
    from .emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults

    faults = Faults(rate_limit_every=rate_limit_every, server_error_every=server_error_every,
                    drop_chunk_every=drop_chunk_every, slow_seconds=slow_seconds, fail_export=fail_export,
                    malformed_every=malformed_every)
    state = EmulatorState(Catalog(CatalogSpec(seed=seed, models=models, runs_per_model=runs_per_model, rows=rows)),
                          faults, shape=shape, api_key=api_key)  # type: ignore[arg-type]
    try:
        server = EmulatorServer(state, host=host, port=port).start()
    except RuntimeError:
        raise click.ClickException(f"cannot listen on {host}:{port} (is the port in use?)") from None
    out_console.print(f"Labelbox emulator: GraphQL at {server.graphql_url} "
                      f"({'key required' if api_key else 'any API key accepted'})")
    for run in state.catalog.all_runs():
        out_console.print(f"  model run {run.id}  {run.name}  ({run.rows} rows)")
    out_console.print(f"  export LABELBOX_ENDPOINT={server.graphql_url} LABELBOX_API_KEY=anything")
    try:
        server.wait()
    finally:
        server.stop()


@main.command()
def schema() -> None:
    """Print the table reference (columns, types, natural keys) as Markdown."""
    from .flatten.schemas import schemas_markdown

    click.echo(schemas_markdown())


@main.command("ddl")
@click.option("--engine", type=click.Choice(["spark", "trino", "athena"]), required=True)
@click.option("--location", required=True, help="Tables root, e.g. s3://bucket/lake/tables or /data/tables.")
@click.option("--schema", default="labelbox", show_default=True, help="Schema (database) to create the tables in.")
@click.option("--layout", type=click.Choice(["auto", "hive", "delta"]), default="auto", show_default=True,
              help="auto: delta for object-store locations (what lb-export writes there), hive otherwise.")
def ddl_command(engine: str, location: str, schema: str, layout: str) -> None:
    """Print CREATE TABLE statements for the tables, generated from their schemas."""
    from .ddl import ddl
    from .storage import is_remote

    chosen = layout if layout != "auto" else ("delta" if is_remote(location) else "hive")
    click.echo(ddl(engine, location, schema, chosen), nl=False)  # type: ignore[arg-type]


@main.command()
@click.option("--home", default=".demo", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo's Dagster instance and data.")
def demo(home: Path) -> None:
    """Run the whole pipeline through Dagster against the local emulator and print what landed."""
    from .demo import run_demo

    raise SystemExit(run_demo(home, out_console))


@main.command()
@click.option("--home", default=".demo", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", default=3000, show_default=True, help="Dagster UI port.")
@click.option("--emulator-port", default=8765, show_default=True)
def ui(home: Path, port: int, emulator_port: int) -> None:
    """Start the emulator and the Dagster UI (dg dev) against it, with the sensors on."""
    from .demo import run_ui

    raise SystemExit(run_ui(home, port, emulator_port, console))


def _add_evaluate() -> None:  # the command lives in its own module
    from .evaluation.cli import evaluate_command

    main.add_command(evaluate_command)


_add_evaluate()

if __name__ == "__main__":
    main()
