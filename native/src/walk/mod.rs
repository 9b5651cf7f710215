//! The flattening rules: one export line (one data row) into rows of the six tables of each model
//! run it names, or a quarantine record naming the JSON path of what is wrong.

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod classifications;
mod emit;
mod errors;
mod geometry;
mod labels;
mod relationships;
mod row;
mod runs;
#[cfg(test)]
mod tests;
mod values;
mod video;

use arrow_array::RecordBatch;
use bumpalo::Bump;

use crate::json::{parse_line_with, Node, Stacks};
use crate::tables::BadColumn;
pub use crate::tables::TableBuilders;
use emit::{Emit, Misfit};
use errors::{At, FieldError};
use row::{attributed_row, line_head, no_runs, walk_run, PROJECT_EXPORT};
use runs::{check_partition_value, for_each_run};
pub use values::parse_iso;

/// Lists of known keys joined into one (a compile-time check that `N` is their total length).
pub(crate) const fn keys<const N: usize>(lists: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            out[n] = lists[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "N must be the number of keys");
    out
}

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
    /// The line's bytes as read, without a byte-order mark or its line ending (CR/LF).
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
    /// Set when a line shows the whole file is of another kind (a project export row): the walk
    /// stops at that line and the caller refuses the file with this reason, naming the line.
    pub refused: Option<QuarantineRecord>,
    /// The walker's working memory, kept from chunk to chunk so that lines do not allocate it again.
    scratch: Scratch,
}

/// A line's arena (reset per line, its largest block kept), the reader's stacks and the line's
/// transaction.
#[derive(Default)]
struct Scratch {
    arena: Bump,
    stacks: Stacks,
    tx: LineTx,
}

/// The six tables' batches of one model run, in `TABLE_NAMES` order.
pub type PartitionBatches = (String, [RecordBatch; 6]);

impl ChunkOutput {
    /// The batches of each partition that took rows since the last call. The builders stay, keeping
    /// their capacity for the next batches (no regrowth, no copies); a partition that took no rows
    /// since is dropped, and its memory with it.
    pub fn take_batches(&mut self) -> Vec<PartitionBatches> {
        self.partitions.retain(|_, t| t.rows() != [0; 6]);
        self.partitions
            .iter_mut()
            .map(|(run, t)| (run.clone(), t.finish()))
            .collect()
    }
}

/// Why a line did not land: a field error (the line is quarantined), or a refusal of the file.
enum LineError {
    Field(FieldError),
    Refuse(String),
}

