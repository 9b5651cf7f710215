//! Column builders: plain vectors with a validity bitmap, appended one value at a time and cut back
//! to a length (a quarantined line takes back what it appended). `finish` hands the buffers to Arrow
//! without copying and leaves the builder empty.

mod custom_lists;
mod lists;
mod scalars;
mod structs;

use arrow_array::ArrayRef;
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow_schema::DataType;

use super::cell::Cell;
use super::grow::Grow;

pub use custom_lists::{EmbeddingList, Frames, MetadataFields, Segments};
pub use lists::{Attachments, Embeddings, F64List, F64ListList, I32List, I64List, List, Metrics, Points, Utf8List};
pub use scalars::{Bool, Prim, Timestamp, Utf8, F64, I32, I64};
pub use structs::{Attachment, Embedding, MetadataField, Metric, Point, Segment};

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
