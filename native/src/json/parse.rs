//! serde_json reads a line into a [`Node`] tree in a bump arena. serde_json checks UTF-8 once for
//! the line, rounds floats exactly (`float_roundtrip`) and keeps its recursion limit of 128, so a
//! deeply nested line is an error, never a stack overflow.

use std::cell::RefCell;
use std::fmt;

use bumpalo::Bump;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::fast::Stacks;
use super::Node;

/// Parse one line (without its newline) into `arena`: by the fast reader, or, for a line it leaves
/// alone, by serde_json. The error text is serde_json's.
pub fn parse_line<'a>(line: &'a str, arena: &'a Bump) -> Result<Node<'a>, serde_json::Error> {
    parse_line_with(line, arena, &mut Stacks::default())
}

/// As `parse_line`, reusing the fast reader's stacks of an earlier line.
pub fn parse_line_with<'a>(line: &'a str, arena: &'a Bump, stacks: &mut Stacks) -> Result<Node<'a>, serde_json::Error> {
    match super::fast::parse_with(line, arena, stacks) {
        Some(node) => Ok(node),
        None => parse_serde(line, arena),
    }
}

/// Parse one line with serde_json alone (the reference the fast reader is checked against).
pub fn parse_serde<'a>(line: &'a str, arena: &'a Bump) -> Result<Node<'a>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(line);
    de.disable_recursion_limit(); // Seed counts the depth itself, to orjson's limit (serde_json stops at 128)
    let scratch = Scratch::default();
    let node = Seed(arena, &scratch, 0).deserialize(&mut de)?;
    de.end()?;
    Ok(node)
}

/// Arrays and objects nested deeper than this are refused, as orjson (the Python side) refuses them.
pub const DEPTH_LIMIT: u32 = 1024;
/// What a line nested past `DEPTH_LIMIT` is told (the walker words it as the Python side does).
pub const DEPTH_ERROR: &str = "depth limit exceeded";

/// The items and fields of the arrays and objects being read, as stacks: a finished array or object
/// is copied into the arena at its exact size (growing it in the arena would copy it at each step).
#[derive(Default)]
struct Scratch<'a> {
    items: RefCell<Vec<Node<'a>>>,
    fields: RefCell<Vec<(&'a str, Node<'a>)>>,
}

