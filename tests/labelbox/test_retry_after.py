"""A ``Retry-After`` that is not a usable number of seconds (``nan``, ``inf``, negative, text) falls
back to backoff; a huge one is capped. Met over real HTTP (the emulator's 429 and chunk 503 carry the
value given) and through ``httpx.MockTransport``."""

from __future__ import annotations

import math
import time
from pathlib import Path

import httpx
import orjson
import pytest

from lb_export_pipeline.emulator import EmulatorServer
from lb_export_pipeline.labelbox import ClientConfig, LabelboxClient, RetryPolicy, export_model_run
from lb_export_pipeline.labelbox.retry import parse_retry_after
from tests.labelbox.test_client import emulator_export_bytes

UNUSABLE = ["nan", "NaN", "inf", "-inf", "-5", "1e400", "soon", "Wed, 32 Foo 2024 25:00:00 GMT"]
POLICY = RetryPolicy(initial_backoff=0.001, max_backoff=0.004, max_retry_after=0.02)


@pytest.mark.parametrize("value", UNUSABLE)
def test_unusable_values_parse_as_none(value: str) -> None:
    assert parse_retry_after(value) is None


def test_huge_values_are_capped_and_usable_ones_honoured() -> None:
    assert parse_retry_after("1e9") == 1e9
    assert POLICY.backoff(1, parse_retry_after("1e9")) == 0.02
    assert POLICY.backoff(1, parse_retry_after("0.015")) == 0.015


def _client(endpoint: str, sleep: object = time.sleep, **http: object) -> LabelboxClient:
    config = ClientConfig.create("k-retry-after", endpoint, retry=POLICY)
    return LabelboxClient(config=config, sleep=sleep, **http)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", UNUSABLE)
def test_rate_limits_with_unusable_retry_after_back_off_over_http(
    emulator: EmulatorServer, tmp_path: Path, value: str
) -> None:
    emulator.state.faults.rate_limit_every = 3
    emulator.state.faults.chunk_server_error_every = 2
    emulator.state.faults.retry_after = value
    emulator.state.faults.chunk_bytes = 30_000
    client = _client(emulator.graphql_url)  # real time.sleep: a nan would raise ValueError
    result = export_model_run(client, emulator.state.catalog.models[0].runs[0].id, tmp_path / "e.ndjson",
                              poll_interval=0.001)
    assert (tmp_path / "e.ndjson").read_bytes() == emulator_export_bytes(emulator, result.task_id)
    waits = client.transport.waits
    assert len(waits) >= 4 and all(math.isfinite(w) and 0 <= w <= POLICY.max_backoff for w in waits)


def test_a_huge_retry_after_is_capped_over_http(emulator: EmulatorServer) -> None:
    emulator.state.faults.rate_limit_every = 2
    emulator.state.faults.retry_after = "86400000"
    slept: list[float] = []
    client = _client(emulator.graphql_url, slept.append)
    assert [len(list(client.list_models())) for _ in range(2)] == [3, 3]  # the second request meets a 429
    assert slept and all(s == POLICY.max_retry_after for s in slept)


@pytest.mark.parametrize("value", [*UNUSABLE, "86400000"])
def test_retry_after_through_a_mock_transport(value: str) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": value}, json={"message": "slow down"}),
                    httpx.Response(503, headers={"Retry-After": value}, content=b"unavailable"),
                    httpx.Response(200, content=orjson.dumps({"data": {"models": []}}))])
    client = _client("http://labelbox.test/graphql",
                     http=httpx.Client(transport=httpx.MockTransport(lambda request: next(answers))))
    assert list(client.list_models()) == []
    waits = client.transport.waits
    assert len(waits) == 2
    if value == "86400000":
        assert waits == [POLICY.max_retry_after] * 2
    else:
        assert all(math.isfinite(w) and 0 <= w <= POLICY.max_backoff for w in waits)
