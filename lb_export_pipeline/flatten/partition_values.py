"""Validation of Hive partition values (model run ids) before they become folder names."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")


class InvalidPartitionValue(ValueError):
    """A model run id that cannot be a partition folder name (``../x``, ``a/b``, empty...)."""


def check_partition_value(value: object, column: str = "model_run_id") -> str:
    """Return ``value`` if it is safe as ``<column>=<value>`` in a path, else raise."""
    if not isinstance(value, str) or not _SAFE.fullmatch(value) or value in (".", ".."):
        raise InvalidPartitionValue(
            f"invalid {column} {value!r}: a partition value must be 1-200 characters of letters, digits, "
            "'_', '-' or '.', and not start with '.' (Labelbox ids always are)"
        )
    return value


class ModelRunNotInExport(ValueError):
    """A flatten was asked for one model run, and the export holds rows of other model runs only."""


def check_model_run_in_export(source: object, model_run_id: str, found: bool, other_runs: Iterable[str]) -> None:
    """Refuse to replace ``model_run_id``'s partition with empty tables when the export is of other
    runs (a wrong id, or the wrong file). An export with no rows at all is an empty model run."""
    others = sorted(set(other_runs))
    if not found and others:
        named = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise ModelRunNotInExport(
            f"{source}: model run {model_run_id!r} is not in this export, which holds rows of {len(others)} other "
            f"model run(s) ({named}); nothing was written")
