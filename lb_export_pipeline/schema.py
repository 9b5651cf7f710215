"""The output tables: explicit, versioned Arrow schemas with natural keys.

The bottom layer: the flatten, storage, query, DDL, asset checks and Dagster definitions all read
these declarations, and this module imports nothing of the package (tests/test_imports.py).

Every table is Hive-partitioned by ``model_run_id``; that column lives in the folder name
(``<table>/model_run_id=<id>/``), not inside the Parquet files, which is what DuckDB, Spark,
Trino and Athena expect of a Hive layout.

Bump ``SCHEMA_VERSION`` whenever a column is added, removed, renamed or retyped. It is written
into every Parquet file's key-value metadata and is the Dagster ``code_version`` of the table
assets, so a schema change marks every partition stale.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA_VERSION = "2"
PARTITION_COLUMN = "model_run_id"
METADATA_KEY = b"lb_export_pipeline.schema_version"


def partition_path(table: str, run_id: str) -> str:
    """A model run's Hive partition of ``table``, relative to the tables' root."""
    return f"{table}/{PARTITION_COLUMN}={run_id}"

POINT = pa.struct([("x", pa.float64()), ("y", pa.float64())])
POINTS = pa.list_(POINT)
SEGMENTS = pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))
FRAMES = pa.list_(pa.int64())
CUSTOM_METRICS = pa.list_(pa.struct([("name", pa.string()), ("value", pa.float64())]))
TIMESTAMP = pa.timestamp("us", tz="UTC")
JSON = pa.string()  # JSON text; engines parse it with json_extract / get_json_object


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str


@dataclass(frozen=True)
class TableSpec:
    """One output table: its columns (in row-tuple order), natural key and description."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type) for c in self.columns],
            metadata={METADATA_KEY: SCHEMA_VERSION.encode()},
        )

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def key_with_partition(self) -> tuple[str, ...]:
        return (PARTITION_COLUMN, *self.key)


def _c(name: str, type_: pa.DataType, description: str) -> Column:
    return Column(name, type_, description)


# Columns every annotation-level table starts with: which label or prediction a row belongs to.
_LABEL_REF = (
    _c("data_row_id", pa.string(), "Labelbox data row id"),
    _c("source", pa.string(), "'label' (ground truth) or 'prediction' (model output)"),
    _c("label_id", pa.string(), "id of the label or prediction"),
)

# Typed geometry, shared by objects and video_frames; a row fills the group of its kind.
GEOMETRY = (
    _c("geometry_kind", pa.string(), "bounding_box, point, polygon, line, mask, text_span, "
       "conversational_span, document_tokens, geojson, message_selection, or null"),
    _c("bbox_top", pa.float64(), "bounding box top, pixels (PDF points for documents)"),
    _c("bbox_left", pa.float64(), "bounding box left"),
    _c("bbox_height", pa.float64(), "bounding box height"),
    _c("bbox_width", pa.float64(), "bounding box width"),
    _c("point_x", pa.float64(), "point x"),
    _c("point_y", pa.float64(), "point y"),
    _c("points", POINTS, "polygon or polyline vertices, in order"),
    _c("mask_url", pa.string(), "segmentation mask URL (mask.url or composite_mask.url)"),
    _c("mask_color_rgb", pa.list_(pa.int32()), "composite mask instance colour [r, g, b]"),
    _c("text_start", pa.int64(), "text entity start character offset"),
    _c("text_end", pa.int64(), "text entity end character offset (as exported; Labelbox's is inclusive)"),
    _c("text", pa.string(), "entity text: location.token, or the joined text of document token groups"),
    _c("geojson_type", pa.string(), "GeoJSON geometry type: Point, LineString, Polygon, ..."),
    _c("geojson", JSON, "GeoJSON geometry as JSON text, coordinates [lng, lat]"),
    _c("page_number", pa.int32(), "document page number, as exported"),
    _c("page_width", pa.float64(), "document page width"),
    _c("page_height", pa.float64(), "document page height"),
    _c("document_groups", JSON, "document entity token groups [{id, page_number, tokens, text}] as JSON"),
    _c("message_id", pa.string(), "conversational message id, or the selected message"),
    _c("message_ids", pa.list_(pa.string()), "selected or ranked message ids, in rank order"),
    _c("parent_message_id", pa.string(), "parent message of a message selection or ranking"),
    _c("model_config_names", pa.list_(pa.string()), "model_config_name of each message in message_ids, "
       "same positions (multimodal chat evaluation)"),
    _c("message_orders", pa.list_(pa.int64()), "ranking: the exported order of each message in message_ids, "
       "same positions; ties and gaps kept, null where a message has none"),
)

