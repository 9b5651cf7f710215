"""Candidate pairs are enumerated a slice of labels at a time: any slice size gives the same pairs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from lb_export_pipeline.evaluation import geometry, load, pairs
from lb_export_pipeline.evaluation.masks import MaskScorer
from lb_export_pipeline.query import connect


def test_slices_of_labels_give_the_same_pairs(every_kind_run: tuple[Path, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    tables, run = every_kind_run
    inst = load.instances(connect(tables), run, 0, 1)
    inst = inst.with_columns(skip_reason=geometry.skip_reason(inst),
                             code=pl.col("class").cast(pl.Categorical).to_physical())
    whole, _ = pairs.overlapping(inst, MaskScorer(None))
    monkeypatch.setattr(pairs, "_CANDIDATES", 7)
    # candidates per label 3+0+9 | 2 | 5: a label's pairs stay in one slice
    assert len(pairs._slices(pl.Series([3, 0, 9, 2, 5]).to_numpy())) == 3
    sliced, _ = pairs.overlapping(inst, MaskScorer(None))
    kinds = geometry.kind_code(inst)[whole["g"].to_numpy()]
    assert {geometry.KINDS[k] for k in kinds} >= {"bounding_box", "polygon", "text_span", "point"}
    assert whole.height > 500 and whole.sort("g", "p").equals(sliced.sort("g", "p"))
    assert whole["iou"].min() > 0  # only overlapping pairs come out
