//! The `extra` JSON text: fields the walk does not know, kept in order under their part's name.

use bumpalo::Bump;

use crate::json::{write_json, write_str, Node, TEXT_START};
use crate::tables::Cell;

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

/// `extra` JSON text, written only when some part is non-empty: `{"part": {...}, ...}`.
#[derive(Default, Clone)]
pub struct Extra {
    text: String,
}

impl Extra {
    fn open(&mut self, name: &str) {
        if self.text.capacity() == 0 {
            self.text.reserve(TEXT_START);
        }
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

    /// The JSON text in `arena`, or null when every part was empty.
    pub fn cell<'a>(self, arena: &'a Bump) -> Cell<'a> {
        self.finish().map_or(Cell::Null, |t| Cell::text_in(arena, &t))
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
