//! Walk an NDJSON export and print every row as JSON (`{"run", "table", "row": {...}}`) and every
//! quarantine record, for comparing with the Python walker by hand or from a test harness.
//! Usage: cargo run --example dump -- FILE [MODEL_RUN_ID]

use std::io::Write;

use lb_export_native::json::write_str;
use lb_export_native::tables::render::row_json;
use lb_export_native::tables::TABLE_NAMES;
use lb_export_native::walk::{walk_chunk, ChunkOutput, WalkOptions};

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
                line.push_str(",\"row\":");
                line.push_str(&row_json(batch, i));
                line.push('}');
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
    if let Some(r) = &out.refused {
        writeln!(w, "{{\"refused\":{}}}", r.line).unwrap();
    }
    for (run, n) in &out.skipped_runs {
        writeln!(w, "{{\"skipped\":\"{run}\",\"lines\":{n}}}").unwrap();
    }
}
