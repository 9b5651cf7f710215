from __future__ import annotations

from pathlib import Path

import pytest

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.evaluation.runner import evaluate
from lb_export_pipeline.flatten import flatten_export

EVERY_KIND = {"image": 0.3, "video": 0.15, "text": 0.15, "geospatial": 0.1, "conversational": 0.1,
              "document": 0.1, "dicom": 0.1}


def evaluated_run(root: Path, seed: int, rows: int, mix: dict[str, float]) -> tuple[Path, str]:
    """Synthetic export -> flattened tables -> evaluation tables; returns (tables root, model run id)."""
    run = synthetic.run_ref(seed, 0, 0)
    export = root / "export.ndjson"
    settings = synthetic.GeneratorSettings(seed=seed, mix=mix, video_frames=30)
    with open(export, "wb") as f:
        for line in synthetic.iter_lines(settings, [run], rows):
            f.write(line)
    tables = root / "tables"
    assert flatten_export(export, tables).quarantined == 0
    evaluate(tables, [run.run_id])
    return tables, run.run_id


@pytest.fixture(scope="session")
def every_kind_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return evaluated_run(tmp_path_factory.mktemp("every-kind"), 21, 80, EVERY_KIND)


@pytest.fixture(scope="session")
def image_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return evaluated_run(tmp_path_factory.mktemp("image"), 5, 120, {"image": 0.8, "text": 0.2})
