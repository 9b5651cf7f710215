//! Struct columns filled from a JSON object's keys, and the struct columns the tables declare.

use std::sync::Arc;

use arrow_array::{ArrayRef, StructArray};
use arrow_schema::{DataType, Field, Fields};

use super::lists::F64ListList;
use super::scalars::{Bool, Utf8, F64, I64};
use super::{Column, Validity};
use crate::json::Node;
use crate::tables::cell::Cell;

/// A struct column whose children are filled from a JSON object's keys (missing key: null).
macro_rules! struct_column {
    ($name:ident { $($field:ident : $ty:ty = $key:literal),* $(,)? }) => {
        #[derive(Default)]
        pub struct $name {
            $(pub $field: $ty,)*
            valid: Validity,
        }
        impl $name {
            pub fn fields() -> Fields {
                Fields::from(vec![$(Field::new($key, <$ty as Column>::data_type(), true)),*])
            }
            /// Close a row whose children were pushed by the caller.
            #[allow(dead_code)]
            pub fn close(&mut self) {
                self.valid.push(true);
            }
        }
        impl Column for $name {
            fn data_type() -> DataType {
                DataType::Struct(Self::fields())
            }
            fn len(&self) -> usize {
                self.valid.len()
            }
            fn truncate(&mut self, len: usize) {
                $(self.$field.truncate(len);)*
                self.valid.truncate(len);
            }
            fn finish(&mut self) -> ArrayRef {
                let arrays: Vec<ArrayRef> = vec![$(self.$field.finish()),*];
                Arc::new(StructArray::new(Self::fields(), arrays, self.valid.finish()))
            }
            fn byte_size(&self) -> usize {
                0 $(+ self.$field.byte_size())*
            }
            fn push_null(&mut self) {
                $(self.$field.push_null();)*
                self.valid.push(false);
            }
            fn push(&mut self, cell: &Cell<'_>) -> bool {
                let fields = match cell {
                    Cell::Null | Cell::Json(Node::Null) => {
                        self.push_null();
                        return true;
                    }
                    Cell::Json(Node::Obj(fields)) => fields,
                    _ => {
                        self.push_null();
                        return false;
                    }
                };
                let get = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
                let mut ok = true;
                $(ok &= self.$field.push(&Cell::of(get($key)));)*
                self.valid.push(true);
                ok
            }
        }
    };
}

struct_column!(Point {
    x: F64 = "x",
    y: F64 = "y"
});
struct_column!(Segment {
    start: I64 = "start",
    end: I64 = "end"
});
struct_column!(Metric {
    name: Utf8 = "name",
    value: F64 = "value"
});
struct_column!(Attachment {
    kind: Utf8 = "type",
    value: Utf8 = "value",
    name: Utf8 = "name",
    id: Utf8 = "id"
});
struct_column!(MetadataField {
    schema_id: Utf8 = "schema_id",
    schema_name: Utf8 = "schema_name",
    schema_kind: Utf8 = "schema_kind",
    value: Utf8 = "value",
    value_name: Utf8 = "value_name",
});
struct_column!(Embedding {
    id: Utf8 = "id",
    name: Utf8 = "name",
    dimensions: I64 = "dimensions",
    is_custom: Bool = "is_custom",
    vectors: F64ListList = "vectors",
});
