"""Talking to a running Dagster webserver the way its UI does: GraphQL over HTTP."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

LOCATION = {"repositoryLocationName": "lb_export_pipeline", "repositoryName": "__repository__"}

LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries { name
    locationOrLoadError { __typename ... on PythonError { message } } } } } }"""

LAUNCH = """
mutation($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""

RUN_STATUS = "query($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gql(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 0.5) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting for {what}"
        time.sleep(every)


def wait_for_location(client: httpx.Client, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Until the code location is loaded (and fail at once if the server process died)."""

    def loaded() -> bool | None:
        assert process.poll() is None, "the Dagster process exited"
        try:
            entries = gql(client, LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
        except httpx.TransportError:
            return None
        if not entries or not entries[0]["locationOrLoadError"]:
            return None
        assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries
        return True

    wait_for("the code location to load", loaded, timeout)


def launch(client: httpx.Client, assets: list[str], partition: str) -> str:
    """Launch a run of ``labelbox/<asset>`` for one partition, as the Materialize button does."""
    launched = gql(client, LAUNCH, {"executionParams": {
        "selector": {**LOCATION, "pipelineName": "__ASSET_JOB",
                     "assetSelection": [{"path": ["labelbox", name]} for name in assets]},
        "mode": "default",
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
    }})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return str(launched["run"]["runId"])


def run_status(client: httpx.Client, run_id: str) -> str:
    return str(gql(client, RUN_STATUS, {"runId": run_id})["runOrError"]["status"])