_TAIL = (
    _c("extra", JSON, "fields this schema version does not know, as JSON keyed by where they sat "
       "(e.g. {\"object\": {...}, \"bounding_box\": {...}}); never dropped"),
    _c("line_number", pa.int64(), "1-based line of the export NDJSON this row came from"),
)

DATA_ROWS = TableSpec(
    name="data_rows",
    description="One row per (data row, model run), with data row details and media attributes.",
    key=("data_row_id",),
    columns=(
        _c("data_row_id", pa.string(), "Labelbox data row id"),
        _c("global_key", pa.string(), "data row global key"),
        _c("external_id", pa.string(), "data row external id"),
        _c("row_data", pa.string(), "asset URL or inline content"),
        _c("model_id", pa.string(), "model (experiment) id"),
        _c("model_name", pa.string(), "model name"),
        _c("model_run_name", pa.string(), "model run name"),
        _c("annotation_group_id", pa.string(), "model run data row (annotation group) id"),
        _c("split", pa.string(), "TRAINING, VALIDATION, TEST or UNASSIGNED"),
        _c("dataset_id", pa.string(), "details.dataset_id"),
        _c("dataset_name", pa.string(), "details.dataset_name"),
        _c("created_at", TIMESTAMP, "details.created_at"),
        _c("updated_at", TIMESTAMP, "details.updated_at"),
        _c("last_activity_at", TIMESTAMP, "details.last_activity_at"),
        _c("created_by", pa.string(), "details.created_by"),
        _c("mime_type", pa.string(), "media_attributes.mime_type"),
        _c("width", pa.int64(), "media_attributes.width"),
        _c("height", pa.int64(), "media_attributes.height"),
        _c("frame_rate", pa.float64(), "media_attributes.frame_rate (video)"),
        _c("frame_count", pa.int64(), "media_attributes.frame_count (video)"),
        _c("asset_type", pa.string(), "media_attributes.asset_type"),
        _c("exif_rotation", pa.int32(), "media_attributes.exif_rotation (a string \"1\" in older exports, a number "
           "in newer ones)"),
        _c("media_attributes_extra", JSON, "the other media attributes, as JSON"),
        _c("attachments", pa.list_(pa.struct([
            ("type", pa.string()), ("value", pa.string()), ("name", pa.string()), ("id", pa.string()),
        ])), "data row attachments"),
        _c("metadata_fields", pa.list_(pa.struct([
            ("schema_id", pa.string()), ("schema_name", pa.string()), ("schema_kind", pa.string()),
            ("value", pa.string()), ("value_name", pa.string()),
        ])), "metadata fields; a non-string value is JSON text"),
        _c("embeddings", pa.list_(pa.struct([
            ("id", pa.string()), ("name", pa.string()), ("dimensions", pa.int64()),
            ("is_custom", pa.bool_()), ("vectors", pa.list_(pa.list_(pa.float64()))),
        ])), "embeddings, when exported"),
        _c("label_count", pa.int32(), "labels (ground truth) in this model run"),
        _c("prediction_count", pa.int32(), "predictions in this model run"),
        *_TAIL,
    ),
)

