"""Small conversions shared by the walkers: JSON text, timestamps, extra-field capture."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from .errors import FieldError

METRIC_FIELDS = frozenset({"name", "value"})  # custom_metrics items, on objects and answers


def to_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def json_or_none(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def text_or_json(value: Any) -> str | None:
    """A string as it is; anything else as JSON text (metadata values can be lists, numbers...)."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def timestamp(value: Any, field: str) -> datetime | None:
    """Parse an ISO-8601 date or datetime; naive values are UTC (pyarrow stores them as UTC)."""
    if value is None or value == "":
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise FieldError(field, f"expected an ISO-8601 timestamp, got {value!r:.80}") from None


def unknown_fields(obj: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any] | None:
    """The fields of ``obj`` this schema version does not know, or None (the common, cheap case)."""
    if obj.keys() <= known:
        return None
    return {k: v for k, v in obj.items() if k not in known}


def item_extras(items: Any, known: frozenset[str], where: str) -> dict[str, Any] | None:
    """Unknown keys of the objects in a list that lands in a list<struct> column (Arrow would drop
    them): ``{"<where>[<i>]": {key: value}}``, or None when every item is known."""
    if not items or type(items) is not list:
        return None
    found = {f"{where}[{i}]": {k: v for k, v in item.items() if k not in known}
             for i, item in enumerate(items) if type(item) is dict and not item.keys() <= known}
    return found or None


def merge_extra(**parts: dict[str, Any] | None) -> str | None:
    """JSON text of the non-empty parts, or None when every part is empty."""
    kept = {k: v for k, v in parts.items() if v}
    return orjson.dumps(kept).decode() if kept else None
