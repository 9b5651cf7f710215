"""Seeded mutations of realistic rows: the flatten never crashes, and every line either lands (one
data_rows row) or is quarantined with a reason — nothing lost, nothing silently dropped."""

from __future__ import annotations

import os
import random
from pathlib import Path

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import flatten_export, read_quarantine
from tests.conftest import mutate

RUN = synthetic.run_ref(13, 0, 0)


def test_mutated_rows_land_or_are_quarantined(tmp_path: Path) -> None:
    rng = random.Random(2024)
    settings = synthetic.GeneratorSettings(seed=13, video_frames=40)
    rows = int(os.environ.get("LB_FUZZ_ROWS", "400"))  # e.g. LB_FUZZ_ROWS=7500 for a longer run by hand
    lines = [mutate(synthetic.make_row(settings, i, [RUN]), rng, RUN) for i in range(rows)]
    export = tmp_path / "fuzz.ndjson"
    export.write_bytes(b"".join(lines))

    result = flatten_export(export, tmp_path / "out", model_run_id=RUN.run_id)

    part = result.partitions[RUN.run_id]
    assert part.rows["data_rows"] + part.quarantined == len(lines)
    assert 0 < part.quarantined < len(lines)
    records = read_quarantine(part.quarantine_path)  # type: ignore[arg-type]
    assert len({r["line"] for r in records}) == part.quarantined
    assert all(r["reason"] and r["raw"] for r in records)
    # said in JSON's terms, at a path: no Python wording, no catch-all
    assert not any(s in str(r["reason"]) for r in records
                   for s in ("object has no attribute", "unexpected shape", "could not flatten"))
    landed = set(range(1, len(lines) + 1)) - {r["line"] for r in records}
    import duckdb

    got = duckdb.execute(
        f"select line_number from read_parquet('{tmp_path}/out/data_rows/*/*.parquet') order by 1").fetchall()
    assert [g[0] for g in got] == sorted(landed)
