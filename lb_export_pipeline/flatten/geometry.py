"""Typed geometry of one object, as the tuple of ``schemas.GEOMETRY`` columns.

An object is recognised by its geometry key rather than its ``annotation_kind``, so a kind this
version has never seen (``VideoPolygon``, ``DICOMPolyline``...) still lands in typed columns when its
payload has a known shape. An object with no known geometry key gets null geometry, and its
payload is kept in ``extra`` by the caller.

Point lists are handed to Arrow as they are (lists of ``{x, y}`` dicts) and converted in C when a
batch is built; per-point checks in Python would cost more than the rest of the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .values import to_json

Geometry = tuple[Any, ...]
GEOMETRY_WIDTH = 22
NO_GEOMETRY: Geometry = (None,) * GEOMETRY_WIDTH
PAD: dict[int, Geometry] = {n: (None,) * n for n in range(GEOMETRY_WIDTH + 1)}

# Object fields that every kind may carry; anything else that no geometry reader takes is "extra".
COMMON_OBJECT_FIELDS = frozenset({
    "feature_id", "feature_schema_id", "name", "value", "annotation_kind", "classifications",
    "confidence", "custom_metrics",
})


def _bbox(o: dict[str, Any]) -> Geometry:
    b = o["bounding_box"]
    head = ("bounding_box", b["top"], b["left"], b["height"], b["width"])
    page = o.get("page_number")
    dims = o.get("page_dimensions")
    if page is None and dims is None:
        return head + PAD[17]
    width = height = None
    if dims is not None:
        width, height = dims.get("width"), dims.get("height")
    return head + PAD[10] + (page, width, height) + PAD[4]


def _point(o: dict[str, Any]) -> Geometry:
    p = o["point"]
    return ("point", None, None, None, None, p["x"], p["y"]) + PAD[15]


def _points(kind: str, key: str) -> Callable[[dict[str, Any]], Geometry]:
    def read(o: dict[str, Any]) -> Geometry:
        pts = o[key]
        if not isinstance(pts, list):
            raise FieldError("", f"expected an array of {{x, y}} points, got {json_type(pts)}")
        return (kind,) + PAD[6] + (pts,) + PAD[14]

    return read


def _mask(o: dict[str, Any]) -> Geometry:
    return ("mask",) + PAD[7] + (o["mask"].get("url"), None) + PAD[12]


def _composite_mask(o: dict[str, Any]) -> Geometry:
    m = o["composite_mask"]
    return ("mask",) + PAD[7] + (m.get("url"), m.get("color_rgb")) + PAD[12]


def _location(o: dict[str, Any]) -> Geometry:
    loc = o["location"]
    groups = loc.get("groups")
    if groups is None:
        return ("text_span",) + PAD[9] + (loc.get("start"), loc.get("end"), loc.get("token")) + PAD[9]
    # Document entity: token groups, possibly over several pages.
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
    return ("document_tokens",) + PAD[11] + (text or None, None, None, page, None, None,
                                               to_json(groups), None, None, None)


def _conversational(o: dict[str, Any]) -> Geometry:
    c = o["conversational_location"]
    loc = c.get("location") or {}
    return ("conversational_span",) + PAD[9] + (loc.get("start"), loc.get("end"), loc.get("token")) + \
        PAD[6] + (c.get("message_id"), None, None)


def _geojson(o: dict[str, Any]) -> Geometry:
    g = o["geojson"]
    return ("geojson",) + PAD[12] + (g.get("type"), to_json(g)) + PAD[7]


def _selected_message(o: dict[str, Any]) -> Geometry:
    s = o["selected_message"]
    mid = s.get("message_id")
    return ("message_selection",) + PAD[18] + (mid, [mid] if mid is not None else None,
                                                s.get("parent_message_id"))


def _selected_messages(o: dict[str, Any]) -> Geometry:
    s = o["selected_messages"]
    ids = [m.get("message_id") for m in s.get("messages") or ()]
    return ("message_selection",) + PAD[19] + (ids, s.get("parent_message_id"))


def _ranked_messages(o: dict[str, Any]) -> Geometry:
    s = o["ranked_messages"]
    ranked = sorted(s.get("ranked_messages") or (), key=lambda m: (m.get("order") is None, m.get("order")))
    ids = [m.get("message_id") for m in ranked]
    return ("message_selection",) + PAD[19] + (ids, s.get("parent_message_id"))


# Geometry key -> (reader, the object fields that reader consumes). Ordered by how common they are.
READERS: tuple[tuple[str, Callable[[dict[str, Any]], Geometry], frozenset[str]], ...] = tuple(
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


READER_BY_KEY: dict[str, Callable[[dict[str, Any]], Geometry]] = {key: reader for key, reader, _ in READERS}


def read_geometry(o: dict[str, Any]) -> tuple[Geometry, frozenset[str]]:
    """The object's geometry columns and the set of fields they account for."""
    if type(o) is not dict:
        raise FieldError("", f"expected an object, got {json_type(o)}")
    for key, reader, known in READERS:
        if key in o:
            try:
                return reader(o), known
            except STRUCTURAL_ERRORS as exc:
                raise as_field_error(exc, key) from None
    return NO_GEOMETRY, COMMON_OBJECT_FIELDS
