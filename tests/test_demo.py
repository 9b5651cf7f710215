"""`make demo` end to end: emulator -> sensor -> Dagster runs per partition -> tables -> checks -> summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from lb_export_pipeline.demo import run_demo
from lb_export_pipeline.emulator import EmulatorState, Faults
from lb_export_pipeline.query import connect


def test_demo_runs_every_partition_through_dagster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # run_demo sets these for its process; monkeypatch puts the originals back afterwards.
    for name in ("DAGSTER_HOME", "LB_EXPORT_ROOT", "LABELBOX_ENDPOINT", "LABELBOX_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    console = Console(record=True, width=160)
    code = run_demo(tmp_path / "demo", console, EmulatorState(faults=Faults(polls_to_complete=0)))
    text = console.export_text()
    assert code == 0, text
    assert "2. sensor: 5 model run partitions, 5 run request(s)" in text
    assert "3. 5/5 runs succeeded; 70/70 asset checks passed" in text
    assert "seed-fixture / iteration 1" in text
    con = connect(tmp_path / "demo" / "data" / "tables")
    assert con.execute("select count(distinct model_run_id) from data_rows").fetchone()[0] == 5
    assert (tmp_path / "demo" / "dagster_home" / "dagster.yaml").exists()
