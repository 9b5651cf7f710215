"""The API key comes from the environment (a Dagster EnvVar) and never appears in logs, metadata,
files or exception text."""

from __future__ import annotations

import threading
from pathlib import Path

import dagster as dg
import pytest

from lb_export_pipeline.defs import LabelboxResource, StorageResource, build_definitions, labelbox_tables, raw_export
from lb_export_pipeline.emulator import FIXTURE_RUN_ID, EmulatorServer, EmulatorState, Faults

KEY = "lb-secret-9f8e7d6c5b4a"


def _everything_written(instance: dg.DagsterInstance, run_id: str, root: Path) -> str:
    logs = "\n".join(repr(entry) for entry in instance.all_logs(run_id))
    files = "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())
    return logs + files


def test_key_is_in_no_log_metadata_or_file(tmp_path: Path) -> None:
    state = EmulatorState(faults=Faults(polls_to_complete=1), api_key=KEY)
    home = tmp_path / "home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home))
    instance.add_dynamic_partitions("labelbox_model_runs", [FIXTURE_RUN_ID])
    with EmulatorServer(state) as emulator:
        resources = {"labelbox": LabelboxResource(api_key=KEY, endpoint=emulator.graphql_url,
                                                  poll_interval_seconds=0.01),
                     "storage": StorageResource(root=str(tmp_path / "lake"))}
        ok = dg.materialize([raw_export, labelbox_tables], partition_key=FIXTURE_RUN_ID, resources=resources,
                            instance=instance, raise_on_error=False)
        assert ok.success
        assert KEY not in _everything_written(instance, ok.run_id, tmp_path)

        wrong = {**resources, "labelbox": LabelboxResource(api_key=KEY + "-wrong", endpoint=emulator.graphql_url)}
        failed = dg.materialize([raw_export], partition_key=FIXTURE_RUN_ID, resources=wrong, instance=instance,
                                raise_on_error=False)
        assert not failed.success
        text = _everything_written(instance, failed.run_id, tmp_path)
        assert "AuthenticationError: Invalid API key" in text
        assert KEY not in text


def test_definitions_read_the_key_through_envvar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELBOX_API_KEY", KEY)
    resource = (build_definitions().resources or {})["labelbox"]
    assert isinstance(resource, LabelboxResource)
    assert isinstance(resource.api_key, dg.EnvVar) and resource.api_key.env_var_name == "LABELBOX_API_KEY"
    monkeypatch.delenv("LABELBOX_API_KEY")
    assert (build_definitions().resources or {})["labelbox"].api_key is None


def test_without_a_key_production_says_the_key_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No key and no endpoint: the run fails naming the variable to set (it starts no emulator)."""
    for name in ("LABELBOX_API_KEY", "LABELBOX_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    defs = build_definitions(root=str(tmp_path / "lake"))
    home = tmp_path / "home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home))
    instance.add_dynamic_partitions("labelbox_model_runs", [FIXTURE_RUN_ID])
    result = dg.materialize([raw_export], partition_key=FIXTURE_RUN_ID, instance=instance, raise_on_error=False,
                            resources={k: v for k, v in (defs.resources or {}).items() if k != "tables"})
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "ConfigurationError: LABELBOX_API_KEY is not set: set it to your Labelbox API key" in str(
        failure.event_specific_data.error.message)  # type: ignore[union-attr]
    assert not any(t.name == "labelbox-emulator" for t in threading.enumerate())
