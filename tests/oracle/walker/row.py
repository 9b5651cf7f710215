"""One export line (one data row) flattened into rows per model run.

A data row's labels and predictions sit under ``models.<model_id>.model_runs.<run_id>`` (export v2
beta, the fixture's shape) or ``experiments.<model_id>.runs.<run_id>`` (the current API). Both are
read, even side by side in one line. Each run becomes one data_rows row in that run's partition.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lb_export_pipeline.flatten.partition_values import InvalidPartitionValue, check_partition_value

from .errors import STRUCTURAL_ERRORS, FieldError, ProjectExportError, as_field_error, json_type
from .labels import LineRows, walk_label
from .values import item_extras, merge_extra, text_or_json, timestamp, to_json, unknown_fields

_TOP_FIELDS = frozenset({
    "data_row", "media_attributes", "attachments", "metadata_fields", "embeddings", "models", "experiments",
})
_DATA_ROW_FIELDS = frozenset({"id", "global_key", "external_id", "row_data", "details"})
_DETAILS_FIELDS = frozenset({
    "dataset_id", "dataset_name", "created_at", "updated_at", "last_activity_at", "created_by",
})
_MEDIA_FIELDS = frozenset({
    "mime_type", "width", "height", "frame_rate", "frame_count", "asset_type", "exif_rotation",
})
_MODEL_FIELDS = frozenset({"model_name", "name", "model_runs", "runs"})
_RUN_FIELDS = frozenset({
    "model_run_name", "name", "annotation_group_id", "labels", "predictions", "split", "data_split",
})
_ATTACHMENT_FIELDS = frozenset({"type", "value", "name", "id"})
_METADATA_FIELDS = frozenset({"schema_id", "schema_name", "schema_kind", "value", "value_name"})
_EMBEDDING_FIELDS = frozenset({"id", "name", "dimensions", "is_custom", "values"})
_VECTOR_FIELDS = frozenset({"value"})
_SHAPES = (("experiments", "runs"), ("models", "model_runs"))
_RUN_KEYS = ("runs", "model_runs")


@dataclass
class LineResult:
    """What one line produced: rows per model run id, and runs left out by ``only_model_run``."""

    runs: dict[str, LineRows] = field(default_factory=dict)
    skipped_runs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunEntry:
    path: str
    model_id: str
    model: dict[str, Any]
    run_id: str
    run: dict[str, Any]


def iter_runs(obj: Mapping[str, Any]) -> Iterator[RunEntry]:
    """Every (model, run) entry of a line, in either shape."""
    for top, runs_key in _SHAPES:
        models = obj.get(top)
        if not models:
            continue
        if not isinstance(models, dict):
            raise FieldError(top, f"expected an object keyed by model id, got {type(models).__name__}")
        for model_id, model in models.items():
            # Either key may hold the runs, whatever the shape; a model carrying both is read in both.
            keys = [k for k in _RUN_KEYS if isinstance(model, dict) and model.get(k) is not None] or [runs_key]
            for key in keys:
                runs = model.get(key) if isinstance(model, dict) else None
                if not isinstance(runs, dict):
                    raise FieldError(f"{top}.{model_id}.{key}", "expected an object keyed by model run id")
                for run_id, run in runs.items():
                    if not isinstance(run, dict):
                        raise FieldError(f"{top}.{model_id}.{key}.{run_id}", "expected an object")
                    yield RunEntry(f"{top}.{model_id}.{key}.{run_id}", model_id, model, run_id, run)


def _list_of_structs(items: Any, known: frozenset[str], name: str) -> tuple[list[Any] | None, Any]:
    """A list of flat objects for a list<struct> column, and the unknown keys of its items
    (``{"<name>[<i>]": {...}}``, for ``extra``)."""
    if not items:
        return None, None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FieldError(name, "expected a list of objects")
    return items, item_extras(items, known, name)


def _exif_rotation(value: Any) -> int | None:
    """media_attributes.exif_rotation: a string of digits ("1", 2023 exports) or a number (2025)."""
    if type(value) is str and value.isdigit():
        return int(value)
    if value is None or type(value) is int:
        return value
    raise FieldError("media_attributes.exif_rotation", f"expected an integer or a string of digits, got {value!r:.40}")


def flatten_line(
    obj: Any,
    line: int,
    *,
    only_model_run: str | None = None,
    splits: Mapping[str, str] | None = None,
) -> LineResult:
    """Flatten one parsed export line. Raises FieldError naming the bad field.

    ``only_model_run``: keep only this run (the partition being materialized); a line without any
    run entry is attributed to it. ``splits``: data_row_id -> split for that run, used when the
    export carries no split.

    Rules: a model run named twice in one line (under experiments and models, under two model ids,
    or under both runs and model_runs of one model) quarantines the line, since either entry could
    be the right one; a line with ``projects`` and no model run is a project export row, refused
    with ``ProjectExportError`` (the whole file is of the wrong kind).
    """
    if not isinstance(obj, dict):
        raise FieldError("", f"line is a JSON {type(obj).__name__}, expected an object (one data row)")
    dr = obj.get("data_row")
    if not isinstance(dr, dict):
        raise FieldError("data_row", "missing, or not an object")
    data_row_id = dr.get("id")
    if not isinstance(data_row_id, str) or not data_row_id:
        raise FieldError("data_row.id", "missing or empty" if data_row_id in (None, "")
                         else f"expected a string, got {json_type(data_row_id)} ({data_row_id!r})")

    details = dr.get("details") or {}
    media = obj.get("media_attributes") or {}
    if not isinstance(details, dict):
        raise FieldError("data_row.details", "expected an object")
    if not isinstance(media, dict):
        raise FieldError("media_attributes", "expected an object")
    attachments, odd_attachments = _list_of_structs(obj.get("attachments"), _ATTACHMENT_FIELDS, "attachments")
    metadata, odd_metadata = _list_of_structs(obj.get("metadata_fields"), _METADATA_FIELDS, "metadata_fields")
    if metadata:
        metadata = [{**m, "value": text_or_json(m.get("value"))} for m in metadata]
    media_extra = unknown_fields(media, _MEDIA_FIELDS)
    head = (data_row_id, dr.get("global_key"), dr.get("external_id"), text_or_json(dr.get("row_data")))
    body = (
        details.get("dataset_id"), details.get("dataset_name"),
        timestamp(details.get("created_at"), "data_row.details.created_at"),
        timestamp(details.get("updated_at"), "data_row.details.updated_at"),
        timestamp(details.get("last_activity_at"), "data_row.details.last_activity_at"),
        details.get("created_by"),
        media.get("mime_type"), media.get("width"), media.get("height"),
        media.get("frame_rate"), media.get("frame_count"), media.get("asset_type"),
        _exif_rotation(media.get("exif_rotation")),
        to_json(media_extra) if media_extra else None,
        attachments, metadata, _embeddings(obj.get("embeddings")),
    )
    line_extra = {
        "top": unknown_fields(obj, _TOP_FIELDS),
        "data_row": unknown_fields(dr, _DATA_ROW_FIELDS),
        "details": unknown_fields(details, _DETAILS_FIELDS),
        **(odd_attachments or {}),
        **(odd_metadata or {}),
        **(_embedding_extras(obj.get("embeddings")) or {}),
    }

    result = LineResult()
    first_seen: dict[str, str] = {}
    for entry in iter_runs(obj):
        if only_model_run is not None and entry.run_id != only_model_run:
            result.skipped_runs.append(entry.run_id)
            continue
        try:
            check_partition_value(entry.run_id)
        except InvalidPartitionValue as exc:
            raise FieldError(entry.path, str(exc)) from None
        if entry.run_id in first_seen:
            raise FieldError(entry.path, f"model run {entry.run_id} is named twice in this line (also at "
                             f"{first_seen[entry.run_id]}); either entry could hold its labels, so none is kept")
        first_seen[entry.run_id] = entry.path
        try:
            result.runs[entry.run_id] = _flatten_run(entry, data_row_id, head, body, line_extra, line, splits)
        except STRUCTURAL_ERRORS as exc:
            raise as_field_error(exc, entry.path) from None

    if not result.runs and not result.skipped_runs:
        if "projects" in obj:
            raise ProjectExportError(
                "a project export row (projects -> <project id> -> labels, as the Labelbox UI's project download); "
                "lb-export reads model-run exports, whose labels sit under experiments -> <model id> -> runs (or "
                "models -> model_runs): export the model run (lb-export export --model-run <id>) and flatten that")
        if only_model_run is None:
            raise FieldError("models", "no models/experiments entry: cannot tell which model run this data row "
                             "belongs to (pass the model run id to attribute it)")
        rows = LineRows()
        split = splits.get(data_row_id) if splits else None
        # Model entries without runs (or whatever the line has there) are kept as they are.
        runless = {top: obj[top] for top, _ in _SHAPES if obj.get(top)}
        rows.data_rows.append((*head, None, None, None, None, split, *body, 0, 0,
                               merge_extra(**line_extra, **runless), line))
        result.runs[only_model_run] = rows
    return result


def _flatten_run(
    entry: RunEntry,
    data_row_id: str,
    head: tuple[Any, ...],
    body: tuple[Any, ...],
    line_extra: dict[str, Any],
    line: int,
    splits: Mapping[str, str] | None,
) -> LineRows:
    rows = LineRows()
    run, model = entry.run, entry.model
    labels = run.get("labels") or ()
    predictions = run.get("predictions") or ()
    for source, items, key in (("label", labels, "labels"), ("prediction", predictions, "predictions")):
        for i, label in enumerate(items):
            try:
                walk_label(label, source, data_row_id, rows, line, i)
            except STRUCTURAL_ERRORS as exc:
                raise as_field_error(exc, f"{key}[{i}]") from None
    split = run.get("split") or run.get("data_split")
    if split is None and splits:
        split = splits.get(data_row_id)
    extra = merge_extra(
        **line_extra,
        model=unknown_fields(model, _MODEL_FIELDS),
        run=unknown_fields(run, _RUN_FIELDS),
    )
    rows.data_rows.append((
        *head, entry.model_id, model.get("model_name") or model.get("name"),
        run.get("model_run_name") or run.get("name"), run.get("annotation_group_id"), split,
        *body, len(labels), len(predictions), extra, line,
    ))
    return rows


def _embedding_extras(items: Any) -> dict[str, Any] | None:
    """Unknown keys of embeddings and of their ``values`` items."""
    found = item_extras(items, _EMBEDDING_FIELDS, "embeddings") or {}
    for i, e in enumerate(items if type(items) is list else ()):
        if type(e) is dict:
            found |= item_extras(e.get("values"), _VECTOR_FIELDS, f"embeddings[{i}].values") or {}
    return found or None


def _embeddings(items: Any) -> list[dict[str, Any]] | None:
    if not items:
        return None
    try:
        return [
            {"id": e.get("id"), "name": e.get("name"), "dimensions": e.get("dimensions"),
             "is_custom": e.get("is_custom"), "vectors": [v.get("value") for v in e.get("values") or ()]}
            for e in items
        ]
    except AttributeError:
        raise FieldError("embeddings", "expected [{id, name, dimensions, is_custom, values: [{value}]}]") from None
