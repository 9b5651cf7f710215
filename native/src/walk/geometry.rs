//! Typed geometry of one object. An object is recognised by its geometry key, not its
//! `annotation_kind`, so a kind never seen before still lands in typed columns when its payload has
//! a known shape; an object with no known geometry key gets null geometry and keeps its fields in
//! `extra`.

use std::cmp::Ordering;

use super::errors::{get, index, py_iter, want_array, want_object, At, FieldError, PyIter, Walk};
use crate::json::{write_json, Node, NULL};
use crate::tables::{Cell, GeometryRow};

/// Object fields every kind may carry.
pub const COMMON_OBJECT_FIELDS: [&str; 8] = [
    "feature_id",
    "feature_schema_id",
    "name",
    "value",
    "annotation_kind",
    "classifications",
    "confidence",
    "custom_metrics",
];

/// Geometry keys in the order they are tried, with the other object fields their reader takes.
const READERS: [(&str, &[&str]); 12] = [
    ("bounding_box", &["page_number", "page_dimensions"]),
    ("polygon", &[]),
    ("point", &[]),
    ("line", &[]),
    ("composite_mask", &[]),
    ("mask", &[]),
    ("location", &[]),
    ("geojson", &[]),
    ("conversational_location", &[]),
    ("selected_message", &[]),
    ("selected_messages", &[]),
    ("ranked_messages", &[]),
];

/// The object fields the geometry accounts for: the common ones and its reader's.
#[derive(Clone, Copy)]
pub struct Known(Option<(&'static str, &'static [&'static str])>);

impl Known {
    pub fn contains(&self, k: &str) -> bool {
        COMMON_OBJECT_FIELDS.contains(&k)
            || self
                .0
                .is_some_and(|(key, also)| k == key || also.contains(&k))
    }
}

/// The object's geometry columns and the fields they account for. `o` must be an object.
pub fn read_geometry<'n>(o: &'n Node<'n>) -> Walk<(GeometryRow<'n>, Known)> {
    if o.fields().is_none() {
        return Err(want_object(o));
    }
    for (key, also) in READERS {
        if let Some(v) = o.get(key) {
            let row = read(key, v, o).at(key)?;
            return Ok((row, Known(Some((key, also)))));
        }
    }
    Ok((GeometryRow::default(), Known(None)))
}

fn kind(k: &'static str) -> Cell<'static> {
    Cell::Str(k)
}

fn read<'n>(key: &'static str, v: &'n Node<'n>, o: &'n Node<'n>) -> Walk<GeometryRow<'n>> {
    let mut g = GeometryRow::default();
    match key {
        "bounding_box" => {
            g.geometry_kind = kind("bounding_box");
            g.bbox_top = Cell::Json(index(v, "top")?);
            g.bbox_left = Cell::Json(index(v, "left")?);
            g.bbox_height = Cell::Json(index(v, "height")?);
            g.bbox_width = Cell::Json(index(v, "width")?);
            let page = o.get("page_number").filter(|p| !p.is_null());
            let dims = o.get("page_dimensions").filter(|d| !d.is_null());
            if page.is_some() || dims.is_some() {
                g.page_number = Cell::of(page);
                if let Some(d) = dims {
                    g.page_width = Cell::of(get(d, "width")?);
                    g.page_height = Cell::of(get(d, "height")?);
                }
            }
        }
        "polygon" | "line" => {
            if !matches!(v, Node::Arr(_)) {
                return Err(FieldError::new(
                    "",
                    format!(
                        "expected an array of {{x, y}} points, got {}",
                        v.json_type()
                    ),
                ));
            }
            g.geometry_kind = kind(key);
            g.points = Cell::Json(v);
        }
        "point" => {
            g.geometry_kind = kind("point");
            g.point_x = Cell::Json(index(v, "x")?);
            g.point_y = Cell::Json(index(v, "y")?);
        }
        "mask" => {
            g.geometry_kind = kind("mask");
            g.mask_url = Cell::of(get(v, "url")?);
        }
        "composite_mask" => {
            g.geometry_kind = kind("mask");
            g.mask_url = Cell::of(get(v, "url")?);
            g.mask_color_rgb = Cell::of(v.get("color_rgb"));
        }
        "location" => location(v, &mut g)?,
        "geojson" => {
            g.geometry_kind = kind("geojson");
            g.geojson_type = Cell::of(get(v, "type")?);
            let mut text = String::new();
            write_json(v, &mut text);
            g.geojson = Cell::Text(text);
        }
        "conversational_location" => {
            g.geometry_kind = kind("conversational_span");
            let loc = get(v, "location")?.filter(|l| l.truthy()).unwrap_or(&EMPTY);
            g.text_start = Cell::of(get(loc, "start")?);
            g.text_end = Cell::of(loc.get("end"));
            g.text = Cell::of(loc.get("token"));
            g.message_id = Cell::of(v.get("message_id"));
        }
        "selected_message" => {
            g.geometry_kind = kind("message_selection");
            let mid = get(v, "message_id")?;
            g.message_id = Cell::of(mid);
            if let Some(mid) = mid.filter(|m| !m.is_null()) {
                g.message_ids = Cell::Items(vec![mid]);
            }
            g.parent_message_id = Cell::of(v.get("parent_message_id"));
        }
        "selected_messages" => {
            g.geometry_kind = kind("message_selection");
            let messages = get(v, "messages")?.filter(|m| m.truthy()).unwrap_or(&NULL);
            let ids = message_ids(messages)?;
            g.message_ids = Cell::Items(ids);
            g.parent_message_id = Cell::of(v.get("parent_message_id"));
        }
        "ranked_messages" => {
            g.geometry_kind = kind("message_selection");
            let ranked = get(v, "ranked_messages")?
                .filter(|m| m.truthy())
                .unwrap_or(&NULL);
            let items = match py_iter(ranked)? {
                PyIter::Items(items) => items,
                PyIter::Strings(0) => &[],
                PyIter::Strings(_) => {
                    return Err(FieldError::new("", "expected an object, got a string"))
                }
            };
            let mut keyed: Vec<(Option<&Node<'_>>, &Node<'_>)> = Vec::with_capacity(items.len());
            for m in items {
                let order = get(m, "order")?.filter(|o| !o.is_null());
                keyed.push((order, m));
            }
            check_comparable(keyed.iter().filter_map(|(o, _)| *o))?;
            // Stable, nulls last: Python's sorted(key=(order is None, order)).
            keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => py_cmp(a, b),
            });
            g.message_ids = Cell::Items(
                keyed
                    .iter()
                    .map(|(_, m)| m.get("message_id").unwrap_or(&NULL))
                    .collect(),
            );
            g.parent_message_id = Cell::of(v.get("parent_message_id"));
        }
        _ => unreachable!("every reader key is matched"),
    }
    Ok(g)
}

