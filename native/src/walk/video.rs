//! Video and DICOM labels: one video_frames row per (frame, object), one objects row per track.
//!
//! `segments` (`{<feature_id>: [[start, end], ...]}`) and `key_frame_feature_map`
//! (`{<feature_id>: {"<n>": true}}` or `{<feature_id>: [n, ...]}`) keyed by a classification's
//! question id land on that classification's rows (of the same label and view); keyed by anything
//! else they belong to that object track. A track known only from them has null first/last frame
//! and frame_count 0. DICOM views are those of `groups`, `segments` and `key_frame_feature_map`
//! together. Unknown keys of a frame or a view go to the label's `extra`.

use super::classifications::{walk_classifications, Rows, Scope};
use super::emit::{Emit, Ref};
use super::errors::{get, py_iter, want_object, At, FieldError, PyIter, Walk};
use super::geometry::read_geometry;
use super::labels::{object_extra, or_empty};
use super::values::{py_int, py_str, Extra};
use crate::hash::{HashMap, HashSet};
use crate::json::Node;
use crate::tables::{Cell, FeatureRow, ObjectRow, TailRow, VideoFrameRow};

type Fid<'n> = Option<&'n str>;
type Keyframes<'n> = HashMap<Fid<'n>, HashSet<i128>>;

const FRAME_FIELDS: [&str; 2] = ["objects", "classifications"];
const GROUP_FIELDS: [&str; 2] = ["frames", "classifications"];

/// `key_frame_feature_map` of a video (keyed by feature), or of one DICOM view.
pub enum KeyFrames<'n> {
    Map(&'n Node<'n>),
    View(Vec<(&'n str, &'n Node<'n>)>),
}

impl<'n> KeyFrames<'n> {
    fn get(&self, fid: &str) -> Walk<Option<&'n Node<'n>>> {
        match self {
            KeyFrames::Map(m @ Node::Obj(_)) => Ok(m.get(fid)),
            KeyFrames::Map(m) => Err(want_object(m)),
            KeyFrames::View(v) => Ok(v.iter().find(|(k, _)| *k == fid).map(|(_, m)| *m)),
        }
    }

    fn truthy(&self) -> bool {
        match self {
            KeyFrames::Map(m) => m.truthy(),
            KeyFrames::View(v) => !v.is_empty(),
        }
    }

    /// Every feature's keyframes, read up front (Python's `{fid: keyframes(...) for fid in map}`).
    fn sets(&self) -> Walk<Keyframes<'n>> {
        let mut sets = HashMap::default();
        let entries: Vec<(&'n str, &'n Node<'n>)> = match self {
            KeyFrames::View(v) => v.clone(),
            KeyFrames::Map(Node::Obj(fields)) => fields.iter().map(|(k, v)| (*k, v)).collect(),
            KeyFrames::Map(m) => {
                // Iterating a list or a string yields keys a list or a string cannot be read by.
                let first = match py_iter(m)? {
                    PyIter::Items([first, ..]) => {
                        let mut text = String::new();
                        py_str(Some(first), &mut text);
                        text
                    }
                    PyIter::Items([]) | PyIter::Strings(0) => return Ok(sets),
                    PyIter::Strings(_) => m
                        .as_str()
                        .and_then(|s| s.chars().next())
                        .map(String::from)
                        .unwrap_or_default(),
                };
                return Err(FieldError::new(
                    format!("key_frame_feature_map.{first}"),
                    "expected frame numbers",
                ));
            }
        };
        for (fid, marks) in entries {
            let set = keyframes(Some(marks))
                .map_err(|_| FieldError::new(format!("key_frame_feature_map.{fid}"), "expected frame numbers"))?;
            sets.insert(Some(fid), set);
        }
        Ok(sets)
    }

    /// Features whose marks are truthy, in order.
    fn marked(&self, out: &mut Vec<&'n str>) -> Walk {
        match self {
            KeyFrames::Map(m) => marked(m, out),
            KeyFrames::View(v) => {
                out.extend(v.iter().filter(|(_, m)| m.truthy()).map(|(k, _)| *k));
                Ok(())
            }
        }
    }
}

