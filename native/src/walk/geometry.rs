//! Typed geometry of one object. An object is recognised by its geometry key, not its
//! `annotation_kind`, so a kind never seen before still lands in typed columns when its payload has
//! a known shape; an object with no known geometry key gets null geometry and keeps its fields in
//! `extra`. Nothing inside a payload is dropped either: a key its reader does not read goes to
//! `extra` under the payload's path inside the object (`bounding_box`, `polygon[3]`,
//! `selected_messages.messages[1]`).

use super::errors::{get, index, py_iter, want_array, want_object, At, FieldError, PyIter, Walk};
use super::keys;
use super::values::{all_known, Extra};
use bumpalo::Bump;

use crate::json::{json_text, Node, NULL};
use crate::tables::{Cell, Feature, GeometryRow};

/// Object fields every kind may carry.
pub const COMMON_OBJECT_FIELDS: [&str; 8] =
    keys(&[&Feature::KEYS, &["classifications", "confidence", "custom_metrics"]]);

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
        COMMON_OBJECT_FIELDS.contains(&k) || self.0.is_some_and(|(key, also)| k == key || also.contains(&k))
    }
}

const BOX: [&str; 4] = ["top", "left", "height", "width"];
const PAGE: [&str; 2] = ["width", "height"];
const XY: [&str; 2] = ["x", "y"];
const SPAN: [&str; 3] = ["start", "end", "token"];
const GROUPS: [&str; 1] = ["groups"];
const MASK: [&str; 1] = ["url"];
const COMPOSITE: [&str; 2] = ["url", "color_rgb"];
const CONVERSATIONAL: [&str; 2] = ["message_id", "location"];
const SELECTED: [&str; 3] = ["message_id", "model_config_name", "parent_message_id"];
const SELECTED_MANY: [&str; 2] = ["messages", "parent_message_id"];
const MESSAGE: [&str; 2] = ["message_id", "model_config_name"];
const RANKED: [&str; 2] = ["ranked_messages", "parent_message_id"];
const RANKED_MESSAGE: [&str; 3] = ["message_id", "model_config_name", "order"];

/// The object's geometry columns, the fields they account for, and the unknown keys found inside
/// its payload (as `extra` parts). `o` must be an object.
pub fn read_geometry<'n>(o: &'n Node<'n>, arena: &'n Bump) -> Walk<(GeometryRow<'n>, Known, Extra)> {
    if o.fields().is_none() {
        return Err(want_object(o));
    }
    let mut extras = Extra::default();
    for (key, also) in READERS {
        if let Some(v) = o.get(key) {
            let row = read(key, v, o, &mut extras, arena).at(key)?;
            return Ok((row, Known(Some((key, also))), extras));
        }
    }
    Ok((GeometryRow::default(), Known(None), extras))
}

/// Python's `_keep`: the keys of an object payload that `known` does not list.
fn keep(extras: &mut Extra, at: &str, payload: &Node<'_>, known: &[&str]) {
    if payload.fields().is_some() && !all_known(payload, known) {
        extras.unknown(at, payload, known);
    }
}

