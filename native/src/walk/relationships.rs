//! Relationships between two objects of a label, one row each. A relationship is recognised by
//! its payload key (`unidirectional_relationship`, `bidirectional_relationship`, `relationship`),
//! whether it is listed in `annotations.relationships`, in `annotations.objects`, or in both (then
//! once: entries equal as JSON are one relationship). Its `classifications` are rows under it.

use super::classifications::{walk_classifications, Rows, Scope};
use super::emit::{Emit, Ref};
use super::errors::{At, FieldError, Walk};
use super::keys;
use super::labels::or_empty;
use super::values::{py_eq, py_str, Extra};
use crate::json::Node;
use crate::tables::{Cell, Feature, FeatureRow, RelationshipRow, TailRow};

pub const PAYLOAD_KEYS: [&str; 3] = [
    "unidirectional_relationship",
    "bidirectional_relationship",
    "relationship",
];
const FIELDS: [&str; 9] = keys(&[&Feature::KEYS, &["classifications"], &PAYLOAD_KEYS]);
const PAYLOAD_FIELDS: [&str; 3] = ["source", "target", "type"];

/// An entry of `annotations.objects` that is in fact a relationship.
pub fn is_relationship(o: &Node<'_>) -> bool {
    o.fields().is_some() && PAYLOAD_KEYS.iter().any(|k| o.get(k).is_some())
}

/// One row per distinct relationship of `entries`: (path in the label, entry) pairs, in order.
pub fn walk_relationships<'n>(
    entries: &[(String, &'n Node<'n>)],
    em: &mut Emit<'_>,
    classes: &mut Rows<'n>,
    r: &Ref<'n>,
) -> Walk {
    let mut seen: Vec<&Node<'_>> = Vec::new();
    for (at, rel) in entries {
        let one = || -> Walk<bool> {
            if rel.fields().is_none() {
                return Err(FieldError::new(
                    "",
                    format!("expected an object, got {}", rel.json_type()),
                ));
            }
            Ok(!seen.iter().any(|s| py_eq(s, rel)))
        };
        if !one().at(at)? {
            continue; // the same relationship listed twice (objects and relationships)
        }
        seen.push(rel);
        walk_one(rel, em, classes, r).at(at)?;
    }
    Ok(())
}

fn walk_one<'n>(rel: &'n Node<'n>, em: &mut Emit<'_>, classes: &mut Rows<'n>, r: &Ref<'n>) -> Walk {
    let (key, fixed) = if rel.get("unidirectional_relationship").is_some() {
        ("unidirectional_relationship", Some("unidirectional"))
    } else if rel.get("bidirectional_relationship").is_some() {
        ("bidirectional_relationship", Some("bidirectional"))
    } else {
        ("relationship", None)
    };
    let body = or_empty(rel.get(key));
    if body.fields().is_none() {
        return Err(FieldError::new(
            key,
            format!("expected an object, got {}", body.json_type()),
        ));
    }
    let declared = body.get("type").filter(|t| !t.is_null());
    let lowered = |v: Option<&Node<'_>>| {
        let mut text = String::new();
        match v.filter(|t| t.truthy()) {
            Some(t) => py_str(Some(t), &mut text),
            None => text.push_str("unknown"),
        }
        text.to_lowercase()
    };
    let kind = match fixed {
        Some(k) => k.to_string(),
        None => lowered(declared),
    };
    // `type` is known when it repeats the direction.
    let type_known = declared.is_none_or(|d| {
        let mut text = String::new();
        py_str(Some(d), &mut text);
        text.to_lowercase() == kind
    });
    let fid = rel.get("feature_id");
    let mut e = Extra::default();
    e.unknown("relationship", rel, &FIELDS);
    e.unknown_by("payload", body, |k| {
        k != "type" && PAYLOAD_FIELDS.contains(&k) || k == "type" && type_known
    });
    em.relationship(&RelationshipRow {
        label_ref: r.row(),
        feature: FeatureRow::read(Some(rel)),
        kind: Cell::text_in(r.arena, &kind),
        source_feature_id: Cell::of(body.get("source")),
        target_feature_id: Cell::of(body.get("target")),
        tail: TailRow {
            extra: e.cell(r.arena),
            line_number: Cell::Int(r.line),
        },
    });
    if let Some(nested) = rel.get("classifications").filter(|c| c.truthy()) {
        let scope = Scope {
            object_feature_id: Cell::of(fid),
            parent_feature_id: Cell::of(fid),
            ..Scope::top()
        };
        walk_classifications(nested, classes, r, scope, None, "classifications")?;
    }
    Ok(())
}
