"""Relationships between two objects of a label, one row each.

Rules (seen in real exports):

* A relationship is recognised by its payload key, ``unidirectional_relationship``,
  ``bidirectional_relationship`` or ``relationship`` (``{source, target, type}``), not by its
  ``annotation_kind``.
* It may be listed in ``annotations.relationships``, in ``annotations.objects`` (2023 exports list
  each one in both), or in both: it is one ``relationships`` row and never an ``objects`` row.
  Entries that are equal as JSON are one relationship; entries that differ are each a row.
* Its ``classifications`` become classifications rows whose ``object_feature_id`` and
  ``parent_feature_id`` are the relationship's feature id.
* Inside the payload, ``source`` and ``target`` are typed columns; ``type`` is read as the kind for
  ``relationship`` and is known when it repeats the key's direction; any other key goes to ``extra``
  as ``{"payload": {...}}`` (unknown keys of the entry itself as ``{"relationship": {...}}``).
"""

from __future__ import annotations

from typing import Any

from .classifications import walk_classifications
from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .values import merge_extra, unknown_fields

Row = tuple[Any, ...]

PAYLOAD_KEYS = ("unidirectional_relationship", "bidirectional_relationship", "relationship")
_FIELDS = frozenset({
    "feature_id", "feature_schema_id", "name", "value", "annotation_kind", "classifications", *PAYLOAD_KEYS,
})
_PAYLOAD_FIELDS = frozenset({"source", "target", "type"})


def is_relationship(o: Any) -> bool:
    """An entry of ``annotations.objects`` that is in fact a relationship."""
    return type(o) is dict and any(k in o for k in PAYLOAD_KEYS)


def walk_relationships(entries: list[tuple[str, Any]], ref: Row, rows: Any, line: int) -> None:
    """One row per distinct relationship of ``entries``: (path in the label, entry) pairs, in order."""
    seen: list[Any] = []
    for where, r in entries:
        try:
            if type(r) is not dict:
                raise FieldError("", f"expected an object, got {json_type(r)}")
            if r in seen:  # the same relationship listed twice (objects and relationships)
                continue
            seen.append(r)
            _walk_one(r, ref, rows, line)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, where) from None


def _walk_one(r: dict[str, Any], ref: Row, rows: Any, line: int) -> None:
    if "unidirectional_relationship" in r:
        key, kind = "unidirectional_relationship", "unidirectional"
    elif "bidirectional_relationship" in r:
        key, kind = "bidirectional_relationship", "bidirectional"
    else:
        key, kind = "relationship", None
    body = r.get(key) or {}
    if type(body) is not dict:
        raise FieldError(key, f"expected an object, got {json_type(body)}")
    declared = body.get("type")
    if kind is None:
        kind = str(declared or "unknown").lower()
    known = _PAYLOAD_FIELDS if declared is None or str(declared).lower() == kind else _PAYLOAD_FIELDS - {"type"}
    fid = r.get("feature_id")
    rows.relationships.append((
        *ref, fid, r.get("feature_schema_id"), r.get("name"), r.get("value"), r.get("annotation_kind"),
        kind, body.get("source"), body.get("target"),
        merge_extra(relationship=unknown_fields(r, _FIELDS), payload=unknown_fields(body, known)), line,
    ))
    nested = r.get("classifications")
    if nested:
        walk_classifications(nested, rows.classifications, ref, None, None, fid, fid, 0, None, line)
