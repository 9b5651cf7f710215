//! The builders of one partition's six tables: rows appended (each value checked against its
//! column), taken back when their line is quarantined, and finished into record batches.

use super::*;

/// A column a value did not fit: `table.column`, as Python's quarantine names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BadColumn {
    pub table: usize,
    pub column: usize,
}

impl BadColumn {
    pub fn name(&self) -> String {
        let schema = &table_schemas()[self.table];
        format!("{}.{}", TABLE_NAMES[self.table], schema.field(self.column).name())
    }

    /// The column's Arrow type, as pyarrow prints it (`double`, `int64`), for a quarantine reason.
    pub fn type_name(&self) -> String {
        let schema = &table_schemas()[self.table];
        match schema.field(self.column).data_type() {
            arrow_schema::DataType::Float64 => "double".to_string(),
            arrow_schema::DataType::Utf8 => "string".to_string(),
            other => other.to_string().to_lowercase(),
        }
    }
}

/// The builders of the six tables of one partition.
#[derive(Default)]
pub struct TableBuilders {
    pub data_rows: DataRows,
    pub labels: Labels,
    pub objects: Objects,
    pub classifications: Classifications,
    pub video_frames: VideoFrames,
    pub relationships: Relationships,
}

macro_rules! each_table {
    ($self:ident, |$t:ident| $e:expr) => {
        [
            {
                let $t = &$self.data_rows;
                $e
            },
            {
                let $t = &$self.labels;
                $e
            },
            {
                let $t = &$self.objects;
                $e
            },
            {
                let $t = &$self.classifications;
                $e
            },
            {
                let $t = &$self.video_frames;
                $e
            },
            {
                let $t = &$self.relationships;
                $e
            },
        ]
    };
}

impl TableBuilders {
    /// Rows held per table, in `TABLE_NAMES` order.
    pub fn rows(&self) -> [usize; 6] {
        each_table!(self, |t| t.len())
    }

    /// Bytes held in the builders (about the size of the batches `finish` returns).
    pub fn byte_size(&self) -> usize {
        each_table!(self, |t| t.bytes()).iter().sum()
    }

    /// Cut every table back to `rows` (a mark taken with `rows()`).
    pub fn truncate(&mut self, rows: [usize; 6]) {
        self.data_rows.truncate_to(rows[0]);
        self.labels.truncate_to(rows[1]);
        self.objects.truncate_to(rows[2]);
        self.classifications.truncate_to(rows[3]);
        self.video_frames.truncate_to(rows[4]);
        self.relationships.truncate_to(rows[5]);
    }

    /// The six record batches, in `TABLE_NAMES` order; the builders are left empty.
    pub fn finish(&mut self) -> [RecordBatch; 6] {
        let schemas = table_schemas();
        let columns: [Vec<ArrayRef>; 6] = [
            finish_part(&mut self.data_rows),
            finish_part(&mut self.labels),
            finish_part(&mut self.objects),
            finish_part(&mut self.classifications),
            finish_part(&mut self.video_frames),
            finish_part(&mut self.relationships),
        ];
        let mut i = 0;
        columns.map(|cols| {
            let schema = schemas[i].clone();
            i += 1;
            RecordBatch::try_new(schema, cols).expect("builders match their schema")
        })
    }
}

fn finish_part<P: Part>(p: &mut P) -> Vec<ArrayRef> {
    let mut out = Vec::new();
    p.finish_into(&mut out);
    out
}

/// Append `row` to table `table` (index in `TABLE_NAMES`); the first column whose value did not
/// fit is returned with that value (a null was stored in its place).
pub fn push<'r, 'a, P: Part>(part: &mut P, table: usize, row: &'r P::Row<'a>) -> Option<(BadColumn, &'r Cell<'a>)> {
    let mut col = 0;
    let mut bad = None;
    part.push_row(row, &mut col, &mut bad);
    bad.map(|(column, value)| (BadColumn { table, column }, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn rows_truncate_and_finish() {
        let mut t = TableBuilders::default();
        let row = RelationshipRow {
            label_ref: LabelRefRow {
                data_row_id: Cell::Str("dr"),
                ..Default::default()
            },
            tail: TailRow {
                line_number: Cell::Int(3),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(push(&mut t.relationships, 5, &row).is_none());
        let mark = t.rows();
        assert!(push(&mut t.relationships, 5, &row).is_none());
        let bad = RelationshipRow {
            feature: FeatureRow {
                name: Cell::Int(5),
                ..Default::default()
            },
            ..Default::default()
        };
        let (err, value) = push(&mut t.relationships, 5, &bad).unwrap();
        assert_eq!(err.name(), "relationships.name");
        assert!(matches!(value, Cell::Int(5)));
        assert_eq!(t.rows()[5], 3);
        t.truncate(mark);
        assert_eq!(t.rows(), [0, 0, 0, 0, 0, 1]);
        let batches = t.finish();
        assert_eq!(batches[5].num_rows(), 1);
        assert_eq!(batches[0].num_rows(), 0);
        assert_eq!(batches[5].column(0).len(), 1);
        assert_eq!(t.rows(), [0; 6]);
    }
}
