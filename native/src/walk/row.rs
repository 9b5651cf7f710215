//! One export line (one data row) into rows per model run. Labels and predictions sit under
//! `experiments.<model>.runs.<run>` (the current API) or `models.<model>.model_runs.<run>` (export v2
//! beta); both are read, even side by side in one line. Each run becomes one data_rows row.

use super::emit::Emit;
use super::errors::{want_array, At, FieldError, Walk};
use super::keys;
use super::labels::{or_empty, walk_label};
use super::runs::{RunEntry, SHAPES};
use super::values::{timestamp, unknown_json, Extra};
use bumpalo::Bump;

use crate::json::{json_text, Node};
use crate::tables::{Cell, DataRowRow, Media, MediaRow, TailRow};

const TOP_FIELDS: [&str; 7] = [
    "data_row",
    "media_attributes",
    "attachments",
    "metadata_fields",
    "embeddings",
    "models",
    "experiments",
];
const DATA_ROW_FIELDS: [&str; 5] = ["id", "global_key", "external_id", "row_data", "details"];
const DETAILS_FIELDS: [&str; 6] = [
    "dataset_id",
    "dataset_name",
    "created_at",
    "updated_at",
    "last_activity_at",
    "created_by",
];
const MEDIA_FIELDS: [&str; 7] = keys(&[&Media::KEYS, &["exif_rotation"]]);
const MODEL_FIELDS: [&str; 4] = ["model_name", "name", "model_runs", "runs"];
const RUN_FIELDS: [&str; 7] = [
    "model_run_name",
    "name",
    "annotation_group_id",
    "labels",
    "predictions",
    "split",
    "data_split",
];
const ATTACHMENT_FIELDS: [&str; 4] = ["type", "value", "name", "id"];
const METADATA_FIELDS: [&str; 5] = ["schema_id", "schema_name", "schema_kind", "value", "value_name"];
const EMBEDDING_FIELDS: [&str; 5] = ["id", "name", "dimensions", "is_custom", "values"];
const VECTOR_FIELDS: [&str; 1] = ["value"];
/// What every run's data_rows row shares, read once per line.
pub struct LineHead<'n> {
    pub data_row_id: &'n str,
    row: DataRowRow<'n>,
}

/// `a or b`: `a` when truthy, else `b`.
fn or<'n>(a: Option<&'n Node<'n>>, b: Option<&'n Node<'n>>) -> Option<&'n Node<'n>> {
    if a.is_some_and(|a| a.truthy()) {
        a
    } else {
        b
    }
}

/// A list of objects for a list<struct> column (their unknown keys go to `extra` by the caller).
fn list_of_objects<'n>(items: Option<&'n Node<'n>>, name: &str) -> Walk<Cell<'n>> {
    let Some(items) = items.filter(|i| i.truthy()) else {
        return Ok(Cell::Null);
    };
    match items {
        Node::Arr(list) if list.iter().all(|i| i.fields().is_some()) => Ok(Cell::Json(items)),
        _ => Err(FieldError::new(name, "expected a list of objects")),
    }
}

