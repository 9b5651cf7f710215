"""The fast path: a line decoded by msgspec into ``typed_export`` Structs, walked into the same rows.

The dict walker (``row`` / ``labels`` / ``classifications`` / ``geometry``) is the reference: it reads
any line, keeps what it does not know in ``extra`` and names what is wrong. This module handles only
lines that decode into the documented shape, and there it must give exactly the dict walker's rows
(tests/flatten/test_typed_walk.py compares the two on every shape the tests know). Anything it
would have to judge (an unknown field, a value of another type, two geometries on one object, a
question with no answer) makes ``flatten_typed`` return None, and the caller takes the dict walker.

Why a second walker: reading a Struct field is a slot load where ``dict.get`` is a method call, and
the objects of every video frame are read a dozen times each. ``benchmarks/bench_flatten_stages.py``
shows the difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .classifications import ANSWER_FORMS, Row
from .geometry import NO_GEOMETRY, PAD, READER_BY_KEY, Geometry
from .labels import (
    TRACK_TAIL,
    LineRows,
    Tracks,
    append_label_row,
    append_tracks,
    group_key_frames,
    keyframes,
    see_track,
    walk_relationships,
)
from .row import LineResult, flatten_line
from .typed_export import LINE_DECODER, UNSET, Frame, Group, Label, Line, Model, Obj, Question

_asdict = msgspec.structs.asdict


class _NotTyped(Exception):
    """This line needs the dict walker."""


def flatten_typed(
    raw: bytes,
    line: int,
    *,
    only_model_run: str | None = None,
    splits: Mapping[str, str] | None = None,
) -> LineResult | None:
    """``row.flatten_line`` of ``raw`` through the typed path, or None when the dict walker must take it."""
    try:
        obj = _as_line_dict(LINE_DECODER.decode(raw))
        return flatten_line(obj, line, only_model_run=only_model_run, splits=splits, walk=walk_typed_label)
    except Exception:
        return None


def _as_line_dict(line: Line) -> dict[str, Any]:
    """The line's upper levels as the dicts ``flatten_line`` reads; labels stay Structs."""
    return {**_asdict(line), "models": _models(line.models), "experiments": _models(line.experiments)}


def _models(models: dict[str, Model] | None) -> dict[str, Any] | None:
    if models is None:
        return None
    return {model_id: {**_asdict(m), "model_runs": _runs(m.model_runs), "runs": _runs(m.runs)}
            for model_id, m in models.items()}


