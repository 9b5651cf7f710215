//! A table is declared once as a list of parts (columns, or groups of columns shared by several
//! tables); [`group!`] turns that list into the builders, the row a walker fills, and the schema.

use arrow_array::ArrayRef;
use arrow_schema::Field;

use super::cell::Cell;
use super::columns::Column;

/// A column or a group of columns.
#[allow(clippy::len_without_is_empty)]
pub trait Part: Default {
    /// What one row gives this part.
    type Row<'a>: Default;
    fn fields(name: &str, out: &mut Vec<Field>);
    fn len(&self) -> usize;
    /// Append one row. `col` counts columns; the first that refused its value is kept in `bad`,
    /// with that value.
    fn push_row<'r, 'a>(&mut self, row: &'r Self::Row<'a>, col: &mut usize, bad: &mut Option<(usize, &'r Cell<'a>)>);
    fn finish_into(&mut self, out: &mut Vec<ArrayRef>);
    fn truncate_to(&mut self, len: usize);
    fn bytes(&self) -> usize;
}

impl<C: Column> Part for C {
    type Row<'a> = Cell<'a>;
    fn fields(name: &str, out: &mut Vec<Field>) {
        out.push(Field::new(name, C::data_type(), true));
    }
    fn len(&self) -> usize {
        Column::len(self)
    }
    fn push_row<'r, 'a>(&mut self, row: &'r Cell<'a>, col: &mut usize, bad: &mut Option<(usize, &'r Cell<'a>)>) {
        if !self.push(row) && bad.is_none() {
            *bad = Some((*col, row));
        }
        *col += 1;
    }
    fn finish_into(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(self.finish());
    }
    fn truncate_to(&mut self, len: usize) {
        self.truncate(len)
    }
    fn bytes(&self) -> usize {
        self.byte_size()
    }
}

/// `group!(Name / NameRow { column: Type, ... })`: builders `Name`, row `NameRow<'a>` with one
/// field per part, and `Part` for `Name` (its columns in declaration order).
///
/// `group!(read Name / NameRow { ... })`, for columns that each hold the JSON value of the key of
/// the same name, adds `Name::KEYS` (those keys) and `NameRow::read(object)`.
macro_rules! group {
    (read $name:ident / $row:ident { $($field:ident : $ty:ty),+ $(,)? }) => {
        group! { $name / $row { $($field: $ty),+ } }

        impl $name {
            pub const KEYS: [&'static str; [$(stringify!($field)),+].len()] = [$(stringify!($field)),+];
        }

        impl<'a> $row<'a> {
            /// Each column's value is the object's key of the same name (null where absent).
            pub fn read(object: Option<&'a $crate::json::Node<'a>>) -> Self {
                let get = |key: &str| $crate::tables::Cell::of(object.and_then(|o| o.get(key)));
                $row { $($field: get(stringify!($field))),+ }
            }
        }
    };
    ($name:ident / $row:ident { $first:ident : $first_ty:ty $(, $field:ident : $ty:ty)* $(,)? }) => {
        #[derive(Default)]
        pub struct $name {
            pub $first: $first_ty,
            $(pub $field: $ty,)*
        }

        #[derive(Default, Clone, Copy)]
        pub struct $row<'a> {
            pub $first: <$first_ty as $crate::tables::part::Part>::Row<'a>,
            $(pub $field: <$ty as $crate::tables::part::Part>::Row<'a>,)*
        }

        impl $crate::tables::part::Part for $name {
            type Row<'a> = $row<'a>;
            fn fields(_name: &str, out: &mut Vec<arrow_schema::Field>) {
                <$first_ty as $crate::tables::part::Part>::fields(stringify!($first), out);
                $(<$ty as $crate::tables::part::Part>::fields(stringify!($field), out);)*
            }
            fn len(&self) -> usize {
                $crate::tables::part::Part::len(&self.$first)
            }
            fn push_row<'r, 'a>(
                &mut self,
                row: &'r $row<'a>,
                col: &mut usize,
                bad: &mut Option<(usize, &'r $crate::tables::Cell<'a>)>,
            ) {
                self.$first.push_row(&row.$first, col, bad);
                $(self.$field.push_row(&row.$field, col, bad);)*
            }
            fn finish_into(&mut self, out: &mut Vec<arrow_array::ArrayRef>) {
                self.$first.finish_into(out);
                $(self.$field.finish_into(out);)*
            }
            fn truncate_to(&mut self, len: usize) {
                self.$first.truncate_to(len);
                $(self.$field.truncate_to(len);)*
            }
            fn bytes(&self) -> usize {
                self.$first.bytes() $(+ self.$field.bytes())*
            }
        }
    };
}

pub(crate) use group;
