//! `key_frame_feature_map` read as Python reads it: per feature, the set of keyframes.

use bumpalo::Bump;

use super::Fid;
use crate::hash::{HashMap, HashSet};
use crate::json::Node;
use crate::tables::Cell;
use crate::walk::errors::{py_iter, want_object, FieldError, PyIter, Walk};
use crate::walk::values::{py_int, py_str};

pub(super) type Keyframes<'n> = HashMap<Fid<'n>, HashSet<i128>>;

/// `key_frame_feature_map` of a video (keyed by feature), or of one DICOM view.
pub enum KeyFrames<'n> {
    Map(&'n Node<'n>),
    View(Vec<(&'n str, &'n Node<'n>)>),
}

impl<'n> KeyFrames<'n> {
    pub(super) fn get(&self, fid: &str) -> Walk<Option<&'n Node<'n>>> {
        match self {
            KeyFrames::Map(m @ Node::Obj(_)) => Ok(m.get(fid)),
            KeyFrames::Map(m) => Err(want_object(m)),
            KeyFrames::View(v) => Ok(v.iter().find(|(k, _)| *k == fid).map(|(_, m)| *m)),
        }
    }

    pub(super) fn truthy(&self) -> bool {
        match self {
            KeyFrames::Map(m) => m.truthy(),
            KeyFrames::View(v) => !v.is_empty(),
        }
    }

    /// Every feature's keyframes, read up front (Python's `{fid: keyframes(...) for fid in map}`).
    pub(super) fn sets(&self) -> Walk<Keyframes<'n>> {
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
    pub(super) fn marked(&self, out: &mut Vec<&'n str>) -> Walk {
        match self {
            KeyFrames::Map(m) => marked(m, out),
            KeyFrames::View(v) => {
                out.extend(v.iter().filter(|(_, m)| m.truthy()).map(|(k, _)| *k));
                Ok(())
            }
        }
    }
}

pub(super) fn marked<'n>(source: &'n Node<'n>, out: &mut Vec<&'n str>) -> Walk {
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
pub(super) fn keyframes(marks: Option<&Node<'_>>) -> Walk<HashSet<i128>> {
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

pub(super) fn sorted<'n>(set: &HashSet<i128>, arena: &'n Bump) -> Cell<'n> {
    if set.is_empty() {
        return Cell::Null;
    }
    let frames = arena.alloc_slice_fill_iter(set.iter().copied());
    frames.sort_unstable();
    Cell::Frames(frames)
}
