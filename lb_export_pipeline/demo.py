"""The composition root of ``make demo`` and ``make ui``: the code location wired to the local
Labelbox emulator (the production resources never start one themselves).

``make demo``:

1. start the Labelbox emulator on loopback (5 model runs: 4 synthetic with every media kind, and
   the documented examples);
2. tick the sensor once: it registers every model run as a partition and requests a run for each;
   its cursor is stored where the UI's sensor reads it, so ``make ui`` sees nothing new;
3. execute those runs with the code location's job (raw export -> tables -> checks);
4. read the tables back with DuckDB and print a summary per table and per model run.

``make ui``: the emulator, then ``dg dev`` (webserver, daemon, code server) on the same instance.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .settings import LABELBOX_API_KEY, LABELBOX_ENDPOINT, LB_EXPORT_ROOT

DAGSTER_YAML = """\
# written by lb-export demo: a local instance for the demo and `make ui`
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
concurrency:
  pools:
    default_limit: 2  # the labelbox_export pool: at most two exports talk to Labelbox at once
run_monitoring:
  # A run worker that dies (OOM, SIGKILL) is marked failed by its code server; the monitoring daemon
  # then gives its pool slots back, or every later export would wait in the queue for good.
  enabled: true
  poll_interval_seconds: 5
  free_slots_after_run_end_seconds: 5
telemetry:
  enabled: false
nux:
  enabled: false  # no "join the community" dialog over the UI
