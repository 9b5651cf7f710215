"""Dagster fixtures: an ephemeral instance, resources pointed at the test emulator and a temp lake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from lb_export_pipeline.defs import (
    LabelboxResource,
    StorageResource,
    labelbox_tables,
    model_runs_partitions,
    raw_export,
)


class Lake:
    def __init__(self, emulator: Any, root: Path) -> None:
        self.emulator = emulator
        self.root = root
        home = root.parent / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        self.instance = dg.DagsterInstance.local_temp(str(home))
        self.resources = {
            "labelbox": LabelboxResource(endpoint=emulator.graphql_url, poll_interval_seconds=0.01, max_attempts=3),
            "storage": StorageResource(root=str(root)),
        }

    def materialize(self, run_id: str, **kwargs: Any) -> dg.ExecuteInProcessResult:
        if not self.instance.has_dynamic_partition(model_runs_partitions.name or "", run_id):
            self.instance.add_dynamic_partitions(model_runs_partitions.name or "", [run_id])
        return dg.materialize([raw_export, labelbox_tables], partition_key=run_id, resources=self.resources,
                              instance=self.instance, raise_on_error=False, **kwargs)

    @property
    def tables(self) -> Path:
        return self.root / "tables"


@pytest.fixture
def lake(emulator: Any, tmp_path: Path) -> Lake:
    return Lake(emulator, tmp_path / "lake")
