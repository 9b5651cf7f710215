//! Video and DICOM labels: one video_frames row per (frame, object), one objects row per track
//! (every feature seen in frames, `segments` or `key_frame_feature_map`), classifications per frame.

use std::collections::{HashMap, HashSet};

use super::classifications::{walk_classifications, Scope};
use super::emit::{Emit, Ref};
use super::errors::{get, py_iter, want_object, At, FieldError, PyIter, Walk};
use super::geometry::read_geometry;
use super::labels::object_extra;
use super::labels::or_empty;
use super::values::py_int;
use crate::json::Node;
use crate::tables::{Cell, ObjectRow, TailRow, VideoFrameRow};

type Fid<'n> = Option<&'n str>;

/// `key_frame_feature_map` of a video (keyed by feature), or of one DICOM view (keyed by feature,
/// then view: the view's marks per feature).
pub enum KeyFrames<'n> {
    Map(&'n Node<'n>),
    View(Vec<(&'n str, &'n Node<'n>)>),
}

impl<'n> KeyFrames<'n> {
    fn get(&self, fid: Fid<'_>) -> Walk<Option<&'n Node<'n>>> {
        match self {
            KeyFrames::Map(m) => match (m, fid) {
                (Node::Obj(_), Some(f)) => Ok(m.get(f)),
                (Node::Obj(_), None) => Ok(None),
                _ => Err(want_object(m)),
            },
            KeyFrames::View(v) => Ok(fid.and_then(|f| v.iter().find(|(k, _)| *k == f).map(|(_, m)| *m))),
        }
    }

    /// Features whose marks are truthy, in order.
    fn marked(&self, out: &mut Vec<Fid<'n>>) -> Walk {
        match self {
            KeyFrames::Map(m) => marked(m, out),
            KeyFrames::View(v) => {
                out.extend(v.iter().filter(|(_, m)| m.truthy()).map(|(k, _)| Some(*k)));
                Ok(())
            }
        }
    }
}

fn marked<'n>(source: &'n Node<'n>, out: &mut Vec<Fid<'n>>) -> Walk {
    let fields = source.fields().ok_or_else(|| want_object(source))?;
    out.extend(fields.iter().filter(|(_, v)| v.truthy()).map(|(k, _)| Some(*k)));
    Ok(())
}

/// Python's `int(x)` of one keyframe mark.
fn int_of(v: &Node<'_>) -> Walk<i128> {
    let bad = || FieldError::new("", "expected frame numbers");
    match v {
        Node::Int(i) => Ok(*i as i128),
        Node::UInt(u) => Ok(*u as i128),
        Node::Bool(b) => Ok(*b as i128),
        Node::Float(f) => Ok(f.trunc() as i128),
        Node::Str(s) => py_int(s).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// key_frame_feature_map[feature] as a set of frames: a {"<n>": bool} map or a list of frames.
fn keyframes(marks: Option<&Node<'_>>) -> Walk<HashSet<i128>> {
    let mut set = HashSet::new();
    match marks {
        Some(Node::Obj(fields)) => {
            for (k, v) in fields.iter() {
                if v.truthy() {
                    set.insert(py_int(k).ok_or_else(|| FieldError::new("", "frame key is not an integer"))?);
                }
            }
        }
        Some(m) if m.truthy() => match m {
            Node::Arr(items) => {
                for k in items.iter() {
                    set.insert(int_of(k)?);
                }
            }
            Node::Str(s) => {
                for c in s.chars() {
                    set.insert(
                        c.to_digit(10)
                            .map(i128::from)
                            .ok_or_else(|| FieldError::new("", "expected frame numbers"))?,
                    );
                }
            }
            _ => return Err(FieldError::new("", format!("expected an array, got {}", m.json_type()))),
        },
        _ => {}
    }
    Ok(set)
}

struct Track<'n> {
    fid: Fid<'n>,
    head: &'n Node<'n>,
    first: i128,
    last: i128,
    frames: i64,
    confidence_sum: f64,
    confidences: i64,
}

fn frame_cell(n: i128) -> Cell<'static> {
    i64::try_from(n).map_or(Cell::Str(""), Cell::Int) // a frame beyond int64 refuses its column
}

