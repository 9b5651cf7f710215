"""The annotations of one synthetic label, per media kind: objects with geometry, relationships,
video frames and keyframes, GeoJSON, conversational and document entities, DICOM views, and nested
radio / checklist / text answers, with feature schema ids from a per-seed ontology."""

from __future__ import annotations

import math
import random
from typing import Any

from . import masks
from .ids import cuid, uid


class Ontology:
    """Feature names and schema ids, stable per seed, as an ontology would give them."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ontology:{seed}")
        self._ids: dict[str, str] = {}

    def schema(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = cuid(self._rng)
        return self._ids[name]


def _feature(rng: random.Random, onto: Ontology, name: str) -> dict[str, Any]:
    return {"feature_id": uid(rng), "feature_schema_id": onto.schema(name), "name": name, "value": name}


def _radio(rng: random.Random, onto: Ontology, name: str, depth: int) -> dict[str, Any]:
    answer = _feature(rng, onto, f"{name}_answer_{rng.randint(1, 3)}")
    answer["classifications"] = _classifications(rng, onto, depth + 1, 1) if depth < 2 and rng.random() < 0.3 \
        else []
    q = _feature(rng, onto, name)
    q["radio_answer"] = answer
    return q


def _checklist(rng: random.Random, onto: Ontology, name: str, depth: int) -> dict[str, Any]:
    answers = []
    for k in rng.sample(range(1, 5), rng.randint(1, 3)):
        a = _feature(rng, onto, f"{name}_option_{k}")
        a["classifications"] = _classifications(rng, onto, depth + 1, 1) \
            if depth < 2 and rng.random() < 0.2 else []
        answers.append(a)
    q = _feature(rng, onto, name)
    q["checklist_answers"] = answers
    return q


def _text(rng: random.Random, onto: Ontology, name: str) -> dict[str, Any]:
    q = _feature(rng, onto, name)
    q["text_answer"] = {"content": rng.choice(["sample text", "needs review", "occluded", "ça va — ok ✓"])}
    return q


def _classifications(rng: random.Random, onto: Ontology, depth: int, most: int = 4) -> list[Any]:
    out = []
    for i in range(rng.randint(1, most)):
        kind = rng.random()
        name = f"q{depth}_{i}"
        if kind < 0.45:
            out.append(_radio(rng, onto, f"radio_{name}", depth))
        elif kind < 0.85:
            out.append(_checklist(rng, onto, f"checklist_{name}", depth))
        else:
            out.append(_text(rng, onto, f"text_{name}"))
    return out


def _points(rng: random.Random, n: int, w: int, h: int) -> list[dict[str, float]]:
    return [{"x": round(rng.uniform(0, w), 3), "y": round(rng.uniform(0, h), 3)} for _ in range(n)]


def _star_shaped(points: list[dict[str, float]]) -> list[dict[str, float]]:
    """Vertices in angle order about their mean: a simple polygon, as an annotator draws one."""
    cx, cy = sum(p["x"] for p in points) / len(points), sum(p["y"] for p in points) / len(points)
    return sorted(points, key=lambda p: math.atan2(p["y"] - cy, p["x"] - cx))


def _image_object(rng: random.Random, onto: Ontology, w: int, h: int, task: str) -> dict[str, Any]:
    r = rng.random()
    if r < 0.4:
        o = _feature(rng, onto, "box")
        o["annotation_kind"] = "ImageBoundingBox"
        top, left = rng.randint(0, h - 50), rng.randint(0, w - 50)
        o["bounding_box"] = {"top": top, "left": left, "height": rng.randint(10, 300), "width": rng.randint(10, 300)}
    elif r < 0.65:
        o = _feature(rng, onto, "polygon")
        o["annotation_kind"] = "ImagePolygon"
        o["polygon"] = _star_shaped(_points(rng, rng.randint(6, 20), w, h))
    elif r < 0.75:
        o = _feature(rng, onto, "point")
        o["annotation_kind"] = "ImagePoint"
        o["point"] = _points(rng, 1, w, h)[0]
    elif r < 0.88:
        o = _feature(rng, onto, "polyline")
        o["annotation_kind"] = "ImagePolyline"
        o["line"] = _points(rng, rng.randint(3, 12), w, h)
    else:
        o = _feature(rng, onto, "mask")
        o["annotation_kind"] = "ImageSegmentationMask"
        mask_id = uid(rng)
        _ = [rng.randint(0, 255) for _ in range(3)]  # the colour once drawn here: keeps the random stream
        o["composite_mask"] = {"url": masks.mask_url(masks.LABELBOX_BASE, task, mask_id),
                               "color_rgb": masks.color_of(mask_id)}
    o["classifications"] = _classifications(rng, onto, 1, 1) if rng.random() < 0.25 else []
    return o


def _relationships(rng: random.Random, onto: Ontology, objects: list[dict[str, Any]], kind: str) -> list[Any]:
    rels = []
    if len(objects) >= 2:
        for _ in range(rng.randint(0, 2)):
            a, b = rng.sample(objects, 2)
            bidirectional = rng.random() < 0.3
            r = _feature(rng, onto, "relates_to")
            r["annotation_kind"] = f"{kind}{'Bi' if bidirectional else 'Uni'}directionalRelationship"
            key = "bidirectional_relationship" if bidirectional else "unidirectional_relationship"
            r[key] = {"source": a["feature_id"], "target": b["feature_id"]}
            rels.append(r)
    return rels


def _image(rng: random.Random, onto: Ontology, task: str) -> dict[str, Any]:
    objects = [_image_object(rng, onto, 1920, 1080, task) for _ in range(rng.randint(2, 8))]
    return {"objects": objects, "classifications": _classifications(rng, onto, 0),
            "relationships": _relationships(rng, onto, objects, "Image")}


def _text_doc(rng: random.Random, onto: Ontology) -> dict[str, Any]:
    objects = []
    for _ in range(rng.randint(1, 6)):
        o = _feature(rng, onto, "entity")
        o["annotation_kind"] = "TextEntity"
        start = rng.randint(0, 2000)
        o["location"] = {"start": start, "end": start + rng.randint(1, 40)}
        o["classifications"] = []
        objects.append(o)
    return {"objects": objects, "classifications": _classifications(rng, onto, 0),
            "relationships": _relationships(rng, onto, objects, "Text")}


def _geo(rng: random.Random, onto: Ontology) -> dict[str, Any]:
    objects = []
    lng, lat = -122.317 + rng.uniform(-0.01, 0.01), 37.873 + rng.uniform(-0.01, 0.01)
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.3:
            o = _feature(rng, onto, "point_geo")
            o["annotation_kind"] = "GeoPoint"
            o["geojson"] = {"type": "Point", "coordinates": [lng, lat]}
        elif r < 0.55:
            o = _feature(rng, onto, "polyline_geo")
            o["annotation_kind"] = "GeoPolyline"
            o["geojson"] = {"type": "LineString", "coordinates": [
                [lng + rng.uniform(0, 1e-3), lat + rng.uniform(0, 1e-3)] for _ in range(rng.randint(2, 8))]}
        else:
            box = rng.random() < 0.5
            o = _feature(rng, onto, "bbox_geo" if box else "polygon_geo")
            o["annotation_kind"] = "GeoBoundingBox" if box else "GeoPolygon"
            ring = [[lng + rng.uniform(0, 1e-3), lat + rng.uniform(0, 1e-3)] for _ in range(4 if box else 12)]
            o["geojson"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        o["classifications"] = _classifications(rng, onto, 1, 1) if rng.random() < 0.2 else []
        objects.append(o)
    return {"objects": objects, "classifications": _classifications(rng, onto, 0), "relationships": []}


def _video(rng: random.Random, onto: Ontology, frame_total: int, task: str) -> dict[str, Any]:
    frames: dict[str, dict[str, Any]] = {}
    segments: dict[str, list[list[int]]] = {}
    keyframes: dict[str, dict[str, bool]] = {}
    for _ in range(rng.randint(2, 5)):
        kind = rng.random()
        base = _feature(rng, onto, "car" if kind < 0.6 else ("lane" if kind < 0.8 else "person"))
        fid = base["feature_id"]
        start = rng.randint(1, max(1, frame_total - 40))
        length = rng.randint(10, max(40, frame_total // 3))  # long videos carry long tracks
        step = rng.choice((1, 2, 3))
        seg_frames = list(range(start, min(frame_total, start + length) + 1, step))
        segments[fid] = [[seg_frames[0], seg_frames[-1]]]
        keyframes[fid] = {str(f): True for f in seg_frames}
        x, y = rng.uniform(0, 1500), rng.uniform(0, 800)
        with_sub = rng.random() < 0.3
        for f in seg_frames:
            o = dict(base)
            x, y = x + rng.uniform(-5, 5), y + rng.uniform(-5, 5)
            if kind < 0.6:
                o["annotation_kind"] = "VideoBoundingBox"
                o["bounding_box"] = {"top": round(y, 1), "left": round(x, 1), "height": 120.0, "width": 200.0}
            elif kind < 0.8:
                o["annotation_kind"] = "VideoPolyline"
                o["line"] = [{"x": round(x + 10 * i, 1), "y": round(y + 3 * i, 1)} for i in range(4)]
            elif kind < 0.93:
                o["annotation_kind"] = "VideoPoint"
                o["point"] = {"x": round(x, 1), "y": round(y, 1)}
            else:
                o["annotation_kind"] = "VideoSegmentationMask"
                o["composite_mask"] = {"url": masks.mask_url(masks.LABELBOX_BASE, task, fid, f),
                                       "color_rgb": masks.color_of(fid)}
            o["classifications"] = [_radio(random.Random(fid), onto, "occlusion", 1)] if with_sub else []
            frames.setdefault(str(f), {"objects": {}, "classifications": []})["objects"][fid] = o
    for fk in rng.sample(sorted(frames, key=int), min(2, len(frames))):
        frames[fk]["classifications"] = _classifications(rng, onto, 1, 1)
    return {"frames": frames, "segments": segments, "key_frame_feature_map": keyframes,
            "classifications": _classifications(rng, onto, 0)}


def _conversational(rng: random.Random, onto: Ontology, messages: list[str]) -> dict[str, Any]:
    objects = []
    for _ in range(rng.randint(1, 3)):
        o = _feature(rng, onto, "intent_span")
        o["annotation_kind"] = "ConversationalTextEntity"
        start = rng.randint(0, 80)
        o["conversational_location"] = {"message_id": rng.choice(messages),
                                        "location": {"start": start, "end": start + rng.randint(1, 20)}}
        o["classifications"] = []
        objects.append(o)
    scoped = _feature(rng, onto, "message_tone")
    scoped["message_id"] = rng.choice(messages)
    scoped["conversational_radio_answer"] = _feature(rng, onto, "polite") | {"classifications": []}
    checklist = _feature(rng, onto, "message_flags")
    checklist["message_id"] = rng.choice(messages)
    checklist["conversational_checklist_answers"] = [
        _feature(rng, onto, f"flag_{k}") | {"classifications": []} for k in range(rng.randint(1, 2))]
    return {"objects": objects, "classifications": [scoped, checklist, *_classifications(rng, onto, 0, 2)],
            "relationships": []}


def _document(rng: random.Random, onto: Ontology) -> dict[str, Any]:
    objects = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.5:
            o = _feature(rng, onto, "doc_entity")
            o["annotation_kind"] = "DocumentEntityToken"
            o["location"] = {"groups": [{"id": uid(rng), "page_number": rng.randint(1, 3),
                                         "tokens": [uid(rng) for _ in range(rng.randint(1, 4))],
                                         "text": rng.choice(["Invoice", "Total due", "ACME Corp"])}]}
        else:
            o = _feature(rng, onto, "doc_box")
            o["annotation_kind"] = "DocumentBoundingBox"
            o["page_number"] = rng.randint(1, 3)
            o["bounding_box"] = {"top": rng.uniform(0, 700), "left": rng.uniform(0, 500),
                                 "height": rng.uniform(5, 80), "width": rng.uniform(20, 200)}
            o["page_dimensions"] = {"height": 792.0, "width": 612.0}
        o["classifications"] = []
        objects.append(o)
    return {"objects": objects, "classifications": _classifications(rng, onto, 0, 2), "relationships": []}


def _dicom(rng: random.Random, onto: Ontology) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    segments: dict[str, Any] = {}
    keyframes: dict[str, Any] = {}
    for view in rng.sample(["Axial", "Sagittal", "Coronal"], rng.randint(1, 2)):
        o = _feature(rng, onto, "vessel")
        o["annotation_kind"] = "DICOMPolyline"
        fid = o["feature_id"]
        frames = {}
        for f in range(rng.randint(1, 20), rng.randint(21, 40), 4):
            fo = dict(o, line=[{"x": rng.uniform(0, 512), "y": rng.uniform(0, 512)} for _ in range(3)],
                      classifications=[])
            frames[str(f)] = {"objects": {fid: fo}, "classifications": []}
        groups[view] = {"name": view, "classifications": [], "frames": frames}
        first, last = min(map(int, frames)), max(map(int, frames))
        segments[view] = {fid: [[first, last]]}
        keyframes.setdefault(fid, {})[view] = {f: True for f in frames}
    return {"groups": groups, "segments": segments, "classifications": _classifications(rng, onto, 0, 1),
            "key_frame_feature_map": keyframes}


def label_annotations(kind: str, rng: random.Random, onto: Ontology, frames: int, task: str,
                 messages: list[str]) -> tuple[str, dict[str, Any]]:
    if kind == "image":
        return "Default", _image(rng, onto, task)
    if kind == "video":
        return "Video", _video(rng, onto, frames, task)
    if kind == "text":
        return "Default", _text_doc(rng, onto)
    if kind == "geospatial":
        return "Default", _geo(rng, onto)
    if kind == "conversational":
        return "Conversational", _conversational(rng, onto, messages)
    if kind == "document":
        return "Default", _document(rng, onto)
    if kind == "dicom":
        return "DICOM", _dicom(rng, onto)
    if kind == "audio":
        return "Default", {"classifications": _classifications(rng, onto, 0, 2), "segments": {},
                           "timestamp": {}}
    return "Default", {"objects": [], "classifications": _classifications(rng, onto, 0), "relationships": []}
