//! List columns that read their items from the walker's own cells (frame ranges, keyframes,
//! metadata fields, embeddings) rather than item by item from a JSON array.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::DataType;

use super::lists::List;
use super::scalars::I64;
use super::structs::{Embedding, MetadataField, Segment};
use super::Column;
use crate::json::{write_json, Node};
use crate::tables::cell::Cell;

/// A list column whose items the column reads itself from the walker's cell (`push_cell`).
macro_rules! custom_list {
    ($name:ident, $item:ty) => {
        #[derive(Default)]
        pub struct $name(List<$item>);

        impl Column for $name {
            fn data_type() -> DataType {
                DataType::List(Arc::new(List::<$item>::field()))
            }
            fn len(&self) -> usize {
                self.0.valid.len()
            }
            fn truncate(&mut self, len: usize) {
                self.0.base_truncate(len)
            }
            fn finish(&mut self) -> ArrayRef {
                self.0.base_finish()
            }
            fn byte_size(&self) -> usize {
                4 * self.0.offsets.len() + self.0.items.byte_size()
            }
            fn push_null(&mut self) {
                self.0.base_null()
            }
            fn push(&mut self, cell: &Cell<'_>) -> bool {
                self.push_cell(cell)
            }
        }
    };
}

// `[start, end]` frame ranges, from the pairs the walker read.
custom_list!(Segments, Segment);

impl Segments {
    fn push_cell(&mut self, cell: &Cell<'_>) -> bool {
        let Cell::Pairs(pairs) = cell else {
            return self.0.not_a_list(cell);
        };
        let mut ok = true;
        for [s, e] in pairs.iter() {
            let seg = &mut self.0.items;
            ok &= seg.start.push(&Cell::Json(s));
            ok &= seg.end.push(&Cell::Json(e));
            seg.close();
        }
        self.0.close();
        ok
    }
}

// Frame numbers (a track's keyframes), ascending as the walker hands them.
custom_list!(Frames, I64);

impl Frames {
    fn push_cell(&mut self, cell: &Cell<'_>) -> bool {
        let Cell::Frames(frames) = cell else {
            return self.0.not_a_list(cell);
        };
        let mut ok = true;
        for f in frames.iter() {
            match i64::try_from(*f) {
                Ok(v) => self.0.items.push_value(v),
                Err(_) => {
                    self.0.items.push_null();
                    ok = false;
                }
            }
        }
        self.0.close();
        ok
    }
}

// Metadata fields: a non-string `value` is stored as its JSON text.
custom_list!(MetadataFields, MetadataField);

impl MetadataFields {
    fn push_cell(&mut self, cell: &Cell<'_>) -> bool {
        let Cell::Json(Node::Arr(items)) = cell else {
            return self.0.not_a_list(cell);
        };
        let mut ok = true;
        let mut text = String::new();
        for item in items.iter() {
            let m = &mut self.0.items;
            let get = |key: &str| item.get(key);
            ok &= m.schema_id.push(&Cell::of(get("schema_id")));
            ok &= m.schema_name.push(&Cell::of(get("schema_name")));
            ok &= m.schema_kind.push(&Cell::of(get("schema_kind")));
            match get("value") {
                None | Some(Node::Null) => m.value.push_null(),
                Some(Node::Str(s)) => m.value.push_str(s),
                Some(v) => {
                    text.clear();
                    write_json(v, &mut text);
                    m.value.push_str(&text);
                }
            }
            ok &= m.value_name.push(&Cell::of(get("value_name")));
            m.close();
        }
        self.0.close();
        ok
    }
}

// Embeddings: `{id, name, dimensions, is_custom, values: [{value: [...]}]}` -> `vectors`.
custom_list!(EmbeddingList, Embedding);

impl EmbeddingList {
    fn push_cell(&mut self, cell: &Cell<'_>) -> bool {
        let Cell::Json(Node::Arr(items)) = cell else {
            return self.0.not_a_list(cell);
        };
        let mut ok = true;
        for e in items.iter() {
            let m = &mut self.0.items;
            ok &= m.id.push(&Cell::of(e.get("id")));
            ok &= m.name.push(&Cell::of(e.get("name")));
            ok &= m.dimensions.push(&Cell::of(e.get("dimensions")));
            ok &= m.is_custom.push(&Cell::of(e.get("is_custom")));
            let vectors: Vec<&Node<'_>> = match e.get("values") {
                Some(Node::Arr(vs)) => vs
                    .iter()
                    .map(|v| v.get("value").unwrap_or(&crate::json::NULL))
                    .collect(),
                _ => Vec::new(),
            };
            ok &= m.vectors.push(&Cell::Items(&vectors));
            m.close();
        }
        self.0.close();
        ok
    }
}
