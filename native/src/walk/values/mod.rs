//! Small conversions shared by the walk: timestamps as Python's `datetime.fromisoformat` reads
//! them, Python's `int()` of a frame key, `str()` of a name in a path, and the `extra` JSON text.

mod extra;
mod python;
mod time;

pub use extra::{all_known, all_known_by, unknown_json, Extra};
pub(crate) use python::py_repr;
pub use python::{py_eq, py_int, py_str};
pub use time::{parse_iso, timestamp};
