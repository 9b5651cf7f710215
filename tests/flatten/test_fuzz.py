"""Seeded mutations of realistic rows: the flatten never crashes, and every line either lands (one
data_rows row) or is quarantined with a reason — nothing lost, nothing silently dropped."""

from __future__ import annotations

import copy
import os
import random
from pathlib import Path
from typing import Any

import orjson

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import flatten_export, read_quarantine

RUN = synthetic.run_ref(13, 0, 0)
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


def _mutate(row: dict[str, Any], rng: random.Random) -> bytes:
    target = row if rng.random() < 0.3 else row["experiments"][RUN.model_id]["runs"][RUN.run_id]
    places = [p for p in _paths(target) if p]
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(places)
        try:
            parent: Any = target
            for step in path[:-1]:
                parent = parent[step]
            if rng.random() < 0.4 and isinstance(parent, dict):
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


def test_mutated_rows_land_or_are_quarantined(tmp_path: Path) -> None:
    rng = random.Random(2024)
    settings = synthetic.GeneratorSettings(seed=13, video_frames=40)
    rows = int(os.environ.get("LB_FUZZ_ROWS", "400"))  # e.g. LB_FUZZ_ROWS=7500 for a longer run by hand
    lines = [_mutate(synthetic.make_row(settings, i, [RUN]), rng) for i in range(rows)]
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
