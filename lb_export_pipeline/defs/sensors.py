"""A sensor that finds model runs: new ones become partitions and are exported; runs whose
``updatedAt`` moved are exported again; unchanged runs are left alone."""


import json

import dagster as dg

from .jobs import export_job
from .partitions import model_runs_partitions
from .resources import LabelboxResource


@dg.sensor(job=export_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a partition per new Labelbox model run and exports new or updated runs.")
def labelbox_model_runs_sensor(context: dg.SensorEvaluationContext, labelbox: LabelboxResource) -> dg.SensorResult:
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    with labelbox.get_client() as client:
        if labelbox.model_run_ids:
            runs = [client.get_model_run(run_id) for run_id in labelbox.model_run_ids]
        else:
            model_ids = labelbox.model_ids or [m.id for m in client.list_models()]
            runs = [run for model_id in model_ids for run in client.list_model_runs(model_id)]
    known = set(context.instance.get_dynamic_partitions(model_runs_partitions.name or ""))
    new = [r.id for r in runs if r.id not in known]
    listed = {r.id for r in runs}
    removed = sorted(known - listed) if labelbox.delete_removed_runs else []
    requests = []
    cursor = dict(seen)
    for run in runs:
        stamp = run.updated_at.isoformat() if run.updated_at else ""
        if seen.get(run.id) != stamp:
            requests.append(dg.RunRequest(partition_key=run.id, run_key=f"{run.id}@{stamp}",
                                          tags={"labelbox/model_run_name": run.name}))
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