/// Frames and tracks of one video (or one DICOM view). Returns the number of frames.
pub fn walk_video<'n>(
    frames: &'n Node<'n>,
    segments: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    r: &Ref<'n>,
    group: Option<&'n str>,
    em: &mut Emit<'_>,
) -> Walk<i64> {
    let frame_list = frames.fields().ok_or_else(|| want_object(frames))?;
    let mut keyframe_sets: HashMap<Fid<'n>, HashSet<i128>> = HashMap::new();
    let mut tracks: Vec<Track<'n>> = Vec::new();
    let mut track_index: HashMap<Fid<'n>, usize> = HashMap::new();

    for (fkey, frame) in frame_list {
        let n = py_int(fkey).ok_or_else(|| FieldError::new(format!("frames.{fkey}"), "frame key is not an integer"))?;
        walk_frame(
            n,
            frame,
            key_frames,
            r,
            group,
            em,
            &mut keyframe_sets,
            &mut tracks,
            &mut track_index,
        )
        .at_with(|| format!("frames.{fkey}"))?;
    }
    append_tracks(&tracks, segments, key_frames, &keyframe_sets, r, group, em)?;
    Ok(frame_list.len() as i64)
}

#[allow(clippy::too_many_arguments)]
fn walk_frame<'n>(
    n: i128,
    frame: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    r: &Ref<'n>,
    group: Option<&'n str>,
    em: &mut Emit<'_>,
    keyframe_sets: &mut HashMap<Fid<'n>, HashSet<i128>>,
    tracks: &mut Vec<Track<'n>>,
    track_index: &mut HashMap<Fid<'n>, usize>,
) -> Walk {
    let objs = get(frame, "objects")?.filter(|o| o.truthy());
    if let Some(objs) = objs {
        let mut one = |key: ObjKey<'n>, o: &'n Node<'n>| -> Walk {
            frame_object(n, key, o, key_frames, r, group, em, keyframe_sets, tracks, track_index)
                .at_with(|| format!("objects.{key}"))
        };
        match objs {
            Node::Obj(fields) => {
                for (k, o) in fields.iter() {
                    one(ObjKey::Name(k), o)?;
                }
            }
            other => match py_iter(other)? {
                PyIter::Items(items) => {
                    for (i, o) in items.iter().enumerate() {
                        one(ObjKey::Index(i), o)?;
                    }
                }
                PyIter::Strings(_) => {
                    return Err(FieldError::new("objects.0", "expected an object, got a string"));
                }
            },
        }
    }
    if let Some(classes) = frame.get("classifications").filter(|c| c.truthy()) {
        let scope = Scope {
            frame: frame_cell(n),
            group,
            ..Scope::top()
        };
        walk_classifications(classes, em, r, scope, None, "classifications")?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum ObjKey<'n> {
    Name(&'n str),
    Index(usize),
}

impl std::fmt::Display for ObjKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjKey::Name(k) => f.write_str(k),
            ObjKey::Index(i) => write!(f, "{i}"),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn frame_object<'n>(
    n: i128,
    key: ObjKey<'n>,
    o: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    r: &Ref<'n>,
    group: Option<&'n str>,
    em: &mut Emit<'_>,
    keyframe_sets: &mut HashMap<Fid<'n>, HashSet<i128>>,
    tracks: &mut Vec<Track<'n>>,
    track_index: &mut HashMap<Fid<'n>, usize>,
) -> Walk {
    if o.fields().is_none() {
        return Err(want_object(o));
    }
    // `get("feature_id") or key`: the object's id, else its key in a dict of objects.
    let fid: Fid<'n> = match o.get("feature_id").filter(|f| f.truthy()) {
        Some(Node::Str(s)) => Some(s),
        Some(other) => {
            return Err(FieldError::new(
                "feature_id",
                format!("expected a string, got {}", other.json_type()),
            ))
        }
        None => match key {
            ObjKey::Name(k) => Some(k),
            ObjKey::Index(_) => None,
        },
    };
    if let std::collections::hash_map::Entry::Vacant(slot) = keyframe_sets.entry(fid) {
        slot.insert(keyframes(key_frames.get(fid)?)?);
    }
    let keyframe = keyframe_sets[&fid].contains(&n);
    let (geometry, known, geometry_extra) = read_geometry(o)?;
    let confidence = o.get("confidence");
    let extra = object_extra(o, known, geometry_extra, o.get("custom_metrics"));
    let row = VideoFrameRow {
        label_ref: r.row(),
        frame: frame_cell(n),
        dicom_group: Cell::opt_str(group),
        feature_id: Cell::opt_str(fid),
        feature_schema_id: Cell::of(o.get("feature_schema_id")),
        name: Cell::of(o.get("name")),
        value: Cell::of(o.get("value")),
        annotation_kind: Cell::of(o.get("annotation_kind")),
        keyframe: Cell::Bool(keyframe),
        confidence: Cell::of(confidence),
        geometry,
        tail: TailRow {
            extra,
            line_number: Cell::Int(r.line),
        },
    };
    em.video_frame(&row);

    // The track: widened to this frame, its confidence added.
    let t = match track_index.get(&fid) {
        Some(&i) => {
            let t = &mut tracks[i];
            t.first = t.first.min(n);
            t.last = t.last.max(n);
            t
        }
        None => {
            track_index.insert(fid, tracks.len());
            tracks.push(Track {
                fid,
                head: o,
                first: n,
                last: n,
                frames: 0,
                confidence_sum: 0.0,
                confidences: 0,
            });
            tracks.last_mut().expect("just pushed")
        }
    };
    t.frames += 1;
    match confidence {
        None | Some(Node::Null) => {}
        Some(Node::Int(i)) => add_confidence(t, *i as f64),
        Some(Node::UInt(u)) => add_confidence(t, *u as f64),
        Some(Node::Float(f)) => add_confidence(t, *f),
        Some(other) => {
            return Err(FieldError::new(
                "confidence",
                format!("expected a number, got {}", other.json_type()),
            ))
        }
    }
    if let Some(nested) = o.get("classifications").filter(|c| c.truthy()) {
        let scope = Scope {
            frame: frame_cell(n),
            group,
            object_feature_id: Cell::opt_str(fid),
            parent_feature_id: Cell::opt_str(fid),
            depth: 0,
        };
        walk_classifications(nested, em, r, scope, None, "classifications")?;
    }
    Ok(())
}

