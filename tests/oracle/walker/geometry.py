"""Typed geometry of one object, as the tuple of ``schemas.GEOMETRY`` columns.

An object is recognised by its geometry key rather than its ``annotation_kind``, so a kind this
version has never seen (``VideoPolygon``, ``DICOMPolyline``...) still lands in typed columns when its
payload has a known shape. An object with no known geometry key gets null geometry, and its
payload is kept in ``extra`` by the caller.

Nothing inside a payload is dropped either: each reader names the keys it reads, and any other key
of the payload (or of one of its items) is handed back as ``{<where>: {key: value}}`` for the row's
``extra``, ``<where>`` being the payload's path inside the object (``bounding_box``,
``selected_messages.messages[1]``, ``polygon[3]``).

Point lists are handed to Arrow as they are (lists of ``{x, y}`` dicts) and converted in C when a
batch is built; only their key sets are checked here, by one set union.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .values import METRIC_FIELDS, item_extras, merge_extra, to_json, unknown_fields

Geometry = tuple[Any, ...]
GEOMETRY_WIDTH = 24
NO_GEOMETRY: Geometry = (None,) * GEOMETRY_WIDTH
PAD: dict[int, Geometry] = {n: (None,) * n for n in range(GEOMETRY_WIDTH + 1)}

# Object fields that every kind may carry; anything else that no geometry reader takes is "extra".
COMMON_OBJECT_FIELDS = frozenset({
    "feature_id", "feature_schema_id", "name", "value", "annotation_kind", "classifications",
    "confidence", "custom_metrics",
})
Extras = dict[str, Any]
"""Unknown keys found inside a payload: {path inside the object: {key: value}}."""

_BOX = frozenset({"top", "left", "height", "width"})
_PAGE = frozenset({"width", "height"})
_XY = frozenset({"x", "y"})
_SPAN = frozenset({"start", "end", "token"})
_GROUPS = frozenset({"groups"})
_MASK = frozenset({"url"})
_COMPOSITE = frozenset({"url", "color_rgb"})
_CONVERSATIONAL = frozenset({"message_id", "location"})
_SELECTED = frozenset({"message_id", "model_config_name", "parent_message_id"})
_SELECTED_MANY = frozenset({"messages", "parent_message_id"})
_MESSAGE = frozenset({"message_id", "model_config_name"})
_RANKED = frozenset({"ranked_messages", "parent_message_id"})
_RANKED_MESSAGE = frozenset({"message_id", "model_config_name", "order"})


def _keep(extras: Extras, where: str, payload: Any, known: frozenset[str]) -> None:
    """Record the keys of ``payload`` that ``known`` does not list (checked cheaply first)."""
    if type(payload) is dict and not payload.keys() <= known:
        extras[where] = {k: v for k, v in payload.items() if k not in known}


def _bbox(o: dict[str, Any], extras: Extras) -> Geometry:
    b = o["bounding_box"]
    _keep(extras, "bounding_box", b, _BOX)
    head = ("bounding_box", b["top"], b["left"], b["height"], b["width"])
    page = o.get("page_number")
    dims = o.get("page_dimensions")
    if page is None and dims is None:
        return head + PAD[19]
    width = height = None
    if dims is not None:
        width, height = dims.get("width"), dims.get("height")
        _keep(extras, "page_dimensions", dims, _PAGE)
    return head + PAD[10] + (page, width, height) + PAD[6]


def _point(o: dict[str, Any], extras: Extras) -> Geometry:
    p = o["point"]
    _keep(extras, "point", p, _XY)
    return ("point", None, None, None, None, p["x"], p["y"]) + PAD[17]


def _points(kind: str, key: str) -> Callable[[dict[str, Any], Extras], Geometry]:
    def read(o: dict[str, Any], extras: Extras) -> Geometry:
        pts = o[key]
        if not isinstance(pts, list):
            raise FieldError("", f"expected an array of {{x, y}} points, got {json_type(pts)}")
        try:
            regular = set().union(*pts) <= _XY  # one C-level pass over every point's keys
        except TypeError:  # a number among the points
            regular = False
        if not regular:
            for i, q in enumerate(pts):
                if type(q) is not dict:
                    raise FieldError(f"[{i}]", f"expected an {{x, y}} object, got {json_type(q)}")
                _keep(extras, f"{key}[{i}]", q, _XY)
        return (kind,) + PAD[6] + (pts,) + PAD[16]

    return read


def _mask(o: dict[str, Any], extras: Extras) -> Geometry:
    m = o["mask"]
    _keep(extras, "mask", m, _MASK)
    return ("mask",) + PAD[7] + (m.get("url"), None) + PAD[14]


def _composite_mask(o: dict[str, Any], extras: Extras) -> Geometry:
    m = o["composite_mask"]
    _keep(extras, "composite_mask", m, _COMPOSITE)
    return ("mask",) + PAD[7] + (m.get("url"), m.get("color_rgb")) + PAD[14]


def _location(o: dict[str, Any], extras: Extras) -> Geometry:
    loc = o["location"]
    groups = loc.get("groups")
    if groups is None:
        _keep(extras, "location", loc, _SPAN)
        return ("text_span",) + PAD[9] + (loc.get("start"), loc.get("end"), loc.get("token")) + PAD[11]
    # Document entity: token groups, possibly over several pages; kept whole as JSON.
    _keep(extras, "location", loc, _GROUPS)
    texts = []
    for i, g in enumerate(groups):
        if type(g) is not dict:
            raise FieldError(f"groups[{i}]", f"expected an object, got {json_type(g)}")
        t = g.get("text")
        if t is not None and type(t) is not str:
            raise FieldError(f"groups[{i}].text", f"expected a string, got {json_type(t)}")
        if t:
            texts.append(t)
    text = " ".join(texts)
    page = groups[0].get("page_number") if groups else None
    return ("document_tokens",) + PAD[11] + (text or None, None, None, page, None, None, to_json(groups)) + PAD[5]


def _conversational(o: dict[str, Any], extras: Extras) -> Geometry:
    c = o["conversational_location"]
    _keep(extras, "conversational_location", c, _CONVERSATIONAL)
    loc = c.get("location") or {}
    _keep(extras, "conversational_location.location", loc, _SPAN)
    return ("conversational_span",) + PAD[9] + (loc.get("start"), loc.get("end"), loc.get("token")) + \
        PAD[6] + (c.get("message_id"),) + PAD[4]


def _geojson(o: dict[str, Any], extras: Extras) -> Geometry:
    g = o["geojson"]  # kept whole as JSON text
    return ("geojson",) + PAD[12] + (g.get("type"), to_json(g)) + PAD[9]


def _selected_message(o: dict[str, Any], extras: Extras) -> Geometry:
    s = o["selected_message"]
    _keep(extras, "selected_message", s, _SELECTED)
    mid = s.get("message_id")
    configs = [s["model_config_name"]] if "model_config_name" in s else None
    return ("message_selection",) + PAD[18] + (mid, [mid] if mid is not None else None,
                                                s.get("parent_message_id"), configs, None)


def _message_list(s: dict[str, Any], key: str, where: str, known: frozenset[str],
                  extras: Extras) -> list[dict[str, Any]]:
    """The message objects of a multi-selection or ranking, their unknown keys kept."""
    messages = s.get(key) or []
    if not isinstance(messages, list):
        raise FieldError(key, f"expected an array, got {json_type(messages)}")
    for i, m in enumerate(messages):
        if type(m) is not dict:
            raise FieldError(f"{key}[{i}]", f"expected an object, got {json_type(m)}")
        _keep(extras, f"{where}.{key}[{i}]", m, known)
    return messages


def _configs(messages: list[dict[str, Any]]) -> list[Any] | None:
    """model_config_name per message, or null when no message carries one."""
    if not any("model_config_name" in m for m in messages):
        return None
    return [m.get("model_config_name") for m in messages]


def _selected_messages(o: dict[str, Any], extras: Extras) -> Geometry:
    s = o["selected_messages"]
    _keep(extras, "selected_messages", s, _SELECTED_MANY)
    messages = _message_list(s, "messages", "selected_messages", _MESSAGE, extras)
    ids = [m.get("message_id") for m in messages]
    return ("message_selection",) + PAD[19] + (ids, s.get("parent_message_id"), _configs(messages), None)


def _ranked_messages(o: dict[str, Any], extras: Extras) -> Geometry:
    s = o["ranked_messages"]
    _keep(extras, "ranked_messages", s, _RANKED)
    messages = _message_list(s, "ranked_messages", "ranked_messages", _RANKED_MESSAGE, extras)
    for i, m in enumerate(messages):
        order = m.get("order")
        if order is not None and type(order) is not int:
            raise FieldError(f"ranked_messages[{i}].order", f"expected an integer, got {json_type(order)}")
    # Rank order: ascending ``order``, ties in exported order, messages without one last.
    ranked = sorted(messages, key=lambda m: (m.get("order") is None, m.get("order") or 0))
    orders = [m.get("order") for m in ranked] if any("order" in m for m in ranked) else None
    return ("message_selection",) + PAD[19] + ([m.get("message_id") for m in ranked], s.get("parent_message_id"),
                                                _configs(ranked), orders)


# Geometry key -> (reader, the object fields that reader consumes). Ordered by how common they are.
Reader = Callable[[dict[str, Any], Extras], Geometry]
READERS: tuple[tuple[str, Reader, frozenset[str]], ...] = tuple(
    (key, reader, COMMON_OBJECT_FIELDS | {key, *also})
    for key, reader, also in (
        ("bounding_box", _bbox, ("page_number", "page_dimensions")),
        ("polygon", _points("polygon", "polygon"), ()),
        ("point", _point, ()),
        ("line", _points("line", "line"), ()),
        ("composite_mask", _composite_mask, ()),
        ("mask", _mask, ()),
        ("location", _location, ()),
        ("geojson", _geojson, ()),
        ("conversational_location", _conversational, ()),
        ("selected_message", _selected_message, ()),
        ("selected_messages", _selected_messages, ()),
        ("ranked_messages", _ranked_messages, ()),
    )
)


def read_geometry(o: dict[str, Any]) -> tuple[Geometry, frozenset[str], Extras]:
    """The object's geometry columns, the object fields they account for, and the unknown keys
    found inside its payload (empty when there are none)."""
    if type(o) is not dict:
        raise FieldError("", f"expected an object, got {json_type(o)}")
    extras: Extras = {}
    for key, reader, known in READERS:
        if key in o:
            try:
                return reader(o, extras), known, extras
            except STRUCTURAL_ERRORS as exc:
                raise as_field_error(exc, key) from None
    return NO_GEOMETRY, COMMON_OBJECT_FIELDS, extras


def object_extra(o: dict[str, Any], known: frozenset[str], extras: Extras, metrics: Any) -> str | None:
    """An object row's ``extra``: unknown object fields, unknown keys inside its geometry payload and
    inside its custom_metrics items. None in the common case, checked cheaply."""
    if o.keys() <= known and not extras and not metrics:
        return None
    return merge_extra(object=unknown_fields(o, known), **extras,
                       **(item_extras(metrics, METRIC_FIELDS, "custom_metrics") or {}))
