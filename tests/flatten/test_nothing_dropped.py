"""Nothing is dropped, at any depth: every leaf of every landed input line is found in the tables.

For each input line, every leaf (a JSON string, number or boolean, not null) is collected with its
field name: the nearest enclosing key that is a field, not an id or frame number keying a map
(``frames.<n>``, video ``objects.<feature_id>``, ``segments``, ``groups.<view>``, model and run ids).
It must be found among the rows that line produced, in one of two ways:

* in a typed column its field lands in (``FIELD_COLUMNS``: the column's source field, or the field
  itself; nested struct and list columns count by ``column.subfield``), with the same value; or
* in a JSON column (``extra``, ``media_attributes_extra``, ``geojson``, ``document_groups``,
  ``reviews``), under the same field name, with the same value.

Values compare with their JSON type (1 is not true; a timestamp field compares as a timestamp).
Map keys are not leaves: the model id, run id, frame number, feature id and view they name are
checked by the tests of those columns (a DICOM view's ``name``, which repeats its key, counts as the
key). A ``false`` keyframe mark is no mark (documented in flatten/video.py).
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import TABLES, flatten_export
from lb_export_pipeline.labelbox.types import ExportParams
from tests.conftest import SEED_EXPORT, mutate, seed_rows, to_experiments_shape
from tests.flatten import real_shapes as real

# Containers keyed by ids or frame numbers: their keys are not field names.
_MAPS = frozenset({"experiments", "models", "runs", "model_runs", "frames", "groups", "projects"})
# Keyed by ids all the way down (DICOM adds a view level).
_DEEP_MAPS = frozenset({"segments", "key_frame_feature_map"})
_JSON_COLUMNS = frozenset({"extra", "media_attributes_extra", "geojson", "document_groups", "reviews"})
_JSON_TEXT = frozenset({"row_data", "metadata_fields.value"})  # a string as is, anything else as JSON text
_TIMESTAMPS = frozenset({"created_at", "updated_at", "last_activity_at", "content_last_updated_at"})

# Input field -> the typed columns it may land in (besides a column of its own name).
FIELD_COLUMNS: dict[str, set[str]] = {
    "id": {"data_row_id", "label_id", "embeddings.id", "attachments.id"},
    "feature_id": {"question_feature_id", "answer_feature_id"},
    "feature_schema_id": {"question_schema_id", "answer_schema_id"},
    "name": {"question_name", "answer_name", "model_name", "model_run_name", "embeddings.name",
             "attachments.name", "custom_metrics.name"},
    "model_name": {"model_name"},
    "model_run_name": {"model_run_name"},
    "value": {"question_value", "answer_value", "attachments.value", "metadata_fields.value",
              "embeddings.vectors", "custom_metrics.value"},
    "content": {"text_content"},
    "top": {"bbox_top"}, "left": {"bbox_left"},
    "height": {"bbox_height", "page_height"}, "width": {"bbox_width", "page_width"},
    "x": {"point_x", "points.x"}, "y": {"point_y", "points.y"},
    "url": {"mask_url"}, "color_rgb": {"mask_color_rgb"},
    "start": {"text_start"}, "end": {"text_end"}, "token": {"text"},
    "message_id": {"message_ids"}, "model_config_name": {"model_config_names"}, "order": {"message_orders"},
    "type": {"kind", "geojson_type", "attachments.type"},
    "source": {"source_feature_id"}, "target": {"target_feature_id"},
    "data_split": {"split"},
    "schema_id": {"metadata_fields.schema_id"}, "schema_name": {"metadata_fields.schema_name"},
    "schema_kind": {"metadata_fields.schema_kind"}, "value_name": {"metadata_fields.value_name"},
    "dimensions": {"embeddings.dimensions"}, "is_custom": {"embeddings.is_custom"},
    "segments": {"segments.start", "segments.end"},
    "key_frame_feature_map": {"keyframes"},
}


def _tag(value: Any) -> tuple[str, Any]:
    """A value with its JSON type, so that 1, 1.0 and true stay apart where they should."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, datetime):  # a naive one is UTC, as the flatten stores it
        return ("timestamp", value if value.tzinfo else value.replace(tzinfo=UTC))
    return ("string", value)


def _as_json_text(tagged: tuple[str, Any]) -> set[tuple[str, Any]]:
    """A number or boolean as the JSON text a string column keeps it as (row_data, metadata values)."""
    kind, value = tagged
    if kind == "bool":
        return {("string", "true" if value else "false")}
    if kind == "number":
        texts = {orjson.dumps(value).decode(), *([str(int(value))] if value.is_integer() else [])}
        return {("string", text) for text in texts}
    return set()


