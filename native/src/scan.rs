//! One export file through the walker on several threads of this process.
//!
//! A reader thread cuts the file into blocks of whole lines (decompressing gzip on the way), and
//! `threads` walker threads take blocks in file order and walk them into Arrow builders. When a
//! walker's builders hold `flush_bytes`, it finishes them into record batches and hands them over
//! as one [`ScanChunk`]. Channels between the stages are bounded, so memory stays flat whatever the
//! file's size: at most a few blocks and one chunk per walker (being built, or waiting for the
//! caller to take it) are in flight.
//!
//! Each walker takes its blocks in increasing line order, so the chunks of one worker are in line
//! order; callers that write one file per worker keep rows (and quarantine records) sorted.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

use crate::reader::{Block, BlockReader, ReadError};
pub use crate::walk::PartitionBatches;
use crate::walk::{walk_chunk, ChunkOutput, QuarantineRecord, WalkOptions};

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Walker threads (the reader thread comes on top; it mostly waits unless the file is gzip).
    pub threads: usize,
    /// Bytes of lines per block handed to a walker.
    pub block_bytes: usize,
    /// Arrow bytes a walker gathers before it hands its batches over.
    pub flush_bytes: usize,
    pub walk: WalkOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: 1,
            block_bytes: 1 << 20,
            flush_bytes: 16 << 20,
            walk: WalkOptions::default(),
        }
    }
}

/// What one walker produced since its last hand-over.
pub struct ScanChunk {
    /// The walker thread (0-based); its chunks come in line order.
    pub worker: usize,
    pub partitions: Vec<PartitionBatches>,
    pub quarantine: Vec<QuarantineRecord>,
    pub skipped_runs: BTreeMap<String, u64>,
    pub lines: u64,
}

/// What [`Scan::next_chunk`] found.
pub enum Next {
    Chunk(Box<ScanChunk>),
    /// Nothing yet: the caller may report progress or check for interrupts, then ask again.
    Waiting,
    Done,
}

#[derive(Default)]
struct Progress {
    input_bytes: AtomicU64,
    lines: AtomicU64,
}

enum Message {
    Chunk(Box<ScanChunk>),
    Failed(ReadError),
}

/// A running scan. Dropping it stops and joins every thread, whether or not it was read to the end.
pub struct Scan {
    chunks: Receiver<Message>,
    cancel: Arc<AtomicBool>,
    progress: Arc<Progress>,
    threads: Vec<JoinHandle<()>>,
    failed: bool,
}

impl Scan {
    /// Opens `path` (errors opening it come back here) and starts the threads.
    pub fn start(path: &Path, options: ScanOptions) -> Result<Scan, ReadError> {
        let mut reader = BlockReader::open(path, options.block_bytes)?;
        let walkers = options.threads.max(1);
        let (block_tx, block_rx) = bounded::<Block>(2 * walkers);
        // No queue of finished chunks: a walker hands its chunk straight to the caller and builds the
        // next one only then, so it holds at most one chunk's worth of Arrow buffers.
        let (chunk_tx, chunk_rx) = bounded::<Message>(0);
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Progress::default());
        let mut threads = Vec::with_capacity(walkers + 1);

        let (tx, stop) = (chunk_tx.clone(), cancel.clone());
        threads.push(spawn("lb-read", move || {
            read_blocks(&mut reader, &block_tx, &tx, &stop)
        }));
        let walk = Arc::new(options.walk);
        for worker in 0..walkers {
            let (rx, tx, stop) = (block_rx.clone(), chunk_tx.clone(), cancel.clone());
            let (walk, progress, flush) = (walk.clone(), progress.clone(), options.flush_bytes);
            threads.push(spawn(&format!("lb-walk-{worker}"), move || {
                walk_blocks(worker, &rx, &tx, &stop, &walk, &progress, flush)
            }));
        }
        Ok(Scan {
            chunks: chunk_rx,
            cancel,
            progress,
            threads,
            failed: false,
        })
    }

    /// The next chunk, waiting at most `timeout`. A read error ends the scan.
    pub fn next_chunk(&mut self, timeout: Duration) -> Result<Next, ReadError> {
        if self.failed {
            return Ok(Next::Done);
        }
        match self.chunks.recv_timeout(timeout) {
            Ok(Message::Chunk(c)) => Ok(Next::Chunk(c)),
            Ok(Message::Failed(e)) => {
                self.failed = true;
                self.stop();
                Err(e)
            }
            Err(RecvTimeoutError::Timeout) => Ok(Next::Waiting),
            Err(RecvTimeoutError::Disconnected) => Ok(Next::Done),
        }
    }

    /// (input bytes, lines) walked so far.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.progress.input_bytes.load(Ordering::Relaxed),
            self.progress.lines.load(Ordering::Relaxed),
        )
    }

    /// Stops the threads and waits for them.
    pub fn stop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        // Unblock senders waiting on a full channel, then join.
        while !self.threads.is_empty() {
            while self.chunks.try_recv().is_ok() {}
            self.threads.retain(|t| !t.is_finished());
            if !self.threads.is_empty() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

impl Drop for Scan {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn<F: FnOnce() + Send + 'static>(name: &str, f: F) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(64 << 20) // lines nested up to the JSON depth limit recurse that deep (reserved, not used)
        .spawn(f)
        .expect("cannot start a thread")
}

fn read_blocks(reader: &mut BlockReader, blocks: &Sender<Block>, chunks: &Sender<Message>, cancel: &AtomicBool) {
    guarded("the export reader", chunks, cancel, || loop {
        if cancel.load(Ordering::Relaxed) {
            return Ok(());
        }
        match reader.next_block()? {
            Some(block) => {
                if send_unless_cancelled(blocks, block, cancel).is_err() {
                    return Ok(());
                }
            }
            None => return Ok(()),
        }
    });
}

/// Runs a thread's work; its error, or a panic, is sent as the scan's failure. walk_chunk never
/// panics; this guards the rest, so that a dead thread can never look like a finished one (its
/// lines would be silently missing).
fn guarded(who: &str, chunks: &Sender<Message>, cancel: &AtomicBool, work: impl FnOnce() -> Result<(), ReadError>) {
    let error = match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(_) => ReadError::Io(std::io::Error::other(format!("internal error in {who}"))),
    };
    let _ = send_unless_cancelled(chunks, Message::Failed(error), cancel);
}

