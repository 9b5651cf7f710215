"""Flatten throughput and memory, as ratios against a parse floor measured in the same run.

    .venv/bin/python benchmarks/bench_flatten.py [--sizes 100,1000] [--repeats 3] [--out benchmarks/results/flatten.md]

For each size (MB) a deterministic export is generated once (all media kinds, nested
classifications, long videos, 1-2 runs per row) into benchmarks/data/, with its gzip copy (level 1,
as the raw landing writes it); then each contender runs in its own process while its peak RSS
(process tree) is sampled:

* floor:            orjson.loads of every line of the plain file, nothing else (one core)
* naive:            json + a recursive walk into lists of dicts + pandas DataFrames -> Parquet
* flatten, 1 core:  flatten_export with one walker thread, the process pinned to one core
                    (its reader and encoder threads share that core)
* flatten, 2 cores: two walker threads, both cores
* the same two on the gzip file
* Dagster path:     what the tables asset runs, from the gzip raw landing with the model run id and
                    its splits, pinned to one core

A flatten's CPU time (user + system, all its threads) is printed and kept in the .json beside the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).parent
DATA = HERE / "data"

FLOOR = """
import orjson, sys, time
started = time.perf_counter()
n = 0
with open(sys.argv[1], 'rb') as f:
    for line in f:
        orjson.loads(line); n += 1
print(n, time.perf_counter() - started)
"""

NAIVE = """
import json, sys, pandas as pd
rows = [json.loads(line) for line in open(sys.argv[1], encoding='utf-8')]
objects, classes, frames, data_rows = [], [], [], []
def walk_classes(items, base, depth):
    for q in items or []:
        answers = [q['radio_answer']] if 'radio_answer' in q else q.get('checklist_answers') or [q.get('text_answer') or {}]
        for a in answers:
            classes.append({**base, 'question': q.get('name'), 'answer': a.get('name') or a.get('content'), 'depth': depth})
            walk_classes(a.get('classifications'), base, depth + 1)
for row in rows:
    dr = row['data_row']['id']
    for top, key in (('experiments', 'runs'), ('models', 'model_runs')):
        for model in (row.get(top) or {}).values():
            for run_id, run in model[key].items():
                data_rows.append({'data_row_id': dr, 'model_run_id': run_id, **row.get('media_attributes', {})})
                for source in ('labels', 'predictions'):
                    for label in run.get(source) or []:
                        ann = label['annotations']
                        base = {'data_row_id': dr, 'model_run_id': run_id, 'source': source, 'label_id': label['id']}
                        for o in ann.get('objects') or []:
                            objects.append({**base, **{k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in o.items()}})
                            walk_classes(o.get('classifications'), base, 0)
                        for n, frame in (ann.get('frames') or {}).items():
                            for o in frame['objects'].values():
                                frames.append({**base, 'frame': int(n), **{k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in o.items()}})
                        walk_classes(ann.get('classifications'), base, 0)
out = sys.argv[2]
for name, table in (('data_rows', data_rows), ('objects', objects), ('classifications', classes), ('video_frames', frames)):
    pd.DataFrame(table).astype(str).to_parquet(f'{out}/{name}.parquet')
