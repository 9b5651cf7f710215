"""The assets materialized through Dagster against the emulator, read back with DuckDB."""

from __future__ import annotations

import gzip
from typing import Any

import dagster as dg

from lb_export_pipeline.defs import RAW_KEY, TABLE_KEYS, labelbox_tables
from lb_export_pipeline.emulator import FIXTURE_RUN_ID
from lb_export_pipeline.flatten import TABLE_NAMES
from tests.defs.conftest import Lake


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    found = {}
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization  # type: ignore[union-attr]
        found[mat.asset_key.path[-1]] = {k: v.value for k, v in mat.metadata.items()}
    return found


def _counts(duck: Any, lake: Lake, run_id: str) -> dict[str, int]:
    con = duck(lake.tables)
    return {t: con.execute(f"select count(*) from {t} where model_run_id = ?", [run_id]).fetchone()[0]
            for t in TABLE_NAMES}


def test_every_partition_materializes_and_metadata_matches_parquet(lake: Lake, duck: Any) -> None:
    runs = lake.emulator.state.catalog.all_runs()
    for run in runs:
        result = lake.materialize(run.id)
        assert result.success, run.id
        meta = _metadata(result)
        counts = _counts(duck, lake, run.id)
        for table in TABLE_NAMES:
            assert meta[table]["dagster/partition_row_count"] == counts[table], (run.id, table)
        assert meta["data_rows"]["dagster/partition_row_count"] == run.rows
        assert meta["raw_export"]["dagster/partition_row_count"] == run.rows
        assert meta["objects"]["export_task_id"] == meta["raw_export"]["export_task_id"]
        model = next(m for m in lake.emulator.state.catalog.models if run in m.runs)
        for asset in ("raw_export", *TABLE_NAMES):  # which run a bare-id partition is, on every asset
            assert (meta[asset]["model_name"], meta[asset]["model_run_name"]) == (model.name, run.name)
        assert meta["objects"]["dagster/uri"].endswith(f"objects/model_run_id={run.id}")
        checks = result.get_asset_check_evaluations()
        assert len(checks) == 14 and all(c.passed for c in checks)
    spec = labelbox_tables.specs_by_key[TABLE_KEYS["objects"]]  # the schema is the definition's, once
    assert [c.name for c in spec.metadata["dagster/column_schema"].columns][:4] == [
        "data_row_id", "source", "label_id", "feature_id"]
    assert spec.metadata["dagster/table_name"] == "labelbox.objects"
    fixture_counts = _counts(duck, lake, FIXTURE_RUN_ID)
    fixture = (fixture_counts["objects"], fixture_counts["classifications"], fixture_counts["video_frames"])
    assert fixture == (36, 78, 20)


def test_raw_export_is_landed_gzip_with_manifest_and_splits(lake: Lake, duck: Any) -> None:
    run = lake.emulator.state.catalog.models[0].runs[0]
    assert lake.materialize(run.id).success
    folder = lake.root / "raw" / f"model_run_id={run.id}"
    assert sorted(p.name for p in folder.iterdir()) == ["export.ndjson.gz", "manifest.json", "splits.json"]
    assert gzip.decompress((folder / "export.ndjson.gz").read_bytes()).count(b"\n") == run.rows
    # splits come from the annotationGroups listing and fill data_rows.split
    expected = {n["dataRow"]["id"]: n["dataSplit"] for n in lake.emulator.state.catalog.data_rows(run)}
    got = dict(duck(lake.tables).execute("select data_row_id, split from data_rows where model_run_id = ?",
                                         [run.id]).fetchall())
    assert got == expected


def test_rematerializing_leaves_the_same_rows(lake: Lake, duck: Any) -> None:
    run = lake.emulator.state.catalog.models[1].runs[0]
    assert lake.materialize(run.id).success
    sql = "select * exclude (model_run_id) from objects where model_run_id = ? order by all"
    first = duck(lake.tables).execute(sql, [run.id]).fetchall()
    assert lake.materialize(run.id).success
    second = duck(lake.tables).execute(sql, [run.id]).fetchall()
    assert first == second and len(first) > 0


def test_failed_export_fails_the_run_and_keeps_the_previous_partition(lake: Lake, duck: Any) -> None:
    run = lake.emulator.state.catalog.models[0].runs[1]
    assert lake.materialize(run.id).success
    before = _counts(duck, lake, run.id)
    raw = lake.root / "raw" / f"model_run_id={run.id}"
    landed = {p.name: p.read_bytes() for p in raw.iterdir()}
    lake.emulator.state.faults.fail_export = True
    result = lake.materialize(run.id)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = str(failure.event_specific_data.error.message)  # type: ignore[union-attr]
    assert "ExportTaskFailed" in message and "Export failed: the model run is being updated" in message
    assert _counts(duck, lake, run.id) == before
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == landed  # the raw landing is untouched too
    assert not (lake.root / "raw" / ".staging").exists()  # the last transaction removes it


def test_a_broken_partition_fails_its_checks(lake: Lake, tmp_path: Any) -> None:
    """A duplicated export line makes duplicate natural keys: the blocking check fails."""
    run = lake.emulator.state.catalog.models[0].runs[0]
    assert lake.materialize(run.id).success
    export = lake.root / "raw" / f"model_run_id={run.id}" / "export.ndjson.gz"
    lines = gzip.decompress(export.read_bytes()).splitlines(keepends=True)
    export.write_bytes(gzip.compress(b"".join([*lines, lines[0]])))
    result = dg.materialize([labelbox_tables], partition_key=run.id, resources=lake.resources,
                            instance=lake.instance, raise_on_error=False)
    failed = {(c.asset_key.path[-1], c.check_name) for c in result.get_asset_check_evaluations() if not c.passed}
    assert ("data_rows", "unique_keys") in failed
    assert ("labels", "unique_keys") in failed
    assert not result.success  # a blocking check failed


def test_missing_raw_export_names_the_asset_to_run_first(lake: Lake) -> None:
    lake.instance.add_dynamic_partitions("labelbox_model_runs", ["never-exported"])
    result = dg.materialize([labelbox_tables], partition_key="never-exported", resources=lake.resources,
                            instance=lake.instance, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert f"materialize {RAW_KEY.to_user_string()} for this partition first" in str(
        failure.event_specific_data.error.message)  # type: ignore[union-attr]
    assert TABLE_KEYS["objects"].path == ["labelbox", "objects"]


def test_a_damaged_raw_export_fails_clearly_and_keeps_the_tables(lake: Lake, duck: Any) -> None:
    run = lake.emulator.state.catalog.models[0].runs[0]
    assert lake.materialize(run.id).success
    before = _counts(duck, lake, run.id)
    export = lake.root / "raw" / f"model_run_id={run.id}" / "export.ndjson.gz"
    export.write_bytes(export.read_bytes()[: export.stat().st_size // 2])  # an interrupted copy
    result = dg.materialize([labelbox_tables], partition_key=run.id, resources=lake.resources,
                            instance=lake.instance, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = str(failure.event_specific_data.error.message)  # type: ignore[union-attr]
    assert "export.ndjson.gz: the gzip stream is truncated or damaged after line" in message
    assert f"Materialize {RAW_KEY.to_user_string()} for this partition again" in message
    assert _counts(duck, lake, run.id) == before
