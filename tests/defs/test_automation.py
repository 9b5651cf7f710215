"""The sensor finds new and updated model runs; the schedule re-exports every known partition; the
tables follow their raw export through declarative automation."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from lb_export_pipeline.defs import (
    TABLE_KEYS,
    LabelboxResource,
    labelbox_model_runs_sensor,
    labelbox_reexport_schedule,
    labelbox_tables,
    model_runs_partitions,
    raw_export,
)
from tests.defs.conftest import Lake


def _resource(lake: Lake, **options: object) -> LabelboxResource:
    return LabelboxResource(endpoint=lake.emulator.graphql_url, poll_interval_seconds=0.01, **options)  # type: ignore[arg-type]


def _tick(lake: Lake, cursor: str | None, **options: object) -> dg.SensorResult:
    resource = _resource(lake, **options)
    context = dg.build_sensor_context(instance=lake.instance, cursor=cursor, resources={"labelbox": resource})
    result = labelbox_model_runs_sensor(context)
    assert isinstance(result, dg.SensorResult)
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            lake.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys or []))
        else:
            for key in request.partition_keys or []:
                lake.instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result


def test_sensor_adds_exactly_the_new_runs_and_skips_unchanged(lake: Lake) -> None:
    catalog = lake.emulator.state.catalog
    first = _tick(lake, None)
    all_ids = sorted(r.id for r in catalog.all_runs())
    assert sorted(r.partition_key for r in first.run_requests or []) == all_ids
    assert sorted(lake.instance.get_dynamic_partitions(model_runs_partitions.name or "")) == all_ids

    second = _tick(lake, first.cursor)
    assert not second.run_requests and not second.dynamic_partitions_requests
    assert second.skip_reason is not None and "none new or updated" in str(second.skip_reason.skip_message)

    new_run = catalog.add_run(catalog.models[0].id)
    updated = catalog.touch(catalog.models[1].runs[0].id)
    third = _tick(lake, second.cursor)
    assert sorted(r.partition_key for r in third.run_requests or []) == sorted([new_run.id, updated.id])
    (added,) = third.dynamic_partitions_requests or []
    assert list(added.partition_keys or []) == [new_run.id]
    assert len(lake.instance.get_dynamic_partitions(model_runs_partitions.name or "")) == len(all_ids) + 1


def test_sensor_deletes_partitions_of_removed_runs_when_asked(lake: Lake) -> None:
    catalog = lake.emulator.state.catalog
    first = _tick(lake, None)
    gone = catalog.models[0].runs[1].id
    catalog.remove_run(gone)
    kept = _tick(lake, first.cursor)  # default: partitions are never deleted
    assert gone in lake.instance.get_dynamic_partitions(model_runs_partitions.name or "")
    cleaned = _tick(lake, kept.cursor, delete_removed_runs=True)
    assert gone not in lake.instance.get_dynamic_partitions(model_runs_partitions.name or "")
    assert gone not in (cleaned.cursor or "")
    assert not cleaned.run_requests


def test_sensor_follows_only_configured_model_runs(lake: Lake) -> None:
    run = lake.emulator.state.catalog.models[1].runs[1]
    resource = _resource(lake, model_run_ids=[run.id])
    context = dg.build_sensor_context(instance=lake.instance, resources={"labelbox": resource})
    result = labelbox_model_runs_sensor(context)
    assert isinstance(result, dg.SensorResult)
    assert [r.partition_key for r in result.run_requests or []] == [run.id]


def test_schedule_requests_a_run_per_known_partition(lake: Lake) -> None:
    when = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    context = dg.build_schedule_context(instance=lake.instance, scheduled_execution_time=when)
    skipped = list(labelbox_reexport_schedule(context))  # type: ignore[call-overload]
    assert isinstance(skipped[0], dg.SkipReason)
    lake.instance.add_dynamic_partitions(model_runs_partitions.name or "", ["run-a", "run-b"])
    requests = list(labelbox_reexport_schedule(context))  # type: ignore[call-overload]
    assert [r.partition_key for r in requests] == ["run-a", "run-b"]
    assert requests[0].run_key == "run-a@2026-01-02T03:00:00+00:00"


def _requested(result: dg.EvaluateAutomationConditionsResult) -> dict[str, set[str]]:
    return {key.path[-1]: set(result.get_requested_partitions(key)) for key in TABLE_KEYS.values()
            if result.get_requested_partitions(key)}


def test_tables_follow_a_raw_export_materialized_alone(lake: Lake) -> None:
    """What the automation sensor decides: nothing after a run of the whole job (the demo, the
    sensor's runs), every table's partition after its raw export was materialized alone (the UI)."""
    assets = dg.Definitions(assets=[raw_export, labelbox_tables], resources=lake.resources)
    run = lake.emulator.state.catalog.models[0].runs[0]
    assert lake.materialize(run.id).success
    first = dg.evaluate_automation_conditions(defs=assets, instance=lake.instance)
    assert _requested(first) == {}
    alone = dg.materialize([raw_export], partition_key=run.id, resources=lake.resources, instance=lake.instance)
    assert alone.success
    second = dg.evaluate_automation_conditions(defs=assets, instance=lake.instance, cursor=first.cursor)
    assert _requested(second) == {table: {run.id} for table in TABLE_KEYS}