fn add_confidence(t: &mut Track<'_>, c: f64) {
    t.confidence_sum += c;
    t.confidences += 1;
}

/// Python's `a < b` for two frame values: numbers with numbers, strings with strings.
fn py_less(a: &Node<'_>, b: &Node<'_>) -> Walk<bool> {
    let num = |n: &Node<'_>| match n {
        Node::Bool(b) => Some(f64::from(u8::from(*b))),
        Node::Int(i) => Some(*i as f64),
        Node::UInt(u) => Some(*u as f64),
        Node::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Node::Int(x), Node::Int(y)) => Ok(x < y),
        (Node::Str(x), Node::Str(y)) => Ok(x < y),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => Ok(x < y),
            _ => Err(FieldError::new("", "segment frames cannot be compared")),
        },
    }
}

/// Python's min (or max) of the values: the first extreme one.
fn extreme<'n>(values: impl Iterator<Item = &'n Node<'n>>, max: bool) -> Walk<Option<&'n Node<'n>>> {
    let mut best: Option<&Node<'_>> = None;
    for v in values {
        best = match best {
            None => Some(v),
            Some(b) => {
                let better = if max { py_less(b, v)? } else { py_less(v, b)? };
                Some(if better { v } else { b })
            }
        };
    }
    Ok(best)
}

static A_STRING: Node<'static> = Node::Str("?");

/// A track's `[start, end]` pairs, as Python's `[(s[0], s[1]) for s in spans]` reads them.
fn spans<'n>(spans: &'n Node<'n>) -> Result<Vec<[&'n Node<'n>; 2]>, ()> {
    let pair = |s: &'n Node<'n>| -> Result<[&'n Node<'n>; 2], ()> {
        match s {
            Node::Arr(items) if items.len() >= 2 => Ok([&items[0], &items[1]]),
            // A string's first two characters: strings, which the frame columns refuse.
            Node::Str(t) if t.chars().count() >= 2 => Ok([&A_STRING, &A_STRING]),
            _ => Err(()),
        }
    };
    match spans {
        Node::Arr(items) => items.iter().map(pair).collect(),
        Node::Obj(fields) => fields
            .iter()
            .map(|(k, _)| {
                if k.chars().count() >= 2 {
                    Ok([&A_STRING, &A_STRING])
                } else {
                    Err(())
                }
            })
            .collect(),
        Node::Str(_) => Err(()), // characters: each too short for s[1]
        _ => Err(()),
    }
}

