"""What the emulator serves: models, their model runs, and each run's rows (generated on demand).

Runs of one model share data rows (rows 0..n-1 of the catalog's seed), as runs of a real model do;
each run has its own labels and predictions. The five documented rows of the seed fixture are
served as one more model run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import orjson

from ..labelbox.types import ExportParams
from . import masks, synthetic

FIXTURE_MODEL_ID = "5eed0000-0000-4000-8000-000000000001"
FIXTURE_RUN_ID = "5eed0000-0000-4000-8000-0000000000f1"
_EPOCH = datetime(2024, 6, 1, tzinfo=UTC)


def api_time(when: datetime) -> str:
    """Labelbox's timestamp format, which the SDK parses with %Y-%m-%dT%H:%M:%S.%fZ."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class EmulatedRun:
    id: str
    name: str
    model_id: str
    rows: int
    created_at: datetime
    updated_at: datetime
    fixture: bool = False

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "modelId": self.model_id, "createdBy": "emulator@example.com",
                "createdAt": api_time(self.created_at), "updatedAt": api_time(self.updated_at),
                "trainingMetadata": None}


@dataclass
class EmulatedModel:
    id: str
    name: str
    runs: list[EmulatedRun] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "ontologyId": f"onto-{self.id[:8]}"}


@dataclass(frozen=True)
class CatalogSpec:
    """The synthetic catalogue: ``models`` models with ``runs_per_model`` runs of ``rows`` rows."""

    seed: int = 7
    models: int = 2
    runs_per_model: int = 2
    rows: int = 40
    video_frames: int = 60
    include_fixture: bool = True
    mix: dict[str, float] | None = None


