"""Evaluation against flattening: a model run of N label boxes and their predictions.

    .venv/bin/python benchmarks/bench_evaluate.py [--boxes 1000000] [--per-row 10] [--classes 10]

Writes benchmarks/data/boxes-<N>.ndjson (image rows in the documented export shape, predictions of
known quality from the emulator's predictions module), then in fresh processes: flattens it
(one process, as Dagster does by default) and evaluates the tables (default IoU thresholds). Reports
the seconds and peak RSS of each, for N and N/4, so that memory can be seen not to grow with the run.
"""

from __future__ import annotations

import argparse
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).parent
DATA = HERE / "data"
RESULTS = HERE / "results"

_CHILD = """
import resource, sys, time, json
from pathlib import Path
t = time.perf_counter()
if sys.argv[1] == "flatten":
    from lb_export_pipeline.flatten import flatten_export
    flatten_export(Path(sys.argv[2]), Path(sys.argv[3]), workers=1)
else:
    from lb_export_pipeline.evaluation.runner import evaluate
    evaluate(Path(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(path: Path, boxes: int, per_row: int, classes: int) -> None:
    from lb_export_pipeline.emulator import predictions, synthetic

    run = synthetic.run_ref(99, 0, 0)
    rng = random.Random(99)
    with open(path, "wb") as f:
        for i in range(boxes // per_row):
            objects = []
            for _ in range(per_row):
                name = f"class_{rng.randrange(classes)}"
                objects.append({"feature_id": synthetic.uid(rng), "feature_schema_id": f"schema{name}", "name": name,
                                "value": name, "annotation_kind": "ImageBoundingBox", "classifications": [],
                                "bounding_box": {"top": rng.randint(0, 1000), "left": rng.randint(0, 1800),
                                                 "height": rng.randint(10, 200), "width": rng.randint(10, 200)}})
            label_id = synthetic.cuid(rng)
            ann = {"objects": objects, "classifications": [], "relationships": []}
            row = {"data_row": {"id": synthetic.data_row_id(99, i), "global_key": f"box-{i}"},
                   "media_attributes": {"height": 1080, "width": 1920, "mime_type": "image/jpeg"},
                   "experiments": {run.model_id: {"name": run.model_name, "runs": {run.run_id: {
                       "name": run.run_name, "split": synthetic.split_of(99, run.run_id, i),
                       "labels": [{"label_kind": "Default", "version": "1.0.0", "id": label_id, "annotations": ann}],
                       "predictions": [{"label_kind": "Default", "version": "1.0.0", "id": label_id,
                                        "annotations": predictions.predict(ann, label_id, rng)}]}}}}}
            f.write(orjson.dumps(row) + b"\n")


def _child(step: str, export: Path, tables: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, step, str(export), str(tables)], check=True,
                         capture_output=True, text=True)
    return orjson.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--boxes", type=int, default=1_000_000)
    parser.add_argument("--per-row", type=int, default=10)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    lines = []
    for boxes in (args.boxes // 4, args.boxes):
        export = DATA / f"boxes-{boxes}.ndjson"
        if not export.exists():
            generate(export, boxes, args.per_row, args.classes)
        tables = DATA / f"boxes-{boxes}-tables"
        flat = _child("flatten", export, tables)
        evaluation = _child("evaluate", export, tables)
        import duckdb
        con = duckdb.connect()
        counted = con.sql(f"SELECT source, count(*) FROM read_parquet('{tables}/objects/*/*.parquet') "
                          "GROUP BY ALL ORDER BY ALL").fetchall()
        line = (f"| {boxes:,} | {dict(counted)} | {export.stat().st_size / 1e6:,.0f} MB | {flat['seconds']:.1f} s "
                f"| {flat['peak_rss_mb']:,.0f} MB | {evaluation['seconds']:.1f} s | {evaluation['peak_rss_mb']:,.0f} MB "
                f"| {flat['seconds'] / evaluation['seconds']:.2f}x |")
        print(line, flush=True)
        lines.append(line)
    header = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} "
              f"cores; command: `.venv/bin/python benchmarks/bench_evaluate.py --boxes {args.boxes} --per-row "
              f"{args.per_row} --classes {args.classes}`\n\n"
              "| label boxes | objects rows (label / prediction) | export | flatten | flatten peak RSS | evaluate "
              "| evaluate peak RSS | flatten / evaluate |\n|---:|---|---:|---:|---:|---:|---:|---:|\n")
    (RESULTS / "evaluate.md").write_text(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