fn marked<'n>(source: &'n Node<'n>, out: &mut Vec<&'n str>) -> Walk {
    let fields = source.fields().ok_or_else(|| want_object(source))?;
    out.extend(fields.iter().filter(|(_, v)| v.truthy()).map(|(k, _)| *k));
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

/// key_frame_feature_map[feature] as a set of frames: a {"<n>": true|false} map or a list of frames.
fn keyframes(marks: Option<&Node<'_>>) -> Walk<HashSet<i128>> {
    let bad = || FieldError::new("", "expected frame numbers");
    let mut set = HashSet::default();
    match marks {
        Some(Node::Obj(fields)) => {
            if !fields.iter().all(|(_, v)| matches!(v, Node::Bool(_))) {
                return Err(FieldError::new("", "a mark that is not true or false"));
            }
            for (k, v) in fields.iter() {
                if v.truthy() {
                    set.insert(py_int(k).ok_or_else(bad)?);
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
                    set.insert(c.to_digit(10).map(i128::from).ok_or_else(bad)?);
                }
            }
            _ => return Err(bad()),
        },
        _ => {}
    }
    Ok(set)
}

fn sorted(set: &HashSet<i128>) -> Cell<'static> {
    if set.is_empty() {
        return Cell::Null;
    }
    let mut frames: Vec<i128> = set.iter().copied().collect();
    frames.sort_unstable();
    Cell::Frames(frames)
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
/// `classes` holds the label's classification rows so far (frame ranges may belong to them);
/// `extras` collects unknown frame keys for the label's `extra`.
#[allow(clippy::too_many_arguments)]
pub fn walk_video<'n>(
    frames: &'n Node<'n>,
    segments: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    r: &Ref<'n>,
    group: Option<&'n str>,
    em: &mut Emit<'_>,
    classes: &mut Rows<'n>,
    extras: &mut Extra,
) -> Walk<i64> {
    let keyframe_sets = key_frames.sets()?;
    let frame_list = frames.fields().ok_or_else(|| want_object(frames))?;
    let mut v = Video {
        r,
        group,
        keyframe_sets: &keyframe_sets,
        tracks: Vec::new(),
        track_index: HashMap::default(),
    };
    for (fkey, frame) in frame_list.iter() {
        let n = py_int(fkey).ok_or_else(|| FieldError::new(format!("frames.{fkey}"), "frame key is not an integer"))?;
        if frame.fields().is_some() {
            let at = match group {
                Some(g) => format!("annotations.groups.{g}.frames.{fkey}"),
                None => format!("annotations.frames.{fkey}"),
            };
            extras.unknown(&at, frame, &FRAME_FIELDS);
        }
        v.frame(n, frame, em, classes).at_with(|| format!("frames.{fkey}"))?;
    }
    let claimed = attach_frame_ranges(classes, group, segments, key_frames)?;
    append_tracks(&v, segments, key_frames, &claimed, em)?;
    Ok(frame_list.len() as i64)
}

struct Video<'v, 'n> {
    r: &'v Ref<'n>,
    group: Option<&'n str>,
    keyframe_sets: &'v Keyframes<'n>,
    tracks: Vec<Track<'n>>,
    track_index: HashMap<Fid<'n>, usize>,
}

impl<'n> Video<'_, 'n> {
    fn frame(&mut self, n: i128, frame: &'n Node<'n>, em: &mut Emit<'_>, classes: &mut Rows<'n>) -> Walk {
        if let Some(objs) = get(frame, "objects")?.filter(|o| o.truthy()) {
            match objs {
                Node::Obj(fields) => {
                    for (k, o) in fields.iter() {
                        self.object(n, ObjKey::Name(k), o, em, classes)
                            .at_with(|| format!("objects.{k}"))?;
                    }
                }
                other => match py_iter(other)? {
                    PyIter::Items(items) => {
                        for (i, o) in items.iter().enumerate() {
                            self.object(n, ObjKey::Index(i), o, em, classes)
                                .at_with(|| format!("objects.{i}"))?;
                        }
                    }
                    PyIter::Strings(_) => return Err(FieldError::new("objects.0", "expected an object, got a string")),
                },
            }
        }
        if let Some(c) = frame.get("classifications").filter(|c| c.truthy()) {
            let scope = Scope {
                frame: frame_cell(n),
                group: self.group,
                ..Scope::top()
            };
            walk_classifications(c, classes, self.r, scope, None, "classifications")?;
        }
        Ok(())
    }

    fn object(&mut self, n: i128, key: ObjKey<'n>, o: &'n Node<'n>, em: &mut Emit<'_>, classes: &mut Rows<'n>) -> Walk {
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
        let keyframe = self.keyframe_sets.get(&fid).is_some_and(|s| s.contains(&n));
        let (geometry, known, geometry_extra) = read_geometry(o)?;
        let confidence = o.get("confidence");
        em.video_frame(&VideoFrameRow {
            label_ref: self.r.row(),
            frame: frame_cell(n),
            dicom_group: Cell::opt_str(self.group),
            feature: FeatureRow {
                feature_id: Cell::opt_str(fid),
                ..FeatureRow::read(Some(o))
            },
            keyframe: Cell::Bool(keyframe),
            confidence: Cell::of(confidence),
            geometry,
            tail: TailRow {
                extra: object_extra(o, known, geometry_extra, o.get("custom_metrics")),
                line_number: Cell::Int(self.r.line),
            },
        });
        // The track: widened to this frame, its confidence added.
        let t = match self.track_index.get(&fid) {
            Some(&i) => {
                let t = &mut self.tracks[i];
                t.first = t.first.min(n);
                t.last = t.last.max(n);
                t
            }
            None => {
                self.track_index.insert(fid, self.tracks.len());
                self.tracks.push(Track {
                    fid,
                    head: o,
                    first: n,
                    last: n,
                    frames: 0,
                    confidence_sum: 0.0,
                    confidences: 0,
                });
                self.tracks.last_mut().expect("just pushed")
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
                group: self.group,
                object_feature_id: Cell::opt_str(fid),
                parent_feature_id: Cell::opt_str(fid),
                depth: 0,
            };
            walk_classifications(nested, classes, self.r, scope, None, "classifications")?;
        }
        Ok(())
    }
}

