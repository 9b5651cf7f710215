"""Tables on an S3-compatible object store: Delta commits per partition, read back with DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from lb_export_pipeline.defs import (
    LabelboxResource,
    StorageResource,
    labelbox_tables,
    model_runs_partitions,
    raw_export,
)
from lb_export_pipeline.emulator import FIXTURE_RUN_ID
from lb_export_pipeline.flatten import flatten_export, read_quarantine
from lb_export_pipeline.query import connect
from lb_export_pipeline.storage import exists, filesystem
from tests.conftest import seed_rows, write_lines


def _counts(root: str) -> dict[str, int]:
    con = connect(root)
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
            for t in ("data_rows", "objects", "classifications", "video_frames", "relationships")}


def test_flatten_to_s3_and_query_with_duckdb(s3: str, seed_export: Path, tmp_path: Path) -> None:
    root = f"{s3}/tables"
    result = flatten_export(seed_export, root)
    assert result.rows["classifications"] == 78
    expected = {"data_rows": 5, "objects": 36, "classifications": 78, "video_frames": 20, "relationships": 0}
    assert _counts(root) == expected
    again = flatten_export(seed_export, root)  # replace, not append
    assert again.rows == result.rows and _counts(root) == expected
    polygon = connect(root).execute("select points[1].x from objects where geometry_kind = 'polygon' limit 1")
    assert polygon.fetchone() == (1489.581,)
    assert filesystem(root).exists(f"{root}/objects/_delta_log")


def test_quarantine_is_uploaded_beside_the_tables(s3: str, tmp_path: Path) -> None:
    rows = seed_rows()
    no_id = dict(rows[0], data_row={"row_data": "x"})
    export = write_lines(tmp_path / "bad.ndjson", [no_id, rows[1]])
    result = flatten_export(export, f"{s3}/tables")
    (part,) = [p for p in result.partitions.values() if p.quarantined]
    assert isinstance(part.quarantine_path, str) and part.quarantine_path.startswith(f"{s3}/tables/_quarantine/")
    local = tmp_path / "q.ndjson"
    filesystem(part.quarantine_path).get_file(part.quarantine_path, str(local))
    assert read_quarantine(local)[0]["field"] == "data_row.id"
    # flattening a good export of that run again removes the stale quarantine record
    flatten_export(write_lines(tmp_path / "good.ndjson", [rows[0]]), f"{s3}/tables")
    assert not exists(part.quarantine_path)


def test_dagster_materializes_into_s3(s3: str, emulator: Any, tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home))
    instance.add_dynamic_partitions(model_runs_partitions.name or "", [FIXTURE_RUN_ID])
    resources = {"labelbox": LabelboxResource(endpoint=emulator.graphql_url, poll_interval_seconds=0.01),
                 "storage": StorageResource(root=s3)}
    result = dg.materialize([raw_export, labelbox_tables], partition_key=FIXTURE_RUN_ID, resources=resources,
                            instance=instance, raise_on_error=False)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    assert exists(f"{s3}/raw/model_run_id={FIXTURE_RUN_ID}/export.ndjson.gz")
    assert exists(f"{s3}/raw/model_run_id={FIXTURE_RUN_ID}/manifest.json")
    assert _counts(f"{s3}/tables")["classifications"] == 78
