//! List columns of any column type, and the list columns the tables declare.

use std::sync::Arc;

use arrow_array::{ArrayRef, ListArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};

use super::scalars::{Utf8, F64, I32, I64};
use super::structs::{Attachment, Embedding, Metric, Point};
use super::{Column, Validity};
use crate::json::Node;
use crate::tables::cell::Cell;
use crate::tables::grow::Grow;

/// A list column of `C` items. Items are appended to `items`, then the list is closed.
#[derive(Default)]
pub struct List<C: Column> {
    pub(super) offsets: Grow<i32>,
    pub(super) valid: Validity,
    pub items: C,
}

impl<C: Column> List<C> {
    /// A cell that is not this column's list: a null list; true when the cell was null.
    pub(super) fn not_a_list(&mut self, cell: &Cell<'_>) -> bool {
        self.base_null();
        cell.is_null()
    }
    pub fn close(&mut self) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.offsets.push(self.items.len() as i32);
        self.valid.push(true);
    }
    pub fn field() -> Field {
        Field::new("item", C::data_type(), true)
    }
    pub(super) fn base_truncate(&mut self, len: usize) {
        if len < self.valid.len() {
            self.offsets.truncate(len + 1);
            self.items.truncate(self.offsets[len] as usize);
            self.valid.truncate(len);
        }
    }
    pub(super) fn base_finish(&mut self) -> ArrayRef {
        let mut offsets = self.offsets.take();
        if offsets.is_empty() {
            offsets.push(0);
        }
        let items = self.items.finish();
        let nulls = self.valid.finish();
        // SAFETY: offsets start at 0 and never decrease; the last one is the items' length.
        let offsets = unsafe { OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)) };
        Arc::new(ListArray::new(Arc::new(Self::field()), offsets, items, nulls))
    }
    pub(super) fn base_null(&mut self) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.offsets.push(self.items.len() as i32);
        self.valid.push(false);
    }
    /// Append a JSON array item by item (each item as `C` takes a cell); null for JSON null.
    fn push_array(&mut self, cell: &Cell<'_>) -> bool {
        let items: &[Node<'_>] = match cell {
            Cell::Null | Cell::Json(Node::Null) => {
                self.base_null();
                return true;
            }
            Cell::Json(Node::Arr(items)) => items,
            Cell::Items(items) => {
                let start = self.items.len();
                for item in items.iter() {
                    if !self.items.push(&Cell::Json(item)) {
                        self.items.truncate(start);
                        self.base_null();
                        return false;
                    }
                }
                self.close();
                return true;
            }
            _ => {
                self.base_null();
                return false;
            }
        };
        let start = self.items.len();
        for item in items.iter() {
            if !self.items.push(&Cell::Json(item)) {
                self.items.truncate(start);
                self.base_null();
                return false;
            }
        }
        self.close();
        true
    }
}

macro_rules! list_column {
    ($name:ident, $item:ty) => {
        pub type $name = List<$item>;
        impl Column for List<$item> {
            fn data_type() -> DataType {
                DataType::List(Arc::new(Self::field()))
            }
            fn len(&self) -> usize {
                self.valid.len()
            }
            fn truncate(&mut self, len: usize) {
                self.base_truncate(len)
            }
            fn finish(&mut self) -> ArrayRef {
                self.base_finish()
            }
            fn byte_size(&self) -> usize {
                4 * self.offsets.len() + self.items.byte_size()
            }
            fn push_null(&mut self) {
                self.base_null()
            }
            fn push(&mut self, cell: &Cell<'_>) -> bool {
                self.push_array(cell)
            }
        }
    };
}

list_column!(Points, Point);
list_column!(Metrics, Metric);
list_column!(Attachments, Attachment);
list_column!(I32List, I32);
list_column!(Utf8List, Utf8);
list_column!(I64List, I64);
list_column!(F64List, F64);
list_column!(F64ListList, F64List);
list_column!(Embeddings, Embedding);

// Silence "never used" for the base list helpers used only through the macro.
#[allow(dead_code)]
fn _uses(l: &mut List<Utf8>) {
    let _ = l.len();
}
