//! What the walker hands a column: a raw JSON value, as the Python walker puts a parsed value in
//! its row tuple, or a value it computed. Each column checks the value against its Arrow type
//! (the rules Python's strict row check and Arrow apply), so a bad value names its column.

use bumpalo::Bump;

use crate::json::Node;

/// A cell is Copy: what the walker computes (texts, lists) lives in the line's arena, so rows need
/// no drop glue and their texts no allocation of their own.
#[derive(Debug, Clone, Copy, Default)]
pub enum Cell<'a> {
    #[default]
    Null,
    /// A value straight from the line.
    Json(&'a Node<'a>),
    /// A string the walker built (a path, a kind).
    Str(&'a str),
    /// A string the walker built (JSON text, a key), in the line's arena.
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Microseconds since the epoch, UTC.
    Micros(i64),
    /// A list the walker assembled from values of the line (message ids, embedding vectors).
    Items(&'a [&'a Node<'a>]),
    /// `[start, end]` pairs of video segments.
    Pairs(&'a [[&'a Node<'a>; 2]]),
    /// Frame numbers (keyframes), as Python ints: any size, refused by the column beyond int64.
    Frames(&'a [i128]),
}

impl<'a> Cell<'a> {
    /// A value of the line, or null when it is absent.
    pub fn of(node: Option<&'a Node<'a>>) -> Self {
        node.map_or(Cell::Null, Cell::Json)
    }

    pub fn opt_str(s: Option<&'a str>) -> Self {
        s.map_or(Cell::Null, Cell::Str)
    }

    /// A text the walker computed, copied into the line's arena.
    pub fn text_in(arena: &'a Bump, s: &str) -> Self {
        Cell::Text(arena.alloc_str(s))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null | Cell::Json(Node::Null))
    }
}

/// A value its column's type cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misfit;

/// The largest integer a float64 column takes from an integer (Arrow's own limit).
const MAX_EXACT: i64 = 1 << 53;

/// A float64 value: a JSON number (not a boolean), integers within 2^53.
pub fn as_f64(node: &Node<'_>) -> Result<Option<f64>, Misfit> {
    match node {
        Node::Null => Ok(None),
        Node::Float(f) => Ok(Some(*f)),
        Node::Int(i) if (-MAX_EXACT..=MAX_EXACT).contains(i) => Ok(Some(*i as f64)),
        _ => Err(Misfit),
    }
}

/// An integer value within [min, max]: a JSON integer, or a float with no fraction.
pub fn as_int(node: &Node<'_>, min: i64, max: i64) -> Result<Option<i64>, Misfit> {
    let v = match node {
        Node::Null => return Ok(None),
        Node::Int(i) => *i,
        Node::Float(f) if f.fract() == 0.0 && *f >= min as f64 && *f < -(min as f64) => *f as i64,
        _ => return Err(Misfit),
    };
    if v < min || v > max {
        return Err(Misfit);
    }
    Ok(Some(v))
}
