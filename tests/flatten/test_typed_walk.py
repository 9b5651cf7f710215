"""The typed fast path gives exactly the dict walker's rows, and leaves every line it cannot vouch
for (unknown fields, odd types, ambiguous objects) to the dict walker."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from lb_export_pipeline.emulator import synthetic
from lb_export_pipeline.flatten import flatten_export
from lb_export_pipeline.flatten.errors import FieldError
from lb_export_pipeline.flatten.row import LineResult, flatten_line
from lb_export_pipeline.flatten.schemas import TABLE_NAMES, TABLES
from lb_export_pipeline.flatten.typed_walk import flatten_typed
from tests.conftest import seed_rows, to_experiments_shape, write_lines
from tests.flatten.test_fuzz import _mutate

RUN = "b8360c8f-f3e6-4a6c-a328-9dc21b4de0a0"


def _tables(result: LineResult) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    return {run: {t: getattr(rows, t) for t in TABLE_NAMES} for run, rows in result.runs.items()}


def _both(raw: bytes, n: int = 1) -> tuple[LineResult | None, LineResult | Exception]:
    """(typed result or None, dict walker result or the error it raised) for one line."""
    typed = flatten_typed(raw, n)
    try:
        reference: LineResult | Exception = flatten_line(orjson.loads(raw), n)
    except (FieldError, orjson.JSONDecodeError) as exc:
        reference = exc
    return typed, reference


def _assert_same(raw: bytes, n: int = 1) -> bool:
    """The typed path refused the line, or gave the reference's rows. Returns whether it took it."""
    typed, reference = _both(raw, n)
    if typed is None:
        return False
    assert not isinstance(reference, Exception), f"typed path landed a line the dict walker refuses: {reference}"
    assert _tables(typed) == _tables(reference)
    assert typed.skipped_runs == reference.skipped_runs
    return True


def _synthetic_lines(kind: str, shape: str, count: int = 12) -> list[bytes]:
    settings = synthetic.GeneratorSettings(seed=5, shape=shape, mix={kind: 1.0}, video_frames=30)  # type: ignore[arg-type]
    runs = [synthetic.run_ref(5, 0, 0), synthetic.run_ref(5, 1, 0)]
    return [orjson.dumps(synthetic.make_row(settings, i, runs)) for i in range(count)]


def test_structs_know_exactly_the_fields_the_dict_walker_knows() -> None:
    """A field known to one walker and not the other would land in typed columns on one path and in
    ``extra`` on the other."""
    from lb_export_pipeline.flatten import classifications, geometry, labels, row, typed_export

    def fields(struct: Any) -> set[str]:
        return set(struct.__struct_fields__)

    assert fields(typed_export.Line) == row._TOP_FIELDS
    assert fields(typed_export.Model) == row._MODEL_FIELDS
    assert fields(typed_export.Run) == row._RUN_FIELDS
    assert fields(typed_export.Label) == labels._LABEL_FIELDS
    assert fields(typed_export.Annotations) == labels._ANNOTATION_OR_EMPTY
    assert fields(typed_export.Question) == classifications._QUESTION_FIELDS
    assert fields(typed_export.Answer) == classifications._ANSWER_FIELDS
    assert fields(typed_export.Obj) == set().union(*(known for _, _, known in geometry.READERS))


def test_typed_path_takes_the_fixture_in_both_shapes() -> None:
    rows = seed_rows()
    lines = [orjson.dumps(r) for r in rows] + [orjson.dumps(to_experiments_shape(r)) for r in rows]
    taken = [_assert_same(line, n) for n, line in enumerate(lines, 1)]
    assert taken == [True] * 10


@pytest.mark.parametrize("shape", ["experiments", "models"])
@pytest.mark.parametrize("kind", synthetic.MEDIA_KINDS)
def test_typed_path_takes_every_media_kind_and_matches(kind: str, shape: str) -> None:
    lines = _synthetic_lines(kind, shape)
    assert all(_assert_same(line, n) for n, line in enumerate(lines, 1))


def test_typed_path_matches_or_refuses_mutated_rows() -> None:
    rng = random.Random(77)
    run = synthetic.run_ref(13, 0, 0)
    settings = synthetic.GeneratorSettings(seed=13, video_frames=20)
    taken = refused = 0
    for i in range(300):
        raw = _mutate(synthetic.make_row(settings, i, [run]), rng)
        if _assert_same(raw.strip(), i + 1):
            taken += 1
        else:
            refused += 1
    # Many mutations keep the documented shape (a changed string, a dropped optional field);
    # many do not (a number where an object goes, an unknown key). Both kinds occur.
    assert taken > 30 and refused > 30


