"""One label or prediction, flattened into labels, objects, classifications, video_frames and
relationships rows.

Three annotation layouts are read (labelbox-api.md, section 5):

* flat (image, text, geospatial, documents, conversational, HTML, audio):
  ``{objects: [...], classifications: [...], relationships: [...]}``;
* video: ``{frames: {"<n>": {objects: {<feature_id>: obj}, classifications}}, segments,
  key_frame_feature_map, classifications}``: one video_frames row per (frame, object) and one
  objects row per track;
* DICOM: the video layout once per ``groups.<view>``, with ``segments`` and
  ``key_frame_feature_map`` keyed by view as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .classifications import METRIC_FIELDS, walk_classifications
from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .geometry import NO_GEOMETRY, read_geometry
from .values import item_extras, json_or_none, merge_extra, timestamp, unknown_fields

Row = tuple[Any, ...]

_LABEL_FIELDS = frozenset({
    "label_kind", "version", "id", "annotations", "label_details", "performance_details", "z_order",
})
_ANNOTATION_FIELDS = frozenset({
    "objects", "classifications", "relationships", "frames", "segments", "key_frame_feature_map", "groups",
})
# Audio labels carry an empty ``timestamp: {}``; a non-empty one is kept in ``extra``.
_ANNOTATION_OR_EMPTY = _ANNOTATION_FIELDS | {"timestamp"}
_DETAIL_FIELDS = frozenset({"created_at", "updated_at", "created_by", "content_last_updated_at", "reviews"})
_PERFORMANCE_FIELDS = frozenset({
    "seconds_to_create", "seconds_to_review", "skipped", "consensus_score", "benchmark_score",
    "benchmark_reference_label",
})
_RELATIONSHIP_FIELDS = frozenset({
    "feature_id", "feature_schema_id", "name", "value", "annotation_kind",
    "unidirectional_relationship", "bidirectional_relationship", "relationship",
})
TRACK_TAIL = (None,) * 6  # first/last frame, frame/keyframe count, segments, keyframes
# feature_id -> [(feature_schema_id, name, value, annotation_kind, custom_metrics) of its first object,
#                first frame, last frame, frame count, confidence sum, confidences]
Tracks = dict[str | None, list[Any]]
_NO_TRACK_HEAD = (None, None, None, None, None)


class LineRows:
    """The rows one (line, model run) produces, per table, before they join the table buffers."""

    __slots__ = ("classifications", "data_rows", "labels", "objects", "relationships", "video_frames")

    def __init__(self) -> None:
        self.data_rows: list[Row] = []
        self.labels: list[Row] = []
        self.objects: list[Row] = []
        self.classifications: list[Row] = []
        self.video_frames: list[Row] = []
        self.relationships: list[Row] = []


def walk_label(label: dict[str, Any], source: str, data_row_id: str, rows: LineRows, line: int) -> None:
    label_id = label.get("id")
    ref = (data_row_id, source, label_id)
    ann = label.get("annotations") or {}
    n_objects, n_classes, n_rels = len(rows.objects), len(rows.classifications), len(rows.relationships)
    frame_count: int | None = None

    try:
        objects = ann.get("objects")
        if objects:
            _walk_objects(objects, ref, rows, line)
    except STRUCTURAL_ERRORS as exc:
        raise as_field_error(exc, "annotations.objects") from None

    groups = ann.get("groups")
    if not groups and ("frames" in ann or "key_frame_feature_map" in ann):
        try:
            frame_count = _walk_video(
                ann.get("frames") or {}, ann.get("segments") or {}, ann.get("key_frame_feature_map") or {},
                ref, None, rows, line,
            )
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, "annotations") from None

    if groups:
        frame_count = (frame_count or 0) + _walk_dicom(ann, groups, ref, rows, line)

    classifications = ann.get("classifications")
    if classifications:
        walk_classifications(classifications, rows.classifications, ref, None, None, None, None, 0, None, line,
                             "annotations.classifications")

    relationships = ann.get("relationships")
    if relationships:
        try:
            walk_relationships(relationships, ref, rows, line)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, "annotations.relationships") from None

    append_label_row(
        rows, ref, label.get("label_kind"), label.get("version"), label.get("z_order"), label.get("label_details"),
        label.get("performance_details"), (n_objects, n_classes, n_rels), frame_count, line,
        label_extra=unknown_fields(label, _LABEL_FIELDS),
        annotations_extra=unknown_fields(ann, _ANNOTATION_FIELDS if ann.get("timestamp") else _ANNOTATION_OR_EMPTY),
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


def _walk_objects(objects: list[dict[str, Any]], ref: Row, rows: LineRows, line: int) -> None:
    out = rows.objects
    for i, o in enumerate(objects):
        try:
            geometry, known, extras = read_geometry(o)
            fid = o.get("feature_id")
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


def object_extra(o: dict[str, Any], known: frozenset[str], extras: dict[str, Any], metrics: Any) -> str | None:
    """An object row's ``extra``: unknown object fields, unknown keys inside its geometry payload and
    inside its custom_metrics items. None in the common case, checked cheaply."""
    if o.keys() <= known and not extras and not metrics:
        return None
    return merge_extra(object=unknown_fields(o, known), **extras,
                       **(item_extras(metrics, METRIC_FIELDS, "custom_metrics") or {}))


def keyframes(marks: Any) -> set[int]:
    """key_frame_feature_map[feature] as a set of frames: a {"<n>": bool} map or a list of frames."""
    if isinstance(marks, dict):
        return {int(k) for k, v in marks.items() if v}
    return {int(k) for k in marks or ()}


def _frame_number(key: Any) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        raise FieldError(f"frames.{key}", "frame key is not an integer") from None


def _walk_video(
    frames: dict[str, Any],
    segments: dict[str, Any],
    key_frames: dict[Any, Any],  # looked up by track id, which may be None
    ref: Row,
    group: str | None,
    rows: LineRows,
    line: int,
) -> int:
    """Frames and tracks of one video (or one DICOM view). Returns the number of frames."""
    frame_rows, classification_rows = rows.video_frames, rows.classifications
    keyframe_sets: dict[str | None, set[int]] = {}
    tracks: Tracks = {}

    for fkey, frame in frames.items():
        n = _frame_number(fkey)
        try:
            objs = frame.get("objects") or ()
            for key, o in objs.items() if isinstance(objs, dict) else enumerate(objs):
                try:
                    get = o.get  # bound once: this loop runs for every object of every frame
                    fid: Any = get("feature_id") or (key if isinstance(key, str) else None)
                    if fid is not None and type(fid) is not str:  # it keys the track
                        raise FieldError("feature_id", f"expected a string, got {json_type(fid)}")
                    ks = keyframe_sets.get(fid)
                    if ks is None:
                        ks = keyframe_sets[fid] = keyframes(key_frames.get(fid))
                    geometry, known, extras = read_geometry(o)
                    confidence = get("confidence")
                    frame_rows.append((
                        *ref, n, group, fid, get("feature_schema_id"), get("name"), get("value"),
                        get("annotation_kind"), n in ks, confidence, *geometry,
                        object_extra(o, known, extras, get("custom_metrics")), line,
                    ))
                    see_track(tracks, fid, n, confidence, o, _track_head)
                    nested = get("classifications")
                    if nested:
                        walk_classifications(nested, classification_rows, ref, n, group, fid, fid, 0, None, line)
                except STRUCTURAL_ERRORS as exc:
                    raise as_field_error(exc, f"objects.{key}") from None
            frame_classes = frame.get("classifications")
            if frame_classes:
                walk_classifications(frame_classes, rows.classifications, ref, n, group, None, None, 0, None, line)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, f"frames.{fkey}") from None

    append_tracks(rows, tracks, segments, key_frames, keyframe_sets, ref, group, line)
    return len(frames)


def _track_head(o: dict[str, Any]) -> tuple[Any, ...]:
    return o.get("feature_schema_id"), o.get("name"), o.get("value"), o.get("annotation_kind"), o.get("custom_metrics")


def see_track(
    tracks: Tracks, fid: str | None, n: int, confidence: Any, o: Any, head: Callable[[Any], tuple[Any, ...]]
) -> None:
    """Widen ``fid``'s track to frame ``n`` (``head(o)`` describes a new track) and add its confidence."""
    t = tracks.get(fid)
    if t is None:
        t = tracks[fid] = [head(o), n, n, 0, 0.0, 0]
    elif n < t[1]:
        t[1] = n
    elif n > t[2]:
        t[2] = n
    t[3] += 1
    if confidence is not None:
        if type(confidence) not in (int, float):
            raise FieldError("confidence", f"expected a number, got {json_type(confidence)}")
        t[4] += confidence
        t[5] += 1