fn kind(k: &'static str) -> Cell<'static> {
    Cell::Str(k)
}

fn read<'n>(
    key: &'static str,
    v: &'n Node<'n>,
    o: &'n Node<'n>,
    x: &mut Extra,
    arena: &'n Bump,
) -> Walk<GeometryRow<'n>> {
    let mut g = GeometryRow::default();
    match key {
        "bounding_box" => {
            keep(x, "bounding_box", v, &BOX);
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
                    keep(x, "page_dimensions", d, &PAGE);
                }
            }
        }
        "polygon" | "line" => {
            if !matches!(v, Node::Arr(_)) {
                return Err(FieldError::new(
                    "",
                    format!("expected an array of {{x, y}} points, got {}", v.json_type()),
                ));
            }
            points_extras(key, v, x)?;
            g.geometry_kind = kind(key);
            g.points = Cell::Json(v);
        }
        "point" => {
            keep(x, "point", v, &XY);
            g.geometry_kind = kind("point");
            g.point_x = Cell::Json(index(v, "x")?);
            g.point_y = Cell::Json(index(v, "y")?);
        }
        "mask" => {
            keep(x, "mask", v, &MASK);
            g.geometry_kind = kind("mask");
            g.mask_url = Cell::of(get(v, "url")?);
        }
        "composite_mask" => {
            keep(x, "composite_mask", v, &COMPOSITE);
            g.geometry_kind = kind("mask");
            g.mask_url = Cell::of(get(v, "url")?);
            g.mask_color_rgb = Cell::of(v.get("color_rgb"));
        }
        "location" => location(v, &mut g, x, arena)?,
        "geojson" => {
            g.geometry_kind = kind("geojson");
            g.geojson_type = Cell::of(get(v, "type")?);
            g.geojson = Cell::Text(json_text(v, arena));
        }
        "conversational_location" => {
            keep(x, "conversational_location", v, &CONVERSATIONAL);
            g.geometry_kind = kind("conversational_span");
            let loc = get(v, "location")?.filter(|l| l.truthy()).unwrap_or(&EMPTY);
            keep(x, "conversational_location.location", loc, &SPAN);
            g.text_start = Cell::of(get(loc, "start")?);
            g.text_end = Cell::of(loc.get("end"));
            g.text = Cell::of(loc.get("token"));
            g.message_id = Cell::of(v.get("message_id"));
        }
        "selected_message" => {
            keep(x, "selected_message", v, &SELECTED);
            g.geometry_kind = kind("message_selection");
            let mid = get(v, "message_id")?;
            g.message_id = Cell::of(mid);
            if let Some(mid) = mid.filter(|m| !m.is_null()) {
                g.message_ids = Cell::Items(arena.alloc_slice_copy(&[mid]));
            }
            g.parent_message_id = Cell::of(v.get("parent_message_id"));
            if let Some(config) = v.get("model_config_name") {
                g.model_config_names = Cell::Items(arena.alloc_slice_copy(&[config]));
            }
        }
        "selected_messages" => {
            keep(x, "selected_messages", v, &SELECTED_MANY);
            g.geometry_kind = kind("message_selection");
            let messages = message_list(v, "messages", "selected_messages", &MESSAGE, x)?;
            g.message_ids =
                Cell::Items(arena.alloc_slice_fill_iter(messages.iter().map(|m| m.get("message_id").unwrap_or(&NULL))));
            g.parent_message_id = Cell::of(v.get("parent_message_id"));
            g.model_config_names = configs(messages.iter().copied(), arena);
        }
        "ranked_messages" => {
            keep(x, "ranked_messages", v, &RANKED);
            g.geometry_kind = kind("message_selection");
            let messages = message_list(v, "ranked_messages", "ranked_messages", &RANKED_MESSAGE, x)?;
            let mut ranked: Vec<(Option<i128>, &Node<'_>)> = Vec::with_capacity(messages.len());
            for (i, m) in messages.iter().enumerate() {
                let order = match m.get("order") {
                    None | Some(Node::Null) => None,
                    Some(Node::Int(o)) => Some(*o as i128),
                    Some(Node::UInt(o)) => Some(*o as i128),
                    Some(other) => {
                        return Err(FieldError::new(
                            format!("ranked_messages[{i}].order"),
                            format!("expected an integer, got {}", other.json_type()),
                        ))
                    }
                };
                ranked.push((order, *m));
            }
            // Ascending order, ties in exported order, messages without one last (a stable sort).
            ranked.sort_by_key(|(o, _)| (o.is_none(), o.unwrap_or(0)));
            g.message_ids = Cell::Items(
                arena.alloc_slice_fill_iter(ranked.iter().map(|(_, m)| m.get("message_id").unwrap_or(&NULL))),
            );
            g.parent_message_id = Cell::of(v.get("parent_message_id"));
            g.model_config_names = configs(ranked.iter().map(|(_, m)| *m), arena);
            if ranked.iter().any(|(_, m)| m.get("order").is_some()) {
                g.message_orders = Cell::Items(
                    arena.alloc_slice_fill_iter(ranked.iter().map(|(_, m)| m.get("order").unwrap_or(&NULL))),
                );
            }
        }
        _ => unreachable!("every reader key is matched"),
    }
    Ok(g)
}

