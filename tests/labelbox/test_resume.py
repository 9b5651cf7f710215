"""A chunk whose connection drops on every request still downloads: each request resumes with
``Range`` from the last byte received, so the number of requests follows from the bytes each one
delivered, and the file is byte-identical to the emulator's export."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from lb_export_pipeline.emulator import EmulatorServer
from lb_export_pipeline.labelbox import TransportError, export_model_run
from tests.conftest import make_client
from tests.labelbox.test_client import emulator_export_bytes


def _chunk_lengths(server: EmulatorServer, task_id: str) -> list[int]:
    stream = server.state.tasks.get(task_id).streams["RESULT"]  # type: ignore[union-attr]
    lengths, offset = [], 0
    while (found := stream.chunk_at(offset, server.state.faults.chunk_bytes)) is not None:
        lengths.append(found[1] - found[0] + 1)
        offset = found[1] + 1
    return lengths


def _halvings(length: int) -> int:
    """Requests for one chunk when each sends half of what is left (the last byte comes whole)."""
    return 1 if length <= 1 else 1 + _halvings(length - length // 2)


def _export_counting_gets(server: EmulatorServer, tmp_path: Path) -> tuple[str, int, bytes]:
    client = make_client(server)
    run = server.state.catalog.models[0].runs[0]
    before = next(server.state.chunk_requests)
    result = export_model_run(client, run.id, tmp_path / "e.ndjson", poll_interval=0.001)
    gets = next(server.state.chunk_requests) - before - 1
    return result.task_id, gets, (tmp_path / "e.ndjson").read_bytes()


@pytest.mark.parametrize(("faults", "requests_for"), [
    ({"drop_chunk_every": 1}, _halvings),                          # every request delivers half, then drops
    ({"drop_after_bytes": 20_000}, lambda n: math.ceil(n / 20_000)),  # every request delivers 20 kB, then drops
], ids=["half-of-each-request", "20kB-per-request"])
def test_a_drop_on_every_request_still_completes_byte_identical(
    emulator: EmulatorServer, tmp_path: Path, faults: dict[str, int], requests_for: Callable[[int], int]
) -> None:
    for name, value in faults.items():
        setattr(emulator.state.faults, name, value)
    emulator.state.faults.chunk_bytes = 1 << 20  # the run's export in one chunk of a few hundred kB
    task_id, gets, got = _export_counting_gets(emulator, tmp_path)
    lengths = _chunk_lengths(emulator, task_id)
    assert len(lengths) == 1 and lengths[0] > 100_000
    assert got == emulator_export_bytes(emulator, task_id)
    assert gets == sum(requests_for(n) for n in lengths) > 8  # more requests than max_attempts: progress resets it


def test_drops_without_progress_still_give_up(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A server that answers every request with 503 spends the retries and says how far it got."""
    emulator.state.faults.chunk_server_error_every = 1
    client = make_client(emulator, max_attempts=3)
    run = emulator.state.catalog.models[0].runs[0]
    with pytest.raises(TransportError, match=r"chunk download at byte 0/\d+: HTTP 503 \(gave up after 3 attempts\)"):
        export_model_run(client, run.id, tmp_path / "e.ndjson", poll_interval=0.001)
    assert len(client.transport.waits) == 2
    assert not (tmp_path / "e.ndjson").exists() and not list(tmp_path.iterdir())
