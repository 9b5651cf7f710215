//! Frame ranges and keyframes by feature: on the classification rows whose question claims them,
//! else one objects row per track.

use super::frames::{frame_cell, Video};
use super::keyframes::{keyframes, marked, sorted, KeyFrames};
use super::Fid;
use bumpalo::Bump;

use crate::hash::HashSet;
use crate::json::Node;
use crate::tables::{Cell, FeatureRow, ObjectRow, TailRow};
use crate::walk::classifications::Rows;
use crate::walk::emit::Emit;
use crate::walk::errors::{get, FieldError, Walk};

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
fn spans_of<'n>(segments: &'n Node<'n>, fid: &str, arena: &'n Bump) -> Walk<Option<&'n [[&'n Node<'n>; 2]]>> {
    match segments.get(fid).filter(|s| s.truthy()) {
        None => Ok(None),
        Some(s) => spans(s)
            .map(|pairs| Some(&*arena.alloc_slice_copy(&pairs)))
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
pub(super) fn attach_frame_ranges<'n>(
    classes: &mut Rows<'n>,
    group: Option<&'n str>,
    segments: &'n Node<'n>,
    key_frames: &KeyFrames<'n>,
    arena: &'n Bump,
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
        row.segments = spans_of(segments, &qid, arena)?.map_or(Cell::Null, Cell::Pairs);
        row.keyframes = sorted(&marks, arena);
        claimed.insert(qid);
    }
    Ok(claimed)
}

/// One objects row per track: every feature seen in frames, and every feature of segments or the
/// keyframe map that no classification claimed.
pub(super) fn append_tracks<'n>(
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
            Some(f) => spans_of(segments, f, v.r.arena)?,
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
            keyframes: sorted(set, v.r.arena),
            tail: TailRow {
                extra: Cell::Null,
                line_number: Cell::Int(v.r.line),
            },
            ..Default::default()
        });
    }
    Ok(())
}
