//! The six output tables, declared once: each declaration below yields the Arrow schema, the
//! builders and the row the walker fills. The Python declaration (`lb_export_pipeline/schema.py`) is the
//! product's reference; a Python test checks these schemas against it column by column.

mod builders;
pub mod cell;
pub mod columns;
mod grow;
pub mod part;
pub mod render;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Schema, SchemaRef};

pub use builders::{push, BadColumn, TableBuilders};
pub use cell::Cell;
use columns::{
    Attachments, Bool, EmbeddingList, Frames, I32List, I64List, MetadataFields, Metrics, Points, Segments, Timestamp,
    Utf8, Utf8List, F64, I32, I64,
};
use part::{group, Part};

/// Must equal `SCHEMA_VERSION` in the Python declaration; written into each schema's metadata.
pub const SCHEMA_VERSION: &str = "2";
pub const METADATA_KEY: &str = "lb_export_pipeline.schema_version";
pub const TABLE_NAMES: [&str; 6] = [
    "data_rows",
    "labels",
    "objects",
    "classifications",
    "video_frames",
    "relationships",
];

type Json = Utf8; // JSON text

group! { LabelRef / LabelRefRow {
    data_row_id: Utf8,
    source: Utf8,
    label_id: Utf8,
} }

group! { Tail / TailRow {
    extra: Json,
    line_number: I64,
} }

group! { read Feature / FeatureRow {
    feature_id: Utf8,
    feature_schema_id: Utf8,
    name: Utf8,
    value: Utf8,
    annotation_kind: Utf8,
} }

group! { read Media / MediaRow {
    mime_type: Utf8,
    width: I64,
    height: I64,
    frame_rate: F64,
    frame_count: I64,
    asset_type: Utf8,
} }

group! { read Performance / PerformanceRow {
    seconds_to_create: F64,
    seconds_to_review: F64,
    skipped: Bool,
    consensus_score: F64,
    benchmark_score: F64,
    benchmark_reference_label: Utf8,
} }

group! { Geometry / GeometryRow {
    geometry_kind: Utf8,
    bbox_top: F64,
    bbox_left: F64,
    bbox_height: F64,
    bbox_width: F64,
    point_x: F64,
    point_y: F64,
    points: Points,
    mask_url: Utf8,
    mask_color_rgb: I32List,
    text_start: I64,
    text_end: I64,
    text: Utf8,
    geojson_type: Utf8,
    geojson: Json,
    page_number: I32,
    page_width: F64,
    page_height: F64,
    document_groups: Json,
    message_id: Utf8,
    message_ids: Utf8List,
    parent_message_id: Utf8,
    model_config_names: Utf8List,
    message_orders: I64List,
} }

group! { DataRows / DataRowRow {
    data_row_id: Utf8,
    global_key: Utf8,
    external_id: Utf8,
    row_data: Utf8,
    model_id: Utf8,
    model_name: Utf8,
    model_run_name: Utf8,
    annotation_group_id: Utf8,
    split: Utf8,
    dataset_id: Utf8,
    dataset_name: Utf8,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_activity_at: Timestamp,
    created_by: Utf8,
    media: Media,
    exif_rotation: I32,
    media_attributes_extra: Json,
    attachments: Attachments,
    metadata_fields: MetadataFields,
    embeddings: EmbeddingList,
    label_count: I32,
    prediction_count: I32,
    tail: Tail,
} }

group! { Labels / LabelRow {
    label_ref: LabelRef,
    label_kind: Utf8,
    version: Utf8,
    z_order: I64,
    created_at: Timestamp,
    updated_at: Timestamp,
    created_by: Utf8,
    content_last_updated_at: Timestamp,
    reviews: Json,
    performance: Performance,
    object_count: I32,
    classification_count: I32,
    relationship_count: I32,
    frame_count: I32,
    tail: Tail,
} }

group! { Objects / ObjectRow {
    label_ref: LabelRef,
    feature: Feature,
    confidence: F64,
    custom_metrics: Metrics,
    geometry: Geometry,
    dicom_group: Utf8,
    first_frame: I64,
    last_frame: I64,
    frame_count: I64,
    keyframe_count: I64,
    segments: Segments,
    keyframes: Frames,
    tail: Tail,
} }

group! { Classifications / ClassificationRow {
    label_ref: LabelRef,
    frame: I64,
    dicom_group: Utf8,
    object_feature_id: Utf8,
    message_id: Utf8,
    parent_feature_id: Utf8,
    question_feature_id: Utf8,
    question_schema_id: Utf8,
    question_name: Utf8,
    question_value: Utf8,
    answer_kind: Utf8,
    answer_feature_id: Utf8,
    answer_schema_id: Utf8,
    answer_name: Utf8,
    answer_value: Utf8,
    text_content: Utf8,
    confidence: F64,
    custom_metrics: Metrics,
    depth: I32,
    path: Utf8,
    segments: Segments,
    keyframes: Frames,
    tail: Tail,
} }

group! { VideoFrames / VideoFrameRow {
    label_ref: LabelRef,
    frame: I64,
    dicom_group: Utf8,
    feature: Feature,
    keyframe: Bool,
    confidence: F64,
    geometry: Geometry,
    tail: Tail,
} }

group! { Relationships / RelationshipRow {
    label_ref: LabelRef,
    feature: Feature,
    kind: Utf8,
    source_feature_id: Utf8,
    target_feature_id: Utf8,
    tail: Tail,
} }

fn schema_of<P: Part>() -> SchemaRef {
    let mut fields = Vec::new();
    P::fields("", &mut fields);
    let metadata = HashMap::from([(METADATA_KEY.to_string(), SCHEMA_VERSION.to_string())]);
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

/// The six schemas, in `TABLE_NAMES` order.
pub fn table_schemas() -> [SchemaRef; 6] {
    static SCHEMAS: OnceLock<[SchemaRef; 6]> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            [
                schema_of::<DataRows>(),
                schema_of::<Labels>(),
                schema_of::<Objects>(),
                schema_of::<Classifications>(),
                schema_of::<VideoFrames>(),
                schema_of::<Relationships>(),
            ]
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_have_the_declared_columns_in_order() {
        let s = table_schemas();
        let names = |i: usize| s[i].fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>();
        assert_eq!(
            names(5),
            [
                "data_row_id",
                "source",
                "label_id",
                "feature_id",
                "feature_schema_id",
                "name",
                "value",
                "annotation_kind",
                "kind",
                "source_feature_id",
                "target_feature_id",
                "extra",
                "line_number"
            ]
        );
        assert_eq!(s[2].fields().len(), 3 + 7 + 24 + 7 + 2);
        assert_eq!(s[0].metadata()[METADATA_KEY], SCHEMA_VERSION);
        assert!(s.iter().all(|s| s.fields().iter().all(|f| f.is_nullable())));
    }
}
