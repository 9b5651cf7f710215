"""The webserver loads the code location from workspace.yaml, and a materialization launched
through its GraphQL API (what the UI's Materialize button sends) succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lb_export_pipeline.demo import stop_ui
from lb_export_pipeline.emulator import FIXTURE_RUN_ID
from tests.defs.webserver import LOCATION, free_port, gql, launch, run_status, wait_for_location

pytestmark = pytest.mark.webserver

REPO = Path(__file__).parents[2]

ADD_PARTITION = """
mutation($partitionsDefName: String!, $partitionKey: String!, $repositorySelector: RepositorySelector!) {
  addDynamicPartition(partitionsDefName: $partitionsDefName, partitionKey: $partitionKey,
                      repositorySelector: $repositorySelector) {
    __typename
    ... on AddDynamicPartitionSuccess { partitionKey }
    ... on PythonError { message }
  }
}"""


@pytest.fixture
def webserver(emulator: Any, tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    # Launch runs at once, without the daemon that a queued coordinator needs.
    (home / "dagster.yaml").write_text("run_coordinator:\n  module: dagster.core.run_coordinator\n"
                                       "  class: DefaultRunCoordinator\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "LABELBOX_API_KEY"}
    env.update(DAGSTER_HOME=str(home), LABELBOX_ENDPOINT=emulator.graphql_url, LB_EXPORT_ROOT=str(tmp_path / "lake"))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        wait_for_location(client, process, timeout=120)
        yield client, tmp_path / "lake"
    finally:
        client.close()
        stop_ui(process)


def test_materialize_through_the_webserver_graphql_api(webserver: tuple[httpx.Client, Path], duck: Any) -> None:
    client, lake = webserver
    added = gql(client, ADD_PARTITION, {"partitionsDefName": "labelbox_model_runs", "partitionKey": FIXTURE_RUN_ID,
                                        "repositorySelector": LOCATION})["addDynamicPartition"]
    assert added == {"__typename": "AddDynamicPartitionSuccess", "partitionKey": FIXTURE_RUN_ID}
    run_id = launch(client, ["raw_export", "data_rows", "labels", "objects", "classifications", "video_frames",
                             "relationships"], FIXTURE_RUN_ID)
    deadline = time.monotonic() + 180
    status = ""
    while time.monotonic() < deadline:
        status = run_status(client, run_id)
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