LABELS = TableSpec(
    name="labels",
    description="One row per label or prediction of a data row in a model run. A label without id gets "
    "'#<i>', its 0-based position in the run's labels (or predictions) list.",
    key=("data_row_id", "source", "label_id"),
    columns=(
        *_LABEL_REF,
        _c("label_kind", pa.string(), "Default, Video, ..."),
        _c("version", pa.string(), "label format version"),
        _c("z_order", pa.int64(), "label-level z_order"),
        _c("created_at", TIMESTAMP, "label_details.created_at"),
        _c("updated_at", TIMESTAMP, "label_details.updated_at"),
        _c("created_by", pa.string(), "label_details.created_by"),
        _c("content_last_updated_at", TIMESTAMP, "label_details.content_last_updated_at"),
        _c("reviews", JSON, "label_details.reviews as JSON"),
        _c("seconds_to_create", pa.float64(), "performance_details.seconds_to_create"),
        _c("seconds_to_review", pa.float64(), "performance_details.seconds_to_review"),
        _c("skipped", pa.bool_(), "performance_details.skipped"),
        _c("consensus_score", pa.float64(), "performance_details.consensus_score"),
        _c("benchmark_score", pa.float64(), "performance_details.benchmark_score"),
        _c("benchmark_reference_label", pa.string(), "performance_details.benchmark_reference_label"),
        _c("object_count", pa.int32(), "rows this label has in objects (relationships are not objects)"),
        _c("classification_count", pa.int32(), "rows this label has in classifications"),
        _c("relationship_count", pa.int32(), "rows this label has in relationships"),
        _c("frame_count", pa.int32(), "video frames with annotations"),
        *_TAIL,
    ),
)

OBJECTS = TableSpec(
    name="objects",
    description="One row per object of a label or prediction; for video and DICOM, one per track. "
    "An object without feature_id gets '#<i>', its 0-based position in annotations.objects.",
    key=("data_row_id", "source", "label_id", "dicom_group", "feature_id"),
    columns=(
        *_LABEL_REF,
        _c("feature_id", pa.string(), "object instance id (the track id in video)"),
        _c("feature_schema_id", pa.string(), "ontology feature schema id"),
        _c("name", pa.string(), "ontology feature name"),
        _c("value", pa.string(), "ontology feature value"),
        _c("annotation_kind", pa.string(), "ImageBoundingBox, TextEntity, VideoBoundingBox, ..."),
        _c("confidence", pa.float64(), "prediction confidence (mean over frames for video)"),
        _c("custom_metrics", CUSTOM_METRICS, "prediction custom metrics"),
        *GEOMETRY,
        _c("dicom_group", pa.string(), "DICOM view (Axial, Sagittal, Coronal); null otherwise"),
        _c("first_frame", pa.int64(), "video: first annotated frame"),
        _c("last_frame", pa.int64(), "video: last annotated frame"),
        _c("frame_count", pa.int64(), "video: frames the track appears in"),
        _c("keyframe_count", pa.int64(), "video: keyframes of the track"),
        _c("segments", SEGMENTS, "video: [start, end] frame ranges of the track"),
        _c("keyframes", FRAMES, "video: the track's keyframes (key_frame_feature_map), ascending"),
        *_TAIL,
    ),
)

CLASSIFICATIONS = TableSpec(
    name="classifications",
    description="One row per answer (radio, each checked checklist option, free text) at every depth, "
    "under labels, answers, objects, frames and relationships. A question or answer without feature_id gets "
    "'<parent>#<i>': its 0-based position in its list after the id of what holds it ('' at the top).",
    key=("data_row_id", "source", "label_id", "dicom_group", "frame", "object_feature_id",
         "question_feature_id", "answer_feature_id"),
    columns=(
        *_LABEL_REF,
        _c("frame", pa.int64(), "video frame; null for global and non-video classifications"),
        _c("dicom_group", pa.string(), "DICOM view; null otherwise"),
        _c("object_feature_id", pa.string(), "object or relationship this classification is nested under"),
        _c("message_id", pa.string(), "conversational message the classification applies to"),
        _c("parent_feature_id", pa.string(), "feature id of the answer or object holding the question"),
        _c("question_feature_id", pa.string(), "classification (question) instance id"),
        _c("question_schema_id", pa.string(), "question feature schema id"),
        _c("question_name", pa.string(), "question name"),
        _c("question_value", pa.string(), "question value"),
        _c("answer_kind", pa.string(), "radio, checklist, text, or unknown"),
        _c("answer_feature_id", pa.string(), "answer instance id"),
        _c("answer_schema_id", pa.string(), "answer feature schema id"),
        _c("answer_name", pa.string(), "answer name (radio/checklist)"),
        _c("answer_value", pa.string(), "answer value (radio/checklist)"),
        _c("text_content", pa.string(), "free-text answer content"),
        _c("confidence", pa.float64(), "prediction confidence"),
        _c("custom_metrics", CUSTOM_METRICS, "prediction custom metrics"),
        _c("depth", pa.int32(), "0 for a top-level question, +1 per answer it is nested under"),
        _c("path", pa.string(), "question path: question/answer/.../question names joined by '/'"),
        _c("segments", SEGMENTS, "video/DICOM: the question's [start, end] frame ranges (annotations.segments "
           "keyed by its feature id)"),
        _c("keyframes", FRAMES, "video/DICOM: the question's keyframes (key_frame_feature_map keyed by its "
           "feature id), ascending"),
        *_TAIL,
    ),
)

