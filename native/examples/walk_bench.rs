//! Time the walk alone (decode + rules + Arrow builders + finish) on one thread.
//! Usage: cargo run --release --example walk_bench -- FILE [REPEATS]

use std::time::Instant;

use lb_export_native::walk::{walk_chunk, ChunkOutput, WalkOptions};

const CHUNK: usize = 8 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let buf = std::fs::read(&args[1]).expect("read the export");
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let opts = WalkOptions::default();
    let mut best = f64::MAX;
    for _ in 0..repeats {
        let started = Instant::now();
        let mut rows = 0usize;
        let mut quarantined = 0usize;
        let mut start = 0;
        let mut line = 1u64;
        while start < buf.len() {
            let mut end = (start + CHUNK).min(buf.len());
            while end < buf.len() && buf[end - 1] != b'\n' {
                end += 1;
            }
            let mut out = ChunkOutput::default();
            walk_chunk(&buf[start..end], line, &opts, &mut out);
            line += out.lines;
            quarantined += out.quarantine.len();
            for t in out.partitions.values_mut() {
                rows += t.finish().iter().map(|b| b.num_rows()).sum::<usize>();
            }
            start = end;
        }
        let secs = started.elapsed().as_secs_f64();
        best = best.min(secs);
        eprintln!("{rows} rows, {quarantined} quarantined, {secs:.3} s");
    }
    println!(
        "walk: best {best:.3} s, {:.1} MB/s",
        buf.len() as f64 / best / 1e6
    );
}
