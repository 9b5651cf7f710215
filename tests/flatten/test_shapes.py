"""Both export shapes Labelbox has shipped flatten to the same tables."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from lb_export_pipeline.flatten import TABLE_NAMES, flatten_export
from tests.conftest import seed_rows, to_experiments_shape, write_lines


def _all_rows(con: Any, table: str) -> list[tuple[Any, ...]]:
    # line_number and extra are the same too; compare everything.
    return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def test_experiments_shape_gives_the_same_tables(tmp_path: Path, seed_export: Path, duck: Any) -> None:
    beta = tmp_path / "beta"
    current = tmp_path / "current"
    flatten_export(seed_export, beta)
    converted = write_lines(tmp_path / "current.ndjson", [to_experiments_shape(r) for r in seed_rows()])
    result = flatten_export(converted, current)
    assert result.quarantined == 0
    a, b = duck(beta), duck(current)
    for table in TABLE_NAMES:
        assert _all_rows(a, table) == _all_rows(b, table), table
    assert a.execute("select count(*) from objects").fetchone()[0] == 36


def test_gzip_export_reads_like_plain(tmp_path: Path, seed_export: Path, duck: Any) -> None:
    gz = tmp_path / "export.ndjson.gz"
    gz.write_bytes(gzip.compress(seed_export.read_bytes()))
    result = flatten_export(gz, tmp_path / "out", workers=2)
    assert result.rows["classifications"] == 78
    assert result.workers == 2  # decompressed by the core's reader thread, walked by two


def test_both_shapes_in_one_line_are_both_read(tmp_path: Path) -> None:
    rows = seed_rows()
    image, text = rows[0], to_experiments_shape(rows[1])
    merged = dict(image, experiments=text["experiments"])
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [merged]), tmp_path / "out")
    assert set(result.partitions) == {"a08c8321-3e07-06d8-43d2-a26ce0d9862c", "a089fc39-d06d-00c1-ee95-e49521276427"}
    assert result.rows["data_rows"] == 2


def test_unknown_fields_and_kinds_are_kept_in_extra(tmp_path: Path, duck: Any) -> None:
    row = seed_rows()[0]
    run = row["models"]["a08c8320-f6da-01c7-ddfc-440ea660acc2"]["model_runs"]["a08c8321-3e07-06d8-43d2-a26ce0d9862c"]
    objects = run["labels"][0]["annotations"]["objects"]
    objects.append({"feature_id": "f-new", "name": "cuboid", "annotation_kind": "ImageCuboid3D",
                    "cuboid": {"corners": [[0, 0, 0], [1, 1, 1]]}})
    objects[0]["rotation"] = 12.5
    run["labels"][0]["annotations"]["classifications"].append({"feature_id": "q-new", "name": "slider",
                                                                "slider_answer": {"value": 0.7}})
    row["brand_new_top_level"] = {"a": 1}
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [row]), tmp_path / "out")
    assert result.quarantined == 0
    con = duck(tmp_path / "out")
    cuboid = con.execute(
        "select annotation_kind, geometry_kind, extra from objects where feature_id = 'f-new'").fetchone()
    assert cuboid == ("ImageCuboid3D", None, '{"object":{"cuboid":{"corners":[[0,0,0],[1,1,1]]}}}')
    rotated = con.execute(f"select extra from objects where feature_id = '{objects[0]['feature_id']}'").fetchone()
    assert rotated == ('{"object":{"rotation":12.5}}',)
    slider = con.execute(
        "select answer_kind, extra from classifications where question_feature_id = 'q-new'").fetchone()
    assert slider[0] == "unknown" and '"slider_answer":{"value":0.7}' in slider[1]
    top = con.execute("select extra from data_rows").fetchone()[0]
    assert top == '{"top":{"brand_new_top_level":{"a":1}}}'
