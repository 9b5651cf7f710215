"""Counts are conserved; the CLI writes, replaces and prints; lb-export sql shows the tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lb_export_pipeline.cli import main
from lb_export_pipeline.evaluation import conservation
from lb_export_pipeline.query import connect


def test_counts_are_conserved(every_kind_run: tuple[Path, str]) -> None:
    tables, run = every_kind_run
    result = conservation.check(connect(tables), run)
    assert result.violations == [] and result.checked > 500


def test_conservation_names_a_lost_row(every_kind_run: tuple[Path, str], tmp_path: Path) -> None:
    tables, run = every_kind_run
    con = connect(tables)
    # the same tables with one label object fewer in the evaluation: the check must say where
    con.execute(f"""CREATE OR REPLACE VIEW evaluation_metrics AS SELECT * REPLACE (
        CASE WHEN class = 'box' AND split = 'TRAINING' AND iou_threshold = 0.5 THEN tp - 1 ELSE tp END AS tp)
        FROM read_parquet('{tables}/evaluation_metrics/*/*.parquet', hive_partitioning = true)""")
    result = conservation.check(con, run)
    assert len(result.violations) == 1 and result.violations[0].startswith("object TRAINING/box at 0.5: labels")


def test_cli_evaluates_replaces_and_prints(every_kind_run: tuple[Path, str]) -> None:
    tables, run = every_kind_run
    runner = CliRunner()
    first = runner.invoke(main, ["evaluate", str(tables), "--model-run-id", run, "--iou", "0.5,0.75"])
    assert first.exit_code == 0, first.output
    assert "box" in first.output and "precision" in first.output
    parts = sorted((tables / "evaluation_metrics" / f"model_run_id={run}").glob("*.parquet"))
    again = runner.invoke(main, ["evaluate", str(tables), "--model-run-id", run, "--iou", "0.5:0.75:0.25"])
    assert again.exit_code == 0, again.output
    parts_again = sorted((tables / "evaluation_metrics" / f"model_run_id={run}").glob("*.parquet"))
    assert len(parts_again) == len(parts) == 1 and parts_again != parts  # replaced, not appended
    con = connect(tables)
    thresholds = con.sql("SELECT DISTINCT iou_threshold FROM evaluation_metrics WHERE kind = 'object' ORDER BY 1")
    assert [t for (t,) in thresholds.fetchall()] == [0.5, 0.75]
    assert pq.read_metadata(parts_again[0]).num_rows == con.sql(
        "SELECT count(*) FROM evaluation_metrics").fetchall()[0][0]
    shown = runner.invoke(main, ["sql", str(tables), "-c", "SELECT count(*) AS n FROM evaluation_confusion "
                                                           "WHERE label_class = 'background'"])
    assert shown.exit_code == 0 and "n" in shown.output
    runner.invoke(main, ["evaluate", str(tables), "--model-run-id", run])  # back to the default thresholds


def test_cli_refuses_bad_thresholds_and_roots(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["evaluate", str(tmp_path), "--iou", "half"])
    assert bad.exit_code == 2 and "'half' is not a number" in bad.output
    empty = runner.invoke(main, ["evaluate", str(tmp_path)])
    assert empty.exit_code == 1 and "no objects table under" in empty.output
    (tmp_path / "objects").mkdir()
    out_of_range = runner.invoke(main, ["evaluate", str(tmp_path), "--iou", "1.5"])
    assert out_of_range.exit_code == 1 and "strictly between 0 and 1: [1.5]" in out_of_range.output


def _labels_first(tables: Path, into: Path) -> Path:
    """A copy of ``tables`` whose objects, frames and classifications hold every label row first, then
    every prediction row: a data row's rows come back after many others' (past the first buckets)."""
    shutil.copytree(tables, into)
    for table in ("objects", "video_frames", "classifications"):
        for file in (into / table).glob("*/*.parquet"):
            rows = pq.read_table(file)
            pq.write_table(rows.take(np.argsort(rows.column("source").to_numpy(zero_copy_only=False), kind="stable")),
                           file)
    return into


def test_buckets_give_the_same_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run cut into many buckets as read, or split into buckets by data row (when its rows are not
    in data-row order), evaluates as in one piece."""
    from lb_export_pipeline.evaluation import load, runner
    from tests.evaluation.conftest import EVERY_KIND, evaluated_run

    (tmp_path / "one").mkdir()
    (tmp_path / "many").mkdir()
    tables, run = evaluated_run(tmp_path / "one", 21, 40, EVERY_KIND)
    monkeypatch.setattr(runner, "BUCKET_OBJECTS", 60)
    partitioned: list[int] = []
    split_by_hash = load.partition
    monkeypatch.setattr(load, "partition", lambda con, run, buckets, scratch: (
        partitioned.append(buckets), split_by_hash(con, run, buckets, scratch)))
    split, _ = evaluated_run(tmp_path / "many", 21, 40, EVERY_KIND)
    assert len(list((split / "evaluation_matches" / f"model_run_id={run}").glob("*.parquet"))) > 5
    assert partitioned == []  # cut as read: the flatten keeps a data row's rows together
    shuffled = _labels_first(split, tmp_path / "shuffled")
    runner.evaluate(shuffled, [run])
    assert partitioned and partitioned[0] > 5
    for table, order in (("evaluation_metrics", "kind, split, class, iou_threshold"),
                         ("evaluation_confusion", "split, iou_threshold, label_class, predicted_class"),
                         ("evaluation_matches", "data_row_id, dicom_group, frame, message_id, class, "
                                                "label_feature_id, prediction_feature_id")):
        one, many, by_hash = ([tuple(round(v, 12) if isinstance(v, float) else v for v in row)  # sums in another order
                               for row in connect(root).sql(f"SELECT * FROM {table} ORDER BY {order}").fetchall()]
                              for root in (tables, split, shuffled))
        assert one == many == by_hash and len(one) > 50, table
    for root in (split, shuffled):  # scratch cleaned up
        assert not (root / ".staging").exists() or not any((root / ".staging").iterdir())
