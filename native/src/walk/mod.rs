//! The flattening rules: one export line (one data row) into rows of the six tables of each model
//! run it names, or a quarantine record naming the JSON path of what is wrong.

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::json::parse_line;
pub use crate::tables::TableBuilders;

/// What a walk keeps and how it attributes lines.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Keep only this model run (the partition being materialized); a line that names no run is
    /// attributed to it. Other runs are counted in `skipped_runs`.
    pub only_model_run: Option<String>,
    /// data_row_id -> split, used where the export carries no split.
    pub splits: Option<HashMap<String, String>>,
}

/// A line that could not be flattened, kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRecord {
    /// 1-based line number in the export.
    pub line: u64,
    /// JSON path of the offending field (`experiments.<m>.runs.<r>.labels[0].annotations...`),
    /// `table.column` for a value its column cannot hold, or empty for the line as a whole.
    pub field: String,
    pub reason: String,
    /// The partitions (model run ids) the line names; empty = unattributed.
    pub runs: Vec<String>,
    /// The line's bytes as read, without its line ending.
    pub raw: Vec<u8>,
}

/// What a chunk of lines produced.
#[derive(Default)]
pub struct ChunkOutput {
    /// Builders per partition (model run id).
    pub partitions: BTreeMap<String, TableBuilders>,
    pub quarantine: Vec<QuarantineRecord>,
    /// Lines per model run left out by `only_model_run`.
    pub skipped_runs: BTreeMap<String, u64>,
    /// Lines read, blank ones included.
    pub lines: u64,
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Walk every line of `buf` (whole lines, '\n'-separated, the last may lack its '\n'); the first
/// is line `first_line` (1-based). Never panics: a line whose walk fails is quarantined.
pub fn walk_chunk(buf: &[u8], first_line: u64, opts: &WalkOptions, out: &mut ChunkOutput) {
    let mut n = first_line;
    let mut rest = buf;
    while !rest.is_empty() {
        let (line, next) = match memchr_newline(rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        out.lines += 1;
        let mut body = line.strip_suffix(b"\r").unwrap_or(line);
        if n == 1 {
            body = body.strip_prefix(UTF8_BOM).unwrap_or(body);
        }
        if !body.iter().all(u8::is_ascii_whitespace) {
            walk_guarded(body, line, n, opts, out);
        }
        n += 1;
    }
}

fn memchr_newline(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

/// One line under `catch_unwind`: a panic becomes a quarantine record, and the rows the line had
/// appended are taken back.
fn walk_guarded(body: &[u8], raw: &[u8], n: u64, opts: &WalkOptions, out: &mut ChunkOutput) {
    let marks: Vec<(String, [usize; 6])> = out
        .partitions
        .iter()
        .map(|(k, t)| (k.clone(), t.rows()))
        .collect();
    let result = catch_unwind(AssertUnwindSafe(|| walk_line(body, raw, n, opts, out)));
    if result.is_err() {
        for (run, mark) in marks {
            if let Some(t) = out.partitions.get_mut(&run) {
                t.truncate(mark);
            }
        }
        out.quarantine.push(QuarantineRecord {
            line: n,
            field: String::new(),
            reason: "could not flatten this line (internal error in the native walker)".into(),
            runs: opts.only_model_run.iter().cloned().collect(),
            raw: raw.to_vec(),
        });
    }
}

fn walk_line(body: &[u8], raw: &[u8], n: u64, opts: &WalkOptions, out: &mut ChunkOutput) {
    let quarantine = |out: &mut ChunkOutput, reason: String| {
        out.quarantine.push(QuarantineRecord {
            line: n,
            field: String::new(),
            reason,
            runs: opts.only_model_run.iter().cloned().collect(),
            raw: raw.to_vec(),
        })
    };
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => return quarantine(out, format!("not valid JSON (not UTF-8: {e})")),
    };
    let _node = match parse_line(text) {
        Ok(node) => node,
        Err(e) => return quarantine(out, format!("not valid JSON ({e})")),
    };
    // The rules land here next; until then a parsed line produces no rows.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_and_bad_json_is_quarantined() {
        let mut out = ChunkOutput::default();
        walk_chunk(
            b"\xef\xbb\xbf{}\r\n\n  \n{oops\r\n{}",
            1,
            &WalkOptions::default(),
            &mut out,
        );
        assert_eq!(out.lines, 5);
        assert_eq!(out.quarantine.len(), 1);
        assert_eq!(out.quarantine[0].line, 4);
        assert_eq!(out.quarantine[0].raw, b"{oops\r");
        assert!(out.quarantine[0].reason.starts_with("not valid JSON"));
    }
}
