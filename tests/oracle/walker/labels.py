"""One label or prediction, flattened into labels, objects, classifications, video_frames and
relationships rows.

Three annotation layouts are read (labelbox-api.md, section 5): flat (image, text, geospatial,
documents, conversational, HTML, audio: ``{objects: [...], classifications: [...], relationships:
[...]}``), video and DICOM (``video.py``). Relationships, wherever listed, are ``relationships.py``'s.

Missing ids get a deterministic key, so natural keys stay unique in hand-written and id-stripped
exports: a label without ``id`` is ``#<i>`` (its 0-based position in the run's labels or
predictions list), an object without ``feature_id`` is ``#<i>`` (its position in
``annotations.objects``); classifications follow the same rule (``classifications.py``).
"""

from __future__ import annotations

from typing import Any

from .classifications import walk_classifications
from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .geometry import object_extra, read_geometry
from .line_rows import LineRows, Row
from .relationships import is_relationship, walk_relationships
from .values import json_or_none, merge_extra, timestamp, unknown_fields
from .video import walk_dicom, walk_video

__all__ = ["LineRows", "append_label_row", "walk_label"]

_LABEL_FIELDS = frozenset({
    "label_kind", "version", "id", "annotations", "label_details", "performance_details", "z_order",
})
_FLAT_FIELDS = frozenset({"objects", "classifications", "relationships"})
_VIDEO_FIELDS = _FLAT_FIELDS | {"frames", "segments", "key_frame_feature_map", "groups"}
_EMPTY_OK = _VIDEO_FIELDS | {"timestamp"}  # known keys that may sit empty where they are not read
_DETAIL_FIELDS = frozenset({"created_at", "updated_at", "created_by", "content_last_updated_at", "reviews"})
_PERFORMANCE_FIELDS = frozenset({
    "seconds_to_create", "seconds_to_review", "skipped", "consensus_score", "benchmark_score",
    "benchmark_reference_label",
})
TRACK_TAIL = (None,) * 6  # first/last frame, frame/keyframe count, segments, keyframes


def walk_label(label: dict[str, Any], source: str, data_row_id: str, rows: LineRows, line: int,
               index: int = 0) -> None:
    """``index``: the label's position in its run's labels (or predictions) list."""
    label_id = label.get("id")
    if label_id is None:
        label_id = f"#{index}"
    ref = (data_row_id, source, label_id)
    ann = label.get("annotations") or {}
    n_objects, n_classes, n_rels = len(rows.objects), len(rows.classifications), len(rows.relationships)
    frame_count: int | None = None
    extras: dict[str, Any] = {}  # unknown keys of frames and DICOM views

    # Top-level classifications first: video frame ranges may be keyed by their feature ids.
    classifications = ann.get("classifications")
    if classifications:
        walk_classifications(classifications, rows.classifications, ref, None, None, None, None, 0, None, line,
                             "annotations.classifications")

    relationships: list[tuple[str, Any]] = []
    try:
        objects = ann.get("objects")
        if objects:
            _walk_objects(objects, ref, rows, line, relationships)
    except STRUCTURAL_ERRORS as exc:
        raise as_field_error(exc, "annotations.objects") from None

    groups = ann.get("groups")
    video = bool(groups) or "frames" in ann or "key_frame_feature_map" in ann
    if video and not groups:
        try:
            frame_count = walk_video(
                ann.get("frames") or {}, ann.get("segments") or {}, ann.get("key_frame_feature_map") or {},
                ref, None, rows, line, n_classes, extras,
            )
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, "annotations") from None

    if groups:
        frame_count = (frame_count or 0) + walk_dicom(ann, groups, ref, rows, line, n_classes, extras)

    listed = ann.get("relationships")
    if listed:
        if not isinstance(listed, list):
            raise FieldError("annotations.relationships", f"expected an array, got {json_type(listed)}")
        relationships[:0] = [(f"annotations.relationships[{i}]", r) for i, r in enumerate(listed)]
    if relationships:
        walk_relationships(relationships, ref, rows, line)

    append_label_row(
        rows, ref, label.get("label_kind"), label.get("version"), label.get("z_order"), label.get("label_details"),
        label.get("performance_details"), (n_objects, n_classes, n_rels), frame_count, line,
        label_extra=unknown_fields(label, _LABEL_FIELDS),
        annotations_extra=_unread(ann, _VIDEO_FIELDS if video else _FLAT_FIELDS),
        **extras,
    )


def append_label_row(
    rows: LineRows,
    ref: Row,
    kind: Any,
    version: Any,
    z_order: Any,
    details: Any,
    perf: Any,
    counts_before: tuple[int, int, int],
    frame_count: int | None,
    line: int,
    *,
    label_extra: dict[str, Any] | None = None,
    annotations_extra: dict[str, Any] | None = None,
    **more_extra: dict[str, Any] | None,
) -> None:
    """The labels row of a walked label; ``counts_before`` are the objects, classifications and
    relationships rows there were before its walk."""
    details = details or {}
    perf = perf or {}
    extra = merge_extra(
        label=label_extra,
        annotations=annotations_extra,
        label_details=unknown_fields(details, _DETAIL_FIELDS),
        performance_details=unknown_fields(perf, _PERFORMANCE_FIELDS),
        **more_extra,
    )
    n_objects, n_classes, n_rels = counts_before
    rows.labels.append((
        *ref, kind, version, z_order,
        timestamp(details.get("created_at"), "label_details.created_at"),
        timestamp(details.get("updated_at"), "label_details.updated_at"),
        details.get("created_by"),
        timestamp(details.get("content_last_updated_at"), "label_details.content_last_updated_at"),
        json_or_none(details.get("reviews")),
        perf.get("seconds_to_create"), perf.get("seconds_to_review"), perf.get("skipped"),
        perf.get("consensus_score"), perf.get("benchmark_score"), perf.get("benchmark_reference_label"),
        len(rows.objects) - n_objects, len(rows.classifications) - n_classes,
        len(rows.relationships) - n_rels, frame_count, extra, line,
    ))


def _walk_objects(objects: list[dict[str, Any]], ref: Row, rows: LineRows, line: int,
                  relationships: list[tuple[str, Any]]) -> None:
    """Object rows; relationships listed among the objects are set aside into ``relationships``."""
    out = rows.objects
    for i, o in enumerate(objects):
        if is_relationship(o):
            relationships.append((f"annotations.objects[{i}]", o))
            continue
        try:
            geometry, known, extras = read_geometry(o)
            fid = o.get("feature_id")
            if fid is None:
                fid = f"#{i}"
            metrics = o.get("custom_metrics")
            out.append((
                *ref, fid, o.get("feature_schema_id"), o.get("name"), o.get("value"), o.get("annotation_kind"),
                o.get("confidence"), metrics, *geometry, None, *TRACK_TAIL,
                object_extra(o, known, extras, metrics), line,
            ))
            nested = o.get("classifications")
            if nested:
                walk_classifications(nested, rows.classifications, ref, None, None, fid, fid, 0, None, line)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, f"[{i}]") from None


def _unread(ann: dict[str, Any], read: frozenset[str]) -> dict[str, Any] | None:
    """Annotation keys the walk did not read, for ``extra``; a known one left empty (audio's
    ``timestamp: {}`` and ``segments: {}``) carries nothing."""
    unread = unknown_fields(ann, read)
    if unread is None:
        return None
    return {k: v for k, v in unread.items() if k not in _EMPTY_OK or v} or None
