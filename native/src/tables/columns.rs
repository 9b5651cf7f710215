//! Column builders: plain vectors with a validity bitmap, appended one value at a time and cut back
//! to a length (a quarantined line takes back what it appended). `finish` hands the buffers to Arrow
//! without copying and leaves the builder empty.

use std::sync::Arc;

use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{ArrayRef, ArrowPrimitiveType, BooleanArray, ListArray, PrimitiveArray, StringArray, StructArray};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, TimeUnit};

use super::cell::{as_f64, as_int, Cell, Misfit};
use super::grow::Grow;
use crate::json::{write_json, Node};

/// One column of a table: its Arrow type, and values appended row by row.
#[allow(clippy::len_without_is_empty)]
pub trait Column: Default {
    fn data_type() -> DataType;
    fn len(&self) -> usize;
    fn truncate(&mut self, len: usize);
    fn finish(&mut self) -> ArrayRef;
    fn byte_size(&self) -> usize;
    fn push_null(&mut self);
    /// Append `cell`; if it does not fit the column's type, append null and return false.
    fn push(&mut self, cell: &Cell<'_>) -> bool;
}

/// Validity bits, packed as Arrow lays them out (LSB first), with a count of nulls.
#[derive(Default)]
pub struct Validity {
    bytes: Grow<u8>,
    len: usize,
}

impl Validity {
    #[inline]
    fn push(&mut self, valid: bool) {
        let bit = self.len & 7;
        if bit == 0 {
            self.bytes.push(0);
        }
        if valid {
            *self.bytes.last_mut().expect("a byte for this bit") |= 1 << bit;
        }
        self.len += 1;
    }
    fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
            self.bytes.truncate(len.div_ceil(8));
            if len & 7 != 0 {
                *self.bytes.last_mut().expect("a byte for these bits") &= (1u8 << (len & 7)) - 1;
            }
        }
    }
    #[inline]
    fn len(&self) -> usize {
        self.len
    }
    /// The bitmap (None when every value is valid).
    fn finish(&mut self) -> Option<NullBuffer> {
        let nulls = NullBuffer::new(self.bits());
        (nulls.null_count() > 0).then_some(nulls)
    }

    /// The bits as a boolean buffer.
    fn bits(&mut self) -> BooleanBuffer {
        let len = std::mem::take(&mut self.len);
        BooleanBuffer::new(Buffer::from_vec(self.bytes.take()), 0, len)
    }
}

// ---------------------------------------------------------------- strings

#[derive(Default)]
pub struct Utf8 {
    offsets: Grow<i32>,
    data: Grow<u8>,
    valid: Validity,
}

impl Utf8 {
    pub fn push_str(&mut self, s: &str) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.data.extend_from_slice(s.as_bytes());
        self.offsets.push(self.data.len() as i32);
        self.valid.push(true);
    }
}

impl Column for Utf8 {
    fn data_type() -> DataType {
        DataType::Utf8
    }
    fn len(&self) -> usize {
        self.valid.len()
    }
    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.offsets.truncate(len + 1);
            self.data.truncate(self.offsets[len] as usize);
            self.valid.truncate(len);
        }
    }
    fn finish(&mut self) -> ArrayRef {
        let mut offsets = self.offsets.take();
        if offsets.is_empty() {
            offsets.push(0);
        }
        let data = self.data.take();
        let nulls = self.valid.finish();
        // SAFETY: offsets start at 0 and grow with `data`; every value appended was a whole &str.
        Arc::new(unsafe {
            StringArray::new_unchecked(
                OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)),
                Buffer::from_vec(data),
                nulls,
            )
        })
    }
    fn byte_size(&self) -> usize {
        self.data.len() + 4 * self.offsets.len()
    }
    fn push_null(&mut self) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.offsets.push(self.data.len() as i32);
        self.valid.push(false);
    }
    fn push(&mut self, cell: &Cell<'_>) -> bool {
        match cell {
            Cell::Str(s) => self.push_str(s),
            Cell::Text(s) => self.push_str(s),
            Cell::Json(Node::Str(s)) => self.push_str(s),
            Cell::Null | Cell::Json(Node::Null) => self.push_null(),
            _ => {
                self.push_null();
                return false;
            }
        }
        true
    }
}

// ---------------------------------------------------------------- primitives

pub struct Prim<T: ArrowPrimitiveType> {
    values: Grow<T::Native>,
    valid: Validity,
}

impl<T: ArrowPrimitiveType> Default for Prim<T> {
    fn default() -> Self {
        Prim {
            values: Grow::default(),
            valid: Validity::default(),
        }
    }
}

impl<T: ArrowPrimitiveType> Prim<T> {
    pub fn push_value(&mut self, v: T::Native) {
        self.values.push(v);
        self.valid.push(true);
    }
    fn push_opt(&mut self, v: Option<T::Native>) {
        match v {
            Some(v) => self.push_value(v),
            None => self.base_null(),
        }
    }
    fn finish_array(&mut self) -> PrimitiveArray<T> {
        let values = self.values.take();
        PrimitiveArray::<T>::new(ScalarBuffer::from(values), self.valid.finish())
    }
    fn base_len(&self) -> usize {
        self.values.len()
    }
    fn base_truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.valid.truncate(len);
    }
    fn base_null(&mut self) {
        self.values.push(T::Native::default());
        self.valid.push(false);
    }
}

