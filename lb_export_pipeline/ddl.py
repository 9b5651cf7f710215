"""CREATE TABLE statements for SQL engines, generated from the table schemas.

Two layouts:

* ``hive`` (local, HDFS, or any store written as plain Parquet): external tables partitioned by
  ``model_run_id``, then partition discovery (``MSCK REPAIR TABLE`` / ``sync_partition_metadata``);
* ``delta`` (what ``lb-export`` writes to object stores): the engines' Delta Lake support reads the
  ``_delta_log`` and sees only committed partitions.
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

from .evaluation.schemas import EVALUATION_TABLES
from .schema import PARTITION_COLUMN, TABLES, TableSpec
from .sql_literals import backslash_literal, standard_literal

Engine = Literal["spark", "trino", "athena"]
Layout = Literal["hive", "delta"]
ENGINES: tuple[Engine, ...] = ("spark", "trino", "athena")


_SCALARS: dict[str, dict[str, str]] = {
    # Arrow type id -> (Spark SQL / Hive / Athena, Trino)
    "hive": {"string": "STRING", "double": "DOUBLE", "int64": "BIGINT", "int32": "INT", "bool": "BOOLEAN",
             "timestamp": "TIMESTAMP"},
    # Trino's Hive connector reads Parquet timestamps at its default precision; values are UTC.
    "trino": {"string": "varchar", "double": "double", "int64": "bigint", "int32": "integer", "bool": "boolean",
              "timestamp": "timestamp(3)"},
}


def sql_type(t: pa.DataType, dialect: str) -> str:
    """The SQL type of an Arrow type in ``dialect`` ('hive' for Spark/Hive/Athena, or 'trino')."""
    if pa.types.is_list(t):
        inner = sql_type(t.value_type, dialect)
        return f"ARRAY<{inner}>" if dialect == "hive" else f"array({inner})"
    if pa.types.is_struct(t):
        fields = [(t.field(i).name, sql_type(t.field(i).type, dialect)) for i in range(t.num_fields)]
        if dialect == "hive":
            return "STRUCT<" + ", ".join(f"`{n}`: {ft}" for n, ft in fields) + ">"
        return "row(" + ", ".join(f'"{n}" {ft}' for n, ft in fields) + ")"
    key = "timestamp" if pa.types.is_timestamp(t) else str(t)
    try:
        return _SCALARS[dialect][key]
    except KeyError:
        raise TypeError(f"no {dialect} SQL type for {t}") from None


def hive_type(t: pa.DataType) -> str:
    return sql_type(t, "hive")


def trino_type(t: pa.DataType) -> str:
    return sql_type(t, "trino")


def _location(root: str, table: str) -> str:
    return f"{root.rstrip('/')}/{table}"


def table_ddl(spec: TableSpec, engine: Engine, root: str, schema: str = "labelbox", layout: Layout = "hive") -> str:
    # Spark SQL and Athena's DDL (Hive) escape with backslashes, Trino doubles a quote: a location such
    # as /data/o_bob's stays one literal either way.
    literal = standard_literal if engine == "trino" else backslash_literal
    location = _location(root, spec.name)
    name = f"{schema}.{spec.name}"
    if engine == "spark":
        if layout == "delta":
            return f"CREATE TABLE IF NOT EXISTS {name} USING DELTA LOCATION {literal(location)};"
        cols = ",\n  ".join(f"`{c.name}` {hive_type(c.type)}" for c in spec.columns)
        return (f"CREATE TABLE IF NOT EXISTS {name} (\n  {cols},\n  `{PARTITION_COLUMN}` STRING\n)\n"
                f"USING PARQUET\nPARTITIONED BY ({PARTITION_COLUMN})\nLOCATION {literal(location)};\n"
                f"MSCK REPAIR TABLE {name};")
    if engine == "athena":
        if layout == "delta":
            return (f"CREATE EXTERNAL TABLE IF NOT EXISTS {name}\nLOCATION {literal(location)}\n"
                    "TBLPROPERTIES ('table_type' = 'DELTA');")
        cols = ",\n  ".join(f"`{c.name}` {hive_type(c.type)}" for c in spec.columns)
        return (f"CREATE EXTERNAL TABLE IF NOT EXISTS {name} (\n  {cols}\n)\n"
                f"PARTITIONED BY (`{PARTITION_COLUMN}` STRING)\nSTORED AS PARQUET\n"
                f"LOCATION {literal(location + '/')};\nMSCK REPAIR TABLE {name};")
    if layout == "delta":  # Trino's Delta Lake connector registers the existing table
        return (f"CALL delta.system.register_table(schema_name => {literal(schema)}, "
                f"table_name => {literal(spec.name)}, table_location => {literal(location)});")
    cols = ",\n  ".join(f'"{c.name}" {trino_type(c.type)}' for c in spec.columns)
    return (f"CREATE TABLE IF NOT EXISTS hive.{name} (\n  {cols},\n  \"{PARTITION_COLUMN}\" varchar\n)\n"
            f"WITH (external_location = {literal(location)}, format = 'PARQUET', "
            f"partitioned_by = ARRAY['{PARTITION_COLUMN}']);\n"
            f"CALL hive.system.sync_partition_metadata({literal(schema)}, {literal(spec.name)}, 'FULL');")


def ddl(engine: Engine, root: str, schema: str = "labelbox", layout: Layout = "hive") -> str:
    if any(c in root for c in "\r\n\0"):  # the header comment would end inside it
        raise ValueError(f"location {root!r} holds a line break or NUL")
    # the evaluation tables are written as plain Parquet only (lb-export evaluate works on local roots)
    tables = {**TABLES, **EVALUATION_TABLES} if layout == "hive" else TABLES
    header = (f"-- lb_export_pipeline tables for {engine} ({layout} layout) at {root}\n"
              "-- natural keys: " + " | ".join(f"{t.name}({', '.join(t.key_with_partition)})"
                                               for t in tables.values()) + "\n")
    create_schema = (f"CREATE SCHEMA IF NOT EXISTS {'hive.' if engine == 'trino' and layout == 'hive' else ''}"
                     f"{'delta.' if engine == 'trino' and layout == 'delta' else ''}{schema};")
    if engine == "athena":
        create_schema = f"CREATE DATABASE IF NOT EXISTS {schema};"
    return header + create_schema + "\n\n" + "\n\n".join(
        table_ddl(spec, engine, root, schema, layout) for spec in tables.values()) + "\n"
