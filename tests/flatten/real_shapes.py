"""Export lines shaped like published real exports (2023 and 2025 image projects with relationships,
consensus and masks; multimodal chat evaluation; video with frame-based classifications;
id-stripped hand-written samples), re-keyed under a model run. Ids are made up; the structure is
what the tests rely on.
"""

from __future__ import annotations

import copy
from typing import Any

MODEL = "clq1model0000aaaa0000aaaa"
RUN = "c0ffee00-1111-2222-3333-444455556666"


def line(labels: list[dict[str, Any]], data_row_id: str = "clrow00000000000000000001", *,
         media: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return {
        "data_row": {"id": data_row_id, "external_id": "IMG_0001.jpg",
                     "row_data": "https://storage.example.com/IMG_0001.jpg",
                     "details": {"dataset_id": "clds0001", "dataset_name": "street scenes",
                                 "created_at": "2023-05-02T10:11:12.000+00:00", "created_by": "ann@example.com"}},
        "media_attributes": media if media is not None else {"height": 3024, "width": 4032,
                                                             "mime_type": "image/jpeg"},
        **top,
        "experiments": {MODEL: {"name": "detector", "runs": {RUN: {"name": "iteration 3", "labels": labels}}}},
    }


def label(annotations: dict[str, Any], label_id: str | None = "cllabel0001", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"label_kind": "Default", "version": "1.0.0"}
    if label_id is not None:
        out["id"] = label_id
    return {**out, **fields, "annotations": annotations}


def _box(fid: str, name: str, top: float) -> dict[str, Any]:
    return {"feature_id": fid, "feature_schema_id": f"sch-{name}", "name": name, "value": name,
            "annotation_kind": "ImageBoundingBox", "classifications": [],
            "bounding_box": {"top": top, "left": 10.0, "height": 50.0, "width": 40.0}}


def relationship(fid: str, source: str, target: str, direction: str = "unidirectional") -> dict[str, Any]:
    kind = "ImageUnidirectionalRelationship" if direction == "unidirectional" else "ImageBidirectionalRelationship"
    return {"feature_id": fid, "feature_schema_id": "sch-holds", "name": "holds", "value": "holds",
            "annotation_kind": kind, "classifications": [],
            f"{direction}_relationship": {"source": source, "target": target, "type": direction}}


def image_2023() -> dict[str, Any]:
    """A 2023 image export: each relationship listed in objects and again in relationships;
    exif_rotation as a string; consensus in performance_details; metadata with schema_kind."""
    rels = [relationship("clrel0001", "clobj0001", "clobj0002"),
            relationship("clrel0002", "clobj0002", "clobj0001", "bidirectional")]
    annotations = {
        "objects": [_box("clobj0001", "person", 100.0), _box("clobj0002", "bag", 120.0), *copy.deepcopy(rels)],
        "classifications": [],
        "relationships": rels,
    }
    lab = label(annotations, label_details={"created_at": "2023-05-03T09:00:00.000+00:00",
                                             "updated_at": "2023-05-03T09:05:00.000+00:00",
                                             "created_by": "ann@example.com", "reviews": []},
                performance_details={"seconds_to_create": 41.2, "seconds_to_review": 0.0, "skipped": False,
                                     "consensus_score": 0.87, "benchmark_reference_label": None})
    return line([lab], media={"height": 3024, "width": 4032, "mime_type": "image/jpeg", "asset_type": "image",
                              "exif_rotation": "1"},
                metadata_fields=[{"schema_id": "clmeta0001", "schema_name": "tag",
                                  "schema_kind": "CustomMetadataString", "value": "batch-7"}])


def image_2025() -> dict[str, Any]:
    """A 2025 image export: label-level z_order, exif_rotation as a number, a composite mask, a
    benchmark reference label."""
    mask = {"feature_id": "clobj0003", "feature_schema_id": "sch-road", "name": "road", "value": "road",
            "annotation_kind": "ImageSegmentationMask", "classifications": [],
            "composite_mask": {"url": "https://api.labelbox.com/api/v1/tasks/t1/masks/m1/index/1",
                               "color_rgb": [255, 0, 128]}}
    lab = label({"objects": [mask], "classifications": [], "relationships": []}, label_id="cllabel0002",
                z_order=3, performance_details={"seconds_to_create": 12.0, "seconds_to_review": 3.5,
                                                "skipped": False, "benchmark_reference_label": "cllabel0099"})
    return line([lab], "clrow00000000000000000002",
                media={"height": 720, "width": 1280, "mime_type": "image/png", "asset_type": "image",
                       "exif_rotation": 6})


def chat_evaluation() -> dict[str, Any]:
    """Multimodal chat evaluation: selections and a ranking with model_config_name and order (a tie
    at 1, a gap before 4)."""
    objects = [
        {"feature_id": "clsel0001", "name": "best", "annotation_kind": "MessageSingleSelection",
         "selected_message": {"message_id": "msg-a", "model_config_name": "gpt-4o", "parent_message_id": "p-1"}},
        {"feature_id": "clsel0002", "name": "good", "annotation_kind": "MessageMultiSelection",
         "selected_messages": {"messages": [{"message_id": "msg-a", "model_config_name": "gpt-4o"},
                                            {"message_id": "msg-b", "model_config_name": "claude"}],
                               "parent_message_id": "p-1"}},
        {"feature_id": "clsel0003", "name": "rank", "annotation_kind": "MessageRanking",
         "ranked_messages": {"ranked_messages": [
             {"message_id": "msg-c", "model_config_name": "llama", "order": 4},
             {"message_id": "msg-a", "model_config_name": "gpt-4o", "order": 1},
             {"message_id": "msg-b", "model_config_name": "claude", "order": 1}],
             "parent_message_id": "p-1"}},
    ]
    return line([label({"objects": objects, "classifications": [], "relationships": []}, "cllabel0003")],
                "clrow00000000000000000003",
                media={"mime_type": "application/vnd.labelbox.conversational.model-chat-evaluation",
                       "asset_type": "conversational"})


def video_frame_classifications() -> dict[str, Any]:
    """A video label whose segments and key_frame_feature_map are keyed by a frame-based
    classification's feature id as well as by the object track's."""
    box = {"feature_id": "clobj0010", "feature_schema_id": "sch-car", "name": "car", "value": "car",
           "annotation_kind": "VideoBoundingBox", "classifications": [],
           "bounding_box": {"top": 10.0, "left": 20.0, "height": 30.0, "width": 40.0}}
    radio = {"feature_id": "clq00000010", "feature_schema_id": "sch-light", "name": "lighting", "value": "lighting",
             "radio_answer": {"feature_id": "cla00000010", "feature_schema_id": "sch-dark", "name": "dark",
                              "value": "dark", "classifications": []}}
    annotations = {
        "frames": {"13": {"objects": {"clobj0010": box}, "classifications": [radio]},
                   "19": {"objects": {"clobj0010": copy.deepcopy(box)}, "classifications": [copy.deepcopy(radio)]}},
        "segments": {"clobj0010": [[13, 19]], "clq00000010": [[13, 14], [19, 20]]},
        "key_frame_feature_map": {"clobj0010": {"13": True, "19": True}, "clq00000010": {"13": True, "19": True}},
        "classifications": [],
    }
    return line([label(annotations, "cllabel0004", label_kind="Video")], "clrow00000000000000000004",
                media={"height": 720, "width": 1280, "mime_type": "video/mp4", "frame_rate": 30, "frame_count": 60})


def id_stripped() -> dict[str, Any]:
    """A hand-written sample, as in SDK test fixtures: no label ids, no feature ids."""
    def box(name: str) -> dict[str, Any]:
        return {"name": name, "annotation_kind": "ImageBoundingBox",
                "bounding_box": {"top": 1.0, "left": 2.0, "height": 3.0, "width": 4.0}}
    checklist = {"name": "tags", "checklist_answers": [{"name": "blurry"}, {"name": "dark"}]}
    radio = {"name": "weather", "radio_answer": {"name": "rain", "classifications": [
        {"name": "intensity", "radio_answer": {"name": "heavy"}}]}}
    annotations = {"objects": [box("car"), box("car")], "classifications": [checklist, radio], "relationships": []}
    labels = [label(copy.deepcopy(annotations), None), label(copy.deepcopy(annotations), None)]
    return line(labels, "clrow00000000000000000005")


def project_export() -> dict[str, Any]:
    """A row of a project export (the UI's project download): labels under projects, no model run."""
    row = image_2023()
    run = row.pop("experiments")[MODEL]["runs"][RUN]
    row["projects"] = {"clproj0001": {"name": "street scenes", "labels": run["labels"],
                                      "project_details": {"batch_id": "b1", "batch_name": "batch 1",
                                                          "priority": 5, "workflow_history": []}}}
    return row


ALL = (image_2023, image_2025, chat_evaluation, video_frame_classifications, id_stripped)
"""The model-run lines above (not the project export)."""
