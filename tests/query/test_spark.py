"""PySpark in local mode reads every table: the Hive layout and the types are what a distributed
engine expects (row counts and column types agree with DuckDB and the declared schemas), and Spark SQL
accepts the generated DDL."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.ddl import ddl, hive_type
from lb_export_pipeline.evaluation.runner import evaluate
from lb_export_pipeline.evaluation.schemas import EVALUATION_TABLES
from lb_export_pipeline.flatten import TABLES, flatten_export
from lb_export_pipeline.query import connect

pytestmark = pytest.mark.spark
pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - the machines here have Java 17
    pytest.skip("no Java for Spark", allow_module_level=True)


def _norm(type_text: str) -> str:
    return re.sub(r"[`\s]", "", type_text).lower()


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (SparkSession.builder.master("local[1]").appName("lb-export-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    yield session
    session.stop()


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake") / "tables"
    seed = Path(__file__).parents[2] / "lb_export_pipeline" / "emulator" / "fixtures" / "seed_export.ndjson"
    flatten_export(seed, root)
    evaluate(root)
    return root


def test_spark_reads_every_table_like_duckdb(spark: Any, tables: Path, duck: Any) -> None:
    con = duck(tables)
    for name, spec in {**TABLES, **EVALUATION_TABLES}.items():
        frame = spark.read.option("basePath", str(tables / name)).parquet(str(tables / name))
        assert frame.count() == con.execute(f"select count(*) from {name}").fetchone()[0], name
        spark_types = {f.name: _norm(f.dataType.simpleString()) for f in frame.schema.fields}
        for column in spec.columns:
            assert spark_types[column.name] == _norm(hive_type(column.type)), (name, column.name)
        assert spark_types["model_run_id"] == "string"
        duck_columns = [row[0] for row in con.execute(f"describe {name}").fetchall()]
        assert sorted(duck_columns) == sorted(spark_types), name
    objects = spark.read.parquet(str(tables / "objects"))
    assert objects.where("geometry_kind = 'polygon'").selectExpr("points[0].x").first()[0] == 1489.581


def test_spark_sql_accepts_the_generated_ddl(spark: Any, tables: Path) -> None:
    for statement in ddl("spark", tables.as_uri(), schema="labelbox", layout="hive").split(";"):
        lines = [line for line in statement.strip().splitlines() if not line.startswith("--")]
        if lines:
            spark.sql("\n".join(lines))
    counts = {name: spark.sql(f"select count(*) from labelbox.{name}").first()[0] for name in TABLES}
    assert counts == {"data_rows": 5, "labels": 10, "objects": 36, "classifications": 78, "video_frames": 20,
                      "relationships": 0}
    duck = connect(tables)
    for name in EVALUATION_TABLES:  # the evaluation tables too, through the same DDL
        rows = spark.sql(f"select count(*) from labelbox.{name}").first()[0]
        assert rows == duck.sql(f"select count(*) from {name}").fetchall()[0][0] and rows > 0, name
    nested = spark.sql("select path from labelbox.classifications where question_name = 'sub_checklist_question' "
                       "and source = 'label' and model_run_id = 'a08c8321-3e07-06d8-43d2-a26ce0d9862c'").first()[0]
    assert nested == "nested_checklist_question/first_checklist_answer/sub_checklist_question"


def test_spark_sql_reads_a_location_with_a_quote(spark: Any, tmp_path: Path, seed_export: Path) -> None:
    root = tmp_path / "o_bob's" / "tables"
    flatten_export(seed_export, root)
    evaluate(root)  # the DDL declares the evaluation tables too
    for statement in ddl("spark", str(root), schema="quoted", layout="hive").split(";"):
        lines = [line for line in statement.strip().splitlines() if not line.startswith("--")]
        if lines:
            spark.sql("\n".join(lines))
    assert spark.sql("select count(*) from quoted.objects").first()[0] == 36
    assert spark.sql("select count(distinct model_run_id) from quoted.data_rows").first()[0] == 5
