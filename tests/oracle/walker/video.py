"""Video and DICOM annotations: one video_frames row per (frame, object), one objects row per track.

Layouts (labelbox-api.md, section 5):

* video: ``{frames: {"<n>": {objects: {<feature_id>: obj}, classifications}}, segments,
  key_frame_feature_map, classifications}``;
* DICOM: the video layout once per ``groups.<view>``, with ``segments`` keyed by view, then feature,
  and ``key_frame_feature_map`` keyed by feature, then view.

Rules for ``segments`` (``{<feature_id>: [[start, end], ...]}``) and ``key_frame_feature_map``
(``{<feature_id>: {"<n>": true}}`` or ``{<feature_id>: [n, ...]}``):

* keyed by a classification's question feature id (frame-based classifications): they land on that
  classification's rows (``classifications.segments`` / ``keyframes``), of the same label and view;
* keyed by anything else: they belong to that object track (``objects.segments`` / ``keyframes``).
  A track known only from them (no frame entry) has null first/last frame and ``frame_count`` 0;
* an empty entry (DICOM lists every view for every feature: ``{"Coronal": {}}``) is no track;
* DICOM views are those of ``groups``, ``segments`` and ``key_frame_feature_map`` together;
* a ``false`` keyframe mark is the same as no mark.

Unknown keys of a frame or of a DICOM view go to the label's ``extra`` as
``{"annotations.frames.<n>": {...}}`` / ``{"annotations.groups.<view>": {...}}``; a view's ``name``
is known when it repeats the view's key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lb_export_pipeline.schema import CLASSIFICATIONS

from .classifications import walk_classifications
from .errors import STRUCTURAL_ERRORS, FieldError, as_field_error, json_type
from .geometry import NO_GEOMETRY, object_extra, read_geometry
from .line_rows import LineRows, Row
from .values import unknown_fields

# feature_id -> [(feature_schema_id, name, value, annotation_kind, custom_metrics) of its first object,
#                first frame, last frame, frame count, confidence sum, confidences]
Tracks = dict[str | None, list[Any]]
_NO_TRACK_HEAD = (None, None, None, None, None)
_FRAME_FIELDS = frozenset({"objects", "classifications"})
_GROUP_FIELDS = frozenset({"frames", "classifications"})
_GROUP = CLASSIFICATIONS.column_names.index("dicom_group")
_QUESTION = CLASSIFICATIONS.column_names.index("question_feature_id")
_RANGES = CLASSIFICATIONS.column_names.index("segments")  # then keyframes


def keyframes(marks: Any) -> set[int]:
    """key_frame_feature_map[feature] as a set of frames: a {"<n>": true|false} map or a list of frames."""
    if isinstance(marks, dict):
        if not all(type(v) is bool for v in marks.values()):
            raise ValueError("a mark that is not true or false")
        return {int(k) for k, v in marks.items() if v}
    return {int(k) for k in marks or ()}


def _keyframes_of(key_frames: dict[Any, Any], fid: Any) -> set[int]:
    try:
        return keyframes(key_frames.get(fid))
    except (TypeError, ValueError, AttributeError):
        raise FieldError(f"key_frame_feature_map.{fid}", "expected frame numbers") from None


def _spans(segments: dict[Any, Any], fid: Any) -> list[tuple[Any, Any]] | None:
    spans = segments.get(fid)
    try:
        return [(s[0], s[1]) for s in spans] if spans else None
    except (TypeError, IndexError, KeyError):
        raise FieldError(f"segments.{fid}", "expected a list of [start, end] pairs") from None


def _frame_number(key: Any) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        raise FieldError(f"frames.{key}", "frame key is not an integer") from None


def walk_video(
    frames: dict[str, Any],
    segments: dict[str, Any],
    key_frames: dict[Any, Any],  # looked up by track id, which may be None
    ref: Row,
    group: str | None,
    rows: LineRows,
    line: int,
    first_class: int,
    extras: dict[str, Any],
) -> int:
    """Frames and tracks of one video (or one DICOM view). Returns the number of frames.

    ``first_class``: the label's first classifications row (frame ranges may belong to its rows);
    ``extras``: where unknown frame keys are collected for the label's ``extra``.
    """
    frame_rows, classification_rows = rows.video_frames, rows.classifications
    keyframe_sets: dict[str | None, set[int]] = {fid: _keyframes_of(key_frames, fid) for fid in key_frames}
    no_keyframes: set[int] = set()
    tracks: Tracks = {}

    for fkey, frame in frames.items():
        n = _frame_number(fkey)
        try:
            if type(frame) is dict and not frame.keys() <= _FRAME_FIELDS:
                where = f"annotations.groups.{group}.frames.{fkey}" if group else f"annotations.frames.{fkey}"
                extras[where] = unknown_fields(frame, _FRAME_FIELDS)
            objs = frame.get("objects") or ()
            for key, o in objs.items() if isinstance(objs, dict) else enumerate(objs):
                try:
                    get = o.get  # bound once: this loop runs for every object of every frame
                    fid: Any = get("feature_id") or (key if isinstance(key, str) else None)
                    if fid is not None and type(fid) is not str:  # it keys the track
                        raise FieldError("feature_id", f"expected a string, got {json_type(fid)}")
                    ks = keyframe_sets.get(fid, no_keyframes)
                    geometry, known, payload_extras = read_geometry(o)
                    confidence = get("confidence")
                    frame_rows.append((
                        *ref, n, group, fid, get("feature_schema_id"), get("name"), get("value"),
                        get("annotation_kind"), n in ks, confidence, *geometry,
                        object_extra(o, known, payload_extras, get("custom_metrics")), line,
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

    claimed = _attach_frame_ranges(rows.classifications, first_class, group, segments, key_frames)
    append_tracks(rows, tracks, segments, key_frames, keyframe_sets, ref, group, line, claimed)
    return len(frames)


def _attach_frame_ranges(classes: list[Row], start: int, group: str | None, segments: dict[Any, Any],
                         key_frames: dict[Any, Any]) -> set[Any]:
    """Put the segments and keyframes keyed by a question's feature id on that question's rows (of
    this label and view). Returns the feature ids so claimed."""
    claimed: set[Any] = set()
    if not segments and not key_frames:
        return claimed
    for i in range(start, len(classes)):
        row = classes[i]
        qid = row[_QUESTION]
        if row[_GROUP] != group or type(qid) is not str or not (segments.get(qid) or key_frames.get(qid)):
            continue
        claimed.add(qid)
        marks = _keyframes_of(key_frames, qid)
        classes[i] = (*row[:_RANGES], _spans(segments, qid), sorted(marks) if marks else None, *row[_RANGES + 2:])
    return claimed


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
    claimed: set[Any],
) -> None:
    """One objects row per track: every feature seen in frames, and every feature of segments or the
    keyframe map that no classification claimed."""
    marked = [fid for source in (segments, key_frames) for fid, v in source.items() if v and fid not in claimed]
    for fid in dict.fromkeys([*tracks, *marked]):
        t = tracks.get(fid)
        head = t[0] if t else _NO_TRACK_HEAD
        span_rows = _spans(segments, fid)
        ks = keyframe_sets.get(fid, ())
        rows.objects.append((
            *ref, fid, *head[:4], (t[4] / t[5]) if t and t[5] else None, head[4], *NO_GEOMETRY, group,
            t[1] if t else None, t[2] if t else None, t[3] if t else 0, len(ks), span_rows,
            sorted(ks) if ks else None, None, line,
        ))


def group_key_frames(key_frames: dict[str, Any], group: str) -> dict[str, Any]:
    """A DICOM view's keyframe map: ``key_frame_feature_map`` is keyed by feature, then by view."""
    group_keys = {fid: marks.get(group) for fid, marks in key_frames.items()}
    return {k: v for k, v in group_keys.items() if v is not None}


