"""`make demo` end to end: what it prints, and the instance it leaves for `make ui` (what the assets
themselves land is tests/defs/test_assets.py's; the UI after the demo is tests/defs/test_ui.py's)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from rich.console import Console

from lb_export_pipeline.demo import LOCATION_NAME, run_demo, sensor_cursor_stored
from lb_export_pipeline.emulator import Catalog, CatalogSpec, EmulatorState, Faults


def test_demo_prints_what_landed_and_leaves_an_instance_for_the_ui(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # run_demo sets these for its process; monkeypatch puts the originals back afterwards.
    for name in ("DAGSTER_HOME", "LB_EXPORT_ROOT", "LABELBOX_ENDPOINT", "LABELBOX_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    state = EmulatorState(Catalog(CatalogSpec(models=1, runs_per_model=1, rows=10, video_frames=10)),
                          Faults(polls_to_complete=0))
    console = Console(record=True, width=160)
    code = run_demo(tmp_path / "demo", console, state)
    text = console.export_text()
    assert code == 0, text
    assert "2. sensor: 2 model run partitions, 2 run request(s)" in text
    assert "3. 2/2 runs succeeded; 30/30 asset checks passed" in text
    assert "demo-model-0 / iteration 1" in text and "seed-fixture / iteration 1" in text

    with dg.DagsterInstance.from_config(str(tmp_path / "demo" / "dagster_home")) as instance:
        # A run worker that dies gives its export pool slot back (tests/defs/test_ui.py kills one).
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 2
        # The sensor's cursor waits where `make ui`'s location will read it: every run, as exported.
        (sensor,) = [s for s in instance.all_instigator_state() if s.name == "labelbox_model_runs_sensor"]
        assert sensor.origin.location_name == LOCATION_NAME
        cursor = json.loads(sensor.instigator_data.cursor)  # type: ignore[union-attr]
        assert sorted(cursor) == sorted(r.id for r in state.catalog.all_runs())


def test_a_cursor_that_cannot_be_stored_fails_the_demo_saying_why(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    ran = []
    with pytest.raises(RuntimeError, match=r"could not store the cursor of no_such_sensor: .*no_such_sensor"), \
            sensor_cursor_stored("no_such_sensor", "{}"):
        ran.append(True)  # the block runs while the cursor is sent
    assert ran == [True]
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.all_instigator_state() == []