fn append_tracks<'n>(
    tracks: &[Track<'n>],
    segments: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    keyframe_sets: &HashMap<Fid<'n>, HashSet<i128>>,
    r: &Ref<'n>,
    group: Option<&'n str>,
    em: &mut Emit<'_>,
) -> Walk {
    let mut marks: Vec<Fid<'n>> = Vec::new();
    marked(segments, &mut marks)?;
    key_frames.marked(&mut marks)?;
    let mut order: Vec<Fid<'n>> = tracks.iter().map(|t| t.fid).collect();
    let mut seen: HashSet<Fid<'n>> = order.iter().copied().collect();
    for m in marks {
        if seen.insert(m) {
            order.push(m);
        }
    }
    let by_fid: HashMap<Fid<'n>, &Track<'n>> = tracks.iter().map(|t| (t.fid, t)).collect();
    let shown = |fid: Fid<'_>| fid.unwrap_or("None").to_string();
    for fid in order {
        let t = by_fid.get(&fid).copied();
        let span_node = fid.and_then(|f| segments.get(f)).filter(|s| s.truthy());
        let pairs = match span_node {
            Some(s) => Some(spans(s).map_err(|()| {
                FieldError::new(
                    format!("segments.{}", shown(fid)),
                    "expected a list of [start, end] pairs",
                )
            })?),
            None => None,
        };
        let computed;
        let set = match keyframe_sets.get(&fid) {
            Some(set) => set,
            None => {
                computed = keyframes(key_frames.get(fid)?)
                    .map_err(|e| FieldError::new(format!("key_frame_feature_map.{}", shown(fid)), e.problem))?;
                &computed
            }
        };
        let count = set.len();
        let keyframe_list = if set.is_empty() {
            Cell::Null
        } else {
            let mut frames: Vec<i128> = set.iter().copied().collect();
            frames.sort_unstable();
            Cell::Frames(frames)
        };
        let (first, last) = match (t, &pairs) {
            (Some(t), _) => (frame_cell(t.first), frame_cell(t.last)),
            (None, Some(p)) => (
                Cell::of(extreme(p.iter().map(|[s, _]| *s), false)?),
                Cell::of(extreme(p.iter().map(|[_, e]| *e), true)?),
            ),
            (None, None) => (Cell::Null, Cell::Null),
        };
        let head = t.map(|t| t.head);
        let hget = |k: &str| head.and_then(|h| h.get(k));
        let row = ObjectRow {
            label_ref: r.row(),
            feature_id: Cell::opt_str(fid),
            feature_schema_id: Cell::of(hget("feature_schema_id")),
            name: Cell::of(hget("name")),
            value: Cell::of(hget("value")),
            annotation_kind: Cell::of(hget("annotation_kind")),
            confidence: match t {
                Some(t) if t.confidences > 0 => Cell::Float(t.confidence_sum / t.confidences as f64),
                _ => Cell::Null,
            },
            custom_metrics: Cell::of(hget("custom_metrics")),
            dicom_group: Cell::opt_str(group),
            first_frame: first,
            last_frame: last,
            frame_count: Cell::Int(t.map_or(0, |t| t.frames)),
            keyframe_count: Cell::Int(count as i64),
            segments: pairs.map_or(Cell::Null, Cell::Pairs),
            keyframes: keyframe_list,
            tail: TailRow {
                extra: Cell::Null,
                line_number: Cell::Int(r.line),
            },
            ..Default::default()
        };
        em.object(&row);
    }
    Ok(())
}

/// A DICOM label: the video layout once per view in `groups`; `segments` and
/// `key_frame_feature_map` are keyed by view as well. Returns the frames of all views.
pub fn walk_dicom<'n>(ann: &'n Node<'n>, groups: &'n Node<'n>, r: &Ref<'n>, em: &mut Emit<'_>) -> Walk<i64> {
    let segments = or_empty(ann.get("segments"));
    let key_frames = or_empty(ann.get("key_frame_feature_map"));
    let views = groups.fields().ok_or_else(|| want_object(groups))?;
    let mut frames = 0;
    for (name, g) in views {
        let name: &'n str = name;
        frames += view(name, g, segments, key_frames, r, em).at_with(|| format!("annotations.groups.{name}"))?;
    }
    Ok(frames)
}

fn view<'n>(
    name: &'n str,
    g: &'n Node<'n>,
    segments: &'n Node<'n>,
    key_frames: &'n Node<'n>,
    r: &Ref<'n>,
    em: &mut Emit<'_>,
) -> Walk<i64> {
    let frames = or_empty(get(g, "frames")?);
    let view_segments = or_empty(get(segments, name)?);
    let kf = key_frames.fields().ok_or_else(|| want_object(key_frames))?;
    let view_marks: Vec<(&'n str, &'n Node<'n>)> = kf
        .iter()
        .filter_map(|(fid, marks)| match marks {
            Node::Obj(_) => marks.get(name).filter(|m| !m.is_null()).map(|m| (*fid, m)),
            _ => None,
        })
        .collect();
    let n = walk_video(frames, view_segments, &KeyFrames::View(view_marks), r, Some(name), em)?;
    if let Some(classes) = g.get("classifications").filter(|c| c.truthy()) {
        let scope = Scope {
            group: Some(name),
            ..Scope::top()
        };
        walk_classifications(classes, em, r, scope, None, "classifications")?;
    }
    Ok(n)
}
