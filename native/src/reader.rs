//! Reading an export file as blocks of whole lines: plain NDJSON or gzip, decompressed here.
//!
//! A block ends at a line end, knows the number of its first line (so quarantine records and
//! `line_number` stay absolute whatever thread walks it) and how many input bytes it took (the
//! compressed bytes for gzip), for progress. Blocks of a large file are walked by several threads,
//! so a gzip export uses more than one core without a decompressed copy on disk.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

const GZIP_MAGIC: &[u8] = b"\x1f\x8b";
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Whole lines of the export, in file order.
#[derive(Debug)]
pub struct Block {
    /// 0-based position of the block in the file.
    pub seq: u64,
    /// 1-based number of the block's first line.
    pub first_line: u64,
    /// Lines, each ending in '\n' except perhaps the last of the file.
    pub data: Vec<u8>,
    /// Input bytes consumed to produce this block (compressed bytes for gzip).
    pub input_bytes: u64,
}

/// Why a file cannot be read; nothing of it lands.
#[derive(Debug)]
pub enum ReadError {
    /// The file is not NDJSON, e.g. a JSON array of rows.
    NotNdjson(String),
    /// A gzip export ends early or is damaged (an interrupted download).
    CorruptGzip(String),
    /// A line is a project export's row: the whole file is of another kind (the caller names it).
    ProjectExport(String),
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotNdjson(m) | ReadError::CorruptGzip(m) | ReadError::ProjectExport(m) => f.write_str(m),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Counts the bytes read through it, shared with the block reader for progress.
struct Counting<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Splits a file into [`Block`]s of about `block_bytes` (more when one line is longer).
pub struct BlockReader {
    path: PathBuf,
    source: Box<dyn Read + Send>,
    gzip: bool,
    consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    reported: u64,
    carry: Vec<u8>,
    block_bytes: usize,
    next_line: u64,
    seq: u64,
    done: bool,
}

pub fn is_gzip(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut f = File::open(path)?;
    let mut got = 0;
    while got < 2 {
        let n = f.read(&mut magic[got..])?;
        if n == 0 {
            return Ok(false);
        }
        got += n;
    }
    Ok(magic == GZIP_MAGIC)
}

impl BlockReader {
    pub fn open(path: &Path, block_bytes: usize) -> Result<Self, ReadError> {
        let gzip = is_gzip(path).map_err(ReadError::Io)?;
        let file = File::open(path).map_err(ReadError::Io)?;
        let consumed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counting = Counting {
            inner: file,
            count: consumed.clone(),
        };
        let source: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(BufReader::with_capacity(1 << 20, counting)))
        } else {
            Box::new(counting)
        };
        Ok(BlockReader {
            path: path.to_path_buf(),
            source,
            gzip,
            consumed,
            reported: 0,
            carry: Vec::new(),
            block_bytes: block_bytes.max(1),
            next_line: 1,
            seq: 0,
            done: false,
        })
    }

    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// The next block, or None at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Block>, ReadError> {
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        let mut scan_from = 0; // no line end in buf[..scan_from] once the block is full enough
        let cut = loop {
            if buf.len() >= self.block_bytes {
                if let Some(i) = memchr::memrchr(b'\n', &buf[scan_from..]) {
                    break Some(scan_from + i + 1);
                }
                scan_from = buf.len();
            }
            let start = buf.len();
            buf.resize(start + self.block_bytes.saturating_sub(start).max(8 << 10), 0);
            let n = match self.read_into(&mut buf[start..]) {
                Ok(n) => n,
                Err(e) => return Err(self.read_error(e, &buf[..start])),
            };
            buf.truncate(start + n);
            if n == 0 {
                self.done = true;
                break None;
            }
        };
        let data = match cut {
            Some(end) => {
                self.carry = buf.split_off(end);
                buf
            }
            None => buf,
        };
        if data.is_empty() {
            return Ok(None);
        }
        if self.seq == 0 {
            self.check_first_line(&data)?;
        }
        let lines = memchr::memchr_iter(b'\n', &data).count() as u64;
        let consumed = self.consumed.load(std::sync::atomic::Ordering::Relaxed);
        let block = Block {
            seq: self.seq,
            first_line: self.next_line,
            data,
            input_bytes: consumed - self.reported,
        };
        self.reported = consumed;
        self.seq += 1;
        self.next_line += lines;
        Ok(Some(block))
    }

    fn read_into(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.source.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// A damaged gzip stream names the last whole line read (`pending`: read, not yet handed out).
    fn read_error(&self, e: io::Error, pending: &[u8]) -> ReadError {
        if !(self.gzip && is_stream_error(&e)) {
            return ReadError::Io(e);
        }
        let good = self.next_line - 1 + memchr::memchr_iter(b'\n', pending).count() as u64;
        ReadError::CorruptGzip(format!(
            "{}: the gzip stream is truncated or damaged after line {} ({e}); download the export again",
            self.path.display(),
            thousands(good),
        ))
    }

    /// A JSON array (export v1, or an export re-saved as one document) is refused at once.
    fn check_first_line(&self, data: &[u8]) -> Result<(), ReadError> {
        let body = data.strip_prefix(UTF8_BOM).unwrap_or(data);
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            return Err(ReadError::NotNdjson(format!(
                "{}: line 1 starts a JSON array; lb-export reads Labelbox export v2 NDJSON, one data \
                 row per line. Convert with: python -c \"import json,sys; [print(json.dumps(r)) for r \
                 in json.load(open(sys.argv[1]))]\" FILE > FILE.ndjson",
                self.path.display()
            )));
        }
        Ok(())
    }
}

