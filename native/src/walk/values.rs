//! Small conversions shared by the walk: timestamps as Python's `datetime.fromisoformat` reads
//! them, Python's `int()` of a frame key, `str()` of a name in a path, and the `extra` JSON text.

use std::fmt::Write as _;

use super::errors::{FieldError, Walk};
use crate::json::{write_float, write_json, write_str, Node};
use crate::tables::Cell;

/// A timestamp column's value: null for null or "", else the instant in UTC microseconds.
pub fn timestamp<'a>(value: Option<&Node<'_>>, field: &str) -> Walk<Cell<'a>> {
    match value {
        None | Some(Node::Null) => Ok(Cell::Null),
        Some(Node::Str("")) => Ok(Cell::Null),
        Some(Node::Str(s)) => parse_iso(s)
            .map(Cell::Micros)
            .ok_or_else(|| bad_timestamp(field, value)),
        Some(_) => Err(bad_timestamp(field, value)),
    }
}

fn bad_timestamp(field: &str, value: Option<&Node<'_>>) -> FieldError {
    let mut shown = String::new();
    if let Some(v) = value {
        write_json(v, &mut shown);
    }
    let shown: String = shown.chars().take(80).collect();
    FieldError::new(field, format!("expected an ISO-8601 timestamp, got {shown}"))
}

/// Python 3.11's `datetime.fromisoformat`, followed by Arrow's conversion to UTC microseconds
/// (a naive value is taken as UTC). Dates `YYYY-MM-DD` or `YYYYMMDD`, any one character before the
/// time, `HH[:MM[:SS[.f...]]]` or `HHMMSS`, `Z` or `±HH[:MM[:SS[.f]]]`.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    if b.len() < 7 {
        return None;
    }
    let sep = if at(4) == b'-' {
        if at(5) == b'W' {
            return None; // ISO week dates: not read here (never seen in exports)
        }
        10
    } else if at(4) == b'W' {
        return None;
    } else {
        8
    };
    let mut p = 0;
    let year = digits(b, &mut p, 4)?;
    let dashed = at(p) == b'-';
    if dashed {
        p += 1;
    }
    let month = digits(b, &mut p, 2)?;
    if dashed {
        if at(p) != b'-' {
            return None;
        }
        p += 1;
    }
    let day = digits(b, &mut p, 2)?;
    if p != sep || p > b.len() {
        return None;
    }
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut micros = days_from_civil(year, month, day) * 86_400_000_000;
    if b.len() > sep {
        // Any one character separates date and time.
        let sep_len = s[sep..].chars().next().map_or(1, char::len_utf8);
        let start = sep + sep_len;
        let (time, offset) = parse_time(b, start)?;
        micros += time - offset;
    }
    Some(micros)
}

fn parse_time(b: &[u8], start: usize) -> Option<(i64, i64)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let end = b.len();
    let mut tz = start;
    loop {
        if matches!(at(tz), b'Z' | b'+' | b'-') {
            break;
        }
        tz += 1;
        if tz >= end {
            break;
        }
    }
    let (hms, rv) = hh_mm_ss_ff(b, start, tz)?;
    let [h, m, sec, us] = hms;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let time = ((h * 60 + m) * 60 + sec) * 1_000_000 + us;
    if tz >= end {
        return if rv { None } else { Some((time, 0)) };
    }
    if at(tz) == b'Z' {
        return if tz + 1 == end { Some((time, 0)) } else { None };
    }
    let sign = if at(tz) == b'-' { -1 } else { 1 };
    let (tzp, rv) = hh_mm_ss_ff(b, tz + 1, end)?;
    if rv {
        return None;
    }
    // The offset's fraction of a second is parsed but not applied (as Python and Arrow together do).
    let offset = sign * ((tzp[0] * 60 + tzp[1]) * 60 + tzp[2]) * 1_000_000;
    if offset.abs() >= 86_400_000_000 {
        return None;
    }
    Some((time, offset))
}