fn walk_blocks(
    worker: usize,
    blocks: &Receiver<Block>,
    chunks: &Sender<Message>,
    cancel: &AtomicBool,
    walk: &WalkOptions,
    progress: &Progress,
    flush_bytes: usize,
) {
    guarded("a walker thread", chunks, cancel, || {
        let mut out = ChunkOutput::default();
        let mut quarantined_bytes = 0;
        for block in blocks.iter() {
            if cancel.load(Ordering::Relaxed) {
                return Ok(());
            }
            let lines_before = out.lines;
            let quarantined_before = out.quarantine.len();
            walk_chunk(&block.data, block.first_line, walk, &mut out);
            if let Some(r) = out.refused.take() {
                // A project export row: the whole file is of another kind (Python's ProjectExportError).
                return Err(ReadError::ProjectExport(format!("line {} is {}", r.line, r.reason)));
            }
            quarantined_bytes += out.quarantine[quarantined_before..]
                .iter()
                .map(|q| q.raw.len())
                .sum::<usize>();
            progress.input_bytes.fetch_add(block.input_bytes, Ordering::Relaxed);
            progress.lines.fetch_add(out.lines - lines_before, Ordering::Relaxed);
            let held: usize = out.partitions.values().map(|t| t.byte_size()).sum();
            if held + quarantined_bytes >= flush_bytes {
                let chunk = finish(worker, &mut out);
                quarantined_bytes = 0;
                if send_unless_cancelled(chunks, Message::Chunk(chunk), cancel).is_err() {
                    return Ok(());
                }
            }
        }
        if !cancel.load(Ordering::Relaxed) && out.lines > 0 {
            let _ = send_unless_cancelled(chunks, Message::Chunk(finish(worker, &mut out)), cancel);
        }
        Ok(())
    });
}

/// What the walker holds, handed over; its builders stay for the next blocks.
fn finish(worker: usize, out: &mut ChunkOutput) -> Box<ScanChunk> {
    // A refusal is taken (and the scan failed) as soon as it is set.
    Box::new(ScanChunk {
        worker,
        partitions: out.take_batches(),
        quarantine: std::mem::take(&mut out.quarantine),
        skipped_runs: std::mem::take(&mut out.skipped_runs),
        lines: std::mem::take(&mut out.lines),
    })
}

