"""The evaluation asset materialized through Dagster after the tables, with its check and pictures."""

from __future__ import annotations

from typing import Any

import dagster as dg

from lb_export_pipeline.defs import labelbox_tables, model_runs_partitions, raw_export
from lb_export_pipeline.defs.evaluation import EVALUATION_KEY, evaluation
from lb_export_pipeline.evaluation.schemas import EVALUATION_TABLES
from tests.defs.conftest import Lake


def test_evaluation_asset_writes_tables_metadata_and_check(lake: Lake, duck: Any) -> None:
    run = lake.emulator.state.catalog.models[0].runs[0]
    lake.materialize(run.id)  # adds the partition, lands the export, flattens it
    result = dg.materialize([raw_export, labelbox_tables, evaluation], partition_key=run.id,
                            resources=lake.resources, instance=lake.instance, raise_on_error=False,
                            selection=[EVALUATION_KEY])
    assert result.success
    [mat] = [e.step_materialization_data.materialization for e in result.get_asset_materialization_events()
             if e.step_materialization_data.materialization.asset_key == EVALUATION_KEY]  # type: ignore[union-attr]
    meta = {k: v.value for k, v in mat.metadata.items()}
    con = duck(lake.tables)
    for table in EVALUATION_TABLES:
        n = con.execute(f"select count(*) from {table} where model_run_id = ?", [run.id]).fetchone()[0]
        assert meta[f"{table}_rows"] == n and n > 0, table
    assert meta["dagster/partition_row_count"] == meta["evaluation_metrics_rows"]
    assert meta["dagster/uri"] == f"{lake.tables}/evaluation_metrics/model_run_id={run.id}"
    records = {r.data["class"]: r.data for r in meta["metrics_per_class"].records if r.data["kind"] == "object"}
    box = con.execute("select tp, fp, fn from evaluation_metrics where model_run_id = ? and split = '(all)' "
                      "and class = 'box' and iou_threshold = 0.5", [run.id]).fetchone()
    assert (records["box"]["tp"], records["box"]["fp"], records["box"]["fn"]) == box and box[0] > 0
    for key in ("pr_curves_png", "confusion_matrix_png"):
        assert open(meta[key], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert meta["pr_curves"].startswith("![precision-recall curves](data:image/png;base64,")
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "counts_conserved" and check.passed
    assert check.metadata["compared"].value > 50


def test_evaluation_follows_its_tables(lake: Lake) -> None:
    """What the automation sensor decides for the evaluation: nothing while it is up to date with its
    tables, its partition once the tables were materialized again without it."""
    defs = dg.Definitions(assets=[raw_export, labelbox_tables, evaluation], resources=lake.resources)
    run = lake.emulator.state.catalog.models[0].runs[0]
    lake.instance.add_dynamic_partitions(model_runs_partitions.name or "", [run.id])
    everything = dg.materialize([raw_export, labelbox_tables, evaluation], partition_key=run.id,
                                resources=lake.resources, instance=lake.instance)
    assert everything.success
    first = dg.evaluate_automation_conditions(defs=defs, instance=lake.instance)
    assert not first.get_requested_partitions(EVALUATION_KEY)
    assert lake.materialize(run.id).success  # the tables again, not the evaluation
    second = dg.evaluate_automation_conditions(defs=defs, instance=lake.instance, cursor=first.cursor)
    assert set(second.get_requested_partitions(EVALUATION_KEY)) == {run.id}
