"""The component: the pipeline configured from defs.yaml attributes, materialized through its job."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from pydantic import ValidationError

from lb_export_pipeline.components import LabelboxExportComponent
from lb_export_pipeline.emulator import FIXTURE_RUN_ID
from lb_export_pipeline.query import connect


def test_component_builds_and_runs_the_pipeline(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELBOX_API_KEY", raising=False)
    component = LabelboxExportComponent.from_attributes_dict(attributes={
        "root": str(tmp_path / "lake"),
        "endpoint": emulator.graphql_url,
        "model_run_ids": [FIXTURE_RUN_ID],
        "reexport_cron": "15 4 * * *",
        "export_options": {"embeddings": True},
        "poll_interval_seconds": 0.01,
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        defs = dg.build_defs_for_component(component)
    assert defs.resolve_schedule_def("labelbox_reexport_schedule").cron_schedule == "15 4 * * *"
    resources = defs.resources or {}
    assert resources["labelbox"].model_run_ids == [FIXTURE_RUN_ID] and resources["labelbox"].export.embeddings
    assert resources["labelbox"].poll_interval_seconds == 0.01
    home = tmp_path / "home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home))
    instance.add_dynamic_partitions("labelbox_model_runs", [FIXTURE_RUN_ID])
    result = defs.resolve_job_def("labelbox_export_job").execute_in_process(partition_key=FIXTURE_RUN_ID,
                                                                            instance=instance)
    assert result.success
    con = connect(tmp_path / "lake" / "tables")
    assert con.execute("select count(*) from classifications").fetchone()[0] == 78


def test_component_refuses_an_unknown_export_option() -> None:
    """export_options is typed: a misspelt option is an error that names it, not a silent default."""
    with pytest.raises(ValidationError, match=r"export_options\.ExportOptions\.embedings\n\s+Extra inputs"):
        LabelboxExportComponent.from_attributes_dict(attributes={"export_options": {"embedings": True}})
