"""`make ui` right after `make demo`, as a person meets it: the demo's instance and data, the emulator
and `dg dev` (webserver, daemon, code server) started as `lb-export ui` starts them, and Debian's
chromium, driven headless by Playwright, clicking through the UI. The tests run in file order on
one stack: the first looks at what the UI did by itself after the demo."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import psutil
import pytest
from dagster._core.events import DagsterEventType
from playwright.sync_api import expect, sync_playwright
from rich.console import Console

from lb_export_pipeline.defs.assets import EXPORT_POOL
from lb_export_pipeline.defs.sensors import MODEL_RUNS_SENSOR, labelbox_automation_sensor
from lb_export_pipeline.demo import run_demo, start_ui, stop_ui
from lb_export_pipeline.emulator import FIXTURE_RUN_ID, Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults
from lb_export_pipeline.flatten import TABLE_NAMES
from tests.defs.webserver import (
    LOCATION,
    free_port,
    gql,
    launch,
    run_status,
    wait_for,
    wait_for_location,
)

pytestmark = [pytest.mark.browser, pytest.mark.webserver]

CHROMIUM = shutil.which("chromium")  # Debian's package: Playwright cannot download its own browsers here

SENSOR_TICKS = """
query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) { __typename
  ... on Sensor { sensorState { ticks(limit: 10) { status runIds skipReason error { message } } } } } }"""


@dataclass
class Stack:
    url: str
    client: httpx.Client
    emulator: EmulatorServer
    instance: dg.DagsterInstance
    process: subprocess.Popen[bytes]  # dg dev


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("ui")
    # One synthetic model run and the documented examples: two partitions, the demo's catalogue in small.
    state = EmulatorState(Catalog(CatalogSpec(models=1, runs_per_model=1, rows=10, video_frames=10)),
                          Faults(polls_to_complete=0))
    with pytest.MonkeyPatch.context() as env:
        for name in ("DAGSTER_HOME", "LB_EXPORT_ROOT", "LABELBOX_ENDPOINT", "LABELBOX_API_KEY"):
            env.delenv(name, raising=False)
        assert run_demo(home, Console(file=io.StringIO()), state) == 0  # make demo
        with EmulatorServer(state) as emulator, open(home / "dg-dev.log", "wb") as log:  # make ui
            port = free_port()
            process = start_ui(port, emulator.graphql_url, stdout=log, stderr=subprocess.STDOUT)
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            try:
                wait_for_location(client, process)
                with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
                    yield Stack(f"http://127.0.0.1:{port}", client, emulator, instance, process)
            finally:
                client.close()
                stop_ui(process)


def _finished_ticks(stack: Stack, sensor: str) -> list[dict[str, Any]] | None:
    found = gql(stack.client, SENSOR_TICKS, {"selector": {**LOCATION, "sensorName": sensor}})["sensorOrError"]
    assert found["__typename"] == "Sensor", found
    ticks = [t for t in found["sensorState"]["ticks"] if t["status"] != "STARTED"]
    return ticks or None


def test_after_the_demo_the_ui_exports_nothing_again(stack: Stack) -> None:
    """The demo stored its sensor cursor where the UI's sensor reads it, and the tables it made are
    up to date with their raw exports: neither sensor starts a run."""
    ticks = wait_for("the model-run sensor's first tick", lambda: _finished_ticks(stack, MODEL_RUNS_SENSOR), 120)
    assert [(t["status"], t["runIds"], t["skipReason"]) for t in ticks] == [
        ("SKIPPED", [], "2 model run(s), none new or updated")]
    automation = wait_for("the automation sensor's first tick",
                          lambda: _finished_ticks(stack, labelbox_automation_sensor.name), 120)
    assert [t["runIds"] for t in automation] == [[]] * len(automation)
    assert stack.instance.get_runs_count() == 2  # the demo's runs, and none since


def _materialized(stack: Stack, asset: str, partition: str, after: float) -> dg.EventLogRecord | None:
    records = stack.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(["labelbox", asset]), asset_partitions=[partition],
                              after_timestamp=after), limit=1).records
    return records[0] if records else None


def test_materialize_a_raw_export_in_the_browser_and_its_tables_follow(stack: Stack, tmp_path: Path) -> None:
    assert CHROMIUM, "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    model = stack.emulator.state.catalog.models[0]
    run = model.runs[0]
    clicked = time.time()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])  # root in CI
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{stack.url}/assets/labelbox/raw_export")
            page.get_by_role("button", name="Materialize").first.click()
            # Blueprint nests role=dialog elements (the dialog and its popovers): locate by text, not by role.
            expect(page.get_by_text("Launch runs to materialize labelbox / raw_export").first).to_be_visible()
            page.get_by_text("Select a partition or create one").first.click()
            page.get_by_placeholder("Filter partitions").fill(run.id[:8])
            page.locator("span", has_text=run.id).first.click()
            page.keyboard.press("Escape")
            launch = page.get_by_role("button", name="Launch 1 run")
            launch.click()
            expect(launch).to_have_count(0)

            raw = wait_for("raw_export to materialize",
                           lambda: _materialized(stack, "raw_export", run.id, clicked), 120)
            tables = {name: wait_for(f"{name} to follow", lambda n=name: _materialized(  # type: ignore[misc]
                stack, n, run.id, raw.timestamp), 120) for name in TABLE_NAMES}

            # Partition keys are bare model run ids; the Partitions tab says which model run one is.
            page.goto(f"{stack.url}/assets/labelbox/objects?view=partitions&partition={run.id}")
            for name in ("model_name", "model_run_name", model.name, run.name):
                expect(page.get_by_text(name, exact=True)).to_be_visible(timeout=30_000)
            page.screenshot(path=str(tmp_path / "objects-partition.png"))
        finally:
            browser.close()
    raw_run = stack.instance.get_run_by_id(raw.run_id)
    assert raw_run is not None and "dagster/sensor_name" not in raw_run.tags  # launched from the browser
    (table_run_id,) = {record.run_id for record in tables.values()}
    table_run = stack.instance.get_run_by_id(table_run_id)
    assert table_run is not None and table_run_id != raw.run_id
    assert table_run.tags["dagster/sensor_name"] == labelbox_automation_sensor.name
    assert table_run.tags["dagster/partition"] == run.id


def _run_worker_pid(stack: Stack, run_id: str) -> int:
    (started,) = stack.instance.all_logs(run_id, of_type=DagsterEventType.RUN_START)
    assert started.dagster_event is not None and started.dagster_event.pid is not None
    return started.dagster_event.pid


def _claimed_by(stack: Stack, run_id: str) -> bool:
    return run_id in stack.instance.event_log_storage.get_concurrency_info(EXPORT_POOL).active_run_ids


def test_a_killed_run_gives_its_export_pool_slot_back(stack: Stack) -> None:
    """A run worker SIGKILLed mid-export: its code server marks the run failed, and run monitoring
    (in the instance `make demo` writes) frees its labelbox_export slot, so exports do not queue forever."""
    faults = stack.emulator.state.faults
    faults.polls_to_complete = 10**9  # the export task never completes: the run waits holding its slot
    try:
        run_id = launch(stack.client, ["raw_export"], FIXTURE_RUN_ID)
        wait_for("the run to hold a labelbox_export slot", lambda: _claimed_by(stack, run_id) or None, 120)
        worker = psutil.Process(_run_worker_pid(stack, run_id))
        doomed = [worker, *worker.children(recursive=True)]  # the run worker and its step process
        for process in doomed:
            process.kill()
        psutil.wait_procs(doomed, timeout=10)
        assert not any(process.is_running() for process in doomed)
        status = wait_for("the run to end", lambda: s if (s := run_status(stack.client, run_id)) in (
            "FAILURE", "CANCELED", "SUCCESS") else None, 60)
        assert status == "FAILURE"
        wait_for("its slot to be freed", lambda: None if _claimed_by(stack, run_id) else True, 60)
    finally:
        faults.polls_to_complete = 0


def test_stopping_the_ui_leaves_no_process(stack: Stack) -> None:
    """What `make ui` does on Ctrl-C or SIGTERM: dg dev, its webserver, daemon, code servers and run
    workers all end (found by PID, before and after)."""
    family = [psutil.Process(stack.process.pid), *psutil.Process(stack.process.pid).children(recursive=True)]
    assert len(family) >= 4  # dg dev, the webserver, the daemon and a code server at least
    stop_ui(stack.process)
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    assert stack.process.returncode is not None