class Catalog:
    def __init__(self, spec: CatalogSpec | None = None) -> None:
        self.spec = spec or CatalogSpec()
        self._lock = threading.Lock()
        self.models: list[EmulatedModel] = []
        for m in range(self.spec.models):
            ref = synthetic.run_ref(self.spec.seed, m, 0, f"demo-model-{m}")
            model = EmulatedModel(ref.model_id, ref.model_name)
            for r in range(self.spec.runs_per_model):
                self._new_run(model, r, self.spec.rows)
            self.models.append(model)
        if self.spec.include_fixture:
            when = _EPOCH
            self.models.append(EmulatedModel(FIXTURE_MODEL_ID, "seed-fixture", [
                EmulatedRun(FIXTURE_RUN_ID, "documented examples", FIXTURE_MODEL_ID, len(_fixture_rows()),
                            when, when, fixture=True)]))

    def _new_run(self, model: EmulatedModel, index: int, rows: int) -> EmulatedRun:
        ref = synthetic.run_ref(self.spec.seed, self.models.index(model) if model in self.models
                                else len(self.models), index, model.name)
        when = _EPOCH + timedelta(days=index)
        run = EmulatedRun(ref.run_id, ref.run_name, model.id, rows, when, when)
        model.runs.append(run)
        return run

    def model(self, model_id: str) -> EmulatedModel | None:
        return next((m for m in self.models if m.id == model_id), None)

    def run(self, run_id: str) -> EmulatedRun | None:
        return next((r for m in self.models for r in m.runs if r.id == run_id), None)

    def all_runs(self) -> list[EmulatedRun]:
        return [r for m in self.models for r in m.runs]

    # -- changes a sensor should notice ------------------------------------------------------------

    def add_run(self, model_id: str, rows: int | None = None) -> EmulatedRun:
        """A new model run of an existing model (a user trained a new iteration)."""
        with self._lock:
            model = self.model(model_id)
            if model is None:
                raise KeyError(model_id)
            return self._new_run(model, len(model.runs), rows if rows is not None else self.spec.rows)

    def remove_run(self, run_id: str) -> None:
        """A model run deleted in Labelbox."""
        with self._lock:
            for model in self.models:
                model.runs = [r for r in model.runs if r.id != run_id]

    def touch(self, run_id: str, rows: int | None = None) -> EmulatedRun:
        """Update a run (new predictions uploaded): bumps updatedAt, optionally resizes it."""
        with self._lock:
            run = self.run(run_id)
            if run is None:
                raise KeyError(run_id)
            run.updated_at = run.updated_at + timedelta(hours=1)
            if rows is not None:
                run.rows = rows
            return run

    # -- rows ------------------------------------------------------------------------------------

    def settings(self, shape: synthetic.Shape, options: ExportParams,
                 mask_base: str = masks.LABELBOX_BASE) -> synthetic.GeneratorSettings:
        base = synthetic.GeneratorSettings(seed=self.spec.seed, shape=shape, video_frames=self.spec.video_frames,
                                           options=options, mask_base=mask_base)
        return replace(base, mix=self.spec.mix) if self.spec.mix else base

    def export_lines(self, run: EmulatedRun, shape: synthetic.Shape, options: ExportParams,
                     mask_base: str = masks.LABELBOX_BASE) -> Iterator[bytes]:
        if run.fixture:
            for row in _fixture_rows():
                yield orjson.dumps(_rekey_fixture(row, shape, options)) + b"\n"
            return
        model = self.model(run.model_id)
        assert model is not None
        ref = synthetic.RunRef(model.id, model.name, run.id, run.name)
        yield from synthetic.iter_lines(self.settings(shape, options, mask_base), [ref], run.rows)

    def data_rows(self, run: EmulatedRun, start: int = 0, count: int | None = None) -> list[dict[str, Any]]:
        """Rows [start, start + count) of the run as annotationGroups nodes, generated for the page only."""
        stop = run.rows if count is None else min(run.rows, start + count)
        if run.fixture:
            return [{"id": f"ag-{i}", "dataSplit": "UNASSIGNED", "labelId": None, "modelRunId": run.id,
                     "dataRow": {"id": row["data_row"]["id"], "globalKey": row["data_row"].get("global_key"),
                                 "externalId": None, "rowData": row["data_row"]["row_data"]}}
                    for i, row in enumerate(_fixture_rows()) if start <= i < stop]
        seed = self.spec.seed
        mix = self.spec.mix or synthetic.DEFAULT_MIX
        return [{"id": f"ag-{run.id[:8]}-{i}", "dataSplit": synthetic.split_of(seed, run.id, i), "labelId": None,
                 "modelRunId": run.id,
                 "dataRow": {"id": synthetic.data_row_id(seed, i),
                             "globalKey": f"{synthetic.media_kind(seed, i, mix)}-{seed}-{i:08d}",
                             "externalId": None, "rowData": None}}
                for i in range(start, stop)]


_FIXTURE_CACHE: list[dict[str, Any]] = []


def _fixture_rows() -> list[dict[str, Any]]:
    if not _FIXTURE_CACHE:
        text = resources.files(__package__).joinpath("fixtures/seed_export.ndjson").read_bytes()
        _FIXTURE_CACHE.extend(orjson.loads(line) for line in text.splitlines() if line.strip())
    return _FIXTURE_CACHE


def _rekey_fixture(row: dict[str, Any], shape: synthetic.Shape, options: ExportParams) -> dict[str, Any]:
    """A fixture row with its labels moved under the fixture run, in the requested shape."""
    row = dict(row)
    (model,) = row.pop("models").values()
    (run,) = model["model_runs"].values()
    run = dict(run)
    if not options.predictions:
        run.pop("predictions", None)
    if shape == "models":
        row["models"] = {FIXTURE_MODEL_ID: {"model_name": "seed-fixture", "model_runs": {FIXTURE_RUN_ID: run}}}
    else:
        run["name"] = run.pop("model_run_name")
        row["experiments"] = {FIXTURE_MODEL_ID: {"name": "seed-fixture", "runs": {FIXTURE_RUN_ID: run}}}
    return row