def _runs(runs: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if runs is None else {run_id: _asdict(r) for run_id, r in runs.items()}


def walk_typed_label(label: Any, source: str, data_row_id: str, rows: LineRows, line: int) -> None:
    """``labels.walk_label`` for a ``typed_export.Label``."""
    if type(label) is not Label:
        raise _NotTyped
    ref = (data_row_id, source, label.id)
    counts_before = (len(rows.objects), len(rows.classifications), len(rows.relationships))
    frame_count: int | None = None
    ann = label.annotations
    if ann is not None:
        if ann.timestamp:
            raise _NotTyped  # audio's empty timestamp is known; a filled one goes to extra
        if ann.objects:
            _objects(ann.objects, ref, rows, line)
        key_frames = ann.key_frame_feature_map
        if not ann.groups and (ann.frames is not UNSET or key_frames is not UNSET):
            frame_count = _video(ann.frames or {}, ann.segments or {}, key_frames or {}, ref, None, rows, line)
        if ann.groups:
            frame_count = (frame_count or 0) + _dicom(ann.groups, ann.segments or {}, key_frames or {}, ref, rows,
                                                      line)
        if ann.classifications:
            _classifications(ann.classifications, rows.classifications, ref, None, None, None, None, 0, None, line)
        if ann.relationships:
            walk_relationships(ann.relationships, ref, rows, line)
    append_label_row(rows, ref, label.label_kind, label.version, label.label_details, label.performance_details,
                     counts_before, frame_count, line)


_GEOMETRY_KEYS = tuple(READER_BY_KEY)
_N_KEYS = len(_GEOMETRY_KEYS)
_GEOMETRY_START = Obj.__struct_fields__.index(_GEOMETRY_KEYS[0])  # then the other keys, then the page fields
_ONE_SET = len(Obj.__struct_fields__) - _GEOMETRY_START - 1  # UNSET count when exactly one of them is set
# _geometry reads the Struct's fields by position: they must follow geometry.READERS, then the page fields.
assert Obj.__struct_fields__[_GEOMETRY_START:] == (*_GEOMETRY_KEYS, "page_number", "page_dimensions")
_astuple = msgspec.structs.astuple


def _geometry(o: Obj) -> Geometry:
    """geometry.read_geometry for a Struct with one geometry key (or none, and no page fields)."""
    g = _astuple(o)[_GEOMETRY_START:]  # one C call; cheaper than a dozen attribute tests
    if g.count(UNSET) == _ONE_SET:  # the common kinds, alone on their object
        if (b := g[0]) is not UNSET:
            return ("bounding_box", b.top, b.left, b.height, b.width) + PAD[17]
        if g[1] is not UNSET:
            return ("polygon",) + PAD[6] + (g[1],) + PAD[14]
        if (p := g[2]) is not UNSET:
            return ("point", None, None, None, None, p.x, p.y) + PAD[15]
        if g[3] is not UNSET:
            return ("line",) + PAD[6] + (g[3],) + PAD[14]
    present = [i for i in range(_N_KEYS) if g[i] is not UNSET]
    if not present and g[_N_KEYS:] == (UNSET, UNSET):
        return NO_GEOMETRY
    has_page = g[_N_KEYS:] != (UNSET, UNSET)
    if len(present) != 1 or (has_page and present[0] != 0):
        raise _NotTyped  # the dict walker keeps the other keys in extra
    key, value = _GEOMETRY_KEYS[present[0]], g[present[0]]
    if key == "bounding_box":  # a document box, with its page
        box = {"top": value.top, "left": value.left, "height": value.height, "width": value.width}
        page, dims = (None if v is UNSET else v for v in g[_N_KEYS:])
        return READER_BY_KEY[key]({key: box, "page_number": page, "page_dimensions": dims})
    return READER_BY_KEY[key]({key: value})  # rarer kinds: the dict walker's own readers


def _objects(objects: list[Obj], ref: Row, rows: LineRows, line: int) -> None:
    out = rows.objects
    for o in objects:
        fid = o.feature_id
        out.append((
            *ref, fid, o.feature_schema_id, o.name, o.value, o.annotation_kind, o.confidence, o.custom_metrics,
            *_geometry(o), None, *TRACK_TAIL, None, line,
        ))
        if o.classifications:
            _classifications(o.classifications, rows.classifications, ref, None, None, fid, fid, 0, None, line)


def _video(
    frames: dict[str, Frame],
    segments: dict[str, Any],
    key_frames: dict[Any, Any],
    ref: Row,
    group: str | None,
    rows: LineRows,
    line: int,
) -> int:
    """labels._walk_video over Structs. Returns the number of frames."""
    frame_rows, classification_rows = rows.video_frames, rows.classifications
    keyframe_sets: dict[str | None, set[int]] = {}
    tracks: Tracks = {}
    for fkey, frame in frames.items():
        n = int(fkey)
        objs = frame.objects
        if objs:
            for key, o in objs.items():
                fid = o.feature_id or key
                ks = keyframe_sets.get(fid)
                if ks is None:
                    ks = keyframe_sets[fid] = keyframes(key_frames.get(fid))
                confidence = o.confidence
                frame_rows.append((
                    *ref, n, group, fid, o.feature_schema_id, o.name, o.value, o.annotation_kind, n in ks,
                    confidence, *_geometry(o), None, line,
                ))
                see_track(tracks, fid, n, confidence, o, _track_head)
                if o.classifications:
                    _classifications(o.classifications, classification_rows, ref, n, group, fid, fid, 0, None, line)
        if frame.classifications:
            _classifications(frame.classifications, classification_rows, ref, n, group, None, None, 0, None, line)
    append_tracks(rows, tracks, segments, key_frames, keyframe_sets, ref, group, line)
    return len(frames)


def _track_head(o: Obj) -> tuple[Any, ...]:
    return o.feature_schema_id, o.name, o.value, o.annotation_kind, o.custom_metrics


def _dicom(groups: dict[str, Group], segments: dict[str, Any], key_frames: dict[str, Any], ref: Row,
           rows: LineRows, line: int) -> int:
    frames = 0
    for name, g in groups.items():
        frames += _video(g.frames or {}, segments.get(name) or {}, group_key_frames(key_frames, name), ref, name,
                         rows, line)
        if g.classifications:
            _classifications(g.classifications, rows.classifications, ref, None, name, None, None, 0, None, line)
    return frames


def _classifications(
    items: list[Question],
    out: list[Row],
    ref: Row,
    frame: int | None,
    group: str | None,
    object_feature_id: str | None,
    parent_feature_id: str | None,
    depth: int,
    prefix: str | None,
    line: int,
) -> None:
    """classifications.walk_classifications over Structs."""
    for q in items:
        qname = q.name
        path = (qname or q.feature_id or "?") if prefix is None else f"{prefix}/{qname}"
        for field, form, single in ANSWER_FORMS:
            found = getattr(q, field)
            if found is not None:
                kind, answers = form, ([found] if single else found)
                break
        else:
            raise _NotTyped  # no answer: the dict walker keeps the whole question in extra
        question = (q.message_id, parent_feature_id, q.feature_id, q.feature_schema_id, qname, q.value, kind)
        for a in answers:
            confidence = q.confidence if a.confidence is UNSET else a.confidence
            metrics = q.custom_metrics if a.custom_metrics is UNSET else a.custom_metrics
            answer_fid = a.feature_id
            out.append((
                *ref, frame, group, object_feature_id, *question,
                answer_fid, a.feature_schema_id, a.name, a.value, a.content if kind == "text" else None,
                confidence, metrics, depth, path, None, line,
            ))
            if a.classifications:
                _classifications(a.classifications, out, ref, frame, group, object_feature_id, answer_fid,
                                 depth + 1, f"{path}/{a.name}", line)
