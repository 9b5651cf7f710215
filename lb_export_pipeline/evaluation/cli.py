"""``lb-export evaluate ROOT``: evaluate model runs and print their per-class metrics."""

from __future__ import annotations

import click
import polars as pl
from rich.console import Console
from rich.table import Table

from ..settings import LABELBOX_API_KEY
from .masks import Fetch
from .runner import DEFAULT_THRESHOLDS, evaluate
from .schemas import ALL


def _thresholds(values: tuple[str, ...]) -> list[float]:
    """``--iou 0.5 --iou 0.5:0.95:0.05``: single values and start:stop[:step] ranges."""
    out: list[float] = []
    for value in values:
        for part in value.split(","):
            try:
                if ":" in part:
                    start, stop, *step = (float(x) for x in part.split(":"))
                    n = round((stop - start) / (step[0] if step else 0.05))
                    out += [round(start + i * (step[0] if step else 0.05), 4) for i in range(n + 1)]
                else:
                    out.append(float(part))
            except ValueError:
                raise click.BadParameter(f"{part!r} is not a number or start:stop[:step]", param_hint="--iou") from None
    return out


@click.command("evaluate")
@click.argument("root")
@click.option("--model-run-id", "run_ids", multiple=True, help="Evaluate this model run (repeatable; default: all).")
@click.option("--iou", "iou", multiple=True,
              help="IoU thresholds: values or start:stop[:step] ranges (default 0.5:0.95:0.05).")
def evaluate_command(root: str, run_ids: tuple[str, ...], iou: tuple[str, ...]) -> None:
    """Compare predictions with labels; write evaluation_matches, evaluation_metrics and
    evaluation_confusion into ROOT, a folder or s3://... (one partition per model run, replaced
    atomically)."""
    thresholds = _thresholds(iou) if iou else list(DEFAULT_THRESHOLDS)
    try:
        results = evaluate(root, list(run_ids) or None, thresholds, _mask_reader())
    except (ValueError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    console = Console(width=150)
    for result in results:
        m = result.metrics.filter((pl.col("split") == ALL) & (
            ((pl.col("kind") == "object") & ((pl.col("iou_threshold") - min(thresholds)).abs() < 1e-9))
            | (pl.col("kind") == "classification")))
        table = Table(title=f"model run {result.model_run_id}: objects at IoU > {min(thresholds):g}, "
                            f"classification answers; all splits")
        for col in ("kind", "class", "labels", "predictions", "tp", "fp", "fn", "skipped_labels",
                    "precision", "recall", "f1", "mean_iou", "ap50", "ap"):
            table.add_column(col, justify="left" if col in ("kind", "class") else "right")
        for row in m.iter_rows(named=True):
            table.add_row(*(_cell(row[c]) for c in ("kind", "class", "labels", "predictions", "tp", "fp", "fn",
                                                     "skipped_labels", "precision", "recall", "f1", "mean_iou",
                                                     "ap50", "ap")))
        console.print(table)
        console.print(f"rows: {result.rows}; pictures: {', '.join(str(p) for p in result.plots.values())}")


def _mask_reader() -> Fetch | None:
    """Masks are read through a Labelbox client configured from the environment (LABELBOX_API_KEY,
    and LABELBOX_ENDPOINT for an emulator); without a key they are skipped, and the table says why."""
    if not LABELBOX_API_KEY.value():
        return None
    from ..labelbox import LabelboxClient

    return LabelboxClient().read_mask


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)
