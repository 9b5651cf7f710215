//! Errors of one line: the JSON path of the offending field and what is wrong with it. Each level of
//! the walk that passes an error up prepends its own segment, as the Python walker's `FieldError.within`
//! does, so paths read `experiments.<m>.runs.<r>.labels[0].annotations.objects[2].bounding_box`.

use crate::json::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub problem: String,
}

pub type Walk<T = ()> = Result<T, FieldError>;

impl FieldError {
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// The same error seen from one level up.
    pub fn within(mut self, prefix: &str) -> Self {
        if self.path.is_empty() {
            self.path = prefix.to_string();
        } else if !prefix.is_empty() {
            let sep = if self.path.starts_with('[') { "" } else { "." };
            self.path = format!("{prefix}{sep}{}", self.path);
        }
        self
    }
}

/// Prepend a path segment to the error of a walk step.
pub trait At<T> {
    fn at(self, prefix: &str) -> Walk<T>;
    fn at_with(self, prefix: impl FnOnce() -> String) -> Walk<T>;
}

impl<T> At<T> for Walk<T> {
    fn at(self, prefix: &str) -> Walk<T> {
        self.map_err(|e| e.within(prefix))
    }
    fn at_with(self, prefix: impl FnOnce() -> String) -> Walk<T> {
        self.map_err(|e| e.within(&prefix()))
    }
}

/// Python's `AttributeError`/`TypeError` on a value that should have been an object.
pub fn want_object(v: &Node<'_>) -> FieldError {
    FieldError::new("", format!("expected an object, got {}", v.json_type()))
}

/// Python's `TypeError` on a value that should have been iterable.
pub fn want_array(v: &Node<'_>) -> FieldError {
    FieldError::new("", format!("expected an array, got {}", v.json_type()))
}

/// Python's `KeyError` on a missing field.
pub fn missing(key: &str) -> FieldError {
    FieldError::new("", format!("missing field '{key}'"))
}

/// `obj.get(key)` where `obj` must be an object (else Python raises AttributeError).
pub fn get<'n, 'a>(obj: &'n Node<'a>, key: &str) -> Walk<Option<&'n Node<'a>>> {
    match obj {
        Node::Obj(_) => Ok(obj.get(key)),
        _ => Err(want_object(obj)),
    }
}

/// `obj[key]` where `obj` must be an object holding `key` (else TypeError or KeyError).
pub fn index<'n, 'a>(obj: &'n Node<'a>, key: &str) -> Walk<&'n Node<'a>> {
    match obj {
        Node::Obj(_) => obj.get(key).ok_or_else(|| missing(key)),
        _ => Err(want_object(obj)),
    }
}

/// How Python iterates a value in `for x in value`: a list's items, a dict's keys, a string's
/// characters; anything else is not iterable.
pub enum PyIter<'n, 'a> {
    Items(&'n [Node<'a>]),
    /// Keys or characters: strings, which no walker step accepts as an object.
    Strings(usize),
}

pub fn py_iter<'n, 'a>(v: &'n Node<'a>) -> Walk<PyIter<'n, 'a>> {
    match v {
        Node::Arr(items) => Ok(PyIter::Items(items)),
        Node::Obj(fields) => Ok(PyIter::Strings(fields.len())),
        Node::Str(s) => Ok(PyIter::Strings(s.chars().count())),
        Node::Null => Ok(PyIter::Strings(0)),
        other => Err(want_array(other)),
    }
}

/// `for i, x in enumerate(value)` where each `x` must be an object: the items, or the error for the
/// first string a dict or a string yields (at `[0]`), or not iterable (at the value itself).
pub fn object_items<'n, 'a>(v: &'n Node<'a>) -> Walk<&'n [Node<'a>]> {
    match py_iter(v)? {
        PyIter::Items(items) => Ok(items),
        PyIter::Strings(0) => Ok(&[]),
        PyIter::Strings(_) => Err(FieldError::new("[0]", "expected an object, got a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_as_python_does() {
        let e = FieldError::new("bounding_box", "missing field 'top'")
            .within("[2]")
            .within("annotations.objects");
        assert_eq!(e.path, "annotations.objects[2].bounding_box");
        assert_eq!(FieldError::new("", "x").within("labels[0]").path, "labels[0]");
    }
}