impl From<FieldError> for LineError {
    fn from(e: FieldError) -> Self {
        LineError::Field(e)
    }
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Walk every line of `buf` (whole lines, '\n'-separated, the last may lack its '\n'); the first
/// is line `first_line` (1-based). Never panics: a line whose walk fails is quarantined.
pub fn walk_chunk(buf: &[u8], first_line: u64, opts: &WalkOptions, out: &mut ChunkOutput) {
    let Scratch {
        mut arena,
        mut stacks,
        mut tx,
    } = std::mem::take(&mut out.scratch);
    let mut n = first_line;
    let mut rest = buf;
    while !rest.is_empty() {
        let (line, next) = match memchr_newline(rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        out.lines += 1;
        let mut body = line;
        if n == 1 {
            body = body.strip_prefix(UTF8_BOM).unwrap_or(body);
        }
        // The record keeps the line as Python's quarantine writes it: no BOM, no trailing CR/LF.
        let end = body.iter().rposition(|&b| b != b'\r').map_or(0, |i| i + 1);
        let raw = &body[..end];
        if !body.iter().all(|b| b.is_ascii_whitespace() || *b == 0x0b) {
            arena.reset();
            walk_guarded(raw, n, opts, out, &arena, &mut stacks, &mut tx);
            if out.refused.is_some() {
                break;
            }
        }
        n += 1;
    }
    out.scratch = Scratch { arena, stacks, tx };
}

fn memchr_newline(s: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', s)
}

/// One line under `catch_unwind`: a panic becomes a quarantine record, and the rows the line had
/// appended are taken back.
fn walk_guarded(
    raw: &[u8],
    n: u64,
    opts: &WalkOptions,
    out: &mut ChunkOutput,
    arena: &Bump,
    stacks: &mut Stacks,
    tx: &mut LineTx,
) {
    tx.clear();
    let result = catch_unwind(AssertUnwindSafe(|| walk_line(raw, n, opts, out, arena, stacks, tx)));
    if result.is_err() {
        tx.rollback(out);
        let runs = opts.only_model_run.iter().cloned().collect();
        let problem = "could not flatten this line (internal error in the native walker)";
        quarantine(out, n, raw, FieldError::new("", problem), runs);
    }
}

fn walk_line(
    raw: &[u8],
    n: u64,
    opts: &WalkOptions,
    out: &mut ChunkOutput,
    arena: &Bump,
    stacks: &mut Stacks,
    tx: &mut LineTx,
) {
    let refuse = |out: &mut ChunkOutput, problem: String| {
        let runs = opts.only_model_run.iter().cloned().collect();
        quarantine(out, n, raw, FieldError::new("", problem), runs)
    };
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => return refuse(out, format!("not valid JSON (not UTF-8: {e})")),
    };
    let node = match parse_line_with(text, arena, stacks) {
        Ok(node) => node,
        Err(e) if e.to_string().starts_with(crate::json::DEPTH_ERROR) => {
            let limit = crate::json::DEPTH_LIMIT;
            return refuse(
                out,
                format!("nested more than {limit} levels deep, the JSON parser's limit ({e})"),
            );
        }
        Err(e) => return refuse(out, format!("not valid JSON ({e})")),
    };
    match flatten_line(&node, n as i64, opts, out, tx, arena) {
        Ok(None) => {}
        Ok(Some((bad, value))) => {
            tx.rollback(out);
            let name = bad.name();
            let kind = bad.type_name();
            let reason = format!("column {name}: {value} is not a valid value for this column's type ({kind})");
            quarantine(out, n, raw, FieldError::new(name, reason), runs_named_by(&node, opts));
        }
        Err(LineError::Field(e)) => {
            tx.rollback(out);
            quarantine(out, n, raw, e, runs_named_by(&node, opts));
        }
        Err(LineError::Refuse(reason)) => {
            tx.rollback(out);
            out.refused = Some(QuarantineRecord {
                line: n,
                field: String::new(),
                reason,
                runs: Vec::new(),
                raw: raw.to_vec(),
            });
        }
    }
}

fn quarantine(out: &mut ChunkOutput, n: u64, raw: &[u8], e: FieldError, runs: Vec<String>) {
    out.quarantine.push(QuarantineRecord {
        line: n,
        field: e.path,
        reason: e.problem,
        runs,
        raw: raw.to_vec(),
    });
}

/// Where a bad line's record goes: the run being materialized, else every run the line names (all
/// valid partition values), else nowhere (unattributed).
fn runs_named_by(obj: &Node<'_>, opts: &WalkOptions) -> Vec<String> {
    if let Some(only) = &opts.only_model_run {
        return vec![only.clone()];
    }
    let mut runs: Vec<String> = Vec::new();
    let all = for_each_run(obj, |e| {
        check_partition_value(e.run_id).map_err(|m| FieldError::new("", m))?;
        if !runs.iter().any(|r| r == e.run_id) {
            runs.push(e.run_id.to_string());
        }
        Ok(())
    });
    if all.is_err() || obj.fields().is_none() {
        runs.clear();
    }
    runs
}

/// The partitions a line touched, and their sizes before it, to take its rows back. Kept across
/// lines so that its buffers are reused.
#[derive(Default)]
struct LineTx {
    touched: Vec<(String, [usize; 6], bool)>,
    len: usize,
}

impl LineTx {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn touched(&self) -> &[(String, [usize; 6], bool)] {
        &self.touched[..self.len]
    }

    fn partition<'o>(&mut self, out: &'o mut ChunkOutput, run: &str) -> &'o mut TableBuilders {
        if !self.touched().iter().any(|(r, _, _)| r == run) {
            let created = !out.partitions.contains_key(run);
            if created {
                out.partitions.insert(run.to_string(), TableBuilders::default());
            }
            let rows = out.partitions[run].rows();
            if self.len == self.touched.len() {
                self.touched.push((String::new(), [0; 6], false));
            }
            let slot = &mut self.touched[self.len];
            slot.0.clear();
            slot.0.push_str(run);
            slot.1 = rows;
            slot.2 = created;
            self.len += 1;
        }
        out.partitions.get_mut(run).expect("partition just ensured")
    }

    fn rollback(&self, out: &mut ChunkOutput) {
        for (run, mark, created) in self.touched() {
            if *created {
                out.partitions.remove(run);
            } else if let Some(t) = out.partitions.get_mut(run) {
                t.truncate(*mark);
            }
        }
    }
}

