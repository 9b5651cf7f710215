//! One label or prediction into labels, objects, classifications, video_frames and relationships
//! rows. Three layouts: flat (`{objects, classifications, relationships}`), video and DICOM
//! (`video`); relationships, wherever listed, are `relationships`'. A label without `id` is keyed
//! `#<i>` (its position in the run's list), an object without `feature_id` `#<i>` (its position in
//! `annotations.objects`).

use super::classifications::{walk_classifications, Rows, Scope};
use super::emit::{Emit, LabelId, Ref};
use super::errors::{object_items, want_object, At, FieldError, Walk};
use super::geometry::{read_geometry, Known};
use super::keys;
use super::relationships::{is_relationship, walk_relationships};
use super::values::{all_known_by, timestamp, Extra};
use super::video::{walk_dicom, walk_video, KeyFrames};
use bumpalo::Bump;

use crate::json::{json_text, Node};
use crate::tables::{Cell, FeatureRow, LabelRow, ObjectRow, Performance, PerformanceRow, TailRow};

const LABEL_FIELDS: [&str; 7] = [
    "label_kind",
    "version",
    "id",
    "annotations",
    "label_details",
    "performance_details",
    "z_order",
];
const FLAT_FIELDS: [&str; 3] = ["objects", "classifications", "relationships"];
const VIDEO_FIELDS: [&str; 7] = keys(&[&FLAT_FIELDS, &["frames", "segments", "key_frame_feature_map", "groups"]]);
/// Known keys that may sit empty where they are not read (audio's `timestamp: {}`, `segments: {}`).
const EMPTY_OK: [&str; 8] = keys(&[&VIDEO_FIELDS, &["timestamp"]]);
const DETAIL_FIELDS: [&str; 5] = [
    "created_at",
    "updated_at",
    "created_by",
    "content_last_updated_at",
    "reviews",
];
/// custom_metrics items.
pub const METRIC_FIELDS: [&str; 2] = ["name", "value"];
pub static EMPTY: Node<'static> = Node::Obj(&[]);

/// `value or {}`: a falsy value reads as an empty object.
pub fn or_empty<'n>(v: Option<&'n Node<'n>>) -> &'n Node<'n> {
    v.filter(|v| v.truthy()).unwrap_or(&EMPTY)
}

pub fn walk_label<'n>(
    label: &'n Node<'n>,
    index: usize,
    source: &'static str,
    data_row_id: &'n str,
    em: &mut Emit<'_>,
    line: i64,
    arena: &'n Bump,
) -> Walk {
    if label.fields().is_none() {
        return Err(want_object(label));
    }
    let label_id = match label.get("id") {
        Some(id) if !id.is_null() => LabelId::Given(id),
        _ => LabelId::Position(index),
    };
    let r = Ref {
        arena,
        data_row_id,
        source,
        label_id,
        line,
    };
    let ann = or_empty(label.get("annotations"));
    let before = em.rows();
    let mut frame_count: Option<i64> = None;
    let mut classes: Rows<'n> = Vec::new();
    let mut extras = Extra::default(); // unknown keys of frames and DICOM views

    if ann.fields().is_none() {
        return Err(want_object(ann));
    }
    // Top-level classifications first: video frame ranges may be keyed by their feature ids.
    if let Some(c) = ann.get("classifications").filter(|c| c.truthy()) {
        walk_classifications(c, &mut classes, &r, Scope::top(), None, "annotations.classifications")?;
    }
    let mut relationships: Vec<(String, &'n Node<'n>)> = Vec::new();
    if let Some(objects) = ann.get("objects").filter(|o| o.truthy()) {
        walk_objects(objects, em, &mut classes, &r, &mut relationships).at("annotations.objects")?;
    }
    let groups = ann.get("groups").filter(|g| g.truthy());
    let video = groups.is_some() || ann.get("frames").is_some() || ann.get("key_frame_feature_map").is_some();
    if video && groups.is_none() {
        let frames = or_empty(ann.get("frames"));
        let segments = or_empty(ann.get("segments"));
        let key_frames = KeyFrames::Map(or_empty(ann.get("key_frame_feature_map")));
        let n = walk_video(frames, segments, &key_frames, &r, None, em, &mut classes, &mut extras).at("annotations")?;
        frame_count = Some(n);
    }
    if let Some(groups) = groups {
        frame_count = Some(frame_count.unwrap_or(0) + walk_dicom(ann, groups, &r, em, &mut classes, &mut extras)?);
    }
    if let Some(listed) = ann.get("relationships").filter(|l| l.truthy()) {
        let Node::Arr(listed) = listed else {
            return Err(FieldError::new(
                "annotations.relationships",
                format!("expected an array, got {}", listed.json_type()),
            ));
        };
        let from_objects = std::mem::take(&mut relationships);
        relationships = listed
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("annotations.relationships[{i}]"), l))
            .collect();
        relationships.extend(from_objects);
    }
    if !relationships.is_empty() {
        walk_relationships(&relationships, em, &mut classes, &r)?;
    }
    for row in &classes {
        em.classification(row);
    }

    let mut extra = Extra::default();
    extra.unknown("label", label, &LABEL_FIELDS);
    let read: &[&str] = if video { &VIDEO_FIELDS } else { &FLAT_FIELDS };
    // A known key left empty where it is not read (audio's `timestamp: {}`) carries nothing.
    extra.unknown_by("annotations", ann, |k| {
        read.contains(&k) || EMPTY_OK.contains(&k) && !ann.get(k).is_some_and(|v| v.truthy())
    });
    let details = or_empty(label.get("label_details"));
    let perf = or_empty(label.get("performance_details"));
    if details.fields().is_none() {
        return Err(want_object(details));
    }
    extra.unknown("label_details", details, &DETAIL_FIELDS);
    if perf.fields().is_none() {
        return Err(want_object(perf));
    }
    extra.unknown("performance_details", perf, &Performance::KEYS);
    extra.append(extras);

    let created_at = timestamp(details.get("created_at"), "label_details.created_at")?;
    let updated_at = timestamp(details.get("updated_at"), "label_details.updated_at")?;
    let content_at = timestamp(
        details.get("content_last_updated_at"),
        "label_details.content_last_updated_at",
    )?;
    let reviews = details
        .get("reviews")
        .filter(|v| !v.is_null())
        .map_or(Cell::Null, |v| Cell::Text(json_text(v, arena)));
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
        performance: PerformanceRow::read(Some(perf)),
        object_count: Cell::Int((now[2] - before[2]) as i64),
        classification_count: Cell::Int((now[3] - before[3]) as i64),
        relationship_count: Cell::Int((now[5] - before[5]) as i64),
        frame_count: frame_count.map_or(Cell::Null, Cell::Int),
        tail: TailRow {
            extra: extra.cell(arena),
            line_number: Cell::Int(line),
        },
    };
    em.label(&row);
    Ok(())
}

