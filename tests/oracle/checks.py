"""Row checks of the Python oracle: does a value fit its Arrow column, as Arrow would judge it.

The native core checks each value as it appends it and quarantines the line naming ``table.column``;
the oracle checks its row tuples the same way (the old strict mode of the Python flatten).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from lb_export_pipeline.schema import TableSpec

Row = tuple[Any, ...]


def row_checker(spec: TableSpec) -> list[tuple[str, Any]]:
    """(column name, check function) pairs that validate a row tuple the way Arrow would."""
    return [(c.name, _checker(c.type)) for c in spec.columns]


def check_row(checks: list[tuple[str, Any]], table: str, row: Row) -> None:
    for (name, check), value in zip(checks, row, strict=True):
        if value is not None and not check(value):
            raise ValueError(f"column {table}.{name}: {value!r:.80} is not a valid {name} value")


def _is_number(v: Any) -> bool:
    return type(v) in (int, float)


def _checker(t: pa.DataType) -> Any:
    if pa.types.is_string(t):
        return lambda v: isinstance(v, str)
    if pa.types.is_floating(t):
        return _is_number
    if pa.types.is_integer(t):
        bits = t.bit_width

        def is_int(v: Any) -> bool:
            if type(v) is float and v.is_integer():
                v = int(v)
            return type(v) is int and -(1 << (bits - 1)) <= v < (1 << (bits - 1))

        return is_int
    if pa.types.is_boolean(t):
        return lambda v: type(v) is bool
    if pa.types.is_timestamp(t):
        return lambda v: hasattr(v, "isoformat")
    if pa.types.is_list(t):
        inner = _checker(t.value_type)
        return lambda v: isinstance(v, list | tuple) and all(x is None or inner(x) for x in v)
    if pa.types.is_struct(t):
        fields = [(t.field(i).name, _checker(t.field(i).type)) for i in range(t.num_fields)]

        def is_struct(v: Any) -> bool:
            if isinstance(v, tuple):
                return len(v) == len(fields) and all(x is None or c(x) for (_, c), x in zip(fields, v, strict=True))
            return isinstance(v, dict) and all(v.get(n) is None or c(v.get(n)) for n, c in fields)

        return is_struct
    raise TypeError(f"no checker for {t}")