def append_tracks(
    rows: LineRows,
    tracks: Tracks,
    segments: dict[Any, Any],
    key_frames: dict[Any, Any],
    keyframe_sets: dict[str | None, set[int]],
    ref: Row,
    group: str | None,
    line: int,
) -> None:
    """One objects row per track: every feature seen in frames, segments or the keyframe map.

    An empty entry (DICOM lists every view for every feature: {"Coronal": {}}) is no track.
    """
    marked: list[str | None] = [fid for source in (segments, key_frames) for fid, v in source.items() if v]
    for fid in dict.fromkeys([*tracks, *marked]):
        t = tracks.get(fid)
        head = t[0] if t else _NO_TRACK_HEAD
        spans = segments.get(fid)
        try:
            span_rows = [(s[0], s[1]) for s in spans] if spans else None
        except (TypeError, IndexError, KeyError):
            raise FieldError(f"segments.{fid}", "expected a list of [start, end] pairs") from None
        ks = keyframe_sets.get(fid)
        if ks is None:
            try:
                ks = keyframes(key_frames.get(fid))
            except (TypeError, ValueError, AttributeError):
                raise FieldError(f"key_frame_feature_map.{fid}", "expected frame numbers") from None
        first = t[1] if t else (min(s[0] for s in span_rows) if span_rows else None)
        last = t[2] if t else (max(s[1] for s in span_rows) if span_rows else None)
        rows.objects.append((
            *ref, fid, *head[:4], (t[4] / t[5]) if t and t[5] else None, head[4], *NO_GEOMETRY, group,
            first, last, t[3] if t else 0, len(ks), span_rows, sorted(ks) if ks else None, None, line,
        ))