/// Object rows; relationships listed among the objects are set aside into `relationships`.
fn walk_objects<'n>(
    objects: &'n Node<'n>,
    em: &mut Emit<'_>,
    classes: &mut Rows<'n>,
    r: &Ref<'n>,
    relationships: &mut Vec<(String, &'n Node<'n>)>,
) -> Walk {
    for (i, o) in object_items(objects)?.iter().enumerate() {
        if is_relationship(o) {
            relationships.push((format!("annotations.objects[{i}]"), o));
            continue;
        }
        object(o, i, em, classes, r).at_with(|| format!("[{i}]"))?;
    }
    Ok(())
}

/// An object row's `extra`: unknown object fields, unknown keys inside its geometry payload and
/// inside its custom_metrics items; null in the common case, checked cheaply.
pub fn object_extra<'n>(
    o: &Node<'_>,
    known: Known,
    geometry: Extra,
    metrics: Option<&Node<'_>>,
    arena: &'n Bump,
) -> Cell<'n> {
    let metrics = metrics.filter(|m| m.truthy());
    if geometry.is_empty() && metrics.is_none() && all_known_by(o, |k| known.contains(k)) {
        return Cell::Null;
    }
    let mut e = Extra::default();
    e.unknown_by("object", o, |k| known.contains(k));
    e.append(geometry);
    e.items("custom_metrics", metrics, &METRIC_FIELDS);
    e.cell(arena)
}

fn object<'n>(o: &'n Node<'n>, i: usize, em: &mut Emit<'_>, classes: &mut Rows<'n>, r: &Ref<'n>) -> Walk {
    let (geometry, known, geometry_extra) = read_geometry(o, r.arena)?;
    // An object without feature_id is keyed by its position: `#<i>`.
    let fid: Cell<'n> = match o.get("feature_id") {
        Some(id) if !id.is_null() => Cell::Json(id),
        _ => Cell::Text(bumpalo::format!(in r.arena, "#{}", i).into_bump_str()),
    };
    let extra = object_extra(o, known, geometry_extra, o.get("custom_metrics"), r.arena);
    let row = ObjectRow {
        label_ref: r.row(),
        feature: FeatureRow {
            feature_id: fid,
            ..FeatureRow::read(Some(o))
        },
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
            object_feature_id: fid,
            parent_feature_id: fid,
            ..Scope::top()
        };
        walk_classifications(nested, classes, r, scope, None, "classifications")?;
    }
    Ok(())
}
