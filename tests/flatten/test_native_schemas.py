"""The native core builds exactly the tables declared in ``flatten/schemas.py``: one declaration."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lb_export_pipeline import _native
from lb_export_pipeline.flatten.native import native_schemas
from lb_export_pipeline.flatten.schemas import METADATA_KEY, SCHEMA_VERSION, TABLE_NAMES, TABLES


def _fields(t: pa.DataType, prefix: str) -> list[tuple[str, str, bool]]:
    """(path, type, nullable) of every field, nested ones included, in order."""
    out: list[tuple[str, str, bool]] = []
    children: list[pa.Field] = []
    if pa.types.is_struct(t):
        children = [t.field(i) for i in range(t.num_fields)]
    elif pa.types.is_list(t):
        children = [t.value_field]
    for f in children:
        out.append((f"{prefix}.{f.name}", str(f.type), f.nullable))
        out += _fields(f.type, f"{prefix}.{f.name}")
    return out


def test_the_native_tables_are_the_declared_ones_in_order() -> None:
    assert tuple(_native.TABLE_NAMES) == TABLE_NAMES


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_native_schema_equals_the_declared_schema_column_by_column(table: str) -> None:
    native, declared = native_schemas()[table], TABLES[table].schema
    assert native.names == declared.names  # names and order
    for got, want in zip(native, declared, strict=True):
        assert (got.name, str(got.type), got.nullable) == (want.name, str(want.type), want.nullable)
        assert _fields(got.type, got.name) == _fields(want.type, want.name)  # nested names, types, nullability
        assert got.type == want.type
    assert native.metadata == {METADATA_KEY: SCHEMA_VERSION.encode()}
    assert native.equals(declared, check_metadata=True)
