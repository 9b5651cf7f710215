"""Shared test fixtures: the seed export, conversions between export shapes, DuckDB read-back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from lb_export_pipeline.query import connect

SEED_EXPORT = Path(__file__).parents[1] / "lb_export_pipeline" / "emulator" / "fixtures" / "seed_export.ndjson"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`slow` is what `make test-fast` skips: every test that starts a webserver, a browser or Spark."""
    for item in items:
        if any(item.get_closest_marker(kind) for kind in ("webserver", "browser", "spark")):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def seed_export() -> Path:
    return SEED_EXPORT


def to_experiments_shape(row: dict[str, Any]) -> dict[str, Any]:
    """The same row as the current API nests it: experiments -> runs, with plain `name` keys."""
    row = dict(row)
    models = row.pop("models")
    experiments = {}
    for model_id, model in models.items():
        runs = {}
        for run_id, run in model["model_runs"].items():
            run = dict(run)
            run["name"] = run.pop("model_run_name")
            runs[run_id] = run
        experiments[model_id] = {"name": model["model_name"], "runs": runs}
    row["experiments"] = experiments
    return row


def write_lines(path: Path, lines: list[bytes | str | dict[str, Any]]) -> Path:
    with open(path, "wb") as f:
        for line in lines:
            if isinstance(line, dict):
                line = orjson.dumps(line)
            if isinstance(line, str):
                line = line.encode()
            f.write(line.rstrip(b"\n") + b"\n")
    return path


def seed_rows() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in SEED_EXPORT.read_bytes().splitlines()]


@pytest.fixture
def duck() -> Iterator[Any]:
    """duck(root) -> a DuckDB connection with the table views over ``root``."""
    cons: list[duckdb.DuckDBPyConnection] = []

    def open_(root: Path) -> duckdb.DuckDBPyConnection:
        con = connect(root)
        cons.append(con)
        return con

    yield open_
    for con in cons:
        con.close()


# -- the emulator, over real HTTP on loopback ---------------------------------------------------------




@pytest.fixture
def emulator() -> Iterator[Any]:
    """A running emulator with a small synthetic catalogue (2 models x 2 runs x 40 rows + the fixture)."""
    from lb_export_pipeline.emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults

    state = EmulatorState(Catalog(CatalogSpec(rows=40, video_frames=40)), Faults(polls_to_complete=1))
    with EmulatorServer(state) as server:
        yield server


def make_client(server: Any, api_key: str = "test-key-1234", **retry: Any) -> Any:
    """A client for the emulator with fast retries and a recorded (not slept) backoff."""
    from lb_export_pipeline.labelbox import ClientConfig, LabelboxClient, RetryPolicy

    policy = RetryPolicy(**({"initial_backoff": 0.001, "max_backoff": 0.01, "max_attempts": 8} | retry))
    config = ClientConfig.create(api_key, server.graphql_url, retry=policy)
    slept: list[float] = []
    client = LabelboxClient(config=config, sleep=slept.append)
    client.slept = slept  # type: ignore[attr-defined]
    return client


@pytest.fixture(scope="session")
def large_gzip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~70 MB of NDJSON (the fixture's lines repeated), gzip: large enough that two workers share it
    through a decompressed copy in TMPDIR (the CLI splits from 32 MB per process)."""
    import gzip

    path = tmp_path_factory.mktemp("large") / "large.ndjson.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(SEED_EXPORT.read_bytes() * 2000)
    return path
