"""Labelbox's error answers, met over real HTTP: each maps to its class of the exception tree, with
Labelbox's message; only transient ones are retried; a chunk server that ignores Range still gives
every byte exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from lb_export_pipeline.emulator import EmulatorServer
from lb_export_pipeline.labelbox import (
    ApiError,
    ApiLimitError,
    AuthenticationError,
    AuthorizationError,
    ClientConfig,
    InternalServerError,
    InvalidQueryError,
    LabelboxClient,
    MalformedRequestError,
    OperationNotAllowedError,
    ResourceNotFoundError,
    RetryPolicy,
    export_model_run,
)
from tests.conftest import make_client
from tests.labelbox.test_client import emulator_export_bytes


def _errors(code: str, message: str, **extensions: Any) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code, **extensions}}]})


CASES = [
    # (HTTP status, body, exception class, message pattern, retried)
    (401, _errors("AUTHENTICATION_ERROR", "Not authenticated"), AuthenticationError,
     r"Invalid API key \(Not authenticated\)", False),
    (403, _errors("AUTHORIZATION_ERROR", "Not allowed to read this model"), AuthorizationError,
     "Not allowed to read this model", False),
    (400, _errors("GRAPHQL_VALIDATION_FAILED", 'Cannot query field "x"'), InvalidQueryError,
     'Cannot query field "x"', False),
    (200, _errors("RESOURCE_NOT_FOUND", "Model run not found"), ResourceNotFoundError,
     "Model run not found", False),
    (200, orjson.dumps({"errors": [{"message": "Invalid export params", "errors": ["bad mediaTypeOverride"],
                                    "extensions": {"code": "MALFORMED_REQUEST"}}]}),
     MalformedRequestError, r"Invalid export params: \['bad mediaTypeOverride'\]", False),
    (200, _errors("OPERATION_NOT_ALLOWED", "Exports are disabled"), OperationNotAllowedError,
     "Exports are disabled", False),
    # labelbox-python #1069: the LBU limit arrives as INTERNAL_SERVER_ERROR with status 426; never retried
    (200, _errors("INTERNAL_SERVER_ERROR", "LBU limit reached", exception={"status": 426}),
     OperationNotAllowedError, "LBU limit reached", False),
    (200, _errors("INTERNAL_SERVER_ERROR", "Bad where clause", exception={"status": 400}), InvalidQueryError,
     "Bad where clause", False),
    (200, _errors("INTERNAL_SERVER_ERROR", "Something broke"), InternalServerError, "Something broke", True),
    (400, orjson.dumps({"message": "You have exceeded the API limit"}), ApiLimitError,
     "You have exceeded the API limit", True),
    (200, _errors("SOMETHING_NEW", "A new kind of failure"), ApiError,
     r"Unknown error: A new kind of failure \(code SOMETHING_NEW\)", False),
    (400, b"<html>Bad Request</html>", ApiError, r"failed to parse response as JSON \(HTTP 400\)", False),
    (200, orjson.dumps({"data": None}), ApiError, "response has no data", False),
    (404, orjson.dumps({"message": "Not Found"}), ApiError, "HTTP 404 Not Found", False),
    # rows of the table an answer without errors[] reaches by its status alone
    (401, orjson.dumps({"message": "Unauthorized"}), AuthenticationError, r"Invalid API key \(.*Unauthorized\)", False),
    (403, b"{}", AuthorizationError, "HTTP 403", False),
    (429, b"<html>Too Many Requests</html>", ApiLimitError, r"HTTP 429 Too Many Requests", True),
    (503, b"upstream connect error or disconnect/reset before headers", InternalServerError,
     "HTTP 503 from Labelbox", True),
    (200, _errors("INTERNAL_SERVER_ERROR", "Cannot process", exception={"status": 422}), ApiError,
     "Cannot process", False),
    (200, orjson.dumps([1, 2]), ApiError, r"unexpected response \(HTTP 200\)", False),
    # odd shapes map to an error, never crash the mapping
    (200, orjson.dumps({"errors": ["boom"]}), ApiError, r"Unknown error: no message \(code None\)", False),
    (200, orjson.dumps({"errors": [{"message": "odd", "extensions": "x"}]}), ApiError,
     r"Unknown error: odd \(code None\)", False),
    (200, orjson.dumps({"errors": [{"message": "odd", "extensions": {"code": ["A"], "exception": 3}}]}), ApiError,
     r"Unknown error: odd \(code \['A'\]\)", False),
    (200, orjson.dumps({"errors": [{"message": "oops", "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                                                       "exception": "no status"}}]}),
     InternalServerError, "oops", True),
]
IDS = [f"{c[0]}-{c[2].__name__}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize(("status", "body", "error", "message", "retried"), CASES, ids=IDS)
def test_error_answers_map_to_the_exception_tree(
    emulator: EmulatorServer, status: int, body: bytes, error: type[Exception], message: str, retried: bool
) -> None:
    emulator.state.faults.graphql_response = (status, body)
    client = make_client(emulator, max_attempts=3)
    try:
        with pytest.raises(error, match=message) as info:
            list(client.list_models())
    finally:
        emulator.state.faults.graphql_response = None
    assert type(info.value) is error  # not merely a subclass
    assert len(client.transport.waits) == (2 if retried else 0)


@pytest.mark.parametrize(("status", "body", "error", "message", "retried"), CASES, ids=IDS)
def test_error_answers_map_the_same_through_a_mock_transport(
    status: int, body: bytes, error: type[Exception], message: str, retried: bool
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body)

    config = ClientConfig.create("mock-key-2468", "http://labelbox.test/graphql",
                                 retry=RetryPolicy(max_attempts=3, initial_backoff=0.001))
    slept: list[float] = []
    client = LabelboxClient(config=config, http=httpx.Client(transport=httpx.MockTransport(answer)),
                            sleep=slept.append)
    with pytest.raises(error, match=message) as info:
        list(client.list_models())
    assert type(info.value) is error
    assert len(seen) == (3 if retried else 1) and len(slept) == len(seen) - 1
    assert seen[0].headers["X-SDK-Method"] == "Client:get_models"
    assert "mock-key-2468" not in str(info.value)


def test_the_api_key_never_appears_in_an_error_message(emulator: EmulatorServer) -> None:
    key = "lb-secret-key-0123456789abcdef"
    emulator.state.faults.graphql_response = (200, _errors("SOMETHING_NEW", f"token {key} is not valid here"))
    client = make_client(emulator, api_key=key)
    try:
        with pytest.raises(ApiError) as info:
            list(client.list_models())
    finally:
        emulator.state.faults.graphql_response = None
    assert key not in str(info.value) and "token" in str(info.value)


def test_a_chunk_server_ignoring_range_still_gives_each_byte_once(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.state.faults.ignore_range = True
    emulator.state.faults.drop_chunk_every = 2
    emulator.state.faults.chunk_bytes = 20_000
    try:
        client = make_client(emulator)
        run = emulator.state.catalog.models[0].runs[0]
        result = export_model_run(client, run.id, tmp_path / "e.ndjson", poll_interval=0.001)
    finally:
        emulator.state.faults.ignore_range = False
        emulator.state.faults.drop_chunk_every = 0
        emulator.state.faults.chunk_bytes = 256 * 1024
    assert client.transport.waits  # some transfers were cut and started again from byte 0
    assert (tmp_path / "e.ndjson").read_bytes() == emulator_export_bytes(emulator, result.task_id)


def test_a_task_status_outside_the_enum_is_a_clear_api_error() -> None:
    answers = iter([{"user": {"id": "u-1"}},
                    {"user": {"createdTasks": [{"id": "t-1", "status": "PAUSED", "completionPercentage": 10}]}}])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=orjson.dumps({"data": next(answers)}))

    config = ClientConfig.create("mock-key-1357", "http://labelbox.test/graphql")
    client = LabelboxClient(config=config, http=httpx.Client(transport=httpx.MockTransport(answer)))
    with pytest.raises(ApiError, match=r"task t-1: unknown status 'PAUSED'"):
        client.get_task("t-1")


ODD_ANSWERS = [
    # (what the client asks, the data Labelbox answers, the message)
    (lambda c: c.get_model_run("r-1"), {"modelRun": {"name": "no id"}}, r"to get_model_run \(KeyError: 'id'\)"),
    (lambda c: list(c.list_models()), {"models": [3]}, r"to models_page \(TypeError: .*not subscriptable"),
    (lambda c: list(c.list_model_runs("m-1")), {"model": ["not", "an", "object"]},
     r"to model_runs_page \(AttributeError: .*'get'"),
    (lambda c: list(c.list_model_run_data_rows("r-1")), {"annotationGroups": {"nodes": [{"dataSplit": "TEST"}]}},
     r"to data_rows_page \(KeyError: 'id'\)"),
    (lambda c: c.stream_header("t-1", "RESULT"),
     {"task": {"exportMetadataHeader": {"totalSize": "many", "totalLines": 3}}},
     r"to stream_header \(ValueError: invalid literal for int\(\) with base 10: 'many'\)"),
    (lambda c: c.chunk("t-1", "RESULT", 0), {"task": {"exportFileFromOffset": {"offsets": {"start": 0}}}},
     r"to chunk \(KeyError: 'lines'\)"),
]


@pytest.mark.parametrize(("ask", "data", "message"), ODD_ANSWERS, ids=[m.split(" ")[1] for _, _, m in ODD_ANSWERS])
def test_an_answer_missing_or_mistyping_a_field_is_an_api_error(ask: Any, data: dict[str, Any], message: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=orjson.dumps({"data": data}))

    config = ClientConfig.create("mock-key-9753", "http://labelbox.test/graphql")
    client = LabelboxClient(config=config, http=httpx.Client(transport=httpx.MockTransport(answer)))
    with pytest.raises(ApiError, match=message) as info:
        ask(client)
    assert type(info.value) is ApiError and "unexpected answer from Labelbox" in str(info.value)