fn add_confidence(t: &mut Track<'_>, c: f64) {
    t.confidence_sum += c;
    t.confidences += 1;
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

/// A track's `[start, end]` pairs, or None when it has none; errors name `segments.<fid>`.
fn spans_of<'n>(segments: &'n Node<'n>, fid: &str) -> Walk<Option<Vec<[&'n Node<'n>; 2]>>> {
    match segments.get(fid).filter(|s| s.truthy()) {
        None => Ok(None),
        Some(s) => spans(s)
            .map(Some)
            .map_err(|()| FieldError::new(format!("segments.{fid}"), "expected a list of [start, end] pairs")),
    }
}

/// The text of a question id cell, when it is a string.
fn cell_str<'c>(c: &'c Cell<'_>) -> Option<&'c str> {
    match c {
        Cell::Json(Node::Str(s)) => Some(s),
        Cell::Str(s) => Some(s),
        Cell::Text(s) => Some(s),
        _ => None,
    }
}

/// Put the segments and keyframes keyed by a question's feature id on that question's rows (of
/// this label and view). Returns the feature ids so claimed.
fn attach_frame_ranges<'n>(
    classes: &mut Rows<'n>,
    group: Option<&'n str>,
    segments: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
) -> Walk<HashSet<String>> {
    let mut claimed = HashSet::default();
    if !segments.truthy() && !key_frames.truthy() {
        return Ok(claimed);
    }
    for row in classes.iter_mut() {
        let same_view = match (&row.dicom_group, group) {
            (Cell::Str(g), Some(v)) => *g == v,
            (Cell::Null, None) => true,
            _ => false,
        };
        let Some(qid) = cell_str(&row.question_feature_id).filter(|_| same_view) else {
            continue;
        };
        let seg = get(segments, qid)?.filter(|s| s.truthy());
        if seg.is_none() && key_frames.get(qid)?.filter(|k| k.truthy()).is_none() {
            continue;
        }
        let qid = qid.to_string();
        let marks = keyframes(key_frames.get(&qid)?)
            .map_err(|_| FieldError::new(format!("key_frame_feature_map.{qid}"), "expected frame numbers"))?;
        row.segments = spans_of(segments, &qid)?.map_or(Cell::Null, Cell::Pairs);
        row.keyframes = sorted(&marks);
        claimed.insert(qid);
    }
    Ok(claimed)
}

/// One objects row per track: every feature seen in frames, and every feature of segments or the
/// keyframe map that no classification claimed.
fn append_tracks<'n>(
    v: &Video<'_, 'n>,
    segments: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    claimed: &HashSet<String>,
    em: &mut Emit<'_>,
) -> Walk {
    let mut marks: Vec<&'n str> = Vec::new();
    marked(segments, &mut marks)?;
    key_frames.marked(&mut marks)?;
    let mut order: Vec<Fid<'n>> = v.tracks.iter().map(|t| t.fid).collect();
    let mut seen: HashSet<Fid<'n>> = order.iter().copied().collect();
    for m in marks {
        if !claimed.contains(m) && seen.insert(Some(m)) {
            order.push(Some(m));
        }
    }
    let empty = HashSet::default();
    for fid in order {
        let t = v.track_index.get(&fid).map(|&i| &v.tracks[i]);
        let pairs = match fid {
            Some(f) => spans_of(segments, f)?,
            None => None,
        };
        let set = v.keyframe_sets.get(&fid).unwrap_or(&empty);
        let head = t.map(|t| t.head);
        let hget = |k: &str| head.and_then(|h| h.get(k));
        em.object(&ObjectRow {
            label_ref: v.r.row(),
            feature: FeatureRow {
                feature_id: Cell::opt_str(fid),
                ..FeatureRow::read(head)
            },
            confidence: match t {
                Some(t) if t.confidences > 0 => Cell::Float(t.confidence_sum / t.confidences as f64),
                _ => Cell::Null,
            },
            custom_metrics: Cell::of(hget("custom_metrics")),
            dicom_group: Cell::opt_str(v.group),
            first_frame: t.map_or(Cell::Null, |t| frame_cell(t.first)),
            last_frame: t.map_or(Cell::Null, |t| frame_cell(t.last)),
            frame_count: Cell::Int(t.map_or(0, |t| t.frames)),
            keyframe_count: Cell::Int(set.len() as i64),
            segments: pairs.map_or(Cell::Null, Cell::Pairs),
            keyframes: sorted(set),
            tail: TailRow {
                extra: Cell::Null,
                line_number: Cell::Int(v.r.line),
            },
            ..Default::default()
        });
    }
    Ok(())
}

