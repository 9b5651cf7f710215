//! One export line as a borrowed JSON tree, and JSON text written the way the Python side's orjson
//! writes it (so `extra` cells match cell for cell).
//!
//! The tree lives in a bump arena that is reset for every line, so reading a line allocates
//! nothing from the heap once the arena has grown: strings without escapes are borrowed from the
//! line, the others and every array and object are placed in the arena. Objects keep their keys in
//! order, and a repeated key keeps its first position with its last value, as a Python dict does.

mod fast;
mod parse;
mod write;

pub use fast::{identical, parse as parse_fast, Stacks};
pub use parse::{parse_line, parse_line_with, parse_serde, DEPTH_ERROR, DEPTH_LIMIT};
pub use write::{json_text, write_float, write_json, write_str, Out, TEXT_START};

/// A JSON value of one line. Integers that fit neither i64 nor u64 are floats, as orjson reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    Arr(&'a [Node<'a>]),
    Obj(&'a [(&'a str, Node<'a>)]),
}

pub static NULL: Node<'static> = Node::Null;

impl<'a> Node<'a> {
    /// `obj.get(key)` of a Python dict: the value, or None for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&'a Node<'a>> {
        match self {
            Node::Obj(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `obj.get(key)` where a JSON null counts as missing.
    pub fn get_some(&self, key: &str) -> Option<&'a Node<'a>> {
        self.get(key).filter(|v| !v.is_null())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn fields(&self) -> Option<&'a [(&'a str, Node<'a>)]> {
        match self {
            Node::Obj(f) => Some(f),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&'a [Node<'a>]> {
        match self {
            Node::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// Python truthiness: null, false, 0, "", [] and {} are false.
    pub fn truthy(&self) -> bool {
        match self {
            Node::Null => false,
            Node::Bool(b) => *b,
            Node::Int(i) => *i != 0,
            Node::UInt(u) => *u != 0,
            Node::Float(f) => *f != 0.0,
            Node::Str(s) => !s.is_empty(),
            Node::Arr(a) => !a.is_empty(),
            Node::Obj(o) => !o.is_empty(),
        }
    }

    /// What the value is, in JSON's words ("a string", "an array", "null"...), as Python's `json_type`.
    pub fn json_type(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::UInt(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Arr(_) => "an array",
            Node::Obj(_) => "an object",
        }
    }

    /// Python's type name of the value (`int`, `dict`...), for messages that quote it.
    pub fn py_type(&self) -> &'static str {
        match self {
            Node::Null => "NoneType",
            Node::Bool(_) => "bool",
            Node::Int(_) | Node::UInt(_) => "int",
            Node::Float(_) => "float",
            Node::Str(_) => "str",
            Node::Arr(_) => "list",
            Node::Obj(_) => "dict",
        }
    }
}
