//! Time the walk alone (decode + rules + Arrow builders + finish) on one thread.
//! Usage: cargo run --release --example walk_bench -- FILE [REPEATS]

use std::time::Instant;

use lb_export_native::walk::{walk_chunk, ChunkOutput, WalkOptions};

const CHUNK: usize = 8 << 20;

/// CPU seconds this (single) thread has used, to the nanosecond where the kernel keeps scheduler
/// statistics, else to the clock tick: steadier than wall time on a shared machine.
fn cpu_seconds() -> f64 {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    if let Some(ns) = schedstat.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()) {
        return ns as f64 / 1e9;
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let buf = std::fs::read(&args[1]).expect("read the export");
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let opts = WalkOptions::default();
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..repeats {
        let started = Instant::now();
        let cpu = cpu_seconds();
        let mut rows = 0usize;
        let mut quarantined = 0usize;
        let mut start = 0;
        let mut line = 1u64;
        let mut out = ChunkOutput::default(); // kept across chunks, as a scan's walker keeps it
        while start < buf.len() {
            let mut end = (start + CHUNK).min(buf.len());
            while end < buf.len() && buf[end - 1] != b'\n' {
                end += 1;
            }
            walk_chunk(&buf[start..end], line, &opts, &mut out);
            line += std::mem::take(&mut out.lines);
            quarantined += std::mem::take(&mut out.quarantine).len();
            for (_, batches) in out.take_batches() {
                rows += batches.iter().map(|b| b.num_rows()).sum::<usize>();
            }
            start = end;
        }
        let secs = started.elapsed().as_secs_f64();
        best = best.min(secs);
        best_cpu = best_cpu.min(cpu_seconds() - cpu);
        eprintln!("{rows} rows, {quarantined} quarantined, {secs:.3} s");
    }
    println!(
        "walk: best {best:.3} s, {:.1} MB/s; cpu {best_cpu:.3} s",
        buf.len() as f64 / best / 1e6
    );
}
