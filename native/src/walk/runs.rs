//! The model runs of a line: `experiments.<model>.runs.<run>` (the current API) and
//! `models.<model>.model_runs.<run>` (export v2 beta), in order, and the check that a run id can be a
//! Hive partition value.

use super::errors::{FieldError, Walk};
use crate::json::Node;

/// The two shapes a line holds its runs in: (top-level key, runs key).
pub const SHAPES: [(&str, &str); 2] = [("experiments", "runs"), ("models", "model_runs")];

/// One (model, run) entry of a line.
pub struct RunEntry<'n> {
    pub path: String,
    pub model_id: &'n str,
    pub model: &'n Node<'n>,
    pub run_id: &'n str,
    pub run: &'n Node<'n>,
}

/// Visit every (model, run) entry of a line in either shape, in order; stops at the first error,
/// where Python's generator would raise it.
pub fn for_each_run<'n>(obj: &'n Node<'n>, mut visit: impl FnMut(RunEntry<'n>) -> Walk) -> Walk {
    for (top, runs_key) in SHAPES {
        let Some(models) = obj.get(top).filter(|m| m.truthy()) else {
            continue;
        };
        let Node::Obj(models) = models else {
            return Err(FieldError::new(
                top,
                format!("expected an object keyed by model id, got {}", models.py_type()),
            ));
        };
        for (model_id, model) in models.iter() {
            // Either key may hold the runs, whatever the shape; a model carrying both is read in both.
            let present: Vec<&str> = if model.fields().is_some() {
                ["runs", "model_runs"]
                    .into_iter()
                    .filter(|k| model.get(k).is_some_and(|r| !r.is_null()))
                    .collect()
            } else {
                Vec::new()
            };
            let keys = if present.is_empty() { vec![runs_key] } else { present };
            for key in keys {
                let Some(Node::Obj(runs)) = model.get(key) else {
                    return Err(FieldError::new(
                        format!("{top}.{model_id}.{key}"),
                        "expected an object keyed by model run id",
                    ));
                };
                for (run_id, run) in runs.iter() {
                    let path = format!("{top}.{model_id}.{key}.{run_id}");
                    if run.fields().is_none() {
                        return Err(FieldError::new(path, "expected an object"));
                    }
                    visit(RunEntry {
                        path,
                        model_id,
                        model,
                        run_id,
                        run,
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// Whether `value` can be a Hive partition value: 1-200 of letters, digits, `_`, `-`, `.`, not
/// starting with `.`.
pub fn check_partition_value(value: &str) -> Result<(), String> {
    let b = value.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 200
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid model_run_id '{value}': a partition value must be 1-200 characters of letters, digits, \
             '_', '-' or '.', and not start with '.' (Labelbox ids always are)"
        ))
    }
}
