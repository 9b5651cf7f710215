"""Masks: the emulator serves their PNGs at the URLs its export rows carry, over its real HTTP server;
the evaluation reads them through the Labelbox client (with its key) and scores them as the SDK does;
a mask it cannot read is skipped with the reason, and still counted."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import polars as pl
import pytest
from labelbox.data.annotation_types import Mask, MaskData, ObjectAnnotation
from labelbox.data.metrics import feature_confusion_matrix_metric
from PIL import Image

from lb_export_pipeline.emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults, masks, predictions
from lb_export_pipeline.evaluation import conservation, load
from lb_export_pipeline.evaluation.masks import NO_READER
from lb_export_pipeline.evaluation.queries import COUNTS_AT_SQL
from lb_export_pipeline.evaluation.runner import evaluate
from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.labelbox import LabelboxError, export_model_run
from lb_export_pipeline.query import connect
from tests.conftest import make_client

KEY = "mask-test-key"
MIX = {"image": 0.75, "video": 0.25}


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """An emulator that wants its API key, with image and video runs (masks in both)."""
    state = EmulatorState(Catalog(CatalogSpec(seed=11, models=1, runs_per_model=1, rows=160, video_frames=12,
                                              include_fixture=False, mix=MIX)),
                          Faults(polls_to_complete=1), api_key=KEY)
    with EmulatorServer(state) as running:
        yield running


@pytest.fixture(scope="module")
def tables(server: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The run exported from the emulator over HTTP, flattened, evaluated with a client that holds the key."""
    run = server.state.catalog.models[0].runs[0]
    root = tmp_path_factory.mktemp("masks")
    client = make_client(server, api_key=KEY)
    export_model_run(client, run.id, root / "export.ndjson")
    flatten_export(root / "export.ndjson", root / "tables")
    evaluate(root / "tables", [run.id], masks=client.read_mask)
    return root / "tables", run.id