"""

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # where pyproject.toml's [tool.dg] is: `dg dev` runs there
# The code location as `dg dev` names and loads it ([project] name and [tool.dg.project] in pyproject.toml).
LOCATION_NAME = "lb_export_pipeline"
LOCATION_MODULE = "lb_export_pipeline.definitions"


# Dagster's event stream is DEBUG; keep the assets' own INFO lines (counts, progress) on screen.
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def prepare_home(home: Path) -> tuple[Path, Path]:
    dagster_home = home / "dagster_home"
    data = home / "data"
    dagster_home.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ[LB_EXPORT_ROOT.name] = str(data)
    os.environ.pop(LABELBOX_API_KEY.name, None)  # the demo always runs against the emulator
    return dagster_home, data


# Dagster's GraphQL mutation for a sensor's cursor (what the UI's "Set cursor value" sends).
SET_SENSOR_CURSOR = """
mutation ($selector: SensorSelector!, $cursor: String) {
  setSensorCursor(sensorSelector: $selector, cursor: $cursor) {
    __typename
    ... on PythonError { message }
    ... on SensorNotFoundError { message }
    ... on UnauthorizedError { message }
  }
}
"""


@contextlib.contextmanager
def sensor_cursor_stored(sensor_name: str, cursor: str | None) -> Iterator[None]:
    """Store ``cursor`` as the state of ``sensor_name`` in the code location that ``make ui`` loads,
    so that its first tick continues where the demo's left off. Dagster keys sensor state by
    location, repository and sensor name: the ``dagster-graphql`` CLI loads the location as
    workspace.yaml names it (as ``dg dev`` does) on this instance (``DAGSTER_HOME``) and sends
    Dagster's public ``setSensorCursor`` mutation, with no webserver running. Loading the location
    takes seconds, so it runs while the block does; its answer is checked when the block ends."""
    selector = {"repositoryLocationName": LOCATION_NAME, "repositoryName": "__repository__", "sensorName": sensor_name}
    with tempfile.TemporaryDirectory(prefix="lb-export-demo-") as folder:
        answer, log = Path(folder) / "answer.json", Path(folder) / "stderr.txt"
        with open(log, "wb") as stderr:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "dagster-graphql"), "-w", str(PROJECT_ROOT / "workspace.yaml"),
                 "-t", SET_SENSOR_CURSOR, "-v", json.dumps({"selector": selector, "cursor": cursor}),
                 "-o", str(answer)], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                yield
            finally:
                process.wait()
        result = json.loads(answer.read_text()) if answer.exists() else {}
        outcome = (result.get("data") or {}).get("setSensorCursor") or {}
        if outcome.get("__typename") != "Sensor":
            problem = outcome.get("message") or result.get("errors") or log.read_text().strip()[-2000:]
            raise RuntimeError(f"could not store the cursor of {sensor_name}: {problem}")


def ui_command(port: int) -> list[str]:
    """``dg dev`` for this project (run it in PROJECT_ROOT); the emulator must be running already."""
    return [str(Path(sys.executable).parent / "dg"), "dev", "--port", str(port), "--host", "127.0.0.1"]


def ui_environment(endpoint: str) -> dict[str, str]:
    """The environment of ``dg dev``: the instance and data that prepare_home chose, the emulator."""
    return {**os.environ, LABELBOX_ENDPOINT.name: endpoint, "VIRTUAL_ENV": sys.prefix}  # VIRTUAL_ENV: dg's venv check


def start_ui(port: int, endpoint: str, **popen: Any) -> subprocess.Popen[bytes]:
    """``dg dev`` in a process group of its own, which ``stop_ui`` takes down whole."""
    return subprocess.Popen(ui_command(port), cwd=PROJECT_ROOT, env=ui_environment(endpoint),
                            start_new_session=True, **popen)


def stop_ui(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM the process group ``process`` leads (dg dev's webserver, daemon, code servers and run
    workers), then SIGKILL whatever is left of it: nothing outlives ``make ui`` (a code server can
    even be started again while the others shut down)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_ui(home: Path, port: int, emulator_port: int, console: Console | None = None) -> int:
    """``make ui``: the emulator and the Dagster UI (``dg dev``) against it, until Ctrl-C or SIGTERM."""
    from .emulator import EmulatorServer

    console = console or Console()
    prepare_home(home.resolve())
    with EmulatorServer(port=emulator_port) as emulator:
        console.print(f"Labelbox emulator at {emulator.graphql_url}; Dagster UI at http://127.0.0.1:{port}")
        process = start_ui(port, emulator.graphql_url)
        try:
            while True:  # a blocking wait() would not wake for a Ctrl-C that lands on the emulator's thread
                with contextlib.suppress(subprocess.TimeoutExpired):
                    return process.wait(timeout=0.5)
        except KeyboardInterrupt:
            return 0
        finally:
            stop_ui(process)


def run_demo(home: Path, console: Console | None = None, emulator_state: Any = None) -> int:
    """Run the demo under ``home``; ``emulator_state`` replaces the default emulator (tests)."""
    console = console or Console()
    home = home.resolve()
    _, data = prepare_home(home)

    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)

    from .defs import build_definitions, model_runs_partitions
    from .emulator import EmulatorServer
    from .query import connect
    from .schema import TABLE_NAMES

    with EmulatorServer(emulator_state) as emulator:
        os.environ[LABELBOX_ENDPOINT.name] = emulator.graphql_url
        console.print(f"[bold]1.[/] Labelbox emulator at {emulator.graphql_url}")
        defs = build_definitions(poll_interval_seconds=0.5)  # the emulator is quick
        instance = dg.DagsterInstance.get()
        sensor = defs.resolve_sensor_def("labelbox_model_runs_sensor")
        context = dg.build_sensor_context(instance=instance, resources={"labelbox": (defs.resources or {})["labelbox"]})
        result = sensor(context)
        assert isinstance(result, dg.SensorResult)
        for add in result.dynamic_partitions_requests or []:
            assert isinstance(add, dg.AddDynamicPartitionsRequest)
            instance.add_dynamic_partitions(add.partitions_def_name, list(add.partition_keys or []))
        requests = list(result.run_requests or [])
        console.print(f"[bold]2.[/] sensor: {len(instance.get_dynamic_partitions(model_runs_partitions.name or ''))}"
                      f" model run partitions, {len(requests)} run request(s)")
        job = defs.resolve_job_def("labelbox_export_job")
        failures = 0
        checks_passed = checks_total = 0
        with sensor_cursor_stored(sensor.name, result.cursor):
            for request in requests:
                run = job.execute_in_process(partition_key=request.partition_key, instance=instance,
                                             tags=dict(request.tags or {}), raise_on_error=False, run_config=QUIET)
                evaluations = run.get_asset_check_evaluations()
                checks_total += len(evaluations)
                checks_passed += sum(e.passed for e in evaluations)
                state = "[green]SUCCESS" if run.success else "[red]FAILURE"
                console.print(f"   run {run.run_id[:8]} model_run_id={request.partition_key}: {state}[/] "
                              f"({sum(e.passed for e in evaluations)}/{len(evaluations)} checks passed)")
                failures += not run.success
        console.print(f"[bold]3.[/] {len(requests) - failures}/{len(requests)} runs succeeded; "
                      f"{checks_passed}/{checks_total} asset checks passed")

    con = connect(data / "tables")
    tables = TABLE_NAMES
    summary = Table(title=f"4. what landed in {data / 'tables'} (read back with DuckDB)")
    summary.add_column("model / model run")
    for name in tables:
        summary.add_column(name, justify="right")
    rows = con.execute("select distinct d.model_run_id, d.model_name, d.model_run_name from data_rows d "
                       "order by 2, 3").fetchall()
    for run_id, model_name, run_name in rows:
        counts = [con.execute(f"select count(*) from {t} where model_run_id = ?", [run_id]).fetchone()[0]  # type: ignore[index]
                  for t in tables]
        summary.add_row(f"{model_name} / {run_name}", *(f"{c:,}" for c in counts))
    totals = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables]  # type: ignore[index]
    summary.add_row("[bold]total", *(f"[bold]{c:,}" for c in totals))
    console.print(summary)
    kinds = con.execute("select annotation_kind, source, count(*) n from objects group by all "
                        "order by n desc limit 8").fetchall()
    console.print("top object kinds: " + ", ".join(f"{k} ({s}) {n:,}" for k, s, n in kinds))
    console.print(f"\nQuery it:   .venv/bin/lb-export sql {data / 'tables'}")
    console.print("Open the UI: make ui   (Dagster at http://127.0.0.1:3000, emulator and sensor running)")
    return 1 if failures else 0
