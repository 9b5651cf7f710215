//! The native flatten core of lb_export_pipeline: whole NDJSON lines of a Labelbox model-run
//! export in, Arrow record batches of the six tables per model run (plus quarantine records) out.
//!
//! `walk` holds the flattening rules, `tables` the one declaration of the output tables, `json` the
//! borrowed JSON tree a line is read into and the orjson-compatible JSON writer. `reader` cuts an
//! export file (plain or gzip) into blocks of whole lines, `scan` walks the blocks on threads, and
//! `py` (the `python` feature, built by maturin) is the Python module `lb_export_pipeline._native`.

pub mod eval;
mod hash;
pub mod json;
pub mod reader;
pub mod scan;
pub mod tables;
pub mod walk;

#[cfg(feature = "python")]
mod py;
