//! Any bytes through the walk: no panic, no abort, every non-blank line lands (a data_rows row) or
//! is quarantined with a reason, and every batch is valid Arrow.
//!
//! The walk catches a panic per line and quarantines the line; here such a record fails the run, so
//! the fuzzer reports the input that caused it.

#![no_main]

use std::collections::BTreeSet;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::Array;
use lb_export_native::walk::{walk_chunk, ChunkOutput, WalkOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options, so both attribution modes are explored.
    let (opts, buf) = match data.split_first() {
        Some((b, rest)) if b & 1 == 1 => (WalkOptions { only_model_run: Some("run-1".into()), splits: None }, rest),
        _ => (WalkOptions::default(), data),
    };
    let mut out = ChunkOutput::default();
    walk_chunk(buf, 1, &opts, &mut out);

    for q in &out.quarantine {
        assert!(!q.reason.is_empty());
        assert!(!q.reason.contains("internal error"), "the walk panicked on line {}", q.line);
    }
    let mut landed = BTreeSet::new();
    for tables in out.partitions.values_mut() {
        let batches = tables.finish();
        for batch in &batches {
            for column in batch.columns() {
                column.to_data().validate_full().expect("valid Arrow data");
            }
        }
        let lines = batches[0].column_by_name("line_number").expect("line_number");
        landed.extend(lines.as_primitive::<Int64Type>().values().iter().copied());
    }
    // A project export row stops the walk: the file is refused from that line on.
    let refused_at = out.refused.as_ref().map_or(i64::MAX, |r| r.line as i64);
    if opts.only_model_run.is_none() {
        let quarantined: BTreeSet<i64> = out.quarantine.iter().map(|q| q.line as i64).collect();
        for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
            let n = i as i64 + 1;
            if n >= refused_at {
                break;
            }
            let blank = line.iter().all(|b| b.is_ascii_whitespace() || *b == 0x0b)
                || (n == 1 && line.strip_prefix(b"\xef\xbb\xbf").is_some_and(|l| l.iter().all(u8::is_ascii_whitespace)));
            assert!(blank || landed.contains(&n) || quarantined.contains(&n), "line {n} neither landed nor quarantined");
        }
    }
});
