"""The README's example queries run, and answer correctly, on real flattened data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lb_export_pipeline.cli.examples import EXAMPLES
from lb_export_pipeline.defs import DuckDBTablesResource
from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import flatten_export


def test_every_example_runs_on_synthetic_and_seed_data(tmp_path: Path, seed_export: Path) -> None:
    export = tmp_path / "s.ndjson"
    settings = synthetic.GeneratorSettings(seed=9, video_frames=200)
    with open(export, "wb") as f:
        for line in synthetic.iter_lines(settings, [synthetic.run_ref(9, 0, 0)], 80):
            f.write(line)
    flatten_export(export, tmp_path / "tables")
    flatten_export(seed_export, tmp_path / "tables")
    con = DuckDBTablesResource(root=str(tmp_path / "tables")).connect()
    results: dict[str, list[Any]] = {title: con.execute(sql).fetchall() for title, sql in EXAMPLES.items()}
    assert all(results.values()), [t for t, r in results.items() if not r]
    long_tracks = results["video tracks longer than 30 frames"]
    assert all(row[6] - row[5] + 1 > 30 for row in long_tracks)
    per_class = results["labels and predictions per class and split"]
    assert {row[2] for row in per_class} == {"label", "prediction"}
    assert sum(row[3] for row in per_class) == con.execute("select count(*) from objects").fetchone()[0]
    picked = con.execute(f"select * from ({EXAMPLES['one split, a slice of global keys, or hand-picked data rows']}"
                         "\n) where data_row_id = 'cldw8hs6l1ii9070lcysma1zk'").fetchall()
    assert len(picked) == 12  # the documented image row: 6 objects labelled, 6 predicted
