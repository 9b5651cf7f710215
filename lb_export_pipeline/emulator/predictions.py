"""Predictions of known quality, derived from a synthetic label.

Each ground-truth object gets a *fate*, a pure function of its feature id (``fate_of``), so a test
can say beforehand what an evaluation must find:

* ``exact``: the same geometry (IoU 1);
* ``shifted``: moved or grown so that the IoU sits between 0.55 and 0.9 for boxes (moved by 16%
  of the width: IoU (1-0.16)/(1+0.16) = 0.72), masks (their rectangle likewise, in the PNG the
  emulator serves at the prediction's URL: ``masks``), polygons (scaled by 1.2 about the vertices' mean:
  IoU 1/1.44 = 0.69), points (moved 20 px: the 70-px discs overlap with IoU 0.69) and text spans
  (end moved by a quarter of the length: IoU 0.8, 1 for spans under 4 characters); polylines are
  moved 30 px down, which keeps the IoU of their 70-px buffers above 0.6;
* ``relabelled``: the same geometry under another class (``<name>_other``);
* ``missing``: no prediction.

Some labels also get a ``spurious`` prediction: a copy of one of their objects moved far off the
image (no overlap with anything; a mask with no pixels). Classification answers are kept (60%),
changed to another answer (25%) or left out (15%). Confidences follow the fate, so precision-recall curves have a shape;
some predictions carry custom metrics.
Document token groups are copied (exact) or left out, never moved.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from . import masks
from .ids import uid

FATES = ("exact", "shifted", "relabelled", "missing")
_FATE_WEIGHTS = (0.5, 0.25, 0.1, 0.15)
SPURIOUS_RATE = 0.3
BOX_SHIFT = 0.16
POLYGON_SCALE = 1.2
POINT_SHIFT = 20.0
LINE_SHIFT = 30.0
_CONFIDENCE = {"exact": (0.6, 1.0), "shifted": (0.4, 0.95), "relabelled": (0.3, 0.9), "spurious": (0.3, 0.85)}


def fate_of(feature_id: str) -> str:
    """The fate of a ground-truth object (or video track), from its feature id alone."""
    return random.Random(f"fate:{feature_id}").choices(FATES, weights=_FATE_WEIGHTS)[0]


def has_spurious(label_id: str) -> bool:
    return random.Random(f"spurious:{label_id}").random() < SPURIOUS_RATE


def _shift_geometry(o: dict[str, Any]) -> None:
    """Move or grow one object's geometry in place, as the module docstring says."""
    if "bounding_box" in o:
        box = dict(o["bounding_box"])
        box["left"] = box["left"] + round(box["width"] * BOX_SHIFT)
        o["bounding_box"] = box
    elif "polygon" in o:
        pts = o["polygon"]
        cx, cy = sum(p["x"] for p in pts) / len(pts), sum(p["y"] for p in pts) / len(pts)
        o["polygon"] = [{"x": cx + (p["x"] - cx) * POLYGON_SCALE, "y": cy + (p["y"] - cy) * POLYGON_SCALE}
                        for p in pts]
    elif "point" in o:
        o["point"] = {"x": o["point"]["x"] + POINT_SHIFT, "y": o["point"]["y"]}
    elif "line" in o:
        o["line"] = [{"x": p["x"], "y": p["y"] + LINE_SHIFT} for p in o["line"]]
    elif "location" in o and "start" in o["location"]:
        loc = o["location"]
        o["location"] = {**loc, "end": loc["end"] + (loc["end"] - loc["start"]) // 4}
    elif "conversational_location" in o:
        loc = o["conversational_location"]["location"]
        o["conversational_location"] = {**o["conversational_location"],
                                        "location": {**loc, "end": loc["end"] + (loc["end"] - loc["start"]) // 4}}
    elif "composite_mask" in o:
        mask = o["composite_mask"]
        o["composite_mask"] = {**mask, "url": masks.predicted_url(mask["url"], "shifted")}
    elif "geojson" in o and o["geojson"].get("type") == "Polygon":
        ring = o["geojson"]["coordinates"][0]
        o["geojson"] = {"type": "Polygon", "coordinates": [[[x + 1e-5, y] for x, y in ring]]}


def _spurious_geometry(o: dict[str, Any]) -> None:
    """Move an object far off the image, so it overlaps nothing."""
    if "bounding_box" in o:
        o["bounding_box"] = {**o["bounding_box"], "top": o["bounding_box"]["top"] + 5000}
    elif "polygon" in o:
        o["polygon"] = [{"x": p["x"], "y": p["y"] + 5000} for p in o["polygon"]]
    elif "point" in o:
        o["point"] = {"x": o["point"]["x"], "y": o["point"]["y"] + 5000}
    elif "line" in o:
        o["line"] = [{"x": p["x"], "y": p["y"] + 5000} for p in o["line"]]
    elif "location" in o and "start" in o["location"]:
        o["location"] = {**o["location"], "start": o["location"]["start"] + 5000,
                         "end": o["location"]["end"] + 5000}
    elif "composite_mask" in o:
        mask = o["composite_mask"]
        o["composite_mask"] = {**mask, "url": masks.predicted_url(mask["url"], "spurious")}


_MOVABLE = ("bounding_box", "polygon", "point", "line", "location", "conversational_location", "geojson",
            "composite_mask")


def _predicted_object(o: dict[str, Any], fate: str, rng: random.Random) -> dict[str, Any] | None:
    if fate == "missing":
        return None
    p = copy.deepcopy(o)
    movable = any(k in o for k in _MOVABLE) and not ("location" in o and "groups" in o["location"])
    if fate == "shifted" and movable:
        _shift_geometry(p)
    elif fate == "relabelled":
        p["name"] = p["value"] = f"{o['name']}_other"
        p["feature_schema_id"] = o["feature_schema_id"][:-6] + "other0"
    elif fate == "spurious":
        _spurious_geometry(p)
    low, high = _CONFIDENCE["exact" if fate == "shifted" and not movable else fate]
    p["confidence"] = round(rng.uniform(low, high), 4)
    return p


def _predicted_answer(answer: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    a = copy.deepcopy(answer)
    a["confidence"] = round(rng.uniform(0.3, 1.0), 4)
    return a


def _predicted_classifications(questions: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for q in questions:
        roll = rng.random()
        if roll >= 0.85:
            continue  # left out
        p = copy.deepcopy(q)
        changed = roll >= 0.6
        if "radio_answer" in q:
            p["radio_answer"] = _predicted_answer(q["radio_answer"], rng)
            if changed:
                p["radio_answer"]["name"] = p["radio_answer"]["value"] = f"{q['radio_answer']['name']}_other"
        elif "checklist_answers" in q:
            answers = [_predicted_answer(a, rng) for a in q["checklist_answers"]]
            if changed:
                answers = [*answers[1:], {**answers[0], "name": f"{answers[0]['name']}_other",
                                          "value": f"{answers[0]['name']}_other"}]
            p["checklist_answers"] = answers
        elif "text_answer" in q:
            p["text_answer"] = {**q["text_answer"], "confidence": round(rng.uniform(0.3, 1.0), 4)}
            if changed:
                p["text_answer"]["content"] = q["text_answer"]["content"] + " (predicted)"
        out.append(p)
    return out


def predict(annotations: dict[str, Any], label_id: str, rng: random.Random) -> dict[str, Any]:
    """The prediction of one label's ``annotations``: objects, video frames and DICOM groups by fate."""
    ann = copy.deepcopy(annotations)
    if "objects" in ann:
        objects = []
        for o in ann["objects"]:
            p = _predicted_object(o, fate_of(o["feature_id"]), rng)
            if p is not None:
                p["feature_id"] = uid(rng)
                if rng.random() < 0.3:  # objects carry custom metrics (video frame objects have no column for them)
                    p["custom_metrics"] = [{"name": "iou", "value": round(rng.random(), 4)}]
                objects.append(p)
        if has_spurious(label_id) and ann["objects"]:
            extra = _predicted_object(rng.choice(ann["objects"]), "spurious", rng)
            if extra is not None:
                extra["feature_id"] = uid(rng)
                objects.append(extra)
        ann["objects"] = objects
        ann["relationships"] = []
    for frames in [ann.get("frames", {})] + [g["frames"] for g in ann.get("groups", {}).values()]:
        for frame in frames.values():
            tracks = {}
            for fid, o in frame["objects"].items():
                p = _predicted_object(o, fate_of(fid), rng)
                if p is not None:
                    tracks[fid] = p  # a track keeps its id across frames
            frame["objects"] = tracks
    for fid in [f for f in ann.get("segments", {}) if isinstance(ann["segments"][f], list)]:
        if fate_of(fid) == "missing":  # video: a missing track leaves no segments or keyframes
            del ann["segments"][fid]
            ann.get("key_frame_feature_map", {}).pop(fid, None)
    for view in [v for v in ann.get("segments", {}) if isinstance(ann["segments"][v], dict)]:
        for fid in [f for f in ann["segments"][view] if fate_of(f) == "missing"]:
            del ann["segments"][view][fid]  # DICOM: segments per view
            ann.get("key_frame_feature_map", {}).pop(fid, None)
    if "classifications" in ann:
        ann["classifications"] = _predicted_classifications(ann["classifications"], rng)
    return ann