def _png(url: str) -> np.ndarray:
    answer = httpx.get(url, headers={"Authorization": f"Bearer {KEY}"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"))


def test_the_emulator_serves_each_mask_at_the_url_of_its_row(server: EmulatorServer,
                                                             tables: tuple[Path, str]) -> None:
    root, run = tables
    rows = connect(root).sql(f"""SELECT mask_url, mask_color_rgb FROM objects WHERE model_run_id = '{run}'
        AND geometry_kind = 'mask' AND source = 'label' ORDER BY feature_id LIMIT 3""").fetchall()
    assert len(rows) == 3
    for url, color in rows:
        assert url.startswith(f"{server.url}/api/v1/tasks/")
        pixels = np.all(_png(url) == color, axis=2)
        assert pixels.shape == (masks.MASK_SIZE[1], masks.MASK_SIZE[0]) and 300 <= pixels.sum() <= 60 * 45
    refused = httpx.get(rows[0][0], headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    client = make_client(server, api_key=KEY)
    assert client.read_mask(rows[0][0])[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(LabelboxError, match=r"more than 100 bytes"):
        client.read_mask(rows[0][0], limit=100)  # a mask too large is refused, not read whole
    # The fixture's rows carry Labelbox's own mask URLs: a client of the emulator never calls Labelbox.
    with pytest.raises(LabelboxError, match=r"^GET https://api\.labelbox\.com/api/v1/models/m/annotations/a/mask: "
                                            r"a Labelbox URL, and this client talks to 127\.0\.0\.1, not Labelbox"):
        client.read_mask("https://api.labelbox.com/api/v1/models/m/annotations/a/mask")


def _sdk(root: Path, run: str) -> dict[tuple[tuple[str, str, int], str, float], list[int]]:
    """The SDK's counts per scope, class and threshold, for the classes of a scope that are all masks
    (video's "person" tracks are points in some frames, masks in others)."""
    inst = load.instances(connect(root), run, 0, 1)
    only_masks = inst.group_by("scope", "class").agg(pure=(pl.col("geometry_kind") == "mask").all())
    inst = inst.join(only_masks.filter("pure"), on=["scope", "class"]).sort("idx")
    by_scope: dict[tuple[str, str, int], tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
    for r in inst.iter_rows(named=True):
        value = Mask(mask=MaskData(arr=_png(r["mask_url"])), color=tuple(r["mask_color_rgb"]))
        by_scope[(r["data_row_id"], r["dicom_group"], r["frame"])][r["source"] == "prediction"].append(
            ObjectAnnotation(name=r["class"], value=value))
    out: dict[tuple[tuple[str, str, int], str, float], list[int]] = {}
    for threshold in (0.5, 0.75):
        for scope, (labels, preds) in by_scope.items():
            for metric in feature_confusion_matrix_metric(labels, preds, iou=threshold):
                out[(scope, metric.feature_name, threshold)] = list(metric.value)
    return out


def test_mask_counts_equal_the_sdk_on_the_same_pngs(tables: tuple[Path, str]) -> None:
    root, run = tables
    theirs = _sdk(root, run)
    ours = {}
    for threshold in (0.5, 0.75):
        for d, g, f, c, tp, fp, fn in connect(root).sql(COUNTS_AT_SQL.format(run=run, threshold=threshold)).fetchall():
            key = ((d, g or "", f if f is not None else -1), c, threshold)
            if key in theirs:
                ours[key] = [tp, fp, 0, fn]
    assert len(theirs) > 60 and ours == theirs
    totals = np.sum(list(theirs.values()), axis=0)
    assert totals[0] > 30 and totals[1] > 10 and totals[3] > 10  # true and false positives, false negatives


def test_mask_outcomes_are_their_fates(tables: tuple[Path, str]) -> None:
    """Exact copies match at IoU 1; shifted ones at their designed IoU (a pair under 0.75, over 0.5)."""
    root, run = tables
    pairs = connect(root).sql(f"""SELECT label_feature_id, iou FROM evaluation_matches WHERE model_run_id = '{run}'
        AND geometry_kind = 'mask' AND pairing = 'pair' AND frame IS NULL""").fetchall()
    fates: Counter[str] = Counter()
    for feature_id, value in pairs:
        fate = predictions.fate_of(feature_id)
        fates[fate] += 1
        if fate == "exact":
            assert value == 1.0
        elif fate == "shifted":
            assert 0.6 < value < 0.75
    assert fates["exact"] > 10 and fates["shifted"] > 5
    skipped = connect(root).sql(f"""SELECT count(*) FROM evaluation_matches WHERE model_run_id = '{run}'
        AND geometry_kind = 'mask' AND pairing = 'skipped'""").fetchall()
    assert skipped == [(0,)]  # every mask was read


def test_masks_that_cannot_be_read_are_skipped_with_the_reason(tables: tuple[Path, str], server: EmulatorServer,
                                                               tmp_path: Path) -> None:
    root, run = tables
    for reader, reason in ((None, NO_READER), (make_client(server, api_key="wrong-key").read_mask, "HTTP 401")):
        copy = tmp_path / f"tables-{reason[:4]}"
        flatten_export(root.parent / "export.ndjson", copy)
        evaluate(copy, [run], masks=reader)
        con = connect(copy)
        skipped = con.sql(f"""SELECT count(*), min(skip_reason) FROM evaluation_matches WHERE model_run_id = '{run}'
            AND geometry_kind = 'mask' AND pairing = 'skipped'""").fetchall()[0]
        masks_in_tables = con.sql(f"""SELECT (SELECT count(*) FROM objects WHERE model_run_id = '{run}'
            AND geometry_kind = 'mask') + (SELECT count(*) FROM video_frames WHERE model_run_id = '{run}'
            AND geometry_kind = 'mask')""").fetchall()[0][0]
        assert skipped[0] == masks_in_tables > 50 and reason in skipped[1]
        kept = conservation.check(con, run)
        assert kept.ok, kept.violations[:3]
