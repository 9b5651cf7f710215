"""The client against the emulator over real HTTP: listings, paging, export, typed errors."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.emulator import FIXTURE_RUN_ID, Catalog, CatalogSpec, EmulatorServer, EmulatorState
from lb_export_pipeline.labelbox import (
    AuthenticationError,
    ConfigurationError,
    ExportParams,
    ExportTimeout,
    LabelboxClient,
    ResourceNotFoundError,
    export_model_run,
)
from tests.conftest import make_client


def emulator_export_bytes(server: EmulatorServer, task_id: str) -> bytes:
    return server.state.tasks.get(task_id).streams["RESULT"].path.read_bytes()  # type: ignore[union-attr]


def test_lists_models_runs_and_data_rows_with_splits(emulator: EmulatorServer) -> None:
    client = make_client(emulator)
    models = list(client.list_models())
    assert [m.name for m in models] == ["demo-model-0", "demo-model-1", "seed-fixture"]
    runs = list(client.list_model_runs(models[0].id))
    assert [r.name for r in runs] == ["iteration 1", "iteration 2"]
    assert runs[0].model_id == models[0].id and runs[0].updated_at is not None
    rows = list(client.list_model_run_data_rows(runs[0].id))
    assert len(rows) == 40
    assert {r.split for r in rows} <= {"TRAINING", "VALIDATION", "TEST", "UNASSIGNED"}
    assert client.get_model_run(runs[1].id).name == "iteration 2"


def test_paging_past_one_page() -> None:
    state = EmulatorState(Catalog(CatalogSpec(models=101, runs_per_model=1, rows=230, include_fixture=False)))
    with EmulatorServer(state) as server:
        client = make_client(server)
        models = list(client.list_models())
        assert len(models) == 101 and len({m.id for m in models}) == 101
        assert len(list(client.list_model_run_data_rows(state.catalog.models[0].runs[0].id))) == 230


def test_export_downloads_every_byte(emulator: EmulatorServer, tmp_path: Path) -> None:
    client = make_client(emulator)
    run = emulator.state.catalog.models[0].runs[0]
    emulator.state.faults.chunk_bytes = 16 * 1024  # many chunks
    polled: list[str] = []
    result = export_model_run(client, run.id, tmp_path / "e.ndjson", ExportParams(data_row_details=True),
                              poll_interval=0.001, on_poll=lambda t: polled.append(t.status))
    assert polled[-1] == "COMPLETE" and polled[0] == "IN_PROGRESS"
    assert result.chunks > 3
    assert result.lines == result.total_lines == 40
    assert (tmp_path / "e.ndjson").read_bytes() == emulator_export_bytes(emulator, result.task_id)
    assert not list(tmp_path.glob(".*partial"))


def test_gzip_destination_holds_the_same_lines(emulator: EmulatorServer, tmp_path: Path) -> None:
    client = make_client(emulator)
    result = export_model_run(client, FIXTURE_RUN_ID, tmp_path / "e.ndjson.gz", poll_interval=0.001)
    assert result.lines == 5
    assert gzip.decompress((tmp_path / "e.ndjson.gz").read_bytes()) == emulator_export_bytes(emulator, result.task_id)


def test_export_options_reach_the_export(emulator: EmulatorServer, tmp_path: Path) -> None:
    client = make_client(emulator)
    run = emulator.state.catalog.models[0].runs[0]
    export_model_run(client, run.id, tmp_path / "bare.ndjson",
                     ExportParams(predictions=False, data_row_details=False, model_run_details=False),
                     poll_interval=0.001)
    text = (tmp_path / "bare.ndjson").read_text()
    assert '"predictions"' not in text and '"details"' not in text and '"split"' not in text
    export_model_run(client, run.id, tmp_path / "full.ndjson",
                     ExportParams(predictions=True, data_row_details=True, metadata_fields=True, embeddings=True),
                     poll_interval=0.001)
    text = (tmp_path / "full.ndjson").read_text()
    assert '"predictions"' in text and '"dataset_id"' in text and '"metadata_fields"' in text
    assert '"embeddings"' in text


def test_unknown_ids_raise_not_found(emulator: EmulatorServer) -> None:
    client = make_client(emulator)
    with pytest.raises(ResourceNotFoundError, match="model run 'nope' not found"):
        client.get_model_run("nope")
    with pytest.raises(ResourceNotFoundError, match="Model run nope not found"):
        client.start_model_run_export("nope")


def test_bad_key_raises_authentication_error_without_the_key(tmp_path: Path, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    state = EmulatorState(api_key="the-right-key")
    with EmulatorServer(state) as server:
        client = make_client(server, api_key="wrong-secret-key-9876")
        with pytest.raises(AuthenticationError) as info:
            list(client.list_models())
        assert "Invalid API key" in str(info.value)
        assert "wrong-secret-key-9876" not in str(info.value)
        assert "wrong-secret-key-9876" not in repr(client) + repr(client.config)
        good = make_client(server, api_key="the-right-key")
        assert len(list(good.list_models())) == 3
    assert "wrong-secret-key-9876" not in caplog.text and "the-right-key" not in caplog.text


def test_missing_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELBOX_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="set LABELBOX_API_KEY"):
        LabelboxClient()


def test_key_and_endpoint_come_from_the_environment(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELBOX_API_KEY", "env-key-5555")
    monkeypatch.setenv("LABELBOX_ENDPOINT", emulator.graphql_url)
    with LabelboxClient() as client:
        assert client.config.endpoint == emulator.graphql_url
        assert client.config.api_key.reveal() == "env-key-5555"
        assert "env-key-5555" not in repr(client.config)
        assert len(list(client.list_models())) == 3


def test_task_timeout_raises(emulator: EmulatorServer) -> None:
    emulator.state.faults.polls_to_complete = 10_000
    client = make_client(emulator)
    task_id = client.start_model_run_export(FIXTURE_RUN_ID)
    with pytest.raises(ExportTimeout, match=r"still IN_PROGRESS .* after 0s"):
        client.wait_for_task(task_id, poll_interval=0.001, timeout=0.0)