def walk_dicom(ann: dict[str, Any], groups: dict[str, Any], ref: Row, rows: LineRows, line: int,
               first_class: int, extras: dict[str, Any]) -> int:
    segments = ann.get("segments") or {}
    key_frames = ann.get("key_frame_feature_map") or {}
    for where, value in (("groups", groups), ("segments", segments), ("key_frame_feature_map", key_frames)):
        if type(value) is not dict:
            raise FieldError(f"annotations.{where}", f"expected an object, got {json_type(value)}")
    for fid, marks in key_frames.items():
        if type(marks) is not dict:
            raise FieldError(f"annotations.key_frame_feature_map.{fid}", f"expected an object keyed by DICOM view, "
                             f"got {json_type(marks)}")
    # A view named only in segments or the keyframe map is walked too (its tracks have no frames).
    views = dict.fromkeys([*groups, *segments, *(v for marks in key_frames.values() for v in marks)])
    frames = 0
    for name in views:
        g = groups.get(name, {})
        try:
            known = _GROUP_FIELDS | {"name"} if g.get("name") in (None, name) else _GROUP_FIELDS
            if not g.keys() <= known:
                extras[f"annotations.groups.{name}"] = unknown_fields(g, known)
            classes = g.get("classifications")
            if classes:  # before the frames: their frame ranges may be keyed by these questions
                walk_classifications(classes, rows.classifications, ref, None, name, None, None, 0, None, line)
            frames += walk_video(g.get("frames") or {}, segments.get(name) or {},
                                 group_key_frames(key_frames, name), ref, name, rows, line, first_class, extras)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, f"annotations.groups.{name}") from None
    return frames
