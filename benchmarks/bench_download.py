"""Export download throughput and memory: the client against a plain httpx GET, same bytes, same run.

    .venv/bin/python benchmarks/bench_download.py [--mb 1000] [--chunk-mb 8]

The emulator runs in its own process on loopback and prepares one export of about --mb MB. Then,
each in a fresh process with its peak RSS sampled:

* floor:  plain ``httpx`` streaming GETs of the export's chunk URLs, written to a file
* client: ``download_stream`` (GraphQL chunk lookups, length checks, line count, atomic rename)
* client, gzip: the same into ``.ndjson.gz`` (what the Dagster raw asset lands)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_flatten import DATA, measure  # noqa: E402

EMULATOR = """
import sys, time
from lb_export_pipeline.emulator import Catalog, CatalogSpec, EmulatorServer, EmulatorState, Faults
rows, chunk = int(sys.argv[1]), int(sys.argv[2])
state = EmulatorState(Catalog(CatalogSpec(seed=11, models=1, runs_per_model=1, rows=rows, video_frames=300,
                                          include_fixture=False)), Faults(polls_to_complete=0, chunk_bytes=chunk))
server = EmulatorServer(state).start()
print(server.graphql_url, flush=True)
while True:
    time.sleep(3600)
"""

FLOOR = """
import sys, json, httpx
urls = json.load(open(sys.argv[1]))
total = 0
with httpx.Client(timeout=120) as http, open(sys.argv[2], 'wb') as out:
    for url in urls:
        with http.stream('GET', url) as r:
            for data in r.iter_bytes(1 << 20):
                out.write(data); total += len(data)
print(total)
"""

CLIENT = """
import sys
from lb_export_pipeline.labelbox import LabelboxClient, download_stream
with LabelboxClient(api_key='bench', endpoint=sys.argv[1]) as client:
    print(download_stream(client, sys.argv[2], sys.argv[3]))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1000)
    parser.add_argument("--chunk-mb", type=int, default=8)
    parser.add_argument("--out", default=str(HERE / "results" / "download.md"))
    args = parser.parse_args()
    rows = args.mb * 1_000_000 // 20_500  # about 20 KB per synthetic row (video rows are ~130 KB)
    emulator = subprocess.Popen([sys.executable, "-c", EMULATOR, str(rows), str(args.chunk_mb << 20)],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        endpoint = emulator.stdout.readline().strip()
        from lb_export_pipeline.labelbox import LabelboxClient

        with LabelboxClient(api_key="bench", endpoint=endpoint) as client:
            run = next(client.list_model_runs(next(client.list_models()).id))
            started = time.perf_counter()
            task_id = client.start_model_run_export(run.id)
            client.wait_for_task(task_id, poll_interval=1.0, timeout=3600)
            header = client.stream_header(task_id, "RESULT")
            assert header is not None
            print(f"emulator prepared {header.total_size / 1e6:,.0f} MB ({header.total_lines:,} lines) "
                  f"in {time.perf_counter() - started:.0f}s")
            urls = [chunk.url for chunk in client.chunks(task_id, "RESULT", header.total_size)]
        DATA.mkdir(parents=True, exist_ok=True)
        (DATA / "chunk-urls.json").write_text(json.dumps(urls))
        mb = header.total_size / 1e6
        runs = [
            measure("floor: httpx streaming GET of the chunks", FLOOR, str(DATA / "chunk-urls.json"),
                    str(DATA / "floor.ndjson")),
            measure("client: download_stream -> .ndjson", CLIENT, endpoint, task_id, str(DATA / "client.ndjson")),
            measure("client: download_stream -> .ndjson.gz", CLIENT, endpoint, task_id,
                    str(DATA / "client.ndjson.gz")),
        ]
        assert (DATA / "floor.ndjson").read_bytes() == (DATA / "client.ndjson").read_bytes()
    finally:
        emulator.terminate()
        emulator.wait()
    floor = mb / float(runs[0]["seconds"])
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, loopback, "
             f"{len(urls)} chunks of ~{args.chunk_mb} MB; command: `.venv/bin/python benchmarks/bench_download.py "
             f"--mb {args.mb} --chunk-mb {args.chunk_mb}`", "",
             "| export | contender | MB/s | x floor | peak RSS |", "|---:|---|---:|---:|---:|"]
    for r in runs:
        rate = mb / float(r["seconds"])
        print(f"{mb:7.0f} MB  {r['label']:<42} {rate:7.1f} MB/s  {rate / floor:5.2f}x  "
              f"peak RSS {float(r['peak_one_mb']):5.0f} MB")
        lines.append(f"| {mb:,.0f} MB | {r['label']} | {rate:.1f} | {rate / floor:.2f} | "
                     f"{float(r['peak_one_mb']):.0f} MB |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