/// A DICOM label: the video layout once per view; `segments` is keyed by view then feature,
/// `key_frame_feature_map` by feature then view. Returns the frames of all views.
pub fn walk_dicom<'n>(
    ann: &'n Node<'n>,
    groups: &'n Node<'n>,
    r: &Ref<'n>,
    em: &mut Emit<'_>,
    classes: &mut Rows<'n>,
    extras: &mut Extra,
) -> Walk<i64> {
    let segments = or_empty(ann.get("segments"));
    let key_frames = or_empty(ann.get("key_frame_feature_map"));
    for (at, value) in [
        ("groups", groups),
        ("segments", segments),
        ("key_frame_feature_map", key_frames),
    ] {
        if value.fields().is_none() {
            return Err(FieldError::new(
                format!("annotations.{at}"),
                format!("expected an object, got {}", value.json_type()),
            ));
        }
    }
    let kf = key_frames.fields().unwrap_or(&[]);
    for (fid, marks) in kf.iter() {
        if marks.fields().is_none() {
            return Err(FieldError::new(
                format!("annotations.key_frame_feature_map.{fid}"),
                format!("expected an object keyed by DICOM view, got {}", marks.json_type()),
            ));
        }
    }
    // A view named only in segments or the keyframe map is walked too (its tracks have no frames).
    let mut views: Vec<&'n str> = Vec::new();
    let names = groups.fields().unwrap_or(&[]).iter().map(|(k, _)| *k);
    let names = names.chain(segments.fields().unwrap_or(&[]).iter().map(|(k, _)| *k));
    let names = names.chain(
        kf.iter()
            .flat_map(|(_, m)| m.fields().unwrap_or(&[]).iter().map(|(k, _)| *k)),
    );
    for name in names {
        if !views.contains(&name) {
            views.push(name);
        }
    }
    let mut frames = 0;
    for name in views {
        frames += view(name, groups, segments, kf, r, em, classes, extras)
            .at_with(|| format!("annotations.groups.{name}"))?;
    }
    Ok(frames)
}

static EMPTY: Node<'static> = Node::Obj(&[]);

#[allow(clippy::too_many_arguments)]
fn view<'n>(
    name: &'n str,
    groups: &'n Node<'n>,
    segments: &'n Node<'n>,
    kf: &'n [(&'n str, Node<'n>)],
    r: &Ref<'n>,
    em: &mut Emit<'_>,
    classes: &mut Rows<'n>,
    extras: &mut Extra,
) -> Walk<i64> {
    let g = groups.get(name).unwrap_or(&EMPTY);
    let own_name = get(g, "name")?;
    let name_known = own_name.is_none_or(|n| n.is_null() || n.as_str() == Some(name));
    extras.unknown_by(&format!("annotations.groups.{name}"), g, |k| {
        GROUP_FIELDS.contains(&k) || k == "name" && name_known
    });
    if let Some(c) = g.get("classifications").filter(|c| c.truthy()) {
        // Before the frames: their frame ranges may be keyed by these questions.
        let scope = Scope {
            group: Some(name),
            ..Scope::top()
        };
        walk_classifications(c, classes, r, scope, None, "classifications")?;
    }
    let view_marks: Vec<(&'n str, &'n Node<'n>)> = kf
        .iter()
        .filter_map(|(fid, marks)| marks.get(name).filter(|m| !m.is_null()).map(|m| (*fid, m)))
        .collect();
    let frames = or_empty(g.get("frames"));
    let view_segments = or_empty(segments.get(name));
    walk_video(
        frames,
        view_segments,
        &KeyFrames::View(view_marks),
        r,
        Some(name),
        em,
        classes,
        extras,
    )
}
