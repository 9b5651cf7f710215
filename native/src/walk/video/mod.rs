//! Video and DICOM labels: one video_frames row per (frame, object), one objects row per track.
//!
//! `segments` (`{<feature_id>: [[start, end], ...]}`) and `key_frame_feature_map`
//! (`{<feature_id>: {"<n>": true}}` or `{<feature_id>: [n, ...]}`) keyed by a classification's
//! question id land on that classification's rows (of the same label and view); keyed by anything
//! else they belong to that object track. A track known only from them has null first/last frame
//! and frame_count 0. DICOM views are those of `groups`, `segments` and `key_frame_feature_map`
//! together. Unknown keys of a frame or a view go to the label's `extra`.

mod dicom;
mod frames;
mod keyframes;
mod tracks;

pub use dicom::walk_dicom;
pub use frames::walk_video;
pub use keyframes::KeyFrames;

type Fid<'n> = Option<&'n str>;
