//! DICOM labels: the video layout once per view (`groups`, `segments`, `key_frame_feature_map`).

use super::frames::walk_video;
use super::keyframes::KeyFrames;
use crate::json::Node;
use crate::walk::classifications::{walk_classifications, Rows, Scope};
use crate::walk::emit::{Emit, Ref};
use crate::walk::errors::{get, At, FieldError, Walk};
use crate::walk::labels::or_empty;
use crate::walk::values::Extra;

const GROUP_FIELDS: [&str; 2] = ["frames", "classifications"];

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
