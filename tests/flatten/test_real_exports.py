"""Rules found on real exports (issue 10): each test feeds lines shaped like published ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lb_export_pipeline.cli import main
from lb_export_pipeline.flatten import TABLES, ProjectExportError, flatten_export
from tests.conftest import refusal, write_lines
from tests.flatten import real_shapes as real


def _flatten(tmp_path: Path, lines: list[dict[str, Any]], duck: Any) -> Any:
    result = flatten_export(write_lines(tmp_path / "x.ndjson", lines), tmp_path / "out")  # type: ignore[arg-type]
    assert result.quarantined == 0, result.first_errors
    return duck(tmp_path / "out")


def test_chat_selections_keep_model_config_name_and_ranking_order(tmp_path: Path, duck: Any) -> None:
    con = _flatten(tmp_path, [real.chat_evaluation()], duck)
    rows = con.execute("select feature_id, message_ids, model_config_names, message_orders, extra "
                       "from objects order by feature_id").fetchall()
    assert rows == [
        ("clsel0001", ["msg-a"], ["gpt-4o"], None, None),
        ("clsel0002", ["msg-a", "msg-b"], ["gpt-4o", "claude"], None, None),
        # rank order; the tie at 1 stays in exported order, the gap before 4 is kept
        ("clsel0003", ["msg-a", "msg-b", "msg-c"], ["gpt-4o", "claude", "llama"], [1, 1, 4], None),
    ]


def test_real_fields_land_in_typed_columns(tmp_path: Path, duck: Any) -> None:
    con = _flatten(tmp_path, [real.image_2023(), real.image_2025()], duck)
    rows = con.execute("select data_row_id, asset_type, exif_rotation, metadata_fields, media_attributes_extra, "
                       "extra from data_rows order by 1").fetchall()
    assert rows == [
        ("clrow00000000000000000001", "image", 1,
         [{"schema_id": "clmeta0001", "schema_name": "tag", "schema_kind": "CustomMetadataString",
           "value": "batch-7", "value_name": None}], None, None),
        ("clrow00000000000000000002", "image", 6, None, None, None),
    ]
    labels = con.execute("select label_id, z_order, consensus_score, benchmark_score, benchmark_reference_label, "
                         "extra from labels order by 1").fetchall()
    assert labels == [("cllabel0001", None, 0.87, None, None, None),
                      ("cllabel0002", 3, None, None, "cllabel0099", None)]


def test_a_metadata_field_with_an_unknown_key_keeps_only_that_key_in_extra(tmp_path: Path, duck: Any) -> None:
    row = real.image_2023()
    row["metadata_fields"].append({"schema_name": "score", "value": 3, "units": "points"})
    con = _flatten(tmp_path, [row], duck)
    (extra,) = con.execute("select extra from data_rows").fetchone()
    assert json.loads(extra) == {"metadata_fields[1]": {"units": "points"}}  # not the whole list again


def test_exif_rotation_that_is_no_number_is_refused_at_its_field(tmp_path: Path) -> None:
    row = real.image_2025()
    row["media_attributes"]["exif_rotation"] = "upside down"
    assert refusal(tmp_path, row) == ("media_attributes.exif_rotation: expected an integer or a string of digits, "
                                      "got 'upside down'")


@pytest.mark.parametrize(("obj", "where"), [
    ({"bounding_box": {"top": 1, "left": 2, "height": 3, "width": 4, "rotation": 9}}, "bounding_box"),
    ({"point": {"x": 1, "y": 2, "z": 9}}, "point"),
    ({"polygon": [{"x": 1, "y": 2}, {"x": 3, "y": 4, "z": 9}, {"x": 5, "y": 6}]}, "polygon[1]"),
    ({"location": {"start": 1, "end": 4, "token": "abcd", "sentence": 9}}, "location"),
    ({"composite_mask": {"url": "u", "color_rgb": [1, 2, 3], "opacity": 9}}, "composite_mask"),
    ({"conversational_location": {"message_id": "m", "location": {"start": 1, "end": 2, "side": 9}}},
     "conversational_location.location"),
    ({"selected_messages": {"messages": [{"message_id": "m", "score": 9}], "parent_message_id": "p"}},
     "selected_messages.messages[0]"),
    ({"bounding_box": {"top": 1, "left": 2, "height": 3, "width": 4}, "custom_metrics": [
        {"name": "iou", "value": 0.5, "unit": 9}]}, "custom_metrics[0]"),
])
def test_unknown_keys_inside_a_payload_land_in_extra(tmp_path: Path, duck: Any, obj: dict[str, Any],
                                                     where: str) -> None:
    obj = {"feature_id": "clobj0009", "name": "thing", **obj}
    con = _flatten(tmp_path, [real.line([real.label({"objects": [obj]})])], duck)
    (extra,) = con.execute("select extra from objects").fetchone()
    unknown = json.loads(extra)[where]
    assert list(unknown.values()) == [9], unknown


def test_relationships_listed_among_objects_are_relationships_only(tmp_path: Path, duck: Any) -> None:
    row = real.image_2023()
    rel = real.relationship("clrel0003", "clobj0001", "clobj0002")
    rel["classifications"] = [{"feature_id": "clq0003", "name": "confidence", "radio_answer": {
        "feature_id": "cla0003", "name": "sure"}}]
    row["experiments"][real.MODEL]["runs"][real.RUN]["labels"][0]["annotations"]["objects"].append(rel)  # only there
    con = _flatten(tmp_path, [row], duck)
    assert con.execute("select feature_id, geometry_kind from objects order by 1").fetchall() == [
        ("clobj0001", "bounding_box"), ("clobj0002", "bounding_box")]
    assert con.execute("select feature_id, kind, source_feature_id, target_feature_id, annotation_kind, extra "
                       "from relationships order by 1").fetchall() == [
        ("clrel0001", "unidirectional", "clobj0001", "clobj0002", "ImageUnidirectionalRelationship", None),
        ("clrel0002", "bidirectional", "clobj0002", "clobj0001", "ImageBidirectionalRelationship", None),
        ("clrel0003", "unidirectional", "clobj0001", "clobj0002", "ImageUnidirectionalRelationship", None),
    ]
    assert con.execute("select object_count, relationship_count, classification_count from labels").fetchall() == [
        (2, 3, 1)]
    # the relationship's classification, with the relationship as parent
    assert con.execute("select object_feature_id, parent_feature_id, question_name, answer_name "
                       "from classifications").fetchall() == [("clrel0003", "clrel0003", "confidence", "sure")]


def test_frame_ranges_of_a_classification_are_its_own_not_a_track(tmp_path: Path, duck: Any) -> None:
    con = _flatten(tmp_path, [real.video_frame_classifications()], duck)
    assert con.execute("select feature_id, name, first_frame, last_frame, frame_count, keyframe_count, segments, "
                       "keyframes from objects").fetchall() == [
        ("clobj0010", "car", 13, 19, 2, 2, [{"start": 13, "end": 19}], [13, 19])]
    assert con.execute("select frame, question_feature_id, answer_name, segments, keyframes "
                       "from classifications order by frame").fetchall() == [
        (13, "clq00000010", "dark", [{"start": 13, "end": 14}, {"start": 19, "end": 20}], [13, 19]),
        (19, "clq00000010", "dark", [{"start": 13, "end": 14}, {"start": 19, "end": 20}], [13, 19]),
    ]


def test_a_track_known_only_from_segments_has_no_frames(tmp_path: Path, duck: Any) -> None:
    row = real.video_frame_classifications()
    row["experiments"][real.MODEL]["runs"][real.RUN]["labels"][0]["annotations"]["segments"]["clobj0011"] = [[3, 5]]
    con = _flatten(tmp_path, [row], duck)
    assert con.execute("select first_frame, last_frame, frame_count, segments from objects "
                       "where feature_id = 'clobj0011'").fetchall() == [(None, None, 0, [{"start": 3, "end": 5}])]


@pytest.mark.parametrize("twice", ["experiments and models", "two model ids", "runs and model_runs"])
def test_a_model_run_named_twice_in_a_line_is_quarantined(tmp_path: Path, twice: str) -> None:
    row = real.image_2023()
    model = row["experiments"][real.MODEL]
    other = {"name": "again", "runs": {real.RUN: {"name": "iteration 3", "labels": []}}}
    if twice == "experiments and models":
        row["models"] = {real.MODEL: {"model_name": "detector", "model_runs": other["runs"]}}
    elif twice == "two model ids":
        row["experiments"]["clq2model"] = other
    else:
        model["model_runs"] = other["runs"]
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [row]), tmp_path / "out")
    assert result.partitions[real.RUN].rows["labels"] == 0
    assert result.quarantined == 1
    (message,) = result.first_errors
    assert f"model run {real.RUN} is named twice in this line (also at " in message


def test_runs_and_model_runs_of_one_model_are_both_read(tmp_path: Path) -> None:
    row = real.image_2023()
    row["experiments"][real.MODEL]["model_runs"] = {"c0ffee00-9999-2222-3333-444455556666": {"labels": []}}
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [row]), tmp_path / "out")
    assert result.quarantined == 0
    assert {run: p.rows["data_rows"] for run, p in result.partitions.items()} == {
        real.RUN: 1, "c0ffee00-9999-2222-3333-444455556666": 1}


def test_missing_ids_get_deterministic_unique_keys(tmp_path: Path, duck: Any) -> None:
    con = _flatten(tmp_path, [real.id_stripped()], duck)
    assert con.execute("select label_id from labels order by 1").fetchall() == [("#0",), ("#1",)]
    assert con.execute("select label_id, feature_id from objects order by 1, 2").fetchall() == [
        ("#0", "#0"), ("#0", "#1"), ("#1", "#0"), ("#1", "#1")]
    got = con.execute("select question_feature_id, answer_feature_id, parent_feature_id, path from classifications "
                      "where label_id = '#0' order by 1, 2").fetchall()
    assert got == [("#0", "#0#0", None, "tags"), ("#0", "#0#1", None, "tags"), ("#1", "#1#0", None, "weather"),
                   ("#1#0#0", "#1#0#0#0", "#1#0", "weather/rain/intensity")]
    for table in ("labels", "objects", "classifications"):
        key = ", ".join(TABLES[table].key)
        dupes = con.execute(f"select count(*) from (select {key} from {table} group by all having count(*) > 1)")
        assert dupes.fetchone() == (0,), table


def test_a_project_export_is_refused_at_once(tmp_path: Path) -> None:
    export = write_lines(tmp_path / "project.ndjson", [real.project_export(), real.project_export()])
    for run_id in (None, real.RUN):  # with --model-run-id its labels used to land in data_rows.extra
        with pytest.raises(ProjectExportError, match=r"project\.ndjson: line 1 is a project export row \(projects "
                                                     r"-> <project id> -> labels.*lb-export reads model-run exports"):
            flatten_export(export, tmp_path / "out", model_run_id=run_id)
        assert not (tmp_path / "out" / "data_rows").exists()  # nothing landed


def test_the_cli_refuses_a_project_export_with_a_non_zero_exit(tmp_path: Path) -> None:
    export = write_lines(tmp_path / "project.ndjson", [real.project_export()])
    result = CliRunner().invoke(main, ["flatten", str(export), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "line 1 is a project export row" in result.output
