"""The five documented export rows (image, text, video, geospatial, HTML) flattened and read back
with DuckDB: counts per table and the values of every kind of field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lb_export_pipeline.flatten import flatten_export

IMAGE_RUN = "a08c8321-3e07-06d8-43d2-a26ce0d9862c"
TEXT_RUN = "a089fc39-d06d-00c1-ee95-e49521276427"
VIDEO_RUN = "a0c93d8b-001c-0ccb-ab29-b803bf59cac8"
GEO_RUN = "a09051d9-93df-0497-c29d-f684f096d748"


@pytest.fixture
def tables(tmp_path: Path, seed_export: Path, duck: Any) -> Any:
    result = flatten_export(seed_export, tmp_path / "out")
    assert result.quarantined == 0
    return duck(tmp_path / "out")


def one(con: Any, sql: str) -> tuple[Any, ...]:
    rows = con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return tuple(rows[0])


def test_row_counts_per_table(tables: Any) -> None:
    counts = {t: tables.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("data_rows", "objects", "video_frames", "classifications", "relationships", "labels")}
    assert counts == {"data_rows": 5, "objects": 36, "video_frames": 20, "classifications": 78,
                      "relationships": 0, "labels": 10}
    # one partition per model run, named by the run id
    assert tables.execute("select count(distinct model_run_id) from data_rows").fetchone()[0] == 5


def test_data_row_details_and_media(tables: Any) -> None:
    row = one(tables, f"""select data_row_id, global_key, model_name, model_run_name, annotation_group_id,
        dataset_id, created_at, created_by, mime_type, width, height, label_count, prediction_count
        from data_rows where model_run_id = '{IMAGE_RUN}'""")
    assert row == (
        "cldw8hs6l1ii9070lcysma1zk", "5e3648e7-a888-4f03-b3e6-b277d42a795a",
        "image_model_run_748bf36b-5bac-4d5a-8511-a8d8a22f1398", "iteration 1",
        "78e2c7ca-eaba-48da-b582-a1fe5565dea1", "cldw8hrhr1r6107xz65bxd2ah",
        datetime(2023, 2, 8, tzinfo=UTC), "[email protected]", "image/jpeg", 2560, 1707, 1, 1,
    )
    geo = one(tables, f"select row_data, mime_type from data_rows where model_run_id = '{GEO_RUN}'")
    assert geo[0].startswith('{"tileLayerUrl"') and geo[1] == "application/x-tms-geo"


def test_polygon_points_are_typed_lists(tables: Any) -> None:
    points = one(tables, f"""select points from objects where model_run_id = '{IMAGE_RUN}'
        and source = 'label' and annotation_kind = 'ImagePolygon'""")[0]
    assert len(points) == 16
    assert points[0] == {"x": 1489.581, "y": 183.934}
    assert points[3] == {"x": 2560.0, "y": 335.419}  # an integer coordinate becomes float64
    bbox = one(tables, f"""select bbox_top, bbox_left, bbox_height, bbox_width from objects
        where model_run_id = '{IMAGE_RUN}' and source = 'label' and name = 'bounding_box'""")
    assert bbox == (977.0, 1690.0, 330.0, 225.0)
    point = one(tables, f"""select point_x, point_y, geometry_kind from objects where model_run_id = '{IMAGE_RUN}'
        and source = 'prediction' and annotation_kind = 'ImagePoint'""")
    assert point == (1166.606, 1441.768, "point")
    mask = one(tables, f"""select mask_url from objects where model_run_id = '{IMAGE_RUN}' and source = 'label'
        and geometry_kind = 'mask'""")[0]
    assert mask.endswith("/annotations/a51c0659-5a29-4c09-a1ec-1bcb259b0439/mask")
    line = one(tables, f"""select len(points), geometry_kind from objects where model_run_id = '{IMAGE_RUN}'
        and source = 'label' and annotation_kind = 'ImageLine'""")
    assert line == (21, "line")


def test_text_entity_offsets(tables: Any) -> None:
    rows = tables.execute(f"""select source, text_start, text_end, geometry_kind from objects
        where model_run_id = '{TEXT_RUN}' order by source""").fetchall()
    assert rows == [("label", 67, 128, "text_span"), ("prediction", 67, 128, "text_span")]


def test_nested_classifications_have_paths_depths_and_parents(tables: Any) -> None:
    row = one(tables, f"""select answer_kind, answer_name, depth, parent_feature_id, path from classifications
        where model_run_id = '{IMAGE_RUN}' and source = 'label' and question_name = 'sub_checklist_question'""")
    assert row == ("checklist", "first_sub_checklist_answer", 1, "4d686853-92a9-455a-bb24-a3f98b713423",
                   "nested_checklist_question/first_checklist_answer/sub_checklist_question")
    radio = one(tables, f"""select path, depth from classifications where model_run_id = '{IMAGE_RUN}'
        and source = 'label' and question_name = 'sub_radio_question' and object_feature_id is null""")
    assert radio == ("nested_radio_question/first_radio_answer/sub_radio_question", 1)
    text = one(tables, f"""select answer_kind, text_content, answer_feature_id from classifications
        where model_run_id = '{IMAGE_RUN}' and source = 'label' and question_name = 'free_text'""")
    assert text == ("text", "sample text", None)
    checklist = tables.execute(f"""select answer_name from classifications where model_run_id = '{TEXT_RUN}'
        and source = 'label' and question_name = 'checklist_question' order by answer_name""").fetchall()
    assert [r[0] for r in checklist] == ["first_checklist_answer", "second_checklist_answer",
                                        "third_checklist_answer"]
    under_object = one(tables, f"""select object_feature_id, parent_feature_id, depth, answer_name
        from classifications where model_run_id = '{IMAGE_RUN}' and source = 'label'
        and object_feature_id is not null""")
    assert under_object == ("4a4ae9b1-df44-4551-8303-67b1fee61c14", "4a4ae9b1-df44-4551-8303-67b1fee61c14", 0,
                            "first_sub_radio_answer")


def test_video_tracks_frames_and_keyframes(tables: Any) -> None:
    track = one(tables, f"""select name, annotation_kind, first_frame, last_frame, frame_count, keyframe_count,
        len(segments), bbox_top from objects where model_run_id = '{VIDEO_RUN}' and source = 'label'
        and feature_id = '52fc26e7-db68-483b-a5de-bd099c6f830d'""")
    assert track == ("line_video_frame", "VideoPolyline", 5, 45, 5, 5, 5, None)
    frames = tables.execute(f"""select frame, keyframe, len(points) from video_frames
        where model_run_id = '{VIDEO_RUN}' and source = 'label'
        and feature_id = '52fc26e7-db68-483b-a5de-bd099c6f830d' order by frame""").fetchall()
    assert frames == [(5, True, 3), (12, True, 3), (20, True, 3), (24, True, 2), (45, True, 2)]
    bbox = one(tables, f"""select bbox_top, bbox_left, bbox_height, bbox_width from video_frames
        where model_run_id = '{VIDEO_RUN}' and source = 'label' and frame = 1""")
    assert bbox == (146.0, 98.0, 382.0, 341.0)
    per_frame = tables.execute(f"""select frame, question_name, answer_name from classifications
        where model_run_id = '{VIDEO_RUN}' and source = 'label' and frame is not null order by frame""").fetchall()
    assert per_frame == [(13, "sub_radio_question", "first_sub_radio_answer"),
                         (15, "sub_radio_question", "first_sub_radio_answer")]
    globals_ = tables.execute(f"""select count(*) from classifications where model_run_id = '{VIDEO_RUN}'
        and source = 'label' and frame is null""").fetchone()[0]
    assert globals_ == 7
    tracks = tables.execute(f"select count(*) from objects where model_run_id = '{VIDEO_RUN}'").fetchone()[0]
    assert tracks == 8


def test_geojson_types_and_text(tables: Any) -> None:
    kinds = dict(tables.execute(f"""select geojson_type, count(*) from objects where model_run_id = '{GEO_RUN}'
        group by 1""").fetchall())
    assert kinds == {"Point": 2, "LineString": 2, "Polygon": 10}
    point = one(tables, f"""select json_extract(geojson, '$.coordinates') from objects
        where model_run_id = '{GEO_RUN}' and source = 'label' and annotation_kind = 'GeoPoint'""")[0]
    assert point == "[-122.31741,37.873557]"


def test_labels_and_predictions_are_told_apart(tables: Any) -> None:
    by_source = dict(tables.execute("select source, count(*) from objects group by 1").fetchall())
    assert by_source == {"label": 18, "prediction": 18}
    labels = dict(tables.execute("select source, count(*) from labels group by 1").fetchall())
    assert labels == {"label": 5, "prediction": 5}
    # the prediction reuses the label's id in the fixture; the natural key still tells them apart
    dupes = tables.execute("""select count(*) from (select model_run_id, data_row_id, source, label_id,
        dicom_group, feature_id from objects group by all having count(*) > 1)""").fetchone()[0]
    assert dupes == 0


def test_schema_version_is_written_into_every_file(tmp_path: Path, seed_export: Path) -> None:
    import pyarrow.parquet as pq

    from lb_export_pipeline.schema import METADATA_KEY, SCHEMA_VERSION

    flatten_export(seed_export, tmp_path)
    files = list(tmp_path.glob("*/model_run_id=*/*.parquet"))
    assert len(files) == 6 * 5
    for f in files:
        assert pq.read_schema(f).metadata[METADATA_KEY] == SCHEMA_VERSION.encode()
