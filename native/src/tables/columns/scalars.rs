//! Scalar columns: UTF-8 strings, primitives (floats, integers, timestamps) and booleans.

use std::sync::Arc;

use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{ArrayRef, ArrowPrimitiveType, BooleanArray, PrimitiveArray, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, TimeUnit};

use super::{Column, Validity};
use crate::json::Node;
use crate::tables::cell::{as_f64, as_int, Cell, Misfit};
use crate::tables::grow::Grow;

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
