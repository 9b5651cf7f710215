"""The tables read as dataframes, the way the README shows: polars and pandas (via pyarrow) over the
Hive layout, with model_run_id recovered from the folder names and types as declared."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.dataset as ds

from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.schema import OBJECTS

IMAGE_RUN = "a08c8321-3e07-06d8-43d2-a26ce0d9862c"


def test_polars_and_pyarrow_read_the_hive_layout(tmp_path: Path, seed_export: Path) -> None:
    flatten_export(seed_export, tmp_path / "tables")
    objects = pl.scan_parquet(tmp_path / "tables" / "objects" / "**" / "*.parquet", hive_partitioning=True)
    per_run = (objects.filter(pl.col("source") == "label").group_by("model_run_id").len()
               .sort("model_run_id").collect())
    assert per_run["len"].sum() > 0
    image = objects.filter(pl.col("model_run_id") == IMAGE_RUN, pl.col("geometry_kind") == "polygon").collect()
    assert image.schema["points"] == pl.List(pl.Struct({"x": pl.Float64, "y": pl.Float64}))
    assert image.height >= 1 and len(image["points"][0]) >= 3

    table = ds.dataset(tmp_path / "tables" / "objects", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 36
    assert table.schema.field("bbox_top").type == OBJECTS.schema.field("bbox_top").type
    frame = table.to_pandas()
    assert set(frame["model_run_id"]) == {str(v) for v in table.column("model_run_id").unique().to_pylist()}