macro_rules! prim_column {
    ($name:ident, $t:ty, $dt:expr, |$a:ident| $wrap:expr, |$cell:ident| $convert:expr) => {
        pub type $name = Prim<$t>;
        impl Column for Prim<$t> {
            fn data_type() -> DataType {
                $dt
            }
            fn len(&self) -> usize {
                self.base_len()
            }
            fn truncate(&mut self, len: usize) {
                self.base_truncate(len)
            }
            fn finish(&mut self) -> ArrayRef {
                let $a = self.finish_array();
                Arc::new($wrap)
            }
            fn byte_size(&self) -> usize {
                self.values.len() * std::mem::size_of::<<$t as ArrowPrimitiveType>::Native>()
            }
            fn push_null(&mut self) {
                self.base_null()
            }
            fn push(&mut self, $cell: &Cell<'_>) -> bool {
                let converted: Result<Option<<$t as ArrowPrimitiveType>::Native>, Misfit> = $convert;
                match converted {
                    Ok(v) => {
                        self.push_opt(v);
                        true
                    }
                    Err(Misfit) => {
                        self.base_null();
                        false
                    }
                }
            }
        }
    };
}

prim_column!(F64, Float64Type, DataType::Float64, |a| a, |cell| match cell {
    Cell::Null => Ok(None),
    Cell::Float(f) => Ok(Some(*f)),
    Cell::Int(i) => as_f64(&Node::Int(*i)),
    Cell::Json(n) => as_f64(n),
    _ => Err(Misfit),
});
prim_column!(I64, Int64Type, DataType::Int64, |a| a, |cell| match cell {
    Cell::Null => Ok(None),
    Cell::Int(i) => Ok(Some(*i)),
    Cell::Json(n) => as_int(n, i64::MIN, i64::MAX),
    _ => Err(Misfit),
});
prim_column!(I32, Int32Type, DataType::Int32, |a| a, |cell| match cell {
    Cell::Null => Ok(None),
    Cell::Int(i) => i32::try_from(*i).map(Some).map_err(|_| Misfit),
    Cell::Json(n) => as_int(n, i32::MIN as i64, i32::MAX as i64).map(|v| v.map(|v| v as i32)),
    _ => Err(Misfit),
});
prim_column!(
    Timestamp,
    TimestampMicrosecondType,
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    |a| a.with_timezone("UTC"),
    |cell| match cell {
        Cell::Null => Ok(None),
        Cell::Micros(m) => Ok(Some(*m)),
        _ => Err(Misfit),
    }
);

#[derive(Default)]
pub struct Bool {
    values: Validity, // the values, as bits
    valid: Validity,
}

impl Bool {
    pub fn push_value(&mut self, v: bool) {
        self.values.push(v);
        self.valid.push(true);
    }
}

impl Column for Bool {
    fn data_type() -> DataType {
        DataType::Boolean
    }
    fn len(&self) -> usize {
        self.values.len()
    }
    fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.valid.truncate(len);
    }
    fn finish(&mut self) -> ArrayRef {
        Arc::new(BooleanArray::new(self.values.bits(), self.valid.finish()))
    }
    fn byte_size(&self) -> usize {
        self.len() / 4 + 1
    }
    fn push_null(&mut self) {
        self.values.push(false);
        self.valid.push(false);
    }
    fn push(&mut self, cell: &Cell<'_>) -> bool {
        match cell {
            Cell::Bool(b) | Cell::Json(Node::Bool(b)) => self.push_value(*b),
            Cell::Null | Cell::Json(Node::Null) => self.push_null(),
            _ => {
                self.push_null();
                return false;
            }
        }
        true
    }
}

// ---------------------------------------------------------------- lists and structs

/// A list column of `C` items. Items are appended to `items`, then the list is closed.
#[derive(Default)]
pub struct List<C: Column> {
    offsets: Grow<i32>,
    valid: Validity,
    pub items: C,
}

impl<C: Column> List<C> {
    /// A cell that is not this column's list: a null list; true when the cell was null.
    fn not_a_list(&mut self, cell: &Cell<'_>) -> bool {
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
    fn base_truncate(&mut self, len: usize) {
        if len < self.valid.len() {
            self.offsets.truncate(len + 1);
            self.items.truncate(self.offsets[len] as usize);
            self.valid.truncate(len);
        }
    }
    fn base_finish(&mut self) -> ArrayRef {
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
    fn base_null(&mut self) {
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
                for item in items {
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

list_column!(Points, Point);
list_column!(Metrics, Metric);
list_column!(Attachments, Attachment);
list_column!(I32List, I32);
list_column!(Utf8List, Utf8);
list_column!(I64List, I64);
list_column!(F64List, F64);
list_column!(F64ListList, F64List);
list_column!(Embeddings, Embedding);

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
        for [s, e] in pairs {
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
        for f in frames {
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
            ok &= m.vectors.push(&Cell::Items(vectors));
            m.close();
        }
        self.0.close();
        ok
    }
}

// Silence "never used" for the base list helpers used only through the macro.
#[allow(dead_code)]
fn _uses(l: &mut List<Utf8>) {
    let _ = l.len();
}
