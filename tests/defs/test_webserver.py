"""The webserver loads the code location from workspace.yaml, and a materialization launched
through its GraphQL API (what the UI's Materialize button sends) succeeds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lb_export_pipeline.emulator import FIXTURE_RUN_ID

REPO = Path(__file__).parents[2]
LOCATION = {"repositoryLocationName": "lb_export_pipeline", "repositoryName": "__repository__"}

ADD_PARTITION = """
mutation($partitionsDefName: String!, $partitionKey: String!, $repositorySelector: RepositorySelector!) {
  addDynamicPartition(partitionsDefName: $partitionsDefName, partitionKey: $partitionKey,
                      repositorySelector: $repositorySelector) {
    __typename
    ... on AddDynamicPartitionSuccess { partitionKey }
    ... on PythonError { message }
  }
}"""

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

LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries { name
    locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def webserver(emulator: Any, tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    # Launch runs at once, without the daemon that a queued coordinator needs.
    (home / "dagster.yaml").write_text("run_coordinator:\n  module: dagster.core.run_coordinator\n"
                                       "  class: DefaultRunCoordinator\n")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "LABELBOX_API_KEY"}
    env.update(DAGSTER_HOME=str(home), LABELBOX_ENDPOINT=emulator.graphql_url, LB_EXPORT_ROOT=str(tmp_path / "lake"))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                entries = _gql(client, LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]:
                    assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "webserver did not come up"
            time.sleep(0.5)
        yield client, tmp_path / "lake"
    finally:
        process.terminate()
        process.wait(timeout=30)
        client.close()


def _gql(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_materialize_through_the_webserver_graphql_api(webserver: tuple[httpx.Client, Path], duck: Any) -> None:
    client, lake = webserver
    added = _gql(client, ADD_PARTITION, {"partitionsDefName": "labelbox_model_runs", "partitionKey": FIXTURE_RUN_ID,
                                         "repositorySelector": LOCATION})["addDynamicPartition"]
    assert added == {"__typename": "AddDynamicPartitionSuccess", "partitionKey": FIXTURE_RUN_ID}
    keys = [{"path": ["labelbox", name]} for name in ("raw_export", "data_rows", "labels", "objects",
                                                         "classifications", "video_frames", "relationships")]
    launched = _gql(client, LAUNCH, {"executionParams": {
        "selector": {**LOCATION, "pipelineName": "__ASSET_JOB", "assetSelection": keys},
        "mode": "default",
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": FIXTURE_RUN_ID}]},
    }})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + 180
    status = ""
    while time.monotonic() < deadline:
        status = _gql(client, RUN_STATUS, {"runId": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert status == "SUCCESS"
    con = duck(lake / "tables")
    assert con.execute("select count(*) from classifications").fetchone()[0] == 78
    assert con.execute("select count(*) from objects").fetchone()[0] == 36


def test_dg_loads_the_project() -> None:
    """`dg` finds the code location through [tool.dg] in pyproject.toml."""
    dg_cli = Path(sys.executable).parent / "dg"
    if not dg_cli.exists():
        pytest.skip("dagster-dg-cli is not installed")
    env = {k: v for k, v in os.environ.items() if k != "LABELBOX_API_KEY"}
    done = subprocess.run([str(dg_cli), "check", "defs"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully." in done.stdout + done.stderr
