//! A cell as JSON text (timestamps as UTC microseconds), for tests, the dump example and
//! differential checks against the Python walker.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::json::{write_float, write_str};

pub fn cell_json(a: &ArrayRef, i: usize, out: &mut String) {
    if a.is_null(i) {
        out.push_str("null");
        return;
    }
    match a.data_type() {
        DataType::Utf8 => write_str(a.as_string::<i32>().value(i), out),
        DataType::Int64 => out.push_str(&a.as_primitive::<Int64Type>().value(i).to_string()),
        DataType::Int32 => out.push_str(&a.as_primitive::<Int32Type>().value(i).to_string()),
        DataType::Float64 => write_float(a.as_primitive::<Float64Type>().value(i), out),
        DataType::Boolean => out.push_str(if a.as_boolean().value(i) { "true" } else { "false" }),
        DataType::Timestamp(..) => out.push_str(&a.as_primitive::<TimestampMicrosecondType>().value(i).to_string()),
        DataType::List(_) => {
            let items = a.as_list::<i32>().value(i);
            out.push('[');
            for j in 0..items.len() {
                if j > 0 {
                    out.push(',');
                }
                cell_json(&items, j, out);
            }
            out.push(']');
        }
        DataType::Struct(fields) => {
            let s = a.as_struct();
            out.push('{');
            for (k, f) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_str(f.name(), out);
                out.push(':');
                cell_json(s.column(k), i, out);
            }
            out.push('}');
        }
        other => out.push_str(&format!("\"<{other}>\"")),
    }
}

/// Row `i` of `batch` as a JSON object of its columns.
pub fn row_json(batch: &RecordBatch, i: usize) -> String {
    let mut out = String::from("{");
    for (k, f) in batch.schema().fields().iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        write_str(f.name(), &mut out);
        out.push(':');
        cell_json(batch.column(k), i, &mut out);
    }
    out.push('}');
    out
}

/// Column `name` of row `i` as JSON text.
pub fn cell(batch: &RecordBatch, name: &str, i: usize) -> String {
    let mut out = String::new();
    let k = batch.schema().index_of(name).expect("column exists");
    cell_json(batch.column(k), i, &mut out);
    out
}