/// CPython's `parse_hh_mm_ss_ff` over bytes [p, p_end) of a NUL-terminated string: the values and
/// whether it stopped before the end of the string.
fn hh_mm_ss_ff(b: &[u8], mut p: usize, p_end: usize) -> Option<([i64; 4], bool)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut vals = [0i64; 4];
    let mut has_sep = true;
    let mut i = 0;
    while i < 3 {
        vals[i] = digits(b, &mut p, 2)?;
        let c = at(p);
        p += 1;
        if i == 0 {
            has_sep = c == b':';
        }
        if p >= p_end {
            return Some((vals, c != 0));
        } else if has_sep && c == b':' {
            i += 1;
            continue;
        } else if c == b'.' || c == b',' {
            break;
        } else if !has_sep {
            p -= 1;
        } else {
            return None;
        }
        i += 1;
    }
    if i == 3 {
        // Three fields read with no fraction mark after them.
        return Some((vals, at(p) != 0));
    }
    let remains = p_end.saturating_sub(p);
    if remains == 0 {
        return None;
    }
    let take = remains.min(6);
    let frac = digits(b, &mut p, take)?;
    vals[3] = frac * 10i64.pow((6 - take) as u32);
    while at(p).is_ascii_digit() {
        p += 1;
    }
    Some((vals, at(p) != 0))
}

