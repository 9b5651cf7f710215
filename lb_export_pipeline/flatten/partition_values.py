"""Validation of Hive partition values (model run ids) before they become folder names."""

from __future__ import annotations

import re

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
