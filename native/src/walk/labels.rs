//! One label or prediction into labels, objects, classifications, video_frames and relationships
//! rows. Three layouts: flat (`{objects, classifications, relationships}`), video (`frames`,
//! `segments`, `key_frame_feature_map`) and DICOM (the video layout once per `groups.<view>`).

use super::classifications::{walk_classifications, Scope};
use super::emit::{Emit, Ref};
use super::errors::{get, object_items, want_object, At, FieldError, Walk};
use super::geometry::{read_geometry, Known};
use super::values::{all_known, all_known_by, py_str, timestamp, Extra};
use super::video::{walk_dicom, walk_video, KeyFrames};
use crate::json::{write_json, Node};
use crate::tables::{Cell, LabelRow, ObjectRow, RelationshipRow, TailRow};

const LABEL_FIELDS: [&str; 7] = [
    "label_kind",
    "version",
    "id",
    "annotations",
    "label_details",
    "performance_details",
    "z_order",
];
const ANNOTATION_FIELDS: [&str; 7] = [
    "objects",
    "classifications",
    "relationships",
    "frames",
    "segments",
    "key_frame_feature_map",
    "groups",
];
/// Audio labels carry an empty `timestamp: {}`; a non-empty one is kept in `extra`.
const ANNOTATION_OR_EMPTY: [&str; 8] = [
    "objects",
    "classifications",
    "relationships",
    "frames",
    "segments",
    "key_frame_feature_map",
    "groups",
    "timestamp",
];
const DETAIL_FIELDS: [&str; 5] = [
    "created_at",
    "updated_at",
    "created_by",
    "content_last_updated_at",
    "reviews",
];
const PERFORMANCE_FIELDS: [&str; 6] = [
    "seconds_to_create",
    "seconds_to_review",
    "skipped",
    "consensus_score",
    "benchmark_score",
    "benchmark_reference_label",
];
/// custom_metrics items.
pub const METRIC_FIELDS: [&str; 2] = ["name", "value"];
const RELATIONSHIP_FIELDS: [&str; 8] = [
    "feature_id",
    "feature_schema_id",
    "name",
    "value",
    "annotation_kind",
    "unidirectional_relationship",
    "bidirectional_relationship",
    "relationship",
];

pub static EMPTY: Node<'static> = Node::Obj(&[]);

/// `value or {}`: a falsy value reads as an empty object.
pub fn or_empty<'n>(v: Option<&'n Node<'n>>) -> &'n Node<'n> {
    v.filter(|v| v.truthy()).unwrap_or(&EMPTY)
}

pub fn walk_label<'n>(
    label: &'n Node<'n>,
    source: &'static str,
    data_row_id: &'n str,
    em: &mut Emit<'_>,
    line: i64,
) -> Walk {
    if label.fields().is_none() {
        return Err(want_object(label));
    }
    let r = Ref {
        data_row_id,
        source,
        label_id: label.get("id"),
        line,
    };
    let ann = or_empty(label.get("annotations"));
    if ann.fields().is_none() {
        return Err(want_object(ann).within("annotations.objects"));
    }
    let before = em.rows();
    let mut frame_count: Option<i64> = None;

    if let Some(objects) = ann.get("objects").filter(|o| o.truthy()) {
        walk_objects(objects, em, &r).at("annotations.objects")?;
    }
    let groups = ann.get("groups").filter(|g| g.truthy());
    if groups.is_none() && (ann.get("frames").is_some() || ann.get("key_frame_feature_map").is_some()) {
        let frames = or_empty(ann.get("frames"));
        let segments = or_empty(ann.get("segments"));
        let key_frames = KeyFrames::Map(or_empty(ann.get("key_frame_feature_map")));
        frame_count = Some(walk_video(frames, segments, &key_frames, &r, None, em).at("annotations")?);
    }
    if let Some(groups) = groups {
        frame_count = Some(frame_count.unwrap_or(0) + walk_dicom(ann, groups, &r, em)?);
    }
    if let Some(classes) = ann.get("classifications").filter(|c| c.truthy()) {
        walk_classifications(classes, em, &r, Scope::top(), None, "annotations.classifications")?;
    }
    if let Some(rels) = ann.get("relationships").filter(|r| r.truthy()) {
        walk_relationships(rels, em, &r).at("annotations.relationships")?;
    }

    let mut extra = Extra::default();
    extra.unknown("label", label, &LABEL_FIELDS);
    let ann_known: &[&str] = if ann.get("timestamp").is_some_and(|t| t.truthy()) {
        &ANNOTATION_FIELDS
    } else {
        &ANNOTATION_OR_EMPTY
    };
    extra.unknown("annotations", ann, ann_known);
    let details = or_empty(label.get("label_details"));
    let perf = or_empty(label.get("performance_details"));
    if details.fields().is_none() {
        return Err(want_object(details));
    }
    extra.unknown("label_details", details, &DETAIL_FIELDS);
    if perf.fields().is_none() {
        return Err(want_object(perf));
    }
    extra.unknown("performance_details", perf, &PERFORMANCE_FIELDS);

    let created_at = timestamp(details.get("created_at"), "label_details.created_at")?;
    let updated_at = timestamp(details.get("updated_at"), "label_details.updated_at")?;
    let content_at = timestamp(
        details.get("content_last_updated_at"),
        "label_details.content_last_updated_at",
    )?;
    let reviews = details.get("reviews").filter(|v| !v.is_null()).map_or(Cell::Null, |v| {
        let mut text = String::new();
        write_json(v, &mut text);
        Cell::Text(text)
    });
    let now = em.rows();
    let row = LabelRow {
        label_ref: r.row(),
        label_kind: Cell::of(label.get("label_kind")),
        version: Cell::of(label.get("version")),
        z_order: Cell::of(label.get("z_order")),
        created_at,
        updated_at,
        created_by: Cell::of(details.get("created_by")),
        content_last_updated_at: content_at,
        reviews,
        seconds_to_create: Cell::of(perf.get("seconds_to_create")),
        seconds_to_review: Cell::of(perf.get("seconds_to_review")),
        skipped: Cell::of(perf.get("skipped")),
        consensus_score: Cell::of(perf.get("consensus_score")),
        benchmark_score: Cell::of(perf.get("benchmark_score")),
        benchmark_reference_label: Cell::of(perf.get("benchmark_reference_label")),
        object_count: Cell::Int((now[2] - before[2]) as i64),
        classification_count: Cell::Int((now[3] - before[3]) as i64),
        relationship_count: Cell::Int((now[5] - before[5]) as i64),
        frame_count: frame_count.map_or(Cell::Null, Cell::Int),
        tail: TailRow {
            extra: extra.finish().map_or(Cell::Null, Cell::Text),
            line_number: Cell::Int(line),
        },
    };
    em.label(&row);
    Ok(())
}

