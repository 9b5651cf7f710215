"""The evaluation of tables on an S3-compatible object store (Delta tables), through the partition store."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lb_export_pipeline.cli import main
from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.evaluation.runner import evaluate
from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.query import connect
from lb_export_pipeline.storage import filesystem
from tests.evaluation.conftest import EVERY_KIND
from tests.storage.conftest import s3  # noqa: F401  (the fixture)

_METRICS = "SELECT * EXCLUDE (model_run_id) FROM evaluation_metrics ORDER BY kind, split, class, iou_threshold"


def _metrics(root: str | Path) -> list[tuple[object, ...]]:
    """The metrics, floats to 12 decimals (sums taken in another order differ in the last bit)."""
    return [tuple(round(v, 12) if isinstance(v, float) else v for v in row)
            for row in connect(root).sql(_METRICS).fetchall()]


def test_evaluation_on_an_object_store_equals_the_local_one(s3: str, tmp_path: Path) -> None:  # noqa: F811
    run = synthetic.run_ref(21, 0, 0)
    export = tmp_path / "export.ndjson"
    with open(export, "wb") as f:
        for line in synthetic.iter_lines(synthetic.GeneratorSettings(seed=21, mix=EVERY_KIND), [run], 30):
            f.write(line)
    local, remote = tmp_path / "tables", f"{s3}/tables"
    for root in (local, remote):
        flatten_export(export, root)
    [here] = evaluate(local)
    [there] = evaluate(remote)
    assert there.rows == here.rows and here.rows["evaluation_matches"] > 100
    assert isinstance(there.plots["pr_curves"], str) and there.plots["pr_curves"].startswith(f"{remote}/")
    assert filesystem(remote).cat_file(there.plots["confusion_matrix"]) == there.pictures["confusion_matrix"]
    assert there.pictures["pr_curves"][:8] == b"\x89PNG\r\n\x1a\n"
    expected = _metrics(local)
    assert _metrics(remote) == expected and len(expected) > 100
    # the CLI takes the URI too, and a second evaluation replaces the partition (a Delta commit), not appends
    again = CliRunner().invoke(main, ["evaluate", remote, "--model-run-id", run.run_id])
    assert again.exit_code == 0, again.output
    assert _metrics(remote) == expected
    assert filesystem(remote).exists(f"{remote}/evaluation_matches/_delta_log")