def group_key_frames(key_frames: dict[str, Any], group: str) -> dict[str, Any]:
    """A DICOM view's keyframe map: ``key_frame_feature_map`` is keyed by feature, then by view."""
    group_keys = {fid: marks.get(group) for fid, marks in key_frames.items() if isinstance(marks, dict)}
    return {k: v for k, v in group_keys.items() if v is not None}


def _walk_dicom(ann: dict[str, Any], groups: dict[str, Any], ref: Row, rows: LineRows, line: int) -> int:
    segments = ann.get("segments") or {}
    key_frames = ann.get("key_frame_feature_map") or {}
    frames = 0
    for name, g in groups.items():
        try:
            frames += _walk_video(g.get("frames") or {}, segments.get(name) or {},
                                  group_key_frames(key_frames, name), ref, name, rows, line)
            classes = g.get("classifications")
            if classes:
                walk_classifications(classes, rows.classifications, ref, None, name, None, None, 0, None, line)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, f"annotations.groups.{name}") from None
    return frames


def walk_relationships(rels: list[dict[str, Any]], ref: Row, rows: LineRows, line: int) -> None:
    for i, r in enumerate(rels):
        try:
            if type(r) is not dict:
                raise FieldError("", f"expected an object, got {json_type(r)}")
            if "unidirectional_relationship" in r:
                kind, body = "unidirectional", r["unidirectional_relationship"]
            elif "bidirectional_relationship" in r:
                kind, body = "bidirectional", r["bidirectional_relationship"]
            else:
                body = r.get("relationship") or {}
                kind = str(body.get("type") or "unknown").lower()
            rows.relationships.append((
                *ref, r.get("feature_id"), r.get("feature_schema_id"), r.get("name"), r.get("annotation_kind"),
                kind, body.get("source"), body.get("target"),
                merge_extra(relationship=unknown_fields(r, _RELATIONSHIP_FIELDS)), line,
            ))
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, f"[{i}]") from None
