"""Every fault the emulator injects, met by the client over real HTTP: the downloaded file is
byte-identical to the emulator's export (nothing lost, nothing twice), or the error is typed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lb_export_pipeline.emulator import EmulatorServer
from lb_export_pipeline.labelbox import ExportTaskFailed, InternalServerError, TransportError, export_model_run
from tests.conftest import make_client
from tests.labelbox.test_client import emulator_export_bytes


def _export(server: EmulatorServer, tmp_path: Path, **retry: float) -> tuple[bytes, bytes, list[float]]:
    client = make_client(server, **retry)
    run = server.state.catalog.models[0].runs[0]
    result = export_model_run(client, run.id, tmp_path / "e.ndjson", poll_interval=0.001)
    return (tmp_path / "e.ndjson").read_bytes(), emulator_export_bytes(server, result.task_id), client.transport.waits


def test_rate_limit_429_is_retried_honouring_retry_after(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.rate_limit_every = 3
    emulator.state.faults.retry_after = 0.25
    got, expected, slept = _export(emulator, tmp_path)
    assert got == expected
    assert slept and all(s == 0.25 for s in slept)  # Retry-After, not the (tiny) backoff


def test_server_errors_are_retried_with_backoff(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.server_error_every = 2
    got, expected, slept = _export(emulator, tmp_path)
    assert got == expected and len(slept) >= 3


def test_dropped_connection_mid_chunk_resumes_from_the_last_byte(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.drop_chunk_every = 2
    emulator.state.faults.chunk_bytes = 20_000
    got, expected, slept = _export(emulator, tmp_path)
    assert got == expected
    assert slept  # at least one resume happened


def test_chunk_server_errors_are_retried(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.chunk_server_error_every = 2
    emulator.state.faults.chunk_bytes = 30_000
    got, expected, _ = _export(emulator, tmp_path)
    assert got == expected


def test_slow_responses_still_complete(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.slow_seconds = 0.05
    started = time.perf_counter()
    got, expected, _ = _export(emulator, tmp_path)
    assert got == expected
    assert time.perf_counter() - started >= 0.05 * 6  # every request waited


def test_read_timeouts_are_retried_then_surface_as_transport_error(emulator: EmulatorServer) -> None:
    from lb_export_pipeline.labelbox import ClientConfig, LabelboxClient, RetryPolicy

    emulator.state.faults.slow_seconds = 0.5
    config = ClientConfig.create("k-1234", emulator.graphql_url, timeout=0.1,
                                 retry=RetryPolicy(max_attempts=3, initial_backoff=0.001))
    slept: list[float] = []
    client = LabelboxClient(config=config, sleep=slept.append)
    with pytest.raises(TransportError, match=r"ReadTimeout.*gave up after 3 attempts"):
        list(client.list_models())
    assert len(client.transport.waits) == 2 and slept == client.transport.waits


def test_persistent_5xx_surfaces_as_internal_server_error(emulator: EmulatorServer) -> None:
    emulator.state.faults.server_error_every = 1
    client = make_client(emulator, max_attempts=3)
    with pytest.raises(InternalServerError, match="HTTP 503"):
        list(client.list_models())


def test_failed_task_raises_with_labelbox_message(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.fail_export = True
    client = make_client(emulator)
    run = emulator.state.catalog.models[0].runs[0]
    with pytest.raises(ExportTaskFailed, match=r"FAILED: .*Export failed: the model run is being updated") as info:
        export_model_run(client, run.id, tmp_path / "e.ndjson", poll_interval=0.001)
    assert len(info.value.errors) == 1
    assert not (tmp_path / "e.ndjson").exists()


def test_malformed_result_lines_are_downloaded_as_they_are(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.malformed_every = 7
    got, expected, _ = _export(emulator, tmp_path)
    assert got == expected
    assert got.count(b'{"data_row": {"id": "broken", "row_data": \n') == 40 // 7
