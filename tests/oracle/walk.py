"""The Python dict walker run over a whole export file, as the native core's test oracle.

The rules live once, in the native core; this Python walker is kept only to test it against
(differential tests: the same file through both must give the same tables and quarantine records).
Rows are checked against their column types as the old strict mode did, so a value a column cannot
hold is a quarantine record naming ``table.column``, as the core reports it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from lb_export_pipeline.flatten.partition_values import check_partition_value
from lb_export_pipeline.schema import TABLE_NAMES, TABLES
from tests.oracle.walker.errors import FieldError
from tests.oracle.walker.labels import LineRows
from tests.oracle.walker.row import flatten_line, iter_runs

from .checks import check_row, row_checker

UTF8_BOM = b"\xef\xbb\xbf"
_CHECKS = {name: row_checker(spec) for name, spec in TABLES.items()}


@dataclass(frozen=True)
class OracleRecord:
    line: int
    field: str
    reason: str
    runs: tuple[str, ...]  # partitions the record goes to; empty: unattributed


@dataclass
class OracleOutput:
    rows: dict[str, dict[str, list[tuple[Any, ...]]]] = field(default_factory=dict)  # run -> table -> rows
    quarantine: list[OracleRecord] = field(default_factory=list)
    skipped_runs: dict[str, int] = field(default_factory=dict)
    lines: int = 0

    def tables(self) -> dict[str, dict[str, pa.Table]]:
        """run -> table -> the rows as an Arrow table of the declared schema."""
        out: dict[str, dict[str, pa.Table]] = {}
        for run, tables in self.rows.items():
            out[run] = {}
            for name in TABLE_NAMES:
                schema = TABLES[name].schema
                rows = tables.get(name, [])
                columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
                out[run][name] = pa.Table.from_arrays(
                    [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
        return out


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if n == 1 and line.startswith(UTF8_BOM):
                line = line[len(UTF8_BOM):]
            yield n, line.rstrip(b"\n").removesuffix(b"\r")


def _runs_named_by(obj: Any, only_model_run: str | None) -> tuple[str, ...]:
    if only_model_run is not None:
        return (only_model_run,)
    try:
        runs = [check_partition_value(e.run_id) for e in iter_runs(obj)] if isinstance(obj, dict) else []
    except (FieldError, ValueError, AttributeError):
        runs = []
    return tuple(dict.fromkeys(runs))


def walk_file(path: Path, *, only_model_run: str | None = None,
              splits: Mapping[str, str] | None = None) -> OracleOutput:
    out = OracleOutput()
    for n, raw in _lines(path):
        out.lines += 1
        if not raw.strip():
            continue
        obj: Any = None
        try:
            obj = orjson.loads(raw)
            result = flatten_line(obj, n, only_model_run=only_model_run, splits=splits)
            for rows in result.runs.values():
                for table in TABLE_NAMES:
                    for row in getattr(rows, table):
                        check_row(_CHECKS[table], table, row)
        except orjson.JSONDecodeError as exc:
            out.quarantine.append(OracleRecord(n, "", f"not valid JSON ({exc})", _runs_named_by(None, only_model_run)))
            continue
        except FieldError as exc:
            out.quarantine.append(OracleRecord(n, exc.path, exc.problem, _runs_named_by(obj, only_model_run)))
            continue
        except ValueError as exc:  # check_row: a value its column cannot hold
            where = str(exc).split(":", 1)[0].removeprefix("column ")
            out.quarantine.append(OracleRecord(n, where, str(exc), _runs_named_by(obj, only_model_run)))
            continue
        except (RecursionError, ArithmeticError, LookupError, TypeError, AttributeError) as exc:
            reason = f"could not flatten this line ({type(exc).__name__}: {exc})"
            out.quarantine.append(OracleRecord(n, "", reason, _runs_named_by(obj, only_model_run)))
            continue
        for run_id in result.skipped_runs:
            out.skipped_runs[run_id] = out.skipped_runs.get(run_id, 0) + 1
        for run_id, rows in result.runs.items():
            _extend(out.rows.setdefault(run_id, {}), rows)
    return out


def _extend(tables: dict[str, list[tuple[Any, ...]]], rows: LineRows) -> None:
    for table in TABLE_NAMES:
        tables.setdefault(table, []).extend(getattr(rows, table))