print(len(rows))
"""

FLATTEN = """
import json, os, resource, sys
cores, workers = int(sys.argv[3]), int(sys.argv[4])
if cores == 1:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # before any thread starts: they inherit it
from lb_export_pipeline.flatten import flatten_export
run_id = sys.argv[5] if len(sys.argv) > 5 else None
splits = json.loads(open(sys.argv[6]).read()) if len(sys.argv) > 6 else None
before = resource.getrusage(resource.RUSAGE_SELF)
r = flatten_export(sys.argv[1], sys.argv[2], workers=workers, model_run_id=run_id, splits=splits)
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime  # every thread, user + system
print(r.lines, r.workers, r.quarantined, sum(r.rows.values()), cpu, r.seconds)
"""
RUN = (11, 0, 0)  # the model run every generated row has (others appear in some rows)


def generate(size_mb: int) -> Path:
    from lb_export_pipeline.emulator import synthetic

    path = DATA / f"export-{size_mb}mb.ndjson"
    if path.exists() and path.stat().st_size >= size_mb * 1_000_000:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    settings = synthetic.GeneratorSettings(seed=11, video_frames=300)
    runs = [synthetic.run_ref(11, 0, 0)]
    extra = [synthetic.run_ref(11, 1, 0), synthetic.run_ref(11, 2, 0)]
    written = 0
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        index = 0
        while written < size_mb * 1_000_000:
            for line in synthetic.iter_lines(settings, runs, 500, start=index, extra_runs=extra):
                f.write(line)
                written += len(line)
            index += 500
    os.replace(tmp, path)
    print(f"generated {path.name}: {written / 1e6:,.0f} MB, {index:,} rows in {time.perf_counter() - started:.0f}s")
    return path


def gzipped(path: Path) -> Path:
    """The export's gzip copy, level 1 as the raw landing writes it."""
    import gzip
    import shutil

    target = path.with_suffix(".ndjson.gz")
    if not target.exists() or target.stat().st_mtime < path.stat().st_mtime:
        with open(path, "rb") as src, gzip.GzipFile(target.with_suffix(".tmp"), "wb", compresslevel=1, mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        os.replace(target.with_suffix(".tmp"), target)
    return target


def splits_file(path: Path) -> Path:
    """data_row_id -> split for the benchmark's run, as the raw landing's splits.json holds them."""
    import orjson

    target = path.with_suffix(".splits.json")
    if not target.exists():
        with open(path, "rb") as f:
            ids = [orjson.loads(line)["data_row"]["id"] for line in f]
        target.write_bytes(orjson.dumps({i: ("TRAINING", "VALIDATION", "TEST")[n % 3] for n, i in enumerate(ids)}))
    return target


def first_lines(mb: int) -> tuple[list[bytes], int]:
    """The first ``mb`` MB of the 1 GB export as whole lines held in memory, and their size in bytes."""
    lines, size = [], 0
    with open(generate(1000), "rb") as f:
        for line in f:
            lines.append(line)
            size += len(line)
            if size >= mb * 1_000_000:
                break
    return lines, size


def measure(label: str, code: str, *args: str) -> dict[str, float | str]:
    """Run ``code`` in a fresh interpreter; wall time and peak RSS (largest process, and whole tree)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parent = psutil.Process(proc.pid)
    peak_tree = peak_one = 0
    while proc.poll() is None:
        try:
            procs = [parent, *parent.children(recursive=True)]
            rss = [p.memory_info().rss for p in procs]
            peak_tree, peak_one = max(peak_tree, sum(rss)), max(peak_one, max(rss))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed: {err.decode()[-2000:]}")
    # Timed inside the process (its last printed number): interpreter start and imports are left out.
    work = float(out.decode().split()[-1]) if label != "naive: json + pandas" else seconds
    cpu = float(out.decode().split()[-2]) if code == FLATTEN else None
    return {"label": label, "seconds": work, "wall_seconds": seconds, "cpu_seconds": cpu, "peak_one_mb": peak_one / 1e6,
            "peak_tree_mb": peak_tree / 1e6, "output": out.decode().strip()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000", help="export sizes in MB")
    parser.add_argument("--out", default=str(HERE / "results" / "flatten.md"))
    parser.add_argument("--skip-naive-above", type=int, default=100, help="skip the naive run above this size")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds per size: every contender (floor included) runs once per round, in turn; "
                             "the median of its times is reported, and its largest peak RSS")
    args = parser.parse_args()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        path = generate(size)
        mb = path.stat().st_size / 1e6
        gz = gzipped(path)
        from lb_export_pipeline.emulator import synthetic

        run_id = synthetic.run_ref(*RUN).run_id
        out = DATA / "flatten-out"
        naive_out = DATA / "naive-out"
        naive_out.mkdir(exist_ok=True)
        contenders: list[tuple[str, str, list[str]]] = [("floor: orjson.loads per line", FLOOR, [str(path)])]
        if size <= args.skip_naive_above:
            contenders.append(("naive: json + pandas", NAIVE, [str(path), str(naive_out)]))
        for label, source, cores, extra in [
            ("flatten, plain, 1 core", path, 1, []),
            ("flatten, plain, 2 cores", path, 2, []),
            ("flatten, gzip, 1 core", gz, 1, []),
            ("flatten, gzip, 2 cores", gz, 2, []),
            ("Dagster path: gzip + run id + splits, 1 core", gz, 1, [run_id, str(splits_file(path))]),
        ]:
            # One walker thread per core given.
            contenders.append((label, FLATTEN, [str(source), str(out), str(cores), str(cores), *extra]))
        # Rounds interleave the contenders, so a slow spell on a shared machine hits them alike.
        rounds = [[measure(label, code, *argv) for label, code, argv in contenders] for _ in range(args.repeats)]
        runs = []
        for i in range(len(contenders)):
            seen = [r[i] for r in rounds]
            runs.append({**seen[0], "seconds": statistics.median(float(r["seconds"]) for r in seen),
                         "peak_tree_mb": max(float(r["peak_tree_mb"]) for r in seen),
                         "all_seconds": [round(float(r["seconds"]), 3) for r in seen],
                         "all_cpu_seconds": [round(float(r["cpu_seconds"]), 3) for r in seen if r["cpu_seconds"] is not None]})
        floor = mb / float(runs[0]["seconds"])
        for r in runs:
            rate = mb / float(r["seconds"])
            r.update(size_mb=round(mb), mb_s=rate, ratio=rate / floor)
            results.append(r)
            print(f"{mb:7.0f} MB  {r['label']:<46} {rate:7.1f} MB/s  {rate / floor:5.2f}x floor  "
                  f"peak RSS {r['peak_tree_mb']:6.0f} MB  seconds {r['all_seconds']}  CPU seconds {r['all_cpu_seconds']}",
                  flush=True)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {psutil.cpu_count()} cores, "
        f"Python {platform.python_version()}; command: `.venv/bin/python benchmarks/bench_flatten.py "
        f"--sizes {args.sizes} --repeats {args.repeats}` (medians of {args.repeats} interleaved rounds; "
        "peak RSS: the largest seen)", "",
        "| export | contender | MB/s | x floor | peak RSS |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['size_mb']} MB | {r['label']} | {float(r['mb_s']):.1f} | {float(r['ratio']):.2f} | "
                     f"{float(r['peak_tree_mb']):.0f} MB |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=1))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