VIDEO_FRAMES = TableSpec(
    name="video_frames",
    description="One row per (label, frame, object) of video and DICOM labels, with typed geometry.",
    key=("data_row_id", "source", "label_id", "dicom_group", "frame", "feature_id"),
    columns=(
        *_LABEL_REF,
        _c("frame", pa.int64(), "frame number, as exported (1-based)"),
        _c("dicom_group", pa.string(), "DICOM view; null for video"),
        _c("feature_id", pa.string(), "object track id"),
        _c("feature_schema_id", pa.string(), "ontology feature schema id"),
        _c("name", pa.string(), "ontology feature name"),
        _c("value", pa.string(), "ontology feature value"),
        _c("annotation_kind", pa.string(), "VideoBoundingBox, VideoPolyline, ..."),
        _c("keyframe", pa.bool_(), "true when key_frame_feature_map marks this frame"),
        _c("confidence", pa.float64(), "prediction confidence"),
        *GEOMETRY,
        *_TAIL,
    ),
)

RELATIONSHIPS = TableSpec(
    name="relationships",
    description="One row per relationship between two objects of a label or prediction, whether it was "
    "listed in annotations.relationships, in annotations.objects (recognised by its *_relationship payload), "
    "or both (then once).",
    key=("data_row_id", "source", "label_id", "feature_id", "source_feature_id", "target_feature_id"),
    columns=(
        *_LABEL_REF,
        _c("feature_id", pa.string(), "relationship instance id"),
        _c("feature_schema_id", pa.string(), "ontology feature schema id"),
        _c("name", pa.string(), "relationship name"),
        _c("value", pa.string(), "ontology feature value"),
        _c("annotation_kind", pa.string(), "e.g. ImageUnidirectionalRelationship"),
        _c("kind", pa.string(), "unidirectional or bidirectional"),
        _c("source_feature_id", pa.string(), "feature id of the source object"),
        _c("target_feature_id", pa.string(), "feature id of the target object"),
        *_TAIL,
    ),
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (DATA_ROWS, LABELS, OBJECTS, CLASSIFICATIONS, VIDEO_FRAMES, RELATIONSHIPS)
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def schemas_markdown() -> str:
    """The table reference (docs/tables.md), rendered from the specs above and the evaluation tables'."""
    from .evaluation.schemas import EVALUATION_TABLES  # built on TableSpec: imported here, not at the top

    out = [f"# Tables (schema version {SCHEMA_VERSION})", "",
           f"Every table is Hive-partitioned by `{PARTITION_COLUMN}` (a folder level, not a column inside the files).",
           "Generated by `lb-export schema`; do not edit by hand.", ""]
    for spec in TABLES.values():
        out += _spec_markdown(spec)
    out += ["# Evaluation tables", "", "Written by `lb-export evaluate` and the `labelbox/evaluation` asset.", ""]
    for spec in EVALUATION_TABLES.values():
        out += _spec_markdown(spec)
    return "\n".join(out)


def _spec_markdown(spec: TableSpec) -> list[str]:
    out = [f"## {spec.name}", "", spec.description, "", f"Natural key: `({', '.join(spec.key_with_partition)})`", "",
           "| column | type | description |", "|---|---|---|"]
    out += [f"| `{c.name}` | `{c.type}` | {c.description} |" for c in spec.columns]
    return [*out, ""]
