//! Walk an NDJSON export and print every row as JSON (`{"run", "table", "row": {...}}`) and every
//! quarantine record, for comparing with the Python walker by hand or from a test harness.
//! Usage: cargo run --example dump -- FILE [MODEL_RUN_ID]

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use lb_export_native::json::{write_float, write_str};
use lb_export_native::tables::TABLE_NAMES;
use lb_export_native::walk::{walk_chunk, ChunkOutput, WalkOptions};

fn value(a: &ArrayRef, i: usize, out: &mut String) {
    if a.is_null(i) {
        out.push_str("null");
        return;
    }
    match a.data_type() {
        DataType::Utf8 => write_str(a.as_string::<i32>().value(i), out),
        DataType::Int64 => out.push_str(&a.as_primitive::<Int64Type>().value(i).to_string()),
        DataType::Int32 => out.push_str(&a.as_primitive::<Int32Type>().value(i).to_string()),
        DataType::Float64 => write_float(a.as_primitive::<Float64Type>().value(i), out),
        DataType::Boolean => out.push_str(if a.as_boolean().value(i) {
            "true"
        } else {
            "false"
        }),
        DataType::Timestamp(..) => out.push_str(
            &a.as_primitive::<TimestampMicrosecondType>()
                .value(i)
                .to_string(),
        ),
        DataType::List(_) => {
            let items = a.as_list::<i32>().value(i);
            out.push('[');
            for j in 0..items.len() {
                if j > 0 {
                    out.push(',');
                }
                value(&items, j, out);
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
                value(s.column(k), i, out);
            }
            out.push('}');
        }
        other => panic!("no dump for {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let buf = std::fs::read(&args[1]).expect("read the export");
    let opts = WalkOptions {
        only_model_run: args.get(2).cloned(),
        splits: None,
    };
    let mut out = ChunkOutput::default();
    walk_chunk(&buf, 1, &opts, &mut out);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for (run, tables) in out.partitions.iter_mut() {
        for (t, batch) in tables.finish().iter().enumerate() {
            for i in 0..batch.num_rows() {
                let mut line = String::from("{\"run\":");
                write_str(run, &mut line);
                line.push_str(",\"table\":");
                write_str(TABLE_NAMES[t], &mut line);
                line.push_str(",\"row\":{");
                for (k, f) in batch.schema().fields().iter().enumerate() {
                    if k > 0 {
                        line.push(',');
                    }
                    write_str(f.name(), &mut line);
                    line.push(':');
                    value(batch.column(k), i, &mut line);
                }
                line.push_str("}}");
                writeln!(w, "{line}").unwrap();
            }
        }
    }
    for q in &out.quarantine {
        let mut line = format!("{{\"quarantine\":{},\"field\":", q.line);
        write_str(&q.field, &mut line);
        line.push_str(",\"runs\":[");
        for (i, r) in q.runs.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            write_str(r, &mut line);
        }
        line.push_str("],\"reason\":");
        write_str(&q.reason, &mut line);
        line.push('}');
        writeln!(w, "{line}").unwrap();
    }
    for (run, n) in &out.skipped_runs {
        writeln!(w, "{{\"skipped\":\"{run}\",\"lines\":{n}}}").unwrap();
    }
}
