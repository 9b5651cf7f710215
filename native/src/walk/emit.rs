//! Rows of one (line, model run) appended to that run's builders. A value its column cannot hold is
//! stored as null and remembered (the first by table, row and column, the order in which Python's
//! strict row check meets them), so the line can be quarantined naming that column.

use bumpalo::Bump;

use super::values::py_repr;
use crate::json::Node;
use crate::tables::{
    push, BadColumn, Cell, ClassificationRow, DataRowRow, LabelRefRow, LabelRow, ObjectRow, RelationshipRow,
    TableBuilders, VideoFrameRow,
};

/// Which label or prediction rows belong to, and the line they came from.
#[derive(Clone, Copy)]
pub struct Ref<'n> {
    /// The line's arena: where the texts and lists its rows compute live.
    pub arena: &'n Bump,
    pub data_row_id: &'n str,
    pub source: &'static str,
    pub label_id: LabelId<'n>,
    pub line: i64,
}

/// A label's id, or, when it has none, its position in its run's list (the key is `#<i>`).
#[derive(Clone, Copy)]
pub enum LabelId<'n> {
    Given(&'n Node<'n>),
    Position(usize),
}

impl<'n> Ref<'n> {
    pub fn row(&self) -> LabelRefRow<'n> {
        LabelRefRow {
            data_row_id: Cell::Str(self.data_row_id),
            source: Cell::Str(self.source),
            label_id: match self.label_id {
                LabelId::Given(n) => Cell::Json(n),
                LabelId::Position(i) => Cell::Text(bumpalo::format!(in self.arena, "#{}", i).into_bump_str()),
            },
        }
    }
}

/// Where the first misfit value of a run's rows is: (table, row within this line, column).
pub type Misfit = (usize, usize, usize);

pub struct Emit<'t> {
    pub t: &'t mut TableBuilders,
    start: [usize; 6],
    /// The first misfit, with the value as Python's `{value!r:.80}` shows it.
    pub bad: Option<(Misfit, String)>,
}

macro_rules! emitter {
    ($fn:ident, $field:ident, $row:ident, $table:expr) => {
        pub fn $fn(&mut self, row: &$row<'_>) {
            let bad = push(&mut self.t.$field, $table, row);
            self.note($table, bad);
        }
    };
}

impl<'t> Emit<'t> {
    pub fn new(t: &'t mut TableBuilders) -> Self {
        let start = t.rows();
        Emit { t, start, bad: None }
    }

    fn note(&mut self, table: usize, bad: Option<(BadColumn, &Cell<'_>)>) {
        if let Some((b, value)) = bad {
            let row = self.t.rows()[table] - 1 - self.start[table];
            let m = (table, row, b.column);
            if self.bad.as_ref().is_none_or(|(old, _)| m < *old) {
                self.bad = Some((m, shown(value)));
            }
        }
    }

    /// Rows held now, per table.
    pub fn rows(&self) -> [usize; 6] {
        self.t.rows()
    }

    emitter!(data_row, data_rows, DataRowRow, 0);
    emitter!(label, labels, LabelRow, 1);
    emitter!(object, objects, ObjectRow, 2);
    emitter!(classification, classifications, ClassificationRow, 3);
    emitter!(video_frame, video_frames, VideoFrameRow, 4);
    emitter!(relationship, relationships, RelationshipRow, 5);
}

/// How many characters of a misfit value a quarantine reason quotes (Python's `{value!r:.80}`).
const SHOWN_CHARS: usize = 80;

/// A value as the Python walker's row held it, in Python's repr, cut to `SHOWN_CHARS` characters.
fn shown(cell: &Cell<'_>) -> String {
    let mut out = String::new();
    let list = |out: &mut String, n: usize, item: &dyn Fn(&mut String, usize)| {
        out.push('[');
        for i in 0..n {
            if i > 0 {
                out.push_str(", ");
            }
            item(out, i);
        }
        out.push(']');
    };
    match cell {
        Cell::Null => out.push_str("None"),
        Cell::Json(n) => py_repr(n, &mut out),
        Cell::Str(s) => py_repr(&Node::Str(s), &mut out),
        Cell::Text(s) => py_repr(&Node::Str(s), &mut out),
        Cell::Int(i) | Cell::Micros(i) => py_repr(&Node::Int(*i), &mut out), // (timestamps always fit)
        Cell::Float(f) => py_repr(&Node::Float(*f), &mut out),
        Cell::Bool(b) => py_repr(&Node::Bool(*b), &mut out),
        Cell::Items(items) => list(&mut out, items.len(), &|out, i| py_repr(items[i], out)),
        // (start, end) tuples, as the Python walker pairs them.
        Cell::Pairs(pairs) => list(&mut out, pairs.len(), &|out, i| {
            out.push('(');
            py_repr(pairs[i][0], out);
            out.push_str(", ");
            py_repr(pairs[i][1], out);
            out.push(')');
        }),
        Cell::Frames(frames) => list(&mut out, frames.len(), &|out, i| out.push_str(&frames[i].to_string())),
    }
    match out.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => out[..cut].to_string(),
        None => out,
    }
}