fn walk_objects<'n>(objects: &'n Node<'n>, em: &mut Emit<'_>, r: &Ref<'n>) -> Walk {
    for (i, o) in object_items(objects)?.iter().enumerate() {
        object(o, em, r).at_with(|| format!("[{i}]"))?;
    }
    Ok(())
}

/// An object row's `extra`: unknown object fields, unknown keys inside its geometry payload and
/// inside its custom_metrics items; null in the common case, checked cheaply.
pub fn object_extra<'n>(o: &Node<'_>, known: Known, geometry: Extra, metrics: Option<&Node<'_>>) -> Cell<'n> {
    let metrics = metrics.filter(|m| m.truthy());
    if geometry.is_empty() && metrics.is_none() && all_known_by(o, |k| known.contains(k)) {
        return Cell::Null;
    }
    let mut e = Extra::default();
    e.unknown_by("object", o, |k| known.contains(k));
    e.append(geometry);
    e.items("custom_metrics", metrics, &METRIC_FIELDS);
    e.finish().map_or(Cell::Null, Cell::Text)
}

fn object<'n>(o: &'n Node<'n>, em: &mut Emit<'_>, r: &Ref<'n>) -> Walk {
    let (geometry, known, geometry_extra) = read_geometry(o)?;
    let fid = o.get("feature_id");
    let extra = object_extra(o, known, geometry_extra, o.get("custom_metrics"));
    let row = ObjectRow {
        label_ref: r.row(),
        feature_id: Cell::of(fid),
        feature_schema_id: Cell::of(o.get("feature_schema_id")),
        name: Cell::of(o.get("name")),
        value: Cell::of(o.get("value")),
        annotation_kind: Cell::of(o.get("annotation_kind")),
        confidence: Cell::of(o.get("confidence")),
        custom_metrics: Cell::of(o.get("custom_metrics")),
        geometry,
        tail: TailRow {
            extra,
            line_number: Cell::Int(r.line),
        },
        ..Default::default()
    };
    em.object(&row);
    if let Some(nested) = o.get("classifications").filter(|c| c.truthy()) {
        let scope = Scope {
            object_feature_id: Cell::of(fid),
            parent_feature_id: Cell::of(fid),
            ..Scope::top()
        };
        walk_classifications(nested, em, r, scope, None, "classifications")?;
    }
    Ok(())
}

pub fn walk_relationships<'n>(rels: &'n Node<'n>, em: &mut Emit<'_>, r: &Ref<'n>) -> Walk {
    for (i, rel) in object_items(rels)?.iter().enumerate() {
        relationship(rel, em, r).at_with(|| format!("[{i}]"))?;
    }
    Ok(())
}

fn relationship<'n>(rel: &'n Node<'n>, em: &mut Emit<'_>, r: &Ref<'n>) -> Walk {
    if rel.fields().is_none() {
        return Err(FieldError::new(
            "",
            format!("expected an object, got {}", rel.json_type()),
        ));
    }
    let mut lowered = String::new();
    let (kind, body) = if let Some(body) = rel.get("unidirectional_relationship") {
        ("unidirectional", body)
    } else if let Some(body) = rel.get("bidirectional_relationship") {
        ("bidirectional", body)
    } else {
        let body = or_empty(rel.get("relationship"));
        let t = get(body, "type")?.filter(|t| t.truthy());
        let mut text = String::new();
        match t {
            Some(t) => py_str(Some(t), &mut text),
            None => text.push_str("unknown"),
        }
        lowered = text.to_lowercase();
        ("", body)
    };
    let source = get(body, "source")?;
    let target = body.get("target");
    let mut e = Extra::default();
    if !all_known(rel, &RELATIONSHIP_FIELDS) {
        e.unknown("relationship", rel, &RELATIONSHIP_FIELDS);
    }
    let row = RelationshipRow {
        label_ref: r.row(),
        feature_id: Cell::of(rel.get("feature_id")),
        feature_schema_id: Cell::of(rel.get("feature_schema_id")),
        name: Cell::of(rel.get("name")),
        annotation_kind: Cell::of(rel.get("annotation_kind")),
        kind: if kind.is_empty() {
            Cell::Str(&lowered)
        } else {
            Cell::Str(kind)
        },
        source_feature_id: Cell::of(source),
        target_feature_id: Cell::of(target),
        tail: TailRow {
            extra: e.finish().map_or(Cell::Null, Cell::Text),
            line_number: Cell::Int(r.line),
        },
    };
    em.relationship(&row);
    Ok(())
}
