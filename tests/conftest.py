"""Shared test fixtures: the seed export, conversions between export shapes, DuckDB read-back."""

from __future__ import annotations

import copy
import random
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


def refusal(folder: Path, line: dict[str, Any]) -> str:
    """Flatten one line that must be quarantined; returns its one quarantine record as
    ``<field>: <reason>`` (the field path in JSON terms)."""
    from lb_export_pipeline.flatten import flatten_export, read_quarantine

    folder.mkdir(parents=True, exist_ok=True)
    result = flatten_export(write_lines(folder / "refused.ndjson", [line]), folder / "tables")
    paths = [p.quarantine_path for p in result.partitions.values()] + [result.unattributed_path]
    (record,) = [r for p in paths if p is not None for r in read_quarantine(p)]  # type: ignore[arg-type]
    assert record["line"] == 1
    return f"{record['field']}: {record['reason']}" if record["field"] else str(record["reason"])


def seed_rows() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in SEED_EXPORT.read_bytes().splitlines()]


# -- seeded mutations of realistic rows (the fuzz corpus) ---------------------------------------------

ODD_VALUES: list[Any] = [None, "text", 3, -1.5, True, [], {}, [1, 2], {"x": "y"}, "2024-13-45T99:00:00"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every addressable place under the run entry (not the run id keys themselves)."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


def mutate(row: dict[str, Any], rng: random.Random, run: Any) -> bytes:
    """``row`` (of the synthetic ``run``, experiments shape) with 1-3 values deleted, replaced by odd
    ones or given an unknown key, as NDJSON; now and then truncated."""
    target = row if rng.random() < 0.3 else row["experiments"][run.model_id]["runs"][run.run_id]
    places = [p for p in _paths(target) if p]
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(places)
        try:
            parent: Any = target
            for step in path[:-1]:
                parent = parent[step]
            node = parent[path[-1]]
            if isinstance(node, dict) and rng.random() < 0.35:  # a key this version does not know, at any depth
                node[f"unknown_{rng.randint(0, 99)}"] = copy.deepcopy(rng.choice(ODD_VALUES))
            elif rng.random() < 0.4 and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                # a copy: a shared list could be nested into itself by a later mutation
                parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed the path
    text = orjson.dumps(row)
    if rng.random() < 0.05:
        text = text[: rng.randint(1, len(text) - 1)]  # a truncated line
    return text + b"\n"


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
    """~70 MB of NDJSON (the fixture's lines repeated), gzip: a flatten of it runs long enough to be
    signalled midway."""
    import gzip

    path = tmp_path_factory.mktemp("large") / "large.ndjson.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(SEED_EXPORT.read_bytes() * 2000)
    return path
