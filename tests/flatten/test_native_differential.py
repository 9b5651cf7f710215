"""The native core against the Python oracle (tests/oracle): same tables cell for cell, same
quarantine records, on the fixture, every emulator media kind in both shapes, and mutated rows."""

from __future__ import annotations

import gzip
import os
import random
import time
from pathlib import Path

import orjson
import pytest

from lb_export_pipeline.emulator import synthetic
from tests.conftest import mutate, seed_rows, to_experiments_shape, write_lines
from tests.flatten.test_fuzz import RUN as FUZZ_RUN
from tests.oracle.compare import assert_same_as_oracle


def test_fixture_in_both_shapes(tmp_path: Path) -> None:
    rows = seed_rows()
    export = write_lines(tmp_path / "seed.ndjson", [*rows, *(to_experiments_shape(r) for r in rows)])
    assert assert_same_as_oracle(export, tmp_path / "out") > 100


@pytest.mark.parametrize("shape", ["models", "experiments"])
@pytest.mark.parametrize("kind", synthetic.MEDIA_KINDS)
def test_every_media_kind(tmp_path: Path, kind: str, shape: str) -> None:
    settings = synthetic.GeneratorSettings(seed=5, shape=shape, mix={kind: 1.0}, video_frames=30)  # type: ignore[arg-type]
    runs = [synthetic.run_ref(5, 0, 0), synthetic.run_ref(5, 1, 0)]
    export = write_lines(tmp_path / f"{kind}.ndjson", [synthetic.make_row(settings, i, runs) for i in range(25)])
    assert assert_same_as_oracle(export, tmp_path / "out") > 25


def test_one_model_run_with_splits_from_a_gzip_export(tmp_path: Path) -> None:
    settings = synthetic.GeneratorSettings(seed=7, video_frames=20)
    runs = [synthetic.run_ref(7, 0, 0), synthetic.run_ref(7, 1, 0)]
    lines = [orjson.dumps(synthetic.make_row(settings, i, runs)) + b"\n" for i in range(60)]
    export = tmp_path / "run.ndjson.gz"
    export.write_bytes(gzip.compress(b"".join(lines)))
    split_of = {orjson.loads(line)["data_row"]["id"]: "TEST" for line in lines[::3]}
    assert assert_same_as_oracle(export, tmp_path / "out", model_run_id=runs[1].run_id, splits=split_of) > 60


def test_mutated_rows(tmp_path: Path) -> None:
    rng = random.Random(2024)
    settings = synthetic.GeneratorSettings(seed=13, video_frames=40)
    rows = int(os.environ.get("LB_FUZZ_ROWS", "400"))
    export = tmp_path / "fuzz.ndjson"
    export.write_bytes(b"".join(mutate(synthetic.make_row(settings, i, [FUZZ_RUN]), rng, FUZZ_RUN)
                                for i in range(rows)))
    assert assert_same_as_oracle(export, tmp_path / "out") > rows
    assert assert_same_as_oracle(export, tmp_path / "out-run", model_run_id=FUZZ_RUN.run_id) > rows


@pytest.mark.slow
def test_a_generated_100_mb_export(tmp_path: Path) -> None:
    """The benchmark's export shape (long videos, 1-2 runs per row), compared in slices of whole lines
    so that the oracle's Python rows stay small."""
    megabytes = int(os.environ.get("LB_DIFF_MB", "100"))
    settings = synthetic.GeneratorSettings(seed=11, video_frames=300)
    runs, extra = [synthetic.run_ref(11, 0, 0)], [synthetic.run_ref(11, 1, 0), synthetic.run_ref(11, 2, 0)]
    started, written, index, compared = time.perf_counter(), 0, 0, 0
    while written < megabytes * 1_000_000:
        piece = tmp_path / f"slice-{index}.ndjson"
        with open(piece, "wb") as f:
            for line in synthetic.iter_lines(settings, runs, 2000, start=index, extra_runs=extra):
                f.write(line)
                written += len(line)
        compared += assert_same_as_oracle(piece, tmp_path / "out")
        piece.unlink()
        index += 2000
    assert compared > 100_000, f"{compared} rows in {time.perf_counter() - started:.0f} s"
