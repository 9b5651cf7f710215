"""Rules found on real exports (issue 10): each test feeds lines shaped like published ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.flatten.errors import FieldError
from lb_export_pipeline.flatten.row import flatten_line
from tests.conftest import write_lines
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


def test_exif_rotation_that_is_no_number_is_refused_at_its_field() -> None:
    row = real.image_2025()
    row["media_attributes"]["exif_rotation"] = "upside down"
    with pytest.raises(FieldError, match=r"^media_attributes\.exif_rotation: expected an integer or a string of "
                                         r"digits, got 'upside down'$"):
        flatten_line(row, 1)


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
