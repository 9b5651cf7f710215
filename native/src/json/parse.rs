//! serde_json reads a line into a [`Node`] tree, borrowing unescaped strings. serde_json checks
//! UTF-8 once for the line, rounds floats exactly (`float_roundtrip`) and keeps its recursion limit
//! of 128, so a deeply nested line is an error, never a stack overflow.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::Node;

/// Parse one line (without its newline). The error text is serde_json's.
pub fn parse_line(line: &str) -> Result<Node<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(line);
    let node = Node::deserialize(&mut de)?;
    de.end()?;
    Ok(node)
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(i64::try_from(v).map_or(Node::UInt(v), Node::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Node::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Node<'de>>()? {
            items.push(item);
        }
        Ok(Node::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut fields: Vec<(Cow<'de, str>, Node<'de>)> = Vec::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let v = map.next_value::<Node<'de>>()?;
            fields.push((k, v));
        }
        dedupe(&mut fields);
        Ok(Node::Obj(fields))
    }
}

/// A repeated key keeps its first position and its last value, as in a Python dict.
fn dedupe(fields: &mut Vec<(Cow<'_, str>, Node<'_>)>) {
    let n = fields.len();
    if n < 2 {
        return;
    }
    let has_dup = if n <= 16 {
        (1..n).any(|i| fields[..i].iter().any(|(k, _)| *k == fields[i].0))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(n);
        !fields.iter().all(|(k, _)| seen.insert(k.as_ref()))
    };
    if !has_dup {
        return;
    }
    let mut out: Vec<(Cow<'_, str>, Node<'_>)> = Vec::with_capacity(n);
    for (k, v) in fields.drain(..) {
        match out.iter_mut().find(|(ok, _)| *ok == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    *fields = out;
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_owns_escaped_ones() {
        let n = parse_line(r#"{"a":"x","b":"\u00e9"}"#).unwrap();
        let f = n.fields().unwrap();
        assert!(matches!(&f[0].1, Node::Str(Cow::Borrowed("x"))));
        assert!(matches!(&f[1].1, Node::Str(Cow::Owned(s)) if s == "é"));
    }

    #[test]
    fn repeated_key_keeps_first_place_last_value() {
        let n = parse_line(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(
            n,
            Node::Obj(vec![("a".into(), Node::Int(3)), ("b".into(), Node::Int(2))])
        );
    }

    #[test]
    fn numbers_as_orjson_reads_them() {
        let n = parse_line(
            "[1, 18446744073709551615, 18446744073709551616, -9223372036854775809, 1.0]",
        )
        .unwrap();
        assert_eq!(
            n,
            Node::Arr(vec![
                Node::Int(1),
                Node::UInt(u64::MAX),
                Node::Float(1.8446744073709552e19),
                Node::Float(-9.223372036854776e18),
                Node::Float(1.0),
            ])
        );
        assert!(parse_line("1e400").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse_line(&deep).is_err());
    }
}
