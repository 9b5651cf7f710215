"""The sensors.

* ``labelbox_model_runs_sensor`` finds model runs: new ones become partitions and are exported;
  runs whose ``updatedAt`` moved are exported again; unchanged runs are left alone.
* ``labelbox_automation_sensor`` evaluates the tables' automation conditions: a partition's raw
  export materialized on its own (from the UI, say) makes that partition of every table follow.
"""


import json

import dagster as dg

from ..labelbox import LabelboxClient, ModelRun
from .assets import GROUP
from .jobs import export_job
from .partitions import model_runs_partitions
from .resources import LabelboxResource
from .translator import ModelRunNames

MODEL_RUNS_SENSOR = "labelbox_model_runs_sensor"


def _listed_runs(client: LabelboxClient, labelbox: LabelboxResource) -> tuple[list[ModelRun], dict[str, str]]:
    """The model runs the resource follows, and their models' names by model id."""
    if labelbox.model_run_ids:
        runs = [client.get_model_run(run_id) for run_id in labelbox.model_run_ids]
        models = [client.get_model(model_id) for model_id in sorted({r.model_id for r in runs})]
    else:
        models = [client.get_model(m) for m in labelbox.model_ids] if labelbox.model_ids else list(client.list_models())
        runs = [run for model in models for run in client.list_model_runs(model.id)]
    return runs, {m.id: m.name for m in models}


@dg.sensor(name=MODEL_RUNS_SENSOR, job=export_job, minimum_interval_seconds=300,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a partition per new Labelbox model run and exports new or updated runs.")
def labelbox_model_runs_sensor(context: dg.SensorEvaluationContext, labelbox: LabelboxResource) -> dg.SensorResult:
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    with labelbox.get_client() as client:
        runs, model_names = _listed_runs(client, labelbox)
    known = set(context.instance.get_dynamic_partitions(model_runs_partitions.name or ""))
    new = [r.id for r in runs if r.id not in known]
    listed = {r.id for r in runs}
    removed = sorted(known - listed) if labelbox.delete_removed_runs else []
    requests = []
    cursor = dict(seen)
    for run in runs:
        stamp = run.updated_at.isoformat() if run.updated_at else ""
        if seen.get(run.id) != stamp:
            names = ModelRunNames(model_name=model_names.get(run.model_id, ""), model_run_name=run.name)
            requests.append(dg.RunRequest(partition_key=run.id, run_key=f"{run.id}@{stamp}", tags=names.tags()))
        cursor[run.id] = stamp
    for run_id in removed:
        cursor.pop(run_id, None)
    if new:
        context.log.info(f"{len(new)} new model run(s): {', '.join(new)}")
    if removed:
        context.log.info(f"{len(removed)} model run(s) gone from Labelbox, partitions deleted: {', '.join(removed)}")
    changes: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if new:
        changes.append(model_runs_partitions.build_add_request(new))
    if removed:
        changes.append(model_runs_partitions.build_delete_request(removed))
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=changes,
        cursor=json.dumps(cursor, sort_keys=True),
        skip_reason=None if requests else f"{len(runs)} model run(s), none new or updated",
    )


labelbox_automation_sensor = dg.AutomationConditionSensorDefinition(
    "labelbox_automation_sensor", target=dg.AssetSelection.groups(GROUP), default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15, emit_backfills=False,
    description="Materializes a model run's tables when its raw export was materialized without them.")