/// Walk one parsed line into `out`: Ok(None) when it landed, Ok(Some((column, value shown))) when a
/// value did not fit its column (the rows are still in `out`, to be taken back), Err for a field
/// error.
fn flatten_line<'n>(
    obj: &'n Node<'n>,
    line: i64,
    opts: &'n WalkOptions,
    out: &mut ChunkOutput,
    tx: &mut LineTx,
    arena: &'n Bump,
) -> Result<Option<(BadColumn, String)>, LineError> {
    let (head, line_extra) = line_head(obj, line, arena)?;
    let split_default: Option<&'n str> = opts
        .splits
        .as_ref()
        .and_then(|s| s.get(head.data_row_id))
        .map(String::as_str);
    // Per run, in first-seen order: its id and the first misfit of its rows.
    let mut runs: Vec<(&'n str, Option<(Misfit, String)>)> = Vec::new();
    let mut skipped: Vec<&'n str> = Vec::new();
    let mut paths: Vec<(&'n str, String)> = Vec::new();
    for_each_run(obj, |entry| {
        if opts.only_model_run.as_deref().is_some_and(|only| only != entry.run_id) {
            skipped.push(entry.run_id);
            return Ok(());
        }
        check_partition_value(entry.run_id).map_err(|m| FieldError::new(entry.path.clone(), m))?;
        // The same run twice in one line: either entry could hold its labels, so none is kept.
        if let Some(first) = paths.iter().find(|(r, _)| *r == entry.run_id) {
            return Err(FieldError::new(
                entry.path.clone(),
                format!(
                    "model run {} is named twice in this line (also at {}); either entry could hold its labels, \
                     so none is kept",
                    entry.run_id, first.1
                ),
            ));
        }
        paths.push((entry.run_id, entry.path.clone()));
        runs.push((entry.run_id, None));
        let slot = runs.len() - 1;
        let t = tx.partition(out, entry.run_id);
        let mut em = Emit::new(t);
        walk_run(&head, &line_extra, &entry, split_default, &mut em, line, arena).at(&entry.path)?;
        runs[slot].1 = em.bad.take();
        Ok(())
    })?;

    if runs.is_empty() && skipped.is_empty() {
        if obj.get("projects").is_some() {
            return Err(LineError::Refuse(PROJECT_EXPORT.to_string()));
        }
        let Some(only) = opts.only_model_run.as_deref() else {
            return Err(no_runs().into());
        };
        let t = tx.partition(out, only);
        let mut em = Emit::new(t);
        attributed_row(&head, obj, line_extra, split_default, &mut em, arena);
        runs.push((only, em.bad.take()));
    }
    for run in skipped {
        *out.skipped_runs.entry(run.to_string()).or_default() += 1;
    }
    let bad = runs.into_iter().find_map(|(_, b)| b);
    Ok(bad.map(|((table, _, column), value)| (BadColumn { table, column }, value)))
}

#[cfg(test)]
mod chunk_tests {
    use super::*;

    #[test]
    fn lines_are_counted_and_bad_json_is_quarantined() {
        let row = br#"{"data_row":{"id":"dr"},"experiments":{"m":{"runs":{"r1":{}}}}}"#;
        let buf = [&b"\xef\xbb\xbf"[..], row, b"\r\n\n  \n{oops\r\n", row].concat();
        let mut out = ChunkOutput::default();
        walk_chunk(&buf, 1, &WalkOptions::default(), &mut out);
        assert_eq!(out.lines, 5);
        assert_eq!(out.quarantine.len(), 1, "{:?}", out.quarantine);
        assert_eq!(out.quarantine[0].line, 4);
        assert_eq!(out.quarantine[0].raw, b"{oops");
        assert!(out.quarantine[0].reason.starts_with("not valid JSON"));
        assert_eq!(out.partitions["r1"].rows(), [2, 0, 0, 0, 0, 0]);
    }
}