def input_leaves(node: Any, field: str = "", in_map: bool = False, deep: bool = False,
                 ) -> Iterator[tuple[str, tuple[str, Any]]]:
    """(field name, tagged value) of every leaf under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if deep:  # a frame number marked true in key_frame_feature_map is the frame itself
                if field == "key_frame_feature_map" and value is True:
                    yield field, _tag(int(key))
                    continue
                if value is False and field == "key_frame_feature_map":
                    continue  # documented: a false mark is no mark
                yield from input_leaves(value, field, False, True)
            elif in_map:
                if isinstance(value, dict) and value.get("name") == key:  # a DICOM view's name is its key
                    value = {k: v for k, v in value.items() if k != "name"}
                yield from input_leaves(value, field, False, False)
            else:
                is_video_objects = key == "objects" and isinstance(value, dict)
                yield from input_leaves(value, key, key in _MAPS or is_video_objects, key in _DEEP_MAPS)
    elif isinstance(node, list):
        for item in node:
            yield from input_leaves(item, field, False, deep)
    elif node is not None:
        if field in _TIMESTAMPS and isinstance(node, str):
            if not node:
                return  # an empty timestamp is no timestamp
            node = datetime.fromisoformat(node)
        if field == "exif_rotation" and isinstance(node, str) and node.isdigit():
            node = int(node)
        yield field, _tag(node)


def _typed_facts(column: str, value: Any, out: dict[str, set[Any]], json_out: dict[str, set[Any]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _typed_facts(f"{column.split('.')[0]}.{k}", v, out, json_out)
    elif isinstance(value, list):
        for v in value:
            _typed_facts(column, v, out, json_out)
    elif value is not None:
        out[column].add(_tag(value))
        if column in _JSON_TEXT and value[:1] in ("[", "{"):  # a non-string value kept as JSON text
            _json_facts(orjson.loads(value), column.split(".")[-1], json_out)


def _json_facts(node: Any, field: str, out: dict[str, set[Any]]) -> None:
    for name, tagged in input_leaves(node, field):
        out[name].add(tagged)


def output_facts(root: Path) -> dict[int, tuple[dict[str, set[Any]], dict[str, set[Any]]]]:
    """line number -> (typed column facts, JSON facts) of every row that line produced."""
    facts: dict[int, tuple[dict[str, set[Any]], dict[str, set[Any]]]] = defaultdict(
        lambda: (defaultdict(set), defaultdict(set)))
    for table in TABLES:
        for path in sorted((root / table).glob("*/*.parquet")):
            for row in pq.read_table(path).to_pylist():
                typed, in_json = facts[row.pop("line_number")]
                for column, value in row.items():
                    if column in _JSON_COLUMNS:
                        if value is not None:
                            _json_facts(orjson.loads(value), "", in_json)
                    else:
                        _typed_facts(column, value, typed, in_json)
    return facts


def _only_run(obj: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The line without the other model runs' entries: a flatten of one run skips them (and counts them)."""
    obj = dict(obj)
    for top in ("experiments", "models"):
        models = obj.get(top)
        if isinstance(models, dict):
            obj[top] = {mid: {k: ({r: v for r, v in runs.items() if r == run_id}
                                  if k in ("runs", "model_runs") and isinstance(runs, dict) else runs)
                              for k, runs in model.items()} if isinstance(model, dict) else model
                        for mid, model in models.items()}
    return obj


def dropped(lines: list[dict[str, Any] | bytes], root: Path, **flatten: Any) -> list[str]:
    """Flatten ``lines`` and say every input leaf of a landed line found in no column."""
    export = root / "in.ndjson"
    export.write_bytes(b"".join((raw if isinstance(raw, bytes) else orjson.dumps(raw) + b"\n") for raw in lines))
    flatten_export(export, root / "out", **flatten)
    facts = output_facts(root / "out")
    missing = []
    for n, raw in enumerate(lines, 1):
        if n not in facts:
            continue  # quarantined whole, with its reason (tests/flatten/test_quarantine.py)
        typed, in_json = facts[n]
        obj = orjson.loads(raw) if isinstance(raw, bytes) else raw
        if flatten.get("model_run_id"):
            obj = _only_run(obj, flatten["model_run_id"])
        for field, tagged in input_leaves(obj):
            columns = FIELD_COLUMNS.get(field, set()) | {field}
            found = {tagged, *_as_json_text(tagged)}
            if not any(found & typed[c] for c in columns) and tagged not in in_json[field]:
                missing.append(f"line {n}: {field} = {tagged[1]!r}")
    return missing


def _kind_rows(shape: str) -> list[dict[str, Any]]:
    options = dataclasses.replace(ExportParams(), embeddings=True)
    rows = []
    for kind in synthetic.MEDIA_KINDS:
        settings = synthetic.GeneratorSettings(seed=5, shape=shape, mix={kind: 1.0}, video_frames=12,  # type: ignore[arg-type]
                                               options=options)
        run = synthetic.run_ref(5, 0, 0)
        rows += [synthetic.make_row(settings, i, [run]) for i in range(6)]
    return rows


def test_the_fixture_drops_nothing(tmp_path: Path) -> None:
    assert dropped([*seed_rows(), *(to_experiments_shape(r) for r in seed_rows())], tmp_path) == []
    assert SEED_EXPORT.exists()


def test_real_shaped_lines_drop_nothing(tmp_path: Path) -> None:
    assert dropped([make() for make in real.ALL], tmp_path) == []


@pytest.mark.parametrize("shape", ["models", "experiments"])
def test_every_emulator_media_kind_drops_nothing(tmp_path: Path, shape: str) -> None:
    assert dropped(_kind_rows(shape), tmp_path) == []  # type: ignore[arg-type]


def test_the_fuzz_corpus_drops_nothing(tmp_path: Path) -> None:
    rng = random.Random(2024)
    settings = synthetic.GeneratorSettings(seed=13, video_frames=40)
    run = synthetic.run_ref(13, 0, 0)
    lines = [mutate(synthetic.make_row(settings, i, [run]), rng, run) for i in range(300)]
    assert dropped(lines, tmp_path, model_run_id=run.run_id) == []  # type: ignore[arg-type]
