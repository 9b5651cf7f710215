//! `lb_export_pipeline._native.overlapping_pairs`: [`super::candidates`] over numpy arrays passed as
//! bytes (native-endian int64 / float64), computed with the GIL released; errors are ValueError, and
//! a panic is caught here and raised as RuntimeError.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::{candidates, Boxes, Pairs, Side};

fn words(bytes: &[u8], what: &str) -> Result<Vec<[u8; 8]>, String> {
    if bytes.len() % 8 != 0 {
        return Err(format!(
            "{what}: {} bytes, not a whole number of 8-byte values",
            bytes.len()
        ));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            w
        })
        .collect())
}

fn ints(bytes: &[u8], what: &str) -> Result<Vec<i64>, String> {
    Ok(words(bytes, what)?.into_iter().map(i64::from_ne_bytes).collect())
}

fn floats(bytes: &[u8], what: &str) -> Result<Vec<f64>, String> {
    Ok(words(bytes, what)?.into_iter().map(f64::from_ne_bytes).collect())
}

fn run(labels: &[u8], preds: &[u8], kind: &[u8], box_kind: i64, edges: &[u8]) -> Result<Pairs, String> {
    let (labels, preds, kind, edges) = (
        ints(labels, "labels")?,
        ints(preds, "predictions")?,
        ints(kind, "kind")?,
        floats(edges, "edges")?,
    );
    let n = kind.len();
    if labels.len() % 2 != 0 || preds.len() % 2 != 0 || edges.len() != 5 * n {
        return Err(format!(
            "expected positions then keys for each side and 5 edges per instance; got {}, {} and {} values for {n} instances",
            labels.len(),
            preds.len(),
            edges.len()
        ));
    }
    let (lr, lk) = labels.split_at(labels.len() / 2);
    let (pr, pk) = preds.split_at(preds.len() / 2);
    let e = |i: usize| &edges[i * n..(i + 1) * n];
    let boxes = Boxes {
        top: e(0),
        left: e(1),
        bottom: e(2),
        right: e(3),
        area: e(4),
    };
    candidates(
        &Side { rows: lr, keys: lk },
        &Side { rows: pr, keys: pk },
        &kind,
        box_kind,
        &boxes,
    )
}

fn to_bytes<T: Copy, const N: usize>(values: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&v| f(v)).collect()
}

/// Candidate pairs of one bucket: `labels` and `preds` hold positions then keys (sorted by key),
/// `kind` a geometry kind per position, `edges` top, left, bottom, right and area per position.
/// Returns (g, p, iou) as bytes for `numpy.frombuffer`.
#[pyfunction]
pub fn overlapping_pairs<'py>(
    py: Python<'py>,
    labels: &Bound<'py, PyBytes>,
    preds: &Bound<'py, PyBytes>,
    kind: &Bound<'py, PyBytes>,
    box_kind: i64,
    edges: &Bound<'py, PyBytes>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let (labels, preds, kind, edges) = (labels.as_bytes(), preds.as_bytes(), kind.as_bytes(), edges.as_bytes());
    let result = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            run(labels, preds, kind, box_kind, edges).map(|pairs| {
                (
                    to_bytes(&pairs.g, i64::to_ne_bytes),
                    to_bytes(&pairs.p, i64::to_ne_bytes),
                    to_bytes(&pairs.iou, f64::to_ne_bytes),
                )
            })
        }))
    });
    match result {
        Ok(Ok((g, p, iou))) => Ok((PyBytes::new(py, &g), PyBytes::new(py, &p), PyBytes::new(py, &iou))),
        Ok(Err(message)) => Err(PyValueError::new_err(message)),
        Err(_) => Err(PyRuntimeError::new_err("internal error in the evaluation's pairing")),
    }
}
