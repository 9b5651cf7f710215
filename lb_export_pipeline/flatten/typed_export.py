"""The documented export row, as msgspec Structs: what the typed fast path decodes into.

Each Struct has exactly the fields the dict walker knows at that level (``row._TOP_FIELDS``,
``labels._LABEL_FIELDS``, ``geometry.COMMON_OBJECT_FIELDS`` plus the geometry keys...) and refuses
any other field or any value of another type. A refused line is not an error: it goes to the dict
walker, which keeps unknown fields in ``extra`` and names bad ones. So the fast path never has to
judge a line, only flatten the lines that match this shape exactly.

Where the dict walker tells an absent field from an explicit ``null`` (``"frames" in ann``, an
answer's own ``confidence`` overriding its question's), the field defaults to ``UNSET``; elsewhere
absent and null are the same to both walkers and default to ``None``. Parts the walkers read as
plain JSON (details, geojson, masks, relationships...) are ``Any``: decoded as dicts and lists,
handed to the same code the dict walker uses.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

__all__ = ["UNSET", "Annotations", "Answer", "Frame", "Group", "Label", "Line", "Model", "Obj", "Question", "Run"]

# Structs hold no reference cycles (decoded JSON cannot have any), so the cyclic GC need not track them.
_STRICT: dict[str, Any] = {"forbid_unknown_fields": True, "gc": False}


class Box(msgspec.Struct, **_STRICT):
    top: float
    left: float
    height: float
    width: float


class Point(msgspec.Struct, **_STRICT):
    x: float
    y: float


class Answer(msgspec.Struct, **_STRICT):
    feature_id: str | None = None
    feature_schema_id: str | None = None
    name: str | None = None
    value: str | None = None
    content: str | None = None
    confidence: float | UnsetType | None = UNSET  # absent: the question's confidence applies
    custom_metrics: Any = UNSET
    classifications: list[Question] | None = None


class Question(msgspec.Struct, **_STRICT):
    feature_id: str | None = None
    feature_schema_id: str | None = None
    name: str | None = None
    value: str | None = None
    message_id: str | None = None
    confidence: float | None = None
    custom_metrics: Any = None
    radio_answer: Answer | None = None
    checklist_answers: list[Answer] | None = None
    text_answer: Answer | None = None
    conversational_radio_answer: Answer | None = None
    conversational_checklist_answers: list[Answer] | None = None
    conversational_text_answer: Answer | None = None


class Obj(msgspec.Struct, **_STRICT):
    feature_id: str | None = None
    feature_schema_id: str | None = None
    name: str | None = None
    value: str | None = None
    annotation_kind: str | None = None
    confidence: float | None = None
    custom_metrics: Any = None
    classifications: list[Question] | None = None
    # Geometry keys, in the dict walker's order of precedence (geometry.READERS). An object carries one.
    bounding_box: Box | UnsetType = UNSET
    polygon: list[Any] | UnsetType = UNSET
    point: Point | UnsetType = UNSET
    line: list[Any] | UnsetType = UNSET
    composite_mask: Any = UNSET
    mask: Any = UNSET
    location: Any = UNSET
    geojson: Any = UNSET
    conversational_location: Any = UNSET
    selected_message: Any = UNSET
    selected_messages: Any = UNSET
    ranked_messages: Any = UNSET
    # Only a document bounding box carries these.
    page_number: Any = UNSET
    page_dimensions: Any = UNSET


class Frame(msgspec.Struct, **_STRICT):
    objects: dict[str, Obj] | None = None
    classifications: list[Question] | None = None


class Group(msgspec.Struct, **_STRICT):
    name: Any = None  # the view's name, also its key
    frames: dict[str, Frame] | None = None
    classifications: list[Question] | None = None


class Annotations(msgspec.Struct, **_STRICT):
    objects: list[Obj] | None = None
    classifications: list[Question] | None = None
    relationships: Any = None
    frames: dict[str, Frame] | UnsetType | None = UNSET  # present, even null, makes the label a video
    segments: Any = None
    key_frame_feature_map: Any = UNSET
    groups: dict[str, Group] | None = None
    timestamp: Any = None


class Label(msgspec.Struct, **_STRICT):
    id: Any = None
    label_kind: Any = None
    version: Any = None
    annotations: Annotations | None = None
    label_details: Any = None
    performance_details: Any = None


class Run(msgspec.Struct, **_STRICT):
    model_run_name: Any = None
    name: Any = None
    annotation_group_id: Any = None
    labels: list[Label] | None = None
    predictions: list[Label] | None = None
    split: Any = None
    data_split: Any = None


class Model(msgspec.Struct, **_STRICT):
    model_name: Any = None
    name: Any = None
    model_runs: dict[str, Run] | None = None
    runs: dict[str, Run] | None = None


class Line(msgspec.Struct, **_STRICT):
    data_row: Any = None
    media_attributes: Any = None
    attachments: Any = None
    metadata_fields: Any = None
    embeddings: Any = None
    models: dict[str, Model] | None = None
    experiments: dict[str, Model] | None = None


LINE_DECODER = msgspec.json.Decoder(Line)
