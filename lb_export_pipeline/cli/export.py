"""``lb-export export``: download one model run's export, with a progress bar."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..labelbox.config import EXPORT_TIMEOUT_SECONDS, POLL_INTERVAL_SECONDS
from ..labelbox.types import ExportParams
from .main import console, out_console, writing_under

_EXPORT = ExportParams()  # the export options' defaults, declared once (ExportParams)


@click.command("export")
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
    from ..labelbox import API_KEY_ENV, ExportParams, LabelboxClient, LabelboxError, Task, export_model_run
    from .progress import byte_progress

    if not os.environ.get(API_KEY_ENV):
        raise click.ClickException(f"no Labelbox API key: set {API_KEY_ENV} (lb-export export reads it from there "
                                   "only, so it never shows in the process list)")
    writing_under(out.parent)
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