/// Reads one value into the arena; the last field is how deep the value sits.
#[derive(Clone, Copy)]
struct Seed<'a, 's>(&'a Bump, &'s Scratch<'a>, u32);

impl<'a, 's> Seed<'a, 's> {
    fn deeper<E: de::Error>(self) -> Result<Seed<'a, 's>, E> {
        if self.2 >= DEPTH_LIMIT {
            return Err(E::custom(DEPTH_ERROR));
        }
        Ok(Seed(self.0, self.1, self.2 + 1))
    }
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for Seed<'a, '_> {
    type Value = Node<'a>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'a>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Seed<'a, '_> {
    type Value = Node<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node<'a>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'a>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'a>, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'a>, E> {
        Ok(i64::try_from(v).map_or(Node::UInt(v), Node::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'a>, E> {
        Ok(Node::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'a>, E> {
        Ok(Node::Str(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'a>, E> {
        Ok(Node::Str(self.0.alloc_str(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
        let inner = self.deeper()?;
        let start = self.1.items.borrow().len();
        while let Some(item) = seq.next_element_seed(inner)? {
            self.1.items.borrow_mut().push(item);
        }
        let mut items = self.1.items.borrow_mut();
        let node = Node::Arr(self.0.alloc_slice_copy(&items[start..]));
        items.truncate(start);
        Ok(node)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
        let inner = self.deeper()?;
        let start = self.1.fields.borrow().len();
        while let Some(k) = map.next_key_seed(KeySeed(self.0))? {
            let v = map.next_value_seed(inner)?;
            self.1.fields.borrow_mut().push((k, v));
        }
        let mut fields = self.1.fields.borrow_mut();
        let kept = start + dedupe(&mut fields[start..]);
        let node = Node::Obj(self.0.alloc_slice_copy(&fields[start..kept]));
        fields.truncate(start);
        Ok(node)
    }
}

/// A repeated key keeps its first position and its last value, as in a Python dict: the fields
/// kept are moved to the front, and their count returned.
pub(super) fn dedupe(fields: &mut [(&str, Node<'_>)]) -> usize {
    let n = fields.len();
    if n < 2 {
        return n;
    }
    let has_dup = if n <= 16 {
        // Only a key whose length an earlier key has can repeat one: compare just those.
        let mut lengths = 0u64;
        fields.iter().enumerate().any(|(i, (k, _))| {
            let bit = 1u64 << (k.len() & 63);
            let seen = lengths & bit != 0;
            lengths |= bit;
            seen && fields[..i].iter().any(|(earlier, _)| earlier == k)
        })
    } else {
        let mut seen = crate::hash::HashSet::with_capacity_and_hasher(n, Default::default());
        !fields.iter().all(|(k, _)| seen.insert(*k))
    };
    if !has_dup {
        return n;
    }
    let mut kept = 0;
    for i in 0..n {
        let (k, v) = fields[i];
        match fields[..kept].iter_mut().find(|(ok, _)| *ok == k) {
            Some(slot) => slot.1 = v,
            None => {
                fields[kept] = (k, v);
                kept += 1;
            }
        }
    }
    kept
}

#[derive(Clone, Copy)]
struct KeySeed<'a>(&'a Bump);

impl<'de: 'a, 'a> DeserializeSeed<'de> for KeySeed<'a> {
    type Value = &'a str;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'a str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for KeySeed<'a> {
    type Value = &'a str;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<&'a str, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<&'a str, E> {
        Ok(self.0.alloc_str(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_copies_escaped_ones() {
        let line = r#"{"a":"x","b":"\u00e9"}"#;
        let arena = Bump::new();
        let n = parse_line(line, &arena).unwrap();
        let f = n.fields().unwrap();
        let Node::Str(x) = f[0].1 else { panic!() };
        assert!(line.as_bytes().as_ptr_range().contains(&x.as_ptr()));
        assert_eq!(f[1].1, Node::Str("é"));
    }

    #[test]
    fn repeated_key_keeps_first_place_last_value() {
        let arena = Bump::new();
        let n = parse_line(r#"{"a":1,"b":2,"a":3}"#, &arena).unwrap();
        assert_eq!(n, Node::Obj(&[("a", Node::Int(3)), ("b", Node::Int(2))]));
    }

    #[test]
    fn repeated_keys_among_keys_of_one_length() {
        let arena = Bump::new();
        let long = "k".repeat(65); // the length mask's bit of a one-letter key
        let line = format!(r#"{{"a":1,"{long}":2,"b":3,"a":4,"c":5,"b":6}}"#);
        let n = parse_line(&line, &arena).unwrap();
        let keys: Vec<&str> = n.fields().unwrap().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["a", long.as_str(), "b", "c"]);
        assert_eq!(n.get("a"), Some(&Node::Int(4)));
        assert_eq!(n.get("b"), Some(&Node::Int(6)));
    }

    #[test]
    fn numbers_as_orjson_reads_them() {
        let arena = Bump::new();
        let n = parse_line(
            "[1, 18446744073709551615, 18446744073709551616, -9223372036854775809, 1.0]",
            &arena,
        )
        .unwrap();
        assert_eq!(
            n,
            Node::Arr(&[
                Node::Int(1),
                Node::UInt(u64::MAX),
                Node::Float(1.8446744073709552e19),
                Node::Float(-9.223372036854776e18),
                Node::Float(1.0),
            ])
        );
        assert!(parse_line("1e400", &arena).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow() {
        let arena = Bump::new();
        let deep = "[".repeat(100_000);
        assert!(parse_line(&deep, &arena).is_err());
    }
}
