//! Evaluation kernels: the candidate label–prediction pairs of one bucket, with box IoU.
//!
//! The Python side (`lb_export_pipeline.evaluation.pairs`) sorts labels and predictions by their key
//! (scope and geometry kind folded into one integer); every label is paired with every prediction of
//! its key. Box pairs get their IoU here and only the overlapping ones are kept; pairs of any other
//! kind are kept with a NaN IoU, for the Python side to score. The arithmetic is numpy's, operation
//! for operation (NaN propagates through max, min and clip), so both paths give identical floats.

#[cfg(feature = "python")]
pub mod py;

/// Per instance position: the box's edges (rounded by the caller) and its area.
pub struct Boxes<'a> {
    pub top: &'a [f64],
    pub left: &'a [f64],
    pub bottom: &'a [f64],
    pub right: &'a [f64],
    pub area: &'a [f64],
}

/// One side (labels or predictions): instance positions and their keys, sorted by key.
pub struct Side<'a> {
    pub rows: &'a [i64],
    pub keys: &'a [i64],
}

/// Candidate pairs as positions (`g` a label's, `p` a prediction's) and their IoU (NaN: not a box).
#[derive(Debug, Default, PartialEq)]
pub struct Pairs {
    pub g: Vec<i64>,
    pub p: Vec<i64>,
    pub iou: Vec<f64>,
}

fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}

fn min_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a <= b {
        a
    } else {
        b
    }
}

/// IoU of the boxes at positions `g` and `p`: 0 when they do not overlap or a value is missing.
pub fn box_iou(b: &Boxes<'_>, g: usize, p: usize) -> f64 {
    let top = max_nan(b.top[g], b.top[p]);
    let left = max_nan(b.left[g], b.left[p]);
    let bottom = min_nan(b.bottom[g], b.bottom[p]);
    let right = min_nan(b.right[g], b.right[p]);
    let inter = max_nan(right - left, 0.0) * max_nan(bottom - top, 0.0);
    let union = b.area[g] + b.area[p] - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

fn position(row: i64, len: usize) -> Result<usize, String> {
    usize::try_from(row)
        .ok()
        .filter(|&r| r < len)
        .ok_or_else(|| format!("instance position {row} outside 0..{len}"))
}

fn check_sorted(side: &Side<'_>, what: &str) -> Result<(), String> {
    if side.rows.len() != side.keys.len() {
        return Err(format!(
            "{what}: {} positions but {} keys",
            side.rows.len(),
            side.keys.len()
        ));
    }
    if side.keys.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("{what}: keys not sorted"));
    }
    Ok(())
}

