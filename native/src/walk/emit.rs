//! Rows of one (line, model run) appended to that run's builders. A value its column cannot hold is
//! stored as null and remembered (the first by table, row and column, the order in which Python's
//! strict row check meets them), so the line can be quarantined naming that column.

use crate::json::Node;
use crate::tables::{
    push, BadColumn, Cell, ClassificationRow, DataRowRow, LabelRefRow, LabelRow, ObjectRow, RelationshipRow,
    TableBuilders, VideoFrameRow,
};

/// Which label or prediction rows belong to, and the line they came from.
#[derive(Clone, Copy)]
pub struct Ref<'n> {
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
                LabelId::Position(i) => Cell::Text(format!("#{i}")),
            },
        }
    }
}

/// The first misfit value of a run's rows: (table, row within this line, column).
pub type Misfit = (usize, usize, usize);

pub struct Emit<'t> {
    pub t: &'t mut TableBuilders,
    start: [usize; 6],
    pub bad: Option<Misfit>,
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

    fn note(&mut self, table: usize, bad: Option<BadColumn>) {
        if let Some(b) = bad {
            let row = self.t.rows()[table] - 1 - self.start[table];
            let m = (table, row, b.column);
            if self.bad.is_none_or(|old| m < old) {
                self.bad = Some(m);
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