fn digits(b: &[u8], p: &mut usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for _ in 0..n {
        let d = b.get(*p)?.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as i64;
        *p += 1;
    }
    Some(v)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Python's `int(text)` of a base-10 string: surrounding whitespace, a sign, digits with single
/// underscores between them. None when Python would raise ValueError.
pub fn py_int(text: &str) -> Option<i128> {
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
pub fn py_str(v: Option<&Node<'_>>, out: &mut String) {
    match v {
        Some(Node::Str(s)) => out.push_str(s),
        other => py_repr(other.unwrap_or(&Node::Null), out),
    }
}

/// Python's `repr` of a parsed JSON value.
pub(crate) fn py_repr(v: &Node<'_>, out: &mut String) {
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
fn py_float(f: f64, out: &mut String) {
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if f.is_finite() && f != 0.0 && !(-4..16).contains(&exp) {
        let _ = write!(out, "{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else {
        write_float(f, out);
    }
}

/// The fields of `obj` outside `known` as a JSON object, or None when there are none.
pub fn unknown_json(obj: &Node<'_>, known: &[&str]) -> Option<String> {
    let fields = obj.fields()?;
    let mut text = String::new();
    for (k, v) in fields.iter().filter(|(k, _)| !known.contains(k)) {
        text.push(if text.is_empty() { '{' } else { ',' });
        write_str(k, &mut text);
        text.push(':');
        write_json(v, &mut text);
    }
    if text.is_empty() {
        return None;
    }
    text.push('}');
    Some(text)
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

/// `extra` JSON text, written only when some part is non-empty: `{"part": {...}, ...}`.
#[derive(Default, Clone)]
pub struct Extra {
    text: String,
}

impl Extra {
    fn open(&mut self, name: &str) {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        write_str(name, &mut self.text);
        self.text.push(':');
    }

    /// The fields of `obj` outside `known`, as Python's `unknown_fields` (a non-object adds nothing).
    pub fn unknown(&mut self, name: &str, obj: &Node<'_>, known: &[&str]) {
        self.unknown_by(name, obj, |k| known.contains(&k))
    }

    /// The unknown keys of each object in `items` (a list that lands in a list<struct> column, which
    /// would drop them), each as a part named `<name>[<i>]`; as Python's `item_extras`.
    pub fn items(&mut self, name: &str, items: Option<&Node<'_>>, known: &[&str]) {
        let Some(Node::Arr(items)) = items else { return };
        for (i, item) in items.iter().enumerate() {
            if item.fields().is_some() && !all_known(item, known) {
                self.unknown(&format!("{name}[{i}]"), item, known);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// A question's part of an answer row's `extra`: its unknown fields (all of them when `known` is
    /// None), then the scores its answer shadows (`confidence`, `custom_metrics`, in that order).
    pub fn question_with_shadowed(&mut self, q: &Node<'_>, known: Option<&[&str]>, a: &Node<'_>) {
        let Some(fields) = q.fields() else { return };
        let shadowed = |k: &str| matches!(k, "confidence" | "custom_metrics") && a.get(k).is_some();
        let mut first = true;
        let put = |text: &mut String, k: &str, v: &Node<'_>, first: &mut bool| {
            if *first {
                text.push(if text.is_empty() { '{' } else { ',' });
                write_str("question", text);
                text.push_str(":{");
                *first = false;
            } else {
                text.push(',');
            }
            write_str(k, text);
            text.push(':');
            write_json(v, text);
        };
        for (k, v) in fields.iter() {
            if known.is_none_or(|known| !known.contains(k)) {
                put(&mut self.text, k, v, &mut first);
            }
        }
        for k in ["confidence", "custom_metrics"] {
            if shadowed(k) && known.is_some() {
                if let Some(v) = q.get(k) {
                    put(&mut self.text, k, v, &mut first);
                }
            }
        }
        if !first {
            self.text.push('}');
        }
    }

    /// The parts of `other`, after this one's.
    pub fn append(&mut self, other: Extra) {
        if other.text.is_empty() {
            return;
        }
        if self.text.is_empty() {
            self.text = other.text;
        } else {
            self.text.push(',');
            self.text.push_str(&other.text[1..]);
        }
    }

    /// As `unknown`, with the known fields told by `is_known`.
    pub fn unknown_by(&mut self, name: &str, obj: &Node<'_>, is_known: impl Fn(&str) -> bool) {
        let Some(fields) = obj.fields() else { return };
        let mut first = true;
        for (k, v) in fields {
            if is_known(k) {
                continue;
            }
            if first {
                self.open(name);
                self.text.push('{');
                first = false;
            } else {
                self.text.push(',');
            }
            write_str(k, &mut self.text);
            self.text.push(':');
            write_json(v, &mut self.text);
        }
        if !first {
            self.text.push('}');
        }
    }

    /// A value kept whole when it is truthy (the odd attachments or metadata list, a question).
    pub fn value(&mut self, name: &str, v: Option<&Node<'_>>) {
        if let Some(v) = v.filter(|v| v.truthy()) {
            self.open(name);
            write_json(v, &mut self.text);
        }
    }

    /// The JSON text, or None when every part was empty.
    pub fn finish(mut self) -> Option<String> {
        if self.text.is_empty() {
            None
        } else {
            self.text.push('}');
            Some(self.text)
        }
    }
}

/// Whether every key of `obj` is in `known` (Python's `obj.keys() <= known`).
pub fn all_known(obj: &Node<'_>, known: &[&str]) -> bool {
    all_known_by(obj, |k| known.contains(&k))
}

pub fn all_known_by(obj: &Node<'_>, is_known: impl Fn(&str) -> bool) -> bool {
    obj.fields().is_none_or(|f| f.iter().all(|(k, _)| is_known(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_python_reads_them() {
        // Expected values printed by Python 3.11: datetime.fromisoformat(s), as UTC microseconds.
        for (s, want) in [
            ("2023-01-15T10:20:30.123Z", Some(1673778030123000)),
            ("2023-01-15T10:20:30.123456+00:00", Some(1673778030123456)),
            ("2023-01-15 10:20:30+02:00", Some(1673770830000000)),
            ("2023-01-15", Some(1673740800000000)),
            ("20230115T102030", Some(1673778030000000)),
            ("2023-01-15T10:20:30.1234567", Some(1673778030123456)),
            ("2023-01-15T10", Some(1673776800000000)),
            ("2023-01-15T10:20", Some(1673778000000000)),
            ("2023-01-15T10:20:30,5-01:30", Some(1673783430500000)),
            ("2023-02-30", None),
            ("2023-01-15T25:00", None),
            ("2023-01-15T10:20:30.", None),
            ("2023-1-15", None),
            ("2023-W05-1", None), // an ISO week date: Python reads it, the native walker does not
            ("not a date", None),
            ("2023-01-15T10:20:30ZZ", None),
            ("2023-01-15T10:20:30.12", Some(1673778030120000)),
            ("2023-01-15T102030", Some(1673778030000000)),
            ("2023-01-15T10:20:30+0530", Some(1673758230000000)),
            ("2023-01-15é10:20", Some(1673778000000000)),
            ("2023-01-15T10:2", None),
            ("2023-01-15T12:+00:00", Some(1673784000000000)),
            ("0001-01-01T00:00+01:00", Some(-62135600400000000)),
            ("2023-01-15T10:20:30+24:00", None),
            ("2023-01-15T10:20:30+23:59:59.999999", Some(1673691631000000)),
        ] {
            assert_eq!(parse_iso(s), want, "{s}");
        }
    }

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
    }

    #[test]
    fn extra_keeps_unknown_fields_in_order() {
        let arena = bumpalo::Bump::new();
        let obj = crate::json::parse_line(r#"{"a":1,"z":[1.5,"é"],"b":null}"#, &arena).unwrap();
        let mut e = Extra::default();
        e.unknown("object", &obj, &["a"]);
        e.value("odd", Some(&Node::Arr(&[])));
        assert_eq!(e.finish().unwrap(), r#"{"object":{"z":[1.5,"é"],"b":null}}"#);
        assert!(Extra::default().finish().is_none());
    }
}
