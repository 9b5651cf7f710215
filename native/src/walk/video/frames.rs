//! The frames of one video (or one DICOM view): a video_frames row per (frame, object), and the
//! tracks they widen.

use super::keyframes::{KeyFrames, Keyframes};
use super::tracks::{append_tracks, attach_frame_ranges};
use super::Fid;
use crate::hash::HashMap;
use crate::json::Node;
use crate::tables::{Cell, FeatureRow, TailRow, VideoFrameRow};
use crate::walk::classifications::{walk_classifications, Rows, Scope};
use crate::walk::emit::{Emit, Ref};
use crate::walk::errors::{get, py_iter, want_object, At, FieldError, PyIter, Walk};
use crate::walk::geometry::read_geometry;
use crate::walk::labels::object_extra;
use crate::walk::values::{all_known, py_int, Extra};

const FRAME_FIELDS: [&str; 2] = ["objects", "classifications"];

pub(super) struct Track<'n> {
    pub(super) fid: Fid<'n>,
    pub(super) head: &'n Node<'n>,
    pub(super) first: i128,
    pub(super) last: i128,
    pub(super) frames: i64,
    pub(super) confidence_sum: f64,
    pub(super) confidences: i64,
}

pub(super) fn frame_cell(n: i128) -> Cell<'static> {
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
        // The path is built only for a frame with keys of its own (rare): not once per frame.
        if frame.fields().is_some() && !all_known(frame, &FRAME_FIELDS) {
            let at = match group {
                Some(g) => format!("annotations.groups.{g}.frames.{fkey}"),
                None => format!("annotations.frames.{fkey}"),
            };
            extras.unknown(&at, frame, &FRAME_FIELDS);
        }
        v.frame(n, frame, em, classes).at_with(|| format!("frames.{fkey}"))?;
    }
    let claimed = attach_frame_ranges(classes, group, segments, key_frames, r.arena)?;
    append_tracks(&v, segments, key_frames, &claimed, em)?;
    Ok(frame_list.len() as i64)
}

pub(super) struct Video<'v, 'n> {
    pub(super) r: &'v Ref<'n>,
    pub(super) group: Option<&'n str>,
    pub(super) keyframe_sets: &'v Keyframes<'n>,
    pub(super) tracks: Vec<Track<'n>>,
    pub(super) track_index: HashMap<Fid<'n>, usize>,
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
        let (geometry, known, geometry_extra) = read_geometry(o, self.r.arena)?;
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
                extra: object_extra(o, known, geometry_extra, o.get("custom_metrics"), self.r.arena),
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