/// Errors a damaged or truncated deflate stream gives (not those of the disk underneath).
fn is_stream_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
    )
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lb-reader-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn all_blocks(path: &Path, block: usize) -> Result<Vec<Block>, ReadError> {
        let mut r = BlockReader::open(path, block)?;
        let mut out = Vec::new();
        while let Some(b) = r.next_block()? {
            out.push(b);
        }
        Ok(out)
    }

    fn lines(n: usize) -> Vec<u8> {
        (1..=n)
            .map(|i| format!("{{\"n\": {i}, \"pad\": \"{}\"}}\n", "x".repeat(i % 97)))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn blocks_cut_on_line_ends_and_number_lines_absolutely() {
        let text = lines(5000);
        for (name, bytes) in [("p.ndjson", text.clone()), ("g.ndjson.gz", gzip(&text))] {
            let path = temp(name, &bytes);
            let blocks = all_blocks(&path, 4096).unwrap();
            assert!(blocks.len() > 10, "{name}: {} blocks", blocks.len());
            let mut joined = Vec::new();
            let mut line = 1;
            for (i, b) in blocks.iter().enumerate() {
                assert_eq!(b.seq, i as u64);
                assert_eq!(b.first_line, line, "{name} block {i}");
                assert_eq!(*b.data.last().unwrap(), b'\n');
                let first = std::str::from_utf8(&b.data).unwrap().lines().next().unwrap();
                assert!(first.starts_with(&format!("{{\"n\": {line},")), "{first}");
                line += memchr::memchr_iter(b'\n', &b.data).count() as u64;
                joined.extend_from_slice(&b.data);
            }
            assert_eq!(joined, text);
            let input: u64 = blocks.iter().map(|b| b.input_bytes).sum();
            assert_eq!(input, bytes.len() as u64, "{name}");
        }
    }

    #[test]
    fn a_line_longer_than_a_block_stays_whole_and_the_last_line_may_lack_its_end() {
        let text = format!("{{\"a\": \"{}\"}}\n{{\"b\": 1}}", "y".repeat(100_000));
        let blocks = all_blocks(&temp("long.ndjson", text.as_bytes()), 1000).unwrap();
        let joined: Vec<u8> = blocks.iter().flat_map(|b| b.data.clone()).collect();
        assert_eq!(joined, text.as_bytes());
        assert_eq!(blocks[0].first_line, 1);
        assert_eq!(blocks.last().unwrap().data, b"{\"b\": 1}");
        assert_eq!(blocks.last().unwrap().first_line, 2);
    }

    #[test]
    fn a_json_array_is_refused_with_the_way_to_convert_it() {
        let err = all_blocks(&temp("arr.json", b"\xef\xbb\xbf [\n{\"a\": 1}\n]\n"), 64).unwrap_err();
        match err {
            ReadError::NotNdjson(m) => assert!(m.contains("line 1 starts a JSON array"), "{m}"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_truncated_gzip_names_the_last_good_line() {
        let text = lines(20_000);
        let whole = gzip(&text);
        let cut = &whole[..whole.len() / 2];
        let err = all_blocks(&temp("cut.ndjson.gz", cut), 4096).unwrap_err();
        let ReadError::CorruptGzip(m) = err else {
            panic!("{err}")
        };
        assert!(m.contains("truncated or damaged after line "), "{m}");
        let n: u64 = m
            .split("after line ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap();
        assert!(n > 1000 && n < 20_000, "{m}");
        assert!(m.ends_with("download the export again"), "{m}");
    }

    #[test]
    fn empty_file_has_no_blocks() {
        assert!(all_blocks(&temp("e.ndjson", b""), 64).unwrap().is_empty());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
