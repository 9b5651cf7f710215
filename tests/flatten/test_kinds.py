"""Annotation kinds and fields the documented fixture lacks: chat-evaluation message selections,
embeddings, and the error paths of malformed video structures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.flatten import flatten_export
from tests.conftest import refusal, write_lines

RUN = "b8360c8f-f3e6-4a6c-a328-9dc21b4de0a0"


def _line(annotations: dict[str, Any], **top: Any) -> dict[str, Any]:
    label = {"id": "lab-1", "label_kind": "Default", "annotations": annotations}
    return {"data_row": {"id": "dr-1"}, **top,
            "experiments": {"m-1": {"name": "model", "runs": {RUN: {"name": "run", "labels": [label]}}}}}


def test_chat_evaluation_selections_land_as_message_ids(tmp_path: Path, duck: Any) -> None:
    objects = [
        {"feature_id": "s1", "name": "best", "annotation_kind": "MessageSingleSelection",
         "selected_message": {"message_id": "m-7", "model_config_name": "gpt", "parent_message_id": "p-1"}},
        {"feature_id": "s2", "name": "good", "annotation_kind": "MessageMultiSelection",
         "selected_messages": {"messages": [{"message_id": "m-2"}, {"message_id": "m-3"}],
                               "parent_message_id": "p-1"}},
        {"feature_id": "s3", "name": "rank", "annotation_kind": "MessageRanking",
         "ranked_messages": {"ranked_messages": [{"message_id": "m-9", "order": 2}, {"message_id": "m-8"},
                                                 {"message_id": "m-4", "order": 1}],
                             "parent_message_id": "p-2"}},
    ]
    result = flatten_export(write_lines(tmp_path / "x.ndjson", [_line({"objects": objects})]), tmp_path / "out")
    assert result.quarantined == 0
    rows = duck(tmp_path / "out").execute(
        "select feature_id, geometry_kind, message_id, message_ids, parent_message_id, model_config_names, "
        "message_orders, extra from objects order by feature_id").fetchall()
    assert rows == [
        ("s1", "message_selection", "m-7", ["m-7"], "p-1", ["gpt"], None, None),
        ("s2", "message_selection", None, ["m-2", "m-3"], "p-1", None, None, None),
        # ranked by order; a message without an order comes last
        ("s3", "message_selection", None, ["m-4", "m-9", "m-8"], "p-2", None, [1, 2, None], None),
    ]


def test_embeddings_land_as_typed_vectors(tmp_path: Path, duck: Any) -> None:
    embeddings = [{"id": "e-1", "name": "clip", "dimensions": 3, "is_custom": False,
                   "values": [{"value": [0.5, 0.25, -1.0]}]}]
    line = _line({"objects": []}, embeddings=embeddings)
    flatten_export(write_lines(tmp_path / "x.ndjson", [line]), tmp_path / "out")
    (got,) = duck(tmp_path / "out").execute("select embeddings from data_rows").fetchone()
    assert got == [{"id": "e-1", "name": "clip", "dimensions": 3, "is_custom": False,
                    "vectors": [[0.5, 0.25, -1.0]]}]


@pytest.mark.parametrize(("annotations", "top", "message"), [
    ({"frames": {"one": {"objects": {}}}}, {}, "annotations.frames.one: frame key is not an integer"),
    ({"frames": {}, "segments": {"f-1": [5, 9]}}, {},
     "annotations.segments.f-1: expected a list of [start, end] pairs"),
    ({"frames": {}, "key_frame_feature_map": {"f-1": ["x"]}}, {},
     "annotations.key_frame_feature_map.f-1: expected frame numbers"),
    ({}, {"embeddings": [7]}, "embeddings: expected [{id, name, dimensions, is_custom, values: [{value}]}]"),
])
def test_malformed_structures_name_their_field(tmp_path: Path, annotations: dict[str, Any], top: dict[str, Any],
                                               message: str) -> None:
    assert refusal(tmp_path, _line(annotations, **top)).endswith(message)


@pytest.mark.parametrize(("line", "message"), [
    ({"data_row": {"id": "d"}, "models": ["m"]}, "models: expected an object keyed by model id, got list"),
    ({"data_row": {"id": "d"}, "experiments": {"m": {"runs": [1]}}},
     "experiments.m.runs: expected an object keyed by model run id"),
    ({"data_row": {"id": "d"}, "experiments": {"m": {"runs": {"r": 3}}}}, "experiments.m.runs.r: expected an object"),
])
def test_malformed_model_entries_name_their_path(tmp_path: Path, line: dict[str, Any], message: str) -> None:
    assert refusal(tmp_path, line) == message


def test_dicom_views_a_feature_is_not_in_give_no_track(tmp_path: Path, duck: Any) -> None:
    polyline = {"feature_id": "f-1", "name": "polyline", "annotation_kind": "DICOMPolyline", "classifications": [],
                "line": [{"x": 1.5, "y": 2}, {"x": 3, "y": 4}]}
    annotations = {
        "groups": {"Axial": {"name": "Axial", "classifications": [], "frames": {"1": {"objects": {"f-1": polyline}}}},
                   "Sagittal": {"name": "Sagittal", "classifications": [], "frames": {}},
                   "Coronal": {"name": "Coronal", "classifications": [], "frames": {}}},
        "segments": {"Axial": {"f-1": [[1, 1]]}, "Sagittal": {}, "Coronal": {}},
        "key_frame_feature_map": {"f-1": {"Axial": {"1": True}, "Coronal": {}, "Sagittal": {}}},
        "classifications": [],
    }
    flatten_export(write_lines(tmp_path / "x.ndjson", [_line(annotations)]), tmp_path / "out")
    con = duck(tmp_path / "out")
    tracks = con.execute("select dicom_group, first_frame, last_frame, frame_count, keyframe_count from objects")
    assert tracks.fetchall() == [("Axial", 1, 1, 1, 1)]
    assert con.execute("select dicom_group, frame, keyframe from video_frames").fetchall() == [("Axial", 1, True)]


def test_audio_labels_empty_timestamp_is_not_extra_but_a_filled_one_is_kept(tmp_path: Path, duck: Any) -> None:
    empty = _line({"classifications": [], "segments": {}, "timestamp": {}})
    filled = _line({"classifications": [], "segments": {}, "timestamp": {"start": 1.5}})
    filled["data_row"]["id"] = "dr-2"
    flatten_export(write_lines(tmp_path / "x.ndjson", [empty, filled]), tmp_path / "out")
    rows = duck(tmp_path / "out").execute("select data_row_id, extra from labels order by 1").fetchall()
    assert rows == [("dr-1", None), ("dr-2", '{"annotations":{"timestamp":{"start":1.5}}}')]


@pytest.mark.parametrize(("annotations", "message"), [
    ({"classifications": 3}, "annotations.classifications: expected an array, got a number"),
    ({"objects": [None]}, "annotations.objects[0]: expected an object, got null"),
    ({"objects": [{"line": 2.5}]}, "annotations.objects[0].line: expected an array of {x, y} points, got a number"),
    ({"objects": [{"bounding_box": [1, 2, 3, 4]}]},
     "annotations.objects[0].bounding_box: expected an object, got an array"),
    ({"objects": [{"classifications": [{"radio_answer": {"classifications": True}}]}]},
     "annotations.objects[0].classifications[0].radio_answer.classifications: expected an array, got a boolean"),
    ({"relationships": [7]}, "annotations.relationships[0]: expected an object, got a number"),
    ({"objects": [{"location": {"groups": [{"text": 3}]}}]},
     "annotations.objects[0].location.groups[0].text: expected a string, got a number"),
    ({"objects": [{"location": {"groups": ["a"]}}]},
     "annotations.objects[0].location.groups[0]: expected an object, got a string"),
    ({"frames": {"1": {"objects": {"f-1": {"confidence": "high", "point": {"x": 1, "y": 2}}}}}},
     "annotations.frames.1.objects.f-1.confidence: expected a number, got a string"),
    ({"frames": {"1": {"objects": [{"feature_id": ["a"], "point": {"x": 1, "y": 2}}]}}},
     "annotations.frames.1.objects.0.feature_id: expected a string, got an array"),
])
def test_wrong_shapes_are_said_in_json_terms_at_their_path(tmp_path: Path, annotations: dict[str, Any],
                                                           message: str) -> None:
    assert refusal(tmp_path, _line(annotations)) == f"experiments.m-1.runs.{RUN}.labels[0].{message}"