static EMPTY: Node<'static> = Node::Obj(&[]);

/// The message objects of a multi-selection or ranking (`s[key] or []`), their unknown keys kept.
fn message_list<'n>(s: &'n Node<'n>, key: &str, at: &str, known: &[&str], x: &mut Extra) -> Walk<Vec<&'n Node<'n>>> {
    let messages = get(s, key)?.filter(|m| m.truthy());
    let items: &[Node<'_>] = match messages {
        None => &[],
        Some(Node::Arr(items)) => items,
        Some(other) => {
            return Err(FieldError::new(
                key,
                format!("expected an array, got {}", other.json_type()),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, m) in items.iter().enumerate() {
        if m.fields().is_none() {
            return Err(FieldError::new(
                format!("{key}[{i}]"),
                format!("expected an object, got {}", m.json_type()),
            ));
        }
        keep(x, &format!("{at}.{key}[{i}]"), m, known);
        out.push(m);
    }
    Ok(out)
}

/// model_config_name per message, or null when no message carries one.
fn configs<'n>(messages: impl ExactSizeIterator<Item = &'n Node<'n>> + Clone, arena: &'n Bump) -> Cell<'n> {
    if !messages.clone().any(|m| m.get("model_config_name").is_some()) {
        return Cell::Null;
    }
    Cell::Items(arena.alloc_slice_fill_iter(messages.map(|m| m.get("model_config_name").unwrap_or(&NULL))))
}

/// Point lists: when some point is not a plain `{x, y}` object (Python's one set union over their
/// keys), each must be an object, and its other keys go to `extra` as `<key>[<i>]`.
fn points_extras(key: &str, v: &Node<'_>, x: &mut Extra) -> Walk {
    let Node::Arr(points) = v else { return Ok(()) };
    if points.iter().all(regular_point) {
        return Ok(());
    }
    for (i, q) in points.iter().enumerate() {
        if q.fields().is_none() {
            return Err(FieldError::new(
                format!("[{i}]"),
                format!("expected an {{x, y}} object, got {}", q.json_type()),
            ));
        }
        keep(x, &format!("{key}[{i}]"), q, &XY);
    }
    Ok(())
}

/// Whether Python's `set().union(point) <= {"x", "y"}` holds for one point: what iterating it yields
/// (a dict's keys, a string's characters, a list's items) is only "x" and "y".
fn regular_point(q: &Node<'_>) -> bool {
    match q {
        Node::Obj(fields) => fields.iter().all(|(k, _)| XY.contains(k)),
        Node::Str(s) => s.chars().all(|c| c == 'x' || c == 'y'),
        Node::Arr(items) => items.iter().all(|i| matches!(i, Node::Str("x" | "y"))),
        _ => false,
    }
}

/// A text entity (`{start, end, token}`) or a document entity (`{groups: [...]}`).
fn location<'n>(loc: &'n Node<'n>, g: &mut GeometryRow<'n>, x: &mut Extra, arena: &'n Bump) -> Walk {
    let groups = get(loc, "groups")?;
    let Some(groups) = groups.filter(|gr| !gr.is_null()) else {
        keep(x, "location", loc, &SPAN);
        g.geometry_kind = kind("text_span");
        g.text_start = Cell::of(loc.get("start"));
        g.text_end = Cell::of(loc.get("end"));
        g.text = Cell::of(loc.get("token"));
        return Ok(());
    };
    keep(x, "location", loc, &GROUPS);
    let items: &[Node<'_>] = match py_iter(groups)? {
        PyIter::Items(items) => items,
        PyIter::Strings(0) => &[],
        PyIter::Strings(_) => return Err(FieldError::new("groups[0]", "expected an object, got a string")),
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
        g.text = Cell::text_in(arena, &text);
    }
    if groups.truthy() {
        g.page_number = match items.first() {
            Some(first) => Cell::of(first.get("page_number")),
            None => return Err(want_array(groups)), // a non-empty dict or string: refused above
        };
    }
    g.document_groups = Cell::Text(json_text(groups, arena));
    Ok(())
}