static EMPTY: Node<'static> = Node::Obj(&[]);

fn message_ids<'n>(messages: &'n Node<'n>) -> Walk<Vec<&'n Node<'n>>> {
    match py_iter(messages)? {
        PyIter::Items(items) => items
            .iter()
            .map(|m| Ok(get(m, "message_id")?.unwrap_or(&NULL)))
            .collect(),
        PyIter::Strings(0) => Ok(Vec::new()),
        PyIter::Strings(_) => Err(FieldError::new("", "expected an object, got a string")),
    }
}

/// Ranking orders must compare with each other as Python's `<` allows: all numbers or all strings.
fn check_comparable<'x>(mut orders: impl Iterator<Item = &'x Node<'x>>) -> Walk {
    let Some(first) = orders.next() else {
        return Ok(());
    };
    let class = |n: &Node<'_>| match n {
        Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) => 1,
        Node::Str(_) => 2,
        _ => 3,
    };
    let c = class(first);
    let mut any_other = false;
    for o in orders {
        any_other = true;
        if class(o) != c || c == 3 {
            return Err(FieldError::new(
                "",
                "ranking orders cannot be compared with each other",
            ));
        }
    }
    let _ = any_other;
    Ok(())
}

fn num(n: &Node<'_>) -> f64 {
    match n {
        Node::Bool(b) => f64::from(u8::from(*b)),
        Node::Int(i) => *i as f64,
        Node::UInt(u) => *u as f64,
        Node::Float(f) => *f,
        _ => 0.0,
    }
}

/// Python's ordering of two comparable values (numbers, or strings by code point).
pub fn py_cmp(a: &Node<'_>, b: &Node<'_>) -> Ordering {
    match (a, b) {
        (Node::Str(a), Node::Str(b)) => a.cmp(b),
        (Node::Int(a), Node::Int(b)) => a.cmp(b),
        _ => num(a).partial_cmp(&num(b)).unwrap_or(Ordering::Equal),
    }
}

/// A text entity (`{start, end, token}`) or a document entity (`{groups: [...]}`).
fn location<'n>(loc: &'n Node<'n>, g: &mut GeometryRow<'n>) -> Walk {
    let groups = get(loc, "groups")?;
    let Some(groups) = groups.filter(|gr| !gr.is_null()) else {
        g.geometry_kind = kind("text_span");
        g.text_start = Cell::of(loc.get("start"));
        g.text_end = Cell::of(loc.get("end"));
        g.text = Cell::of(loc.get("token"));
        return Ok(());
    };
    let items: &[Node<'_>] = match py_iter(groups)? {
        PyIter::Items(items) => items,
        PyIter::Strings(0) => &[],
        PyIter::Strings(_) => {
            return Err(FieldError::new(
                "groups[0]",
                "expected an object, got a string",
            ))
        }
    };
    let mut text = String::new();
    for (i, gr) in items.iter().enumerate() {
        if gr.fields().is_none() {
            return Err(FieldError::new(
                format!("groups[{i}]"),
                format!("expected an object, got {}", gr.json_type()),
            ));
        }
        match gr.get("text") {
            None | Some(Node::Null) => {}
            Some(Node::Str(t)) => {
                if !t.is_empty() {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(t);
                }
            }
            Some(t) => {
                return Err(FieldError::new(
                    format!("groups[{i}].text"),
                    format!("expected a string, got {}", t.json_type()),
                ))
            }
        }
    }
    g.geometry_kind = kind("document_tokens");
    if !text.is_empty() {
        g.text = Cell::Text(text);
    }
    if groups.truthy() {
        g.page_number = match items.first() {
            Some(first) => Cell::of(first.get("page_number")),
            None => return Err(want_array(groups)), // a non-empty dict or string: refused above
        };
    }
    let mut json = String::new();
    write_json(groups, &mut json);
    g.document_groups = Cell::Text(json);
    Ok(())
}