def _label_line(annotations: Any, **label_fields: Any) -> dict[str, Any]:
    label = {"id": "lab-1", "label_kind": "Default", "annotations": annotations, **label_fields}
    return {"data_row": {"id": "dr-1"},
            "experiments": {"m-1": {"name": "model", "runs": {RUN: {"name": "run", "labels": [label]}}}}}


BOX = {"top": 1, "left": 2, "height": 3, "width": 4}


@pytest.mark.parametrize(("line", "why"), [
    ({**_label_line({}), "projects": {}}, "an unknown top-level field"),
    (_label_line({}, reviewer="x"), "an unknown label field"),
    (_label_line({"objects": [{"feature_id": "o", "bounding_box": BOX, "colour": "red"}]}), "an unknown object field"),
    (_label_line({"objects": [{"feature_id": "o", "bounding_box": BOX, "point": {"x": 1, "y": 2}}]}),
     "two geometries on one object: the dict walker keeps the second in extra"),
    (_label_line({"objects": [{"feature_id": "o", "polygon": [], "page_number": 2}]}),
     "a page number on a polygon"),
    (_label_line({"objects": [{"feature_id": "o", "bounding_box": None}]}), "a null geometry"),
    (_label_line({"objects": [{"feature_id": "o", "bounding_box": {**BOX, "top": "1"}}]}), "a string coordinate"),
    (_label_line({"classifications": [{"feature_id": "q", "name": "q"}]}), "a question with no answer"),
    (_label_line({"objects": [], "timestamp": {"start": 1}}), "a filled audio timestamp"),
    (_label_line({"frames": {"1": {"objects": [{"feature_id": "o", "bounding_box": BOX}]}}}),
     "frame objects as a list"),
    (_label_line({"frames": {"x": {"objects": {}}}}), "a frame key that is not a number"),
    (_label_line({"frames": {"1": {"objects": {"o": {"feature_id": 5, "bounding_box": BOX}}}}}),
     "a number as track id"),
])
def test_lines_the_typed_path_leaves_to_the_dict_walker(line: dict[str, Any], why: str) -> None:
    typed, _ = _both(orjson.dumps(line))
    assert typed is None, why


def test_absent_and_null_stay_apart() -> None:
    question = {"feature_id": "q", "name": "q", "confidence": 0.9}
    line = _label_line({"classifications": [
        {**question, "radio_answer": {"feature_id": "a", "name": "a"}},  # inherits the question's confidence
        {**question, "radio_answer": {"feature_id": "b", "name": "b", "confidence": None}},  # says it has none
    ], "frames": None})  # a present but null frames map still makes a video label, of 0 frames
    typed, reference = _both(orjson.dumps(line))
    assert typed is not None and not isinstance(reference, Exception)
    assert _tables(typed) == _tables(reference)
    rows = typed.runs[RUN]
    classification = TABLES["classifications"].column_names
    answer, confidence = classification.index("answer_feature_id"), classification.index("confidence")
    assert [(r[answer], r[confidence]) for r in rows.classifications] == [("a", 0.9), ("b", None)]
    assert rows.labels[0][TABLES["labels"].column_names.index("frame_count")] == 0


def test_flatten_counts_the_lines_the_dict_walker_read(tmp_path: Path, duck: Any) -> None:
    plain = _label_line({"objects": [{"feature_id": "o1", "name": "box", "bounding_box": BOX}]})
    odd = copy.deepcopy(plain)
    odd["experiments"]["m-1"]["runs"][RUN]["labels"][0]["annotations"]["objects"][0]["colour"] = "red"
    odd["data_row"]["id"] = "dr-2"
    export = write_lines(tmp_path / "x.ndjson", [plain, odd, b"{not json"])
    result = flatten_export(export, tmp_path / "out")
    assert result.general_path_lines == 1  # the unknown field (the line that is not JSON did not land)
    assert result.quarantined == 1
    got = duck(tmp_path / "out").execute(
        "select data_row_id, bbox_top, extra from objects order by data_row_id").fetchall()
    assert got == [("dr-1", 1.0, None), ("dr-2", 1.0, '{"object":{"colour":"red"}}')]