/// Sends, giving up when the scan is cancelled (the receiver may have stopped reading).
fn send_unless_cancelled<T>(tx: &Sender<T>, mut value: T, cancel: &AtomicBool) -> Result<(), ()> {
    loop {
        match tx.send_timeout(value, Duration::from_millis(50)) {
            Ok(()) => return Ok(()),
            Err(crossbeam_channel::SendTimeoutError::Timeout(v)) => {
                if cancel.load(Ordering::Relaxed) {
                    return Err(());
                }
                value = v;
            }
            Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => return Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lb-scan-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn drain(scan: &mut Scan) -> Result<Vec<ScanChunk>, ReadError> {
        let mut chunks = Vec::new();
        loop {
            match scan.next_chunk(Duration::from_millis(100))? {
                Next::Chunk(c) => chunks.push(*c),
                Next::Waiting => {}
                Next::Done => return Ok(chunks),
            }
        }
    }

    #[test]
    fn every_line_is_walked_once_and_each_worker_sees_its_lines_in_order() {
        let text: String = (1..=3000).map(|i| format!("{{not json {i}\n")).collect();
        let path = temp("bad.ndjson", text.as_bytes());
        let options = ScanOptions {
            threads: 3,
            block_bytes: 2000,
            flush_bytes: 10_000,
            ..ScanOptions::default()
        };
        let mut scan = Scan::start(&path, options).unwrap();
        let chunks = drain(&mut scan).unwrap();
        assert_eq!(scan.progress(), (text.len() as u64, 3000));
        assert_eq!(chunks.iter().map(|c| c.lines).sum::<u64>(), 3000);
        let mut seen: Vec<u64> = Vec::new();
        for worker in 0..3 {
            let lines: Vec<u64> = chunks
                .iter()
                .filter(|c| c.worker == worker)
                .flat_map(|c| c.quarantine.iter().map(|q| q.line))
                .collect();
            assert!(lines.windows(2).all(|w| w[0] < w[1]), "worker {worker}");
            seen.extend(lines);
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=3000).collect::<Vec<u64>>());
        let q = &chunks[0].quarantine[0];
        assert_eq!(q.raw, format!("{{not json {}", q.line).as_bytes());
    }

    #[test]
    fn flushes_hand_over_what_one_walk_gives_and_no_empty_partition() {
        let line = |i: usize, run: &str| {
            format!(
                r#"{{"data_row":{{"id":"dr{i}"}},"experiments":{{"m":{{"runs":{{"{run}":{{"labels":[{{"id":"l{i}","annotations":{{"objects":[{{"feature_id":"o{i}","point":{{"x":{i},"y":2}}}}]}}}}]}}}}}}}}}}"#
            )
        };
        // Both runs, then run B alone: A's builders go idle after the first flushes.
        let lines: Vec<String> = (0..600)
            .map(|i| line(i, if i < 200 && i % 2 == 0 { "A" } else { "B" }))
            .collect();
        let text = lines.join("\n") + "\n";
        let options = ScanOptions {
            block_bytes: 4000,
            flush_bytes: 8000,
            ..ScanOptions::default()
        };
        let mut scan = Scan::start(&temp("runs.ndjson", text.as_bytes()), options).unwrap();
        let chunks = drain(&mut scan).unwrap();
        assert!(chunks.len() > 5, "{} chunks", chunks.len());
        assert_eq!(
            chunks.last().unwrap().partitions.len(),
            1,
            "idle run A is not handed over"
        );
        let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (run, batches) in chunks.iter().flat_map(|c| &c.partitions) {
            assert!(
                batches[0].num_rows() > 0,
                "an empty partition of run {run} was handed over"
            );
            for (t, b) in batches.iter().enumerate() {
                let rows = got.entry(format!("{run}/{t}")).or_default();
                rows.extend((0..b.num_rows()).map(|i| crate::tables::render::row_json(b, i)));
            }
        }
        let mut whole = ChunkOutput::default();
        walk_chunk(text.as_bytes(), 1, &WalkOptions::default(), &mut whole);
        for (run, batches) in whole.take_batches() {
            for (t, b) in batches.iter().enumerate() {
                let want: Vec<String> = (0..b.num_rows())
                    .map(|i| crate::tables::render::row_json(b, i))
                    .collect();
                assert_eq!(
                    got.remove(&format!("{run}/{t}")).unwrap_or_default(),
                    want,
                    "{run} table {t}"
                );
            }
        }
        assert!(got.is_empty());
    }

    #[test]
    fn a_read_error_ends_the_scan() {
        let path = temp("arr.ndjson", b"[{\"a\": 1}]\n");
        let mut scan = Scan::start(&path, ScanOptions::default()).unwrap();
        assert!(matches!(drain(&mut scan), Err(ReadError::NotNdjson(_))));
    }

    #[test]
    fn dropping_a_scan_midway_stops_its_threads() {
        let text: String = (1..=20_000).map(|i| format!("{{not json {i}\n")).collect();
        let path = temp("big.ndjson", text.as_bytes());
        let options = ScanOptions {
            threads: 2,
            block_bytes: 1000,
            flush_bytes: 1000,
            ..ScanOptions::default()
        };
        let mut scan = Scan::start(&path, options).unwrap();
        assert!(matches!(scan.next_chunk(Duration::from_secs(5)), Ok(Next::Chunk(_))));
        drop(scan); // joins: the test would hang if a thread stayed blocked
    }

    #[test]
    fn a_walker_walks_no_further_than_the_chunk_it_waits_to_hand_over() {
        let text: String = (1..=5_000).map(|i| format!("{{not json {i:05}\n")).collect();
        let path = temp("ahead.ndjson", text.as_bytes());
        let options = ScanOptions {
            block_bytes: 1000,
            flush_bytes: 1, // a chunk per block
            ..ScanOptions::default()
        };
        let mut scan = Scan::start(&path, options).unwrap();
        let Ok(Next::Chunk(first)) = scan.next_chunk(Duration::from_secs(5)) else {
            panic!("no chunk")
        };
        std::thread::sleep(Duration::from_millis(300)); // time enough to walk the whole file
        let walked = scan.progress().1;
        let Ok(Next::Chunk(second)) = scan.next_chunk(Duration::from_secs(5)) else {
            panic!("no second chunk")
        };
        assert_eq!(
            walked,
            first.lines + second.lines,
            "lines walked while the caller held the first chunk"
        );
    }
}
