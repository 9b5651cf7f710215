//! The native flatten core of lb_export_pipeline: whole NDJSON lines of a Labelbox model-run
//! export in, Arrow record batches of the six tables per model run (plus quarantine records) out.
//!
//! `walk` holds the flattening rules, `tables` the one declaration of the output tables, `json` the
//! borrowed JSON tree a line is read into and the orjson-compatible JSON writer.

pub mod json;
pub mod tables;
pub mod walk;