/// media_attributes.exif_rotation: a string of digits ("1", 2023 exports) or an integer (2025).
fn exif_rotation<'n>(value: Option<&'n Node<'n>>) -> Walk<Cell<'n>> {
    match value {
        None | Some(Node::Null) => Ok(Cell::Null),
        Some(v @ (Node::Int(_) | Node::UInt(_))) => Ok(Cell::Json(v)),
        Some(v @ Node::Str(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            // Beyond int64 it cannot fit the int32 column either (which refuses the string as it is).
            Ok(s.parse::<i64>().map_or(Cell::Json(v), Cell::Int))
        }
        Some(v) => {
            let mut shown = String::new();
            super::values::py_repr(v, &mut shown);
            Err(FieldError::new(
                "media_attributes.exif_rotation",
                format!("expected an integer or a string of digits, got {shown:.40}"),
            ))
        }
    }
}

/// Python's `_embeddings` check: `[{..., values: [{value}]}]`. A value that is not iterable at all
/// fails outside that check (the line is refused with no field named).
fn check_embeddings(items: Option<&Node<'_>>) -> Walk {
    let Some(items) = items.filter(|i| i.truthy()) else {
        return Ok(());
    };
    let shape = || {
        FieldError::new(
            "embeddings",
            "expected [{id, name, dimensions, is_custom, values: [{value}]}]",
        )
    };
    let list = match items {
        Node::Arr(list) => list,
        Node::Obj(_) | Node::Str(_) => return Err(shape()),
        other => {
            return Err(FieldError::new(
                "",
                format!("could not flatten this line: {} is not iterable", other.py_type()),
            ))
        }
    };
    for e in list.iter() {
        if e.fields().is_none() {
            return Err(shape());
        }
        match e.get("values").filter(|v| v.truthy()) {
            None => {}
            Some(Node::Arr(vs)) if vs.iter().any(|v| v.fields().is_none()) => return Err(shape()),
            Some(Node::Arr(_)) => {}
            Some(Node::Obj(_) | Node::Str(_)) => return Err(shape()),
            Some(other) => {
                return Err(FieldError::new(
                    "",
                    format!("could not flatten this line: {} is not iterable", other.py_type()),
                ))
            }
        }
    }
    Ok(())
}

/// Read the line's own fields. Errors name the field, in the order Python meets them.
pub fn line_head<'n>(obj: &'n Node<'n>, line: i64, arena: &'n Bump) -> Walk<(LineHead<'n>, Extra)> {
    if obj.fields().is_none() {
        return Err(FieldError::new(
            "",
            format!("line is a JSON {}, expected an object (one data row)", obj.py_type()),
        ));
    }
    let dr = obj
        .get("data_row")
        .filter(|d| d.fields().is_some())
        .ok_or_else(|| FieldError::new("data_row", "missing, or not an object"))?;
    let data_row_id = match dr.get("id") {
        Some(Node::Str(s)) if !s.is_empty() => s,
        None | Some(Node::Null) | Some(Node::Str(_)) => return Err(FieldError::new("data_row.id", "missing or empty")),
        Some(other) => {
            let mut shown = String::new();
            super::values::py_repr(other, &mut shown);
            let problem = format!("expected a string, got {} ({shown})", other.json_type());
            return Err(FieldError::new("data_row.id", problem));
        }
    };
    let details = or_empty(dr.get("details"));
    let media = or_empty(obj.get("media_attributes"));
    if details.fields().is_none() {
        return Err(FieldError::new("data_row.details", "expected an object"));
    }
    if media.fields().is_none() {
        return Err(FieldError::new("media_attributes", "expected an object"));
    }
    let attachments = list_of_objects(obj.get("attachments"), "attachments")?;
    let metadata = list_of_objects(obj.get("metadata_fields"), "metadata_fields")?;
    let row_data = match dr.get("row_data") {
        None | Some(Node::Null) => Cell::Null,
        Some(v @ Node::Str(_)) => Cell::Json(v),
        Some(v) => Cell::Text(json_text(v, arena)),
    };
    let created_at = timestamp(details.get("created_at"), "data_row.details.created_at")?;
    let updated_at = timestamp(details.get("updated_at"), "data_row.details.updated_at")?;
    let last_activity_at = timestamp(details.get("last_activity_at"), "data_row.details.last_activity_at")?;
    let exif = exif_rotation(media.get("exif_rotation"))?;
    check_embeddings(obj.get("embeddings"))?;
    let embeddings = obj.get("embeddings").filter(|e| e.truthy());

    let mut extra = Extra::default();
    extra.unknown("top", obj, &TOP_FIELDS);
    extra.unknown("data_row", dr, &DATA_ROW_FIELDS);
    extra.unknown("details", details, &DETAILS_FIELDS);
    extra.items("attachments", obj.get("attachments"), &ATTACHMENT_FIELDS);
    extra.items("metadata_fields", obj.get("metadata_fields"), &METADATA_FIELDS);
    extra.items("embeddings", embeddings, &EMBEDDING_FIELDS);
    if let Some(Node::Arr(list)) = embeddings {
        for (i, e) in list.iter().enumerate() {
            extra.items(&format!("embeddings[{i}].values"), e.get("values"), &VECTOR_FIELDS);
        }
    }

    let row = DataRowRow {
        data_row_id: Cell::Str(data_row_id),
        global_key: Cell::of(dr.get("global_key")),
        external_id: Cell::of(dr.get("external_id")),
        row_data,
        dataset_id: Cell::of(details.get("dataset_id")),
        dataset_name: Cell::of(details.get("dataset_name")),
        created_at,
        updated_at,
        last_activity_at,
        created_by: Cell::of(details.get("created_by")),
        media: MediaRow::read(Some(media)),
        exif_rotation: exif,
        media_attributes_extra: unknown_json(media, &MEDIA_FIELDS).map_or(Cell::Null, |t| Cell::text_in(arena, &t)),
        attachments,
        metadata_fields: metadata,
        embeddings: Cell::of(embeddings),
        tail: TailRow {
            extra: Cell::Null,
            line_number: Cell::Int(line),
        },
        ..Default::default()
    };
    Ok((LineHead { data_row_id, row }, extra))
}

