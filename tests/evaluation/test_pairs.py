"""The native core's candidate pairs equal a plain numpy enumeration: every label with every prediction
of its scope and kind, box IoU as numpy computes it, only overlapping boxes kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from lb_export_pipeline import _native
from lb_export_pipeline.evaluation import geometry, load, pairs
from lb_export_pipeline.evaluation.masks import MaskScorer
from lb_export_pipeline.query import connect


def _numpy_pairs(inst: pl.DataFrame) -> pl.DataFrame:
    evaluated = inst.filter(pl.col("skip_reason").is_null())
    kind = geometry.kind_code(evaluated)
    key = evaluated["scope"].to_numpy() * 16 + kind
    label = (evaluated["source"] == "label").to_numpy()
    gi, pi = np.nonzero((key[:, None] == key[None, :]) & label[:, None] & ~label[None, :])
    e = geometry.box_edges(evaluated)
    top, left = np.maximum(e["top"][gi], e["top"][pi]), np.maximum(e["left"][gi], e["left"][pi])
    bottom, right = np.minimum(e["bottom"][gi], e["bottom"][pi]), np.minimum(e["right"][gi], e["right"][pi])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    union = e["area"][gi] + e["area"][pi] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    box = kind[gi] == geometry.BOX
    keep = box & (iou > 0)
    idx = evaluated["idx"].to_numpy()
    return pl.DataFrame({"g": idx[gi[keep]], "p": idx[pi[keep]], "iou": iou[keep]})


def test_native_pairs_equal_numpys(every_kind_run: tuple[Path, str]) -> None:
    tables, run = every_kind_run
    inst = load.instances(connect(tables), run, 0, 1)
    inst = inst.with_columns(skip_reason=geometry.skip_reason(inst),
                             code=pl.col("class").cast(pl.Categorical).to_physical())
    found, _ = pairs.overlapping(inst, MaskScorer(None))
    kinds = geometry.kind_code(inst)[found["g"].to_numpy()]
    assert {geometry.KINDS[k] for k in kinds} >= {"bounding_box", "polygon", "text_span", "point"}
    boxes = found.filter(pl.Series(kinds == geometry.BOX)).select("g", "p", "iou").sort("g", "p")
    expected = _numpy_pairs(inst).sort("g", "p")
    assert boxes.height > 100 and boxes.equals(expected)  # the same floats, bit for bit
    assert found["iou"].min() > 0  # only overlapping pairs of any kind come out


def test_native_pairs_refuse_bad_input() -> None:
    one, floats = np.array([0, 5], np.int64).tobytes(), np.zeros(5).tobytes()
    with pytest.raises(ValueError, match=r"instance position 3 outside 0\.\.1"):
        _native.overlapping_pairs(one, np.array([3, 5], np.int64).tobytes(), np.zeros(1, np.int64).tobytes(), 0,
                                  floats)
    with pytest.raises(ValueError, match="edges: 7 bytes, not a whole number of 8-byte values"):
        _native.overlapping_pairs(one, one, np.zeros(1, np.int64).tobytes(), 0, b"1234567")
