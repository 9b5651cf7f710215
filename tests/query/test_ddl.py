"""Generated DDL: every column of every table, in each engine's type syntax."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lb_export_pipeline.ddl import ddl, hive_type, trino_type
from lb_export_pipeline.evaluation.schemas import EVALUATION_TABLES
from lb_export_pipeline.flatten import TABLES
from lb_export_pipeline.schema import POINTS


def test_type_mapping() -> None:
    assert hive_type(POINTS) == "ARRAY<STRUCT<`x`: DOUBLE, `y`: DOUBLE>>"
    assert trino_type(POINTS) == 'array(row("x" double, "y" double))'
    assert hive_type(pa.timestamp("us", tz="UTC")) == "TIMESTAMP"
    assert trino_type(pa.int32()) == "integer"


def test_every_column_is_declared_for_each_engine() -> None:
    for engine in ("spark", "trino", "athena"):
        text = ddl(engine, "s3://bucket/lake/tables", layout="hive")  # type: ignore[arg-type]
        for spec in TABLES.values():
            assert f"labelbox.{spec.name}" in text
            for column in spec.columns:
                assert f"{column.name}" in text
        assert text.count("model_run_id") >= len(TABLES)
    athena = ddl("athena", "s3://bucket/lake/tables", layout="hive")
    assert "PARTITIONED BY (`model_run_id` STRING)\nSTORED AS PARQUET\nLOCATION 's3://bucket/lake/tables/objects/'" \
        in athena
    assert athena.count("MSCK REPAIR TABLE") == len(TABLES) + len(EVALUATION_TABLES)
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS labelbox.evaluation_metrics (" in athena


def test_delta_layout_registers_existing_tables() -> None:
    trino = ddl("trino", "s3://bucket/lake/tables", layout="delta")
    assert "CALL delta.system.register_table(schema_name => 'labelbox', table_name => 'objects', " \
           "table_location => 's3://bucket/lake/tables/objects');" in trino
    spark = ddl("spark", "s3://bucket/lake/tables", layout="delta")
    assert "CREATE TABLE IF NOT EXISTS labelbox.objects USING DELTA LOCATION 's3://bucket/lake/tables/objects';" \
        in spark


def test_docs_table_reference_is_current() -> None:
    from pathlib import Path

    from lb_export_pipeline.schema import schemas_markdown

    docs = Path(__file__).parents[2] / "docs" / "tables.md"
    assert docs.read_text() == schemas_markdown() + "\n", "regenerate with: lb-export schema > docs/tables.md"


def test_a_location_with_a_quote_stays_one_literal_in_every_dialect() -> None:
    root = "/data/o_bob's\\lake"  # a quote and a backslash
    spark = ddl("spark", root, layout="hive")
    assert "LOCATION '/data/o_bob\\'s\\\\lake/objects';" in spark  # Spark SQL: backslash escapes
    assert "USING DELTA LOCATION '/data/o_bob\\'s\\\\lake/objects';" in ddl("spark", root, layout="delta")
    assert "LOCATION '/data/o_bob\\'s\\\\lake/objects/';" in ddl("athena", root, layout="hive")  # Hive DDL
    assert "LOCATION '/data/o_bob\\'s\\\\lake/objects'\nTBLPROPERTIES" in ddl("athena", root, layout="delta")
    trino = ddl("trino", root, layout="hive")  # standard SQL: a doubled quote, a backslash as it is
    assert "external_location = '/data/o_bob''s\\lake/objects'" in trino
    assert "table_location => '/data/o_bob''s\\lake/objects'" in ddl("trino", root, layout="delta")
    for text in (spark, trino):
        assert "o_bob's" not in text.split("\n", 1)[1]  # past the header comment, never bare


def test_a_location_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="holds a line break"):
        ddl("trino", "/data/x\nDROP TABLE y;--")
