"""Deterministic synthetic model-run export rows, for the emulator, the tests and the benchmarks.

Every row is a pure function of (seed, row index, runs), so a run of a million rows is generated
lazily, line by line, and the same seed always gives the same bytes. Rows cover every media kind
and annotation shape of labelbox-api.md section 5: image boxes, polygons, points, lines, masks and
relationships; text entities; video frames with segments and keyframes; geospatial GeoJSON; HTML,
audio and LLM-style classifications; conversational entities and message-scoped answers; document
token groups and boxes; DICOM views; nested radio / checklist / text answers; predictions with
confidence and custom metrics.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ..labelbox.types import ExportParams
from .predictions import predict

Shape = Literal["models", "experiments"]
MEDIA_KINDS = ("image", "video", "text", "geospatial", "html", "conversational", "document", "audio", "dicom")
DEFAULT_MIX: dict[str, float] = {
    "image": 0.42, "video": 0.10, "text": 0.14, "geospatial": 0.08, "html": 0.05,
    "conversational": 0.07, "document": 0.06, "audio": 0.04, "dicom": 0.04,
}
SPLITS = ("TRAINING", "TRAINING", "TRAINING", "VALIDATION", "TEST", "UNASSIGNED")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class RunRef:
    """A model run as it appears inside an export row."""

    model_id: str
    model_name: str
    run_id: str
    run_name: str


# What a row contains follows the export's options; the generator defaults to the export's defaults.
ALL_OPTIONS = ExportParams()


@dataclass(frozen=True)
class GeneratorSettings:
    seed: int = 7
    shape: Shape = "experiments"
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    video_frames: int = 120
    options: ExportParams = ALL_OPTIONS


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def cuid(rng: random.Random) -> str:
    return "c" + "".join(rng.choice(_ALNUM) for _ in range(24))


def run_ref(seed: int, model_index: int, run_index: int, model_name: str | None = None) -> RunRef:
    rng = random.Random(f"model:{seed}:{model_index}")
    model_id = uid(rng)
    run_rng = random.Random(f"run:{seed}:{model_index}:{run_index}")
    return RunRef(model_id, model_name or f"model-{model_index}", uid(run_rng), f"iteration {run_index + 1}")


def data_row_id(seed: int, index: int) -> str:
    return cuid(random.Random(f"dr:{seed}:{index}"))


def media_kind(seed: int, index: int, mix: dict[str, float]) -> str:
    rng = random.Random(f"kind:{seed}:{index}")
    kinds = list(mix)
    return rng.choices(kinds, weights=[mix[k] for k in kinds])[0]


def split_of(seed: int, run_id: str, index: int) -> str:
    return random.Random(f"split:{seed}:{run_id}:{index}").choice(SPLITS)


class _Ontology:
    """Feature names and schema ids, stable per seed, as an ontology would give them."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ontology:{seed}")
        self._ids: dict[str, str] = {}

    def schema(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = cuid(self._rng)
        return self._ids[name]


def _feature(rng: random.Random, onto: _Ontology, name: str) -> dict[str, Any]:
    return {"feature_id": uid(rng), "feature_schema_id": onto.schema(name), "name": name, "value": name}


def _radio(rng: random.Random, onto: _Ontology, name: str, depth: int) -> dict[str, Any]:
    answer = _feature(rng, onto, f"{name}_answer_{rng.randint(1, 3)}")
    answer["classifications"] = _classifications(rng, onto, depth + 1, 1) if depth < 2 and rng.random() < 0.3 \
        else []
    q = _feature(rng, onto, name)
    q["radio_answer"] = answer
    return q


def _checklist(rng: random.Random, onto: _Ontology, name: str, depth: int) -> dict[str, Any]:
    answers = []
    for k in rng.sample(range(1, 5), rng.randint(1, 3)):
        a = _feature(rng, onto, f"{name}_option_{k}")
        a["classifications"] = _classifications(rng, onto, depth + 1, 1) \
            if depth < 2 and rng.random() < 0.2 else []
        answers.append(a)
    q = _feature(rng, onto, name)
    q["checklist_answers"] = answers
    return q


def _text(rng: random.Random, onto: _Ontology, name: str) -> dict[str, Any]:
    q = _feature(rng, onto, name)
    q["text_answer"] = {"content": rng.choice(["sample text", "needs review", "occluded", "ça va — ok ✓"])}
    return q


def _classifications(rng: random.Random, onto: _Ontology, depth: int, most: int = 4) -> list[Any]:
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


def _image_object(rng: random.Random, onto: _Ontology, w: int, h: int, task: str) -> dict[str, Any]:
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
        o["composite_mask"] = {
            "url": f"https://api.labelbox.com/api/v1/tasks/{task}/masks/{uid(rng)}/index/1",
            "color_rgb": [rng.randint(0, 255) for _ in range(3)],
        }
    o["classifications"] = _classifications(rng, onto, 1, 1) if rng.random() < 0.25 else []
    return o


def _relationships(rng: random.Random, onto: _Ontology, objects: list[dict[str, Any]], kind: str) -> list[Any]:
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


def _image(rng: random.Random, onto: _Ontology, task: str) -> dict[str, Any]:
    objects = [_image_object(rng, onto, 1920, 1080, task) for _ in range(rng.randint(2, 8))]
    return {"objects": objects, "classifications": _classifications(rng, onto, 0),
            "relationships": _relationships(rng, onto, objects, "Image")}


def _text_doc(rng: random.Random, onto: _Ontology) -> dict[str, Any]:
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


def _geo(rng: random.Random, onto: _Ontology) -> dict[str, Any]:
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


def _video(rng: random.Random, onto: _Ontology, frame_total: int, task: str) -> dict[str, Any]:
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
                o["composite_mask"] = {"url": f"https://api.labelbox.com/api/v1/tasks/{task}/masks/{fid}/index/{f}",
                                       "color_rgb": [255, 0, 0]}
            o["classifications"] = [_radio(random.Random(fid), onto, "occlusion", 1)] if with_sub else []
            frames.setdefault(str(f), {"objects": {}, "classifications": []})["objects"][fid] = o
    for fk in rng.sample(sorted(frames, key=int), min(2, len(frames))):
        frames[fk]["classifications"] = _classifications(rng, onto, 1, 1)
    return {"frames": frames, "segments": segments, "key_frame_feature_map": keyframes,
            "classifications": _classifications(rng, onto, 0)}


def _conversational(rng: random.Random, onto: _Ontology, messages: list[str]) -> dict[str, Any]:
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


def _document(rng: random.Random, onto: _Ontology) -> dict[str, Any]:
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


def _dicom(rng: random.Random, onto: _Ontology) -> dict[str, Any]:
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


def _annotations(kind: str, rng: random.Random, onto: _Ontology, frames: int, task: str,
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


_MEDIA = {
    "image": ("image/jpeg", "https://storage.example.com/images/{i}.jpg"),
    "video": ("video/mp4", "https://storage.example.com/videos/{i}.mp4"),
    "text": ("text/plain", "https://storage.example.com/text/{i}.txt"),
    "geospatial": ("application/x-tms-geo", '{{"tileLayerUrl":"https://tiles.example.com/{{z}}/{{x}}/{{y}}",'
                   '"bounds":[[-122.32,37.87],[-122.31,37.88]],"minZoom":17,"maxZoom":23,"epsg":"EPSG4326"}}'),
    "html": ("text/html", "https://storage.example.com/html/{i}.html"),
    "conversational": ("application/vnd.labelbox.conversational", "https://storage.example.com/chat/{i}.json"),
    "document": ("application/pdf", "https://storage.example.com/docs/{i}.pdf"),
    "audio": ("audio/mpeg", "https://storage.example.com/audio/{i}.mp3"),
    "dicom": ("application/dicom", "https://storage.example.com/dicom/{i}.dcm"),
}


def _media_attributes(kind: str, rng: random.Random, frames: int, messages: list[str]) -> dict[str, Any]:
    mime = _MEDIA[kind][0]
    if kind in ("image", "dicom"):
        return {"height": 1080, "width": 1920, "mime_type": mime, "exif_rotation": "1"}
    if kind == "video":
        return {"height": 720, "width": 1280, "mime_type": mime, "frame_rate": 30, "frame_count": frames}
    if kind == "conversational":
        return {"asset_type": "conversational", "mime_type": mime, "labelable_ids": messages,
                "message_count": len(messages)}
    if kind == "audio":
        return {"mime_type": mime, "duration": round(rng.uniform(5, 300), 2)}
    return {"mime_type": mime}


def make_row(settings: GeneratorSettings, index: int, runs: Sequence[RunRef]) -> dict[str, Any]:
    """Export row ``index`` of a model run export containing ``runs`` (usually one)."""
    seed = settings.seed
    opts = settings.options
    kind = media_kind(seed, index, settings.mix)
    rng = random.Random(f"row:{seed}:{index}")
    onto = _Ontology(seed)
    drid = data_row_id(seed, index)
    messages = [f"message-{k}" for k in range(rng.randint(2, 6))] if kind == "conversational" else []
    frames = settings.video_frames
    row: dict[str, Any] = {"data_row": {"id": drid, "global_key": f"{kind}-{seed}-{index:08d}",
                                        "external_id": f"{kind}_{index}.{_MEDIA[kind][0].split('/')[-1]}",
                                        "row_data": _MEDIA[kind][1].format(i=index)}}
    if opts.data_row_details:
        day = 1 + index % 28
        row["data_row"]["details"] = {
            "dataset_id": cuid(random.Random(f"ds:{seed}:{kind}")), "dataset_name": f"{kind} dataset",
            "created_at": f"2024-03-{day:02d}T10:{index % 60:02d}:00.000+00:00",
            "updated_at": f"2024-04-{day:02d}T11:00:00.000+00:00",
            "last_activity_at": f"2024-05-{day:02d}T12:00:00.000+00:00",
            "created_by": "labeler@example.com",
        }
    row["media_attributes"] = _media_attributes(kind, rng, frames, messages)
    if opts.attachments:
        row["attachments"] = [{"type": "TEXT", "value": f"note for row {index}", "name": "note", "id": uid(rng)}] \
            if rng.random() < 0.3 else []
    if opts.metadata_fields:
        row["metadata_fields"] = [
            {"schema_id": "cko8s9r5v0001h2dk9elqdidh", "schema_name": "tag", "value": rng.choice(["day", "night"])},
            {"schema_id": "cko8sbczn0002h2dkdaxb5kal", "schema_name": "captureDateTime",
             "value": "2024-03-01T00:00:00.000Z"},
        ]
    if opts.embeddings:
        row["embeddings"] = [{"id": "emb-clip", "name": "CLIP ViT-B/32", "dimensions": 8, "is_custom": False,
                              "values": [{"value": [round(rng.uniform(-1, 1), 4) for _ in range(8)]}]}]
    top: dict[str, Any] = {}
    for ref in runs:
        entry_rng = random.Random(f"labels:{seed}:{index}:{ref.run_id}")
        task = cuid(entry_rng)
        labels: list[dict[str, Any]] = []
        for _ in range(2 if entry_rng.random() < 0.1 else 1):  # a reviewed row carries two labels
            label_kind, ann = _annotations(kind, entry_rng, onto, frames, task, messages)
            labels.append({"label_kind": label_kind, "version": "1.0.0", "id": cuid(entry_rng), "annotations": ann})
        run: dict[str, Any] = {}
        if settings.shape == "models":
            run["model_run_name"] = ref.run_name
        else:
            run["name"] = ref.run_name
        run["annotation_group_id"] = uid(entry_rng)
        if opts.model_run_details:
            run["split"] = split_of(seed, ref.run_id, index)
        run["labels"] = labels
        if opts.predictions:  # derived from the first label, with known quality (predictions.py)
            pred_rng = random.Random(f"prediction:{seed}:{index}:{ref.run_id}")
            run["predictions"] = [{"label_kind": labels[0]["label_kind"], "version": "1.0.0", "id": labels[0]["id"],
                                   "annotations": predict(labels[0]["annotations"], labels[0]["id"], pred_rng)}]
        model = top.setdefault(ref.model_id, {"model_name": ref.model_name} if settings.shape == "models"
                               else {"name": ref.model_name})
        model.setdefault("model_runs" if settings.shape == "models" else "runs", {})[ref.run_id] = run
    row[settings.shape] = top
    return row


def iter_lines(settings: GeneratorSettings, runs: Sequence[RunRef], count: int, start: int = 0,
               extra_runs: Sequence[RunRef] = ()) -> Iterator[bytes]:
    """NDJSON lines of rows [start, start + count); with ``extra_runs``, some rows also carry a
    second run (as a data row that sits in two model runs does)."""
    for i in range(start, start + count):
        refs = list(runs)
        if extra_runs and random.Random(f"extra:{settings.seed}:{i}").random() < 0.5:
            refs.append(extra_runs[i % len(extra_runs)])
        yield orjson.dumps(make_row(settings, i, refs)) + b"\n"
