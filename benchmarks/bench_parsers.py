"""Could another parser carry the flatten to the issue's targets? The same lines, held in memory, one core.

    .venv/bin/python benchmarks/bench_parsers.py [--mb 60]

Takes the first --mb MB of benchmarks/data/export-1000mb.ndjson (made by bench_flatten.py) and times,
best of 3:

* orjson.loads of every line (the benchmarks' floor), and the flatten walk on top of it, for scale;
* msgspec.json decoding into plain objects, and into typed Structs that refuse unknown fields (the
  fast path such a design would take; refused lines would fall back to the dict walker);
* DuckDB read_json with the export's nested shape declared (MAP for keys that are ids or frame
  numbers), on one thread: the scan alone, and the scan materialized as a table.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import orjson

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_flatten import first_lines  # noqa: E402

from lb_export_pipeline.flatten.row import flatten_line  # noqa: E402

_STRICT: dict[str, Any] = {"forbid_unknown_fields": True, "gc": False}


class Point(msgspec.Struct, **_STRICT):
    x: float
    y: float


class Box(msgspec.Struct, **_STRICT):
    top: float
    left: float
    height: float
    width: float


class Answer(msgspec.Struct, **_STRICT):
    feature_id: str | None = None
    feature_schema_id: str | None = None
    name: str | None = None
    value: str | None = None
    content: str | None = None
    confidence: float | None = None
    custom_metrics: Any = None
    classifications: list[Question] = []


class Question(msgspec.Struct, **_STRICT):
    feature_id: str | None = None
    feature_schema_id: str | None = None
    name: str | None = None
    value: str | None = None
    message_id: str | None = None
    confidence: float | None = None
    custom_metrics: Any = None
    radio_answer: Answer | None = None
    checklist_answers: list[Answer] | None = None
    text_answer: Answer | None = None
    conversational_radio_answer: Answer | None = None
    conversational_checklist_answers: list[Answer] | None = None
    conversational_text_answer: Answer | None = None


class Obj(msgspec.Struct, **_STRICT):
    feature_id: str | None = None
    feature_schema_id: str | None = None
    name: str | None = None
    value: str | None = None
    annotation_kind: str | None = None
    confidence: float | None = None
    custom_metrics: Any = None
    classifications: list[Question] = []
    bounding_box: Box | None = None
    point: Point | None = None
    polygon: list[Point] | None = None
    line: list[Point] | None = None
    mask: Any = None
    composite_mask: Any = None
    location: Any = None
    geojson: Any = None
    conversational_location: Any = None
    page_number: int | None = None
    page_dimensions: Any = None
    selected_message: Any = None
    selected_messages: Any = None
    ranked_messages: Any = None


class Frame(msgspec.Struct, **_STRICT):
    objects: dict[str, Obj] = {}
    classifications: list[Question] = []


class Group(msgspec.Struct, **_STRICT):
    name: str | None = None
    frames: dict[str, Frame] = {}
    classifications: list[Question] = []


class Annotations(msgspec.Struct, **_STRICT):
    objects: list[Obj] = []
    classifications: list[Question] = []
    relationships: list[Any] = []
    frames: dict[str, Frame] | None = None
    segments: dict[str, Any] | None = None
    key_frame_feature_map: dict[str, Any] | None = None
    groups: dict[str, Group] | None = None
    timestamp: Any = None


class Label(msgspec.Struct, **_STRICT):
    id: str | None = None
    label_kind: str | None = None
    version: str | None = None
    annotations: Annotations | None = None
    label_details: Any = None
    performance_details: Any = None


class Run(msgspec.Struct, **_STRICT):
    name: str | None = None
    model_run_name: str | None = None
    annotation_group_id: str | None = None
    split: str | None = None
    data_split: str | None = None
    labels: list[Label] = []
    predictions: list[Label] = []


class Model(msgspec.Struct, **_STRICT):
    name: str | None = None
    model_name: str | None = None
    runs: dict[str, Run] | None = None
    model_runs: dict[str, Run] | None = None


class Line(msgspec.Struct, **_STRICT):
    data_row: Any
    media_attributes: Any = None
    attachments: Any = None
    metadata_fields: Any = None
    embeddings: Any = None
    experiments: dict[str, Model] | None = None
    models: dict[str, Model] | None = None


def _duckdb_columns() -> str:
    obj = ("STRUCT(feature_id VARCHAR, feature_schema_id VARCHAR, name VARCHAR, value VARCHAR, "
           "annotation_kind VARCHAR, confidence DOUBLE, bounding_box STRUCT(top DOUBLE, \"left\" DOUBLE, "
           "height DOUBLE, width DOUBLE), point STRUCT(x DOUBLE, y DOUBLE), line STRUCT(x DOUBLE, y DOUBLE)[], "
           "polygon STRUCT(x DOUBLE, y DOUBLE)[], classifications JSON)")
    frame = f"STRUCT(objects MAP(VARCHAR, {obj}), classifications JSON)"
    label = (f"STRUCT(id VARCHAR, annotations STRUCT(frames MAP(VARCHAR, {frame}), objects {obj}[], "
             "classifications JSON, key_frame_feature_map JSON, segments JSON, relationships JSON, groups JSON))")
    run = f"STRUCT(name VARCHAR, labels {label}[], predictions {label}[])"
    columns = {"data_row": "STRUCT(id VARCHAR, global_key VARCHAR, row_data VARCHAR, details JSON)",
               "media_attributes": "JSON", "metadata_fields": "JSON", "attachments": "JSON",
               "experiments": f"MAP(VARCHAR, STRUCT(name VARCHAR, runs MAP(VARCHAR, {run})))",
               "models": f"MAP(VARCHAR, STRUCT(name VARCHAR, model_runs MAP(VARCHAR, {run})))"}
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def best(run: Callable[[], object], times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=60)
    args = parser.parse_args()
    lines, size = first_lines(args.mb)
    gc.disable()  # as the flatten worker does
    typed = msgspec.json.Decoder(Line)
    plain = msgspec.json.Decoder()
    refused = 0

    def typed_decode() -> None:
        nonlocal refused
        refused = 0
        for line in lines:
            try:
                typed.decode(line)
            except msgspec.ValidationError:
                refused += 1

    def each(decode: Callable[[bytes], object]) -> Callable[[], None]:
        def run() -> None:
            for line in lines:
                decode(line)  # parsed and dropped, as the flatten does line by line
        return run

    def walk() -> None:
        for n, line in enumerate(lines, 1):
            flatten_line(orjson.loads(line), n)

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "lines.ndjson"
        source.write_bytes(b"".join(lines))
        con = duckdb.connect(config={"threads": 1})
        scan = (f"read_json('{source}', format='newline_delimited', columns={_duckdb_columns()}, "
                "maximum_object_size=1000000000)")
        rows = [
            ("orjson.loads (floor)", best(each(orjson.loads))),
            ("orjson.loads + flatten walk", best(walk)),
            ("msgspec, plain objects", best(each(plain.decode))),
            ("msgspec, typed Structs", best(typed_decode)),
            ("DuckDB read_json typed, scan (1 thread)",
             best(lambda: con.execute(f"SELECT count(*), count(experiments), count(models) FROM {scan}").fetchone())),
            ("DuckDB read_json typed, materialized (1 thread)",
             best(lambda: con.execute(f"CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM {scan}").fetchone())),
        ]
    floor = rows[0][1]
    print(f"{size / 1e6:.0f} MB, {len(lines):,} lines, one core; typed Structs refused {refused:,} line(s)")
    for label, seconds in rows:
        print(f"{label:<50} {seconds:6.3f} s  {size / 1e6 / seconds:7.1f} MB/s  {seconds / floor:5.2f}x floor time")


if __name__ == "__main__":
    main()
