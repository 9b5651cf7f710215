"""The official ``labelbox`` SDK, pointed at the emulator, exports a model run and reads every row:
proof that the emulator speaks Labelbox's protocol (and so that the client tested against it does)."""

from __future__ import annotations

import orjson
import pytest

from lb_export_pipeline.emulator import FIXTURE_RUN_ID, EmulatorServer
from tests.conftest import SEED_EXPORT

lb = pytest.importorskip("labelbox")


def test_sdk_exports_the_fixture_run(emulator: EmulatorServer) -> None:
    from labelbox.schema.export_task import StreamType

    emulator.state.faults.polls_to_complete = 0
    client = lb.Client(api_key="any-key", endpoint=emulator.graphql_url)
    run = client.get_model_run(FIXTURE_RUN_ID)
    assert run.name == "documented examples"
    task = run.export(params={"predictions": True, "data_row_details": True})
    task.wait_till_done(timeout_seconds=60)
    assert task.status == "COMPLETE"
    assert task.get_total_lines(StreamType.RESULT) == 5
    rows = [out.json for out in task.get_buffered_stream()]
    expected = [orjson.loads(line) for line in SEED_EXPORT.read_bytes().splitlines()]
    assert [r["data_row"]["id"] for r in rows] == [r["data_row"]["id"] for r in expected]
    # the content is the documented rows, re-keyed under the fixture run
    labels = rows[0]["experiments"]["5eed0000-0000-4000-8000-000000000001"]["runs"][FIXTURE_RUN_ID]["labels"]
    assert labels[0]["annotations"]["objects"][1]["polygon"][0] == {"x": 1489.581, "y": 183.934}


def test_sdk_reads_a_multi_chunk_synthetic_run(emulator: EmulatorServer) -> None:
    emulator.state.faults.polls_to_complete = 0
    emulator.state.faults.chunk_bytes = 8_000
    client = lb.Client(api_key="any-key", endpoint=emulator.graphql_url)
    model = next(m for m in client.get_models() if m.name == "demo-model-1")
    (_first, second) = list(model.model_runs())
    task = client.get_model_run(second.uid).export(params={"predictions": True})
    task.wait_till_done(timeout_seconds=60)
    rows = [out.json for out in task.get_buffered_stream()]
    assert len(rows) == 40
    assert all(second.uid in next(iter(r["experiments"].values()))["runs"] for r in rows)
    expected = emulator.state.tasks.get(task.uid).streams["RESULT"].path.read_bytes()  # type: ignore[union-attr]
    assert [orjson.dumps(r) for r in rows] == [orjson.dumps(orjson.loads(x)) for x in expected.splitlines()]


def test_a_million_row_run_pages_without_materializing_it() -> None:
    """annotationGroups pages of a 1,000,000-row run are generated per page, not for the whole run."""
    import time

    from lb_export_pipeline.emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState
    from tests.conftest import make_client

    state = EmulatorState(Catalog(CatalogSpec(models=1, runs_per_model=1, rows=1_000_000, include_fixture=False)))
    with EmulatorServer(state) as server:
        client = make_client(server)
        run = state.catalog.models[0].runs[0]
        started = time.perf_counter()
        rows = client.list_model_run_data_rows(run.id)
        page = [next(rows) for _ in range(250)]
        assert time.perf_counter() - started < 5
        assert len({r.data_row_id for r in page}) == 250
        assert client.get_model_run(run.id).name == "iteration 1"