/// The rows of one run entry: its labels and predictions, then its data_rows row.
pub fn walk_run<'n>(
    head: &LineHead<'n>,
    line_extra: &Extra,
    entry: &RunEntry<'n>,
    split_default: Option<&'n str>,
    em: &mut Emit<'_>,
    line: i64,
    arena: &'n Bump,
) -> Walk {
    let run = entry.run;
    let mut counts = [0i64; 2];
    for (k, (source, key)) in [("label", "labels"), ("prediction", "predictions")]
        .into_iter()
        .enumerate()
    {
        let Some(items) = run.get(key).filter(|i| i.truthy()) else {
            continue;
        };
        match items {
            Node::Arr(list) => {
                for (i, label) in list.iter().enumerate() {
                    walk_label(label, i, source, head.data_row_id, em, line, arena)
                        .at_with(|| format!("{key}[{i}]"))?;
                }
                counts[k] = list.len() as i64;
            }
            Node::Obj(_) | Node::Str(_) => {
                return Err(FieldError::new(format!("{key}[0]"), "expected an object, got a string"));
            }
            other => return Err(want_array(other)),
        }
    }
    let split = match or(run.get("split"), run.get("data_split")) {
        None | Some(Node::Null) => Cell::opt_str(split_default),
        Some(v) => Cell::Json(v),
    };
    let mut extra = line_extra.clone();
    extra.unknown("model", entry.model, &MODEL_FIELDS);
    extra.unknown("run", run, &RUN_FIELDS);
    let mut row = head.row; // its run columns are still null, its extra too
    row.model_id = Cell::Str(entry.model_id);
    row.model_name = Cell::of(or(entry.model.get("model_name"), entry.model.get("name")));
    row.model_run_name = Cell::of(or(run.get("model_run_name"), run.get("name")));
    row.annotation_group_id = Cell::of(run.get("annotation_group_id"));
    row.split = split;
    row.label_count = Cell::Int(counts[0]);
    row.prediction_count = Cell::Int(counts[1]);
    row.tail.extra = extra.cell(arena);
    em.data_row(&row);
    Ok(())
}

/// The data_rows row of a line that names no run, attributed to the run being materialized.
pub fn attributed_row<'n>(
    head: &LineHead<'n>,
    obj: &Node<'_>,
    mut line_extra: Extra,
    split: Option<&'n str>,
    em: &mut Emit<'_>,
    arena: &'n Bump,
) {
    // Model entries without runs (or whatever the line has there) are kept as they are.
    for (top, _) in SHAPES {
        line_extra.value(top, obj.get(top));
    }
    let mut row = head.row; // its run columns are still null, its extra too
    row.split = Cell::opt_str(split);
    row.label_count = Cell::Int(0);
    row.prediction_count = Cell::Int(0);
    row.tail.extra = line_extra.cell(arena);
    em.data_row(&row);
}

/// A line with no run entry when no run is being materialized.
pub fn no_runs() -> FieldError {
    FieldError::new(
        "models",
        "no models/experiments entry: cannot tell which model run this data row belongs to (pass the model \
         run id to attribute it)",
    )
}

/// Why a project export row refuses the whole file.
pub const PROJECT_EXPORT: &str = "a project export row (projects -> <project id> -> labels, as the Labelbox UI's \
    project download); lb-export reads model-run exports, whose labels sit under experiments -> <model id> -> runs \
    (or models -> model_runs): export the model run (lb-export export --model-run <id>) and flatten that";