/// Every (label, prediction) pair of equal key; box pairs only when they overlap (IoU > 0).
/// `kind` is each position's geometry kind, `box_kind` the boxes' one.
pub fn candidates(
    labels: &Side<'_>,
    preds: &Side<'_>,
    kind: &[i64],
    box_kind: i64,
    boxes: &Boxes<'_>,
) -> Result<Pairs, String> {
    check_sorted(labels, "labels")?;
    check_sorted(preds, "predictions")?;
    let n = kind.len();
    let sizes = [
        boxes.top.len(),
        boxes.left.len(),
        boxes.bottom.len(),
        boxes.right.len(),
        boxes.area.len(),
    ];
    if sizes.iter().any(|&s| s != n) {
        return Err(format!("box edges of lengths {sizes:?} for {n} instances"));
    }
    let mut out = Pairs::default();
    let mut start = 0;
    for (&row, &key) in labels.rows.iter().zip(labels.keys) {
        let g = position(row, n)?;
        while start < preds.keys.len() && preds.keys[start] < key {
            start += 1;
        }
        let mut j = start;
        while j < preds.keys.len() && preds.keys[j] == key {
            let p = position(preds.rows[j], n)?;
            let iou = if kind[g] == box_kind {
                box_iou(boxes, g, p)
            } else {
                f64::NAN
            };
            if iou > 0.0 || kind[g] != box_kind {
                out.g.push(row);
                out.p.push(preds.rows[j]);
                out.iou.push(iou);
            }
            j += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boxes as (top, left, height, width): top, left, bottom, right and area as the Python side computes them.
    fn boxes(b: &[(f64, f64, f64, f64)]) -> [Vec<f64>; 5] {
        let top: Vec<f64> = b.iter().map(|x| x.0).collect();
        let left: Vec<f64> = b.iter().map(|x| x.1).collect();
        let bottom: Vec<f64> = b.iter().map(|x| x.0 + x.2).collect();
        let right: Vec<f64> = b.iter().map(|x| x.1 + x.3).collect();
        let area = (0..b.len())
            .map(|i| (bottom[i] - top[i]).max(0.0) * (right[i] - left[i]).max(0.0))
            .collect();
        [top, left, bottom, right, area]
    }

    fn view<'a>([top, left, bottom, right, area]: [&'a [f64]; 5]) -> Boxes<'a> {
        Boxes {
            top,
            left,
            bottom,
            right,
            area,
        }
    }

    #[test]
    fn pairs_within_a_key_and_only_overlapping_boxes() {
        // 0, 1: labels of key 5; 2: label of key 9 (a span, kind 3); 3, 4: predictions of key 5; 5: of key 9
        let [t, l, b, r, a] = boxes(&[
            (0.0, 0.0, 10.0, 10.0),
            (100.0, 100.0, 10.0, 10.0),
            (0.0, 0.0, 0.0, 0.0),
            (5.0, 0.0, 10.0, 10.0),
            (500.0, 500.0, 1.0, 1.0),
            (0.0, 0.0, 0.0, 0.0),
        ]);
        let bx = view([&t, &l, &b, &r, &a]);
        let kind = [0, 0, 3, 0, 0, 3];
        let labels = Side {
            rows: &[0, 1, 2],
            keys: &[5, 5, 9],
        };
        let preds = Side {
            rows: &[3, 4, 5],
            keys: &[5, 5, 9],
        };
        let pairs = candidates(&labels, &preds, &kind, 0, &bx).expect("valid input");
        assert_eq!(pairs.g, vec![0, 2]);
        assert_eq!(pairs.p, vec![3, 5]);
        assert_eq!(pairs.iou[0], 50.0 / 150.0); // 10 x 5 in common of 100 + 100 - 50
        assert!(pairs.iou[1].is_nan()); // not a box: scored by the caller
    }

    #[test]
    fn a_missing_edge_or_an_empty_union_scores_zero() {
        let [mut t, l, b, r, a] = boxes(&[(0.0, 0.0, 10.0, 10.0), (0.0, 0.0, 10.0, 10.0), (3.0, 3.0, 0.0, 0.0)]);
        t[1] = f64::NAN;
        let bx = view([&t, &l, &b, &r, &a]);
        assert_eq!(box_iou(&bx, 0, 1), 0.0);
        assert_eq!(box_iou(&bx, 2, 2), 0.0);
        assert_eq!(box_iou(&bx, 0, 0), 1.0);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let [t, l, b, r, a] = boxes(&[(0.0, 0.0, 1.0, 1.0)]);
        let bx = view([&t, &l, &b, &r, &a]);
        let one = Side { rows: &[0], keys: &[1] };
        let far = Side { rows: &[7], keys: &[1] };
        let unsorted = Side {
            rows: &[0, 0],
            keys: &[2, 1],
        };
        let short = Side {
            rows: &[0, 0],
            keys: &[1],
        };
        assert_eq!(
            candidates(&one, &far, &[0], 0, &bx),
            Err("instance position 7 outside 0..1".into())
        );
        assert_eq!(
            candidates(&unsorted, &one, &[0], 0, &bx),
            Err("labels: keys not sorted".into())
        );
        assert_eq!(
            candidates(&one, &short, &[0], 0, &bx),
            Err("predictions: 2 positions but 1 keys".into())
        );
        assert!(candidates(&one, &one, &[0, 0], 0, &bx).is_err());
    }
}
