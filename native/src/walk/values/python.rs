//! Python's view of JSON values: `int()` of a frame key, `str()`/`repr()` of a name in a path,
//! and `==` between parsed values.

use crate::json::{write_float, Node, Out};

/// Python's `int(text)` of a base-10 string: surrounding whitespace, a sign, digits with single
/// underscores between them. None when Python would raise ValueError.
pub fn py_int(text: &str) -> Option<i128> {
    // The common case (a frame number): plain digits that fit, read without the checks below.
    if (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.bytes().fold(0, |v, c| v * 10 + i128::from(c - b'0')));
    }
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.bytes() {
        if c == b'_' {
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.saturating_mul(10).saturating_add((c - b'0') as i128);
    }
    Some(if neg { -v } else { v })
}

/// Python's `str(value)` of a value that goes into a path or a key (`None`, `True`, `1e-05`,
/// `{'a': [1, 'b']}`).
pub fn py_str<W: Out>(v: Option<&Node<'_>>, out: &mut W) {
    match v {
        Some(Node::Str(s)) => out.push_str(s),
        other => py_repr(other.unwrap_or(&Node::Null), out),
    }
}

/// Python's `repr` of a parsed JSON value.
pub(crate) fn py_repr<W: Out>(v: &Node<'_>, out: &mut W) {
    match v {
        Node::Null => out.push_str("None"),
        Node::Bool(true) => out.push_str("True"),
        Node::Bool(false) => out.push_str("False"),
        Node::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Node::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Node::Float(f) => py_float(*f, out),
        Node::Str(s) => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            out.push(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                        let _ = write!(out, "\\x{:02x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
        }
        Node::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr(item, out);
            }
            out.push(']');
        }
        Node::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr(&Node::Str(k), out);
                out.push_str(": ");
                py_repr(v, out);
            }
            out.push('}');
        }
    }
}

/// Python's `repr(float)`: shortest digits, exponent form below 1e-4 or from 1e16 (`1e-05`, `1e+16`);
/// in between it is what orjson writes.
fn py_float<W: Out>(f: f64, out: &mut W) {
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if f.is_finite() && f != 0.0 && !(-4..16).contains(&exp) {
        let _ = write!(out, "{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else {
        write_float(f, out);
    }
}

/// Python's `==` on parsed JSON: numbers by value (`1 == 1.0 == True`), objects regardless of key
/// order, arrays item by item.
pub fn py_eq(a: &Node<'_>, b: &Node<'_>) -> bool {
    let num = |n: &Node<'_>| match n {
        Node::Bool(b) => Some(f64::from(u8::from(*b))),
        Node::Int(i) => Some(*i as f64),
        Node::UInt(u) => Some(*u as f64),
        Node::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Node::Null, Node::Null) => true,
        (Node::Str(x), Node::Str(y)) => x == y,
        (Node::Int(x), Node::Int(y)) => x == y,
        (Node::Arr(x), Node::Arr(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| py_eq(p, q)),
        (Node::Obj(x), Node::Obj(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => matches!((num(a), num(b)), (Some(x), Some(y)) if x == y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_python_str() {
        let arena = bumpalo::Bump::new();
        let v = crate::json::parse_line(r#"[null,true,1e-5,1e16,0.5,"a'b",{"k":[1,"x"]}]"#, &arena).unwrap();
        let shown: Vec<String> = v
            .items()
            .unwrap()
            .iter()
            .map(|n| {
                let mut s = String::new();
                py_str(Some(n), &mut s);
                s
            })
            .collect();
        assert_eq!(
            shown,
            ["None", "True", "1e-05", "1e+16", "0.5", "a'b", "{'k': [1, 'x']}"]
        );
    }

    #[test]
    fn frame_keys_as_python_int() {
        assert_eq!(py_int(" 12 "), Some(12));
        assert_eq!(py_int("+1_000"), Some(1000));
        assert_eq!(py_int("-3"), Some(-3));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(py_int("1.5"), None);
        assert_eq!(py_int(""), None);
        assert_eq!(py_int("0012"), Some(12));
        assert_eq!(py_int("123456789012345678901"), Some(123_456_789_012_345_678_901));
    }
}
