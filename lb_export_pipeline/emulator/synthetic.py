"""Deterministic synthetic model-run export rows, for the emulator, the tests and the benchmarks.

Every row is a pure function of (seed, row index, runs), so a run of a million rows is generated
lazily, line by line, and the same seed always gives the same bytes. Rows cover every media kind
and annotation shape of labelbox-api.md section 5: image boxes, polygons, points, lines, masks and
relationships; text entities; video frames with segments and keyframes; geospatial GeoJSON; HTML,
audio and LLM-style classifications; conversational entities and message-scoped answers; document
token groups and boxes; DICOM views; nested radio / checklist / text answers; predictions with
confidence and custom metrics.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ..labelbox.types import ExportParams
from . import masks
from .annotations import Ontology, label_annotations
from .ids import cuid, uid
from .predictions import predict

Shape = Literal["models", "experiments"]
MEDIA_KINDS = ("image", "video", "text", "geospatial", "html", "conversational", "document", "audio", "dicom")
DEFAULT_MIX: dict[str, float] = {
    "image": 0.42, "video": 0.10, "text": 0.14, "geospatial": 0.08, "html": 0.05,
    "conversational": 0.07, "document": 0.06, "audio": 0.04, "dicom": 0.04,
}
SPLITS = ("TRAINING", "TRAINING", "TRAINING", "VALIDATION", "TEST", "UNASSIGNED")


@dataclass(frozen=True)
class RunRef:
    """A model run as it appears inside an export row."""

    model_id: str
    model_name: str
    run_id: str
    run_name: str


# What a row contains follows the export's options; the generator defaults to the export's defaults.
ALL_OPTIONS = ExportParams()


@dataclass(frozen=True)
class GeneratorSettings:
    seed: int = 7
    shape: Shape = "experiments"
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    video_frames: int = 120
    options: ExportParams = ALL_OPTIONS
    mask_base: str = masks.LABELBOX_BASE  # where mask URLs point: Labelbox, or the emulator serving them


def run_ref(seed: int, model_index: int, run_index: int, model_name: str | None = None) -> RunRef:
    rng = random.Random(f"model:{seed}:{model_index}")
    model_id = uid(rng)
    run_rng = random.Random(f"run:{seed}:{model_index}:{run_index}")
    return RunRef(model_id, model_name or f"model-{model_index}", uid(run_rng), f"iteration {run_index + 1}")


def data_row_id(seed: int, index: int) -> str:
    return cuid(random.Random(f"dr:{seed}:{index}"))


def media_kind(seed: int, index: int, mix: dict[str, float]) -> str:
    rng = random.Random(f"kind:{seed}:{index}")
    kinds = list(mix)
    return rng.choices(kinds, weights=[mix[k] for k in kinds])[0]


def split_of(seed: int, run_id: str, index: int) -> str:
    return random.Random(f"split:{seed}:{run_id}:{index}").choice(SPLITS)


_MEDIA = {
    "image": ("image/jpeg", "https://storage.example.com/images/{i}.jpg"),
    "video": ("video/mp4", "https://storage.example.com/videos/{i}.mp4"),
    "text": ("text/plain", "https://storage.example.com/text/{i}.txt"),
    "geospatial": ("application/x-tms-geo", '{{"tileLayerUrl":"https://tiles.example.com/{{z}}/{{x}}/{{y}}",'
                   '"bounds":[[-122.32,37.87],[-122.31,37.88]],"minZoom":17,"maxZoom":23,"epsg":"EPSG4326"}}'),
    "html": ("text/html", "https://storage.example.com/html/{i}.html"),
    "conversational": ("application/vnd.labelbox.conversational", "https://storage.example.com/chat/{i}.json"),
    "document": ("application/pdf", "https://storage.example.com/docs/{i}.pdf"),
    "audio": ("audio/mpeg", "https://storage.example.com/audio/{i}.mp3"),
    "dicom": ("application/dicom", "https://storage.example.com/dicom/{i}.dcm"),
}


def _media_attributes(kind: str, rng: random.Random, frames: int, messages: list[str]) -> dict[str, Any]:
    mime = _MEDIA[kind][0]
    if kind in ("image", "dicom"):
        return {"height": 1080, "width": 1920, "mime_type": mime, "exif_rotation": "1"}
    if kind == "video":
        return {"height": 720, "width": 1280, "mime_type": mime, "frame_rate": 30, "frame_count": frames}
    if kind == "conversational":
        return {"asset_type": "conversational", "mime_type": mime, "labelable_ids": messages,
                "message_count": len(messages)}
    if kind == "audio":
        return {"mime_type": mime, "duration": round(rng.uniform(5, 300), 2)}
    return {"mime_type": mime}


def make_row(settings: GeneratorSettings, index: int, runs: Sequence[RunRef]) -> dict[str, Any]:
    """Export row ``index`` of a model run export containing ``runs`` (usually one)."""
    seed = settings.seed
    opts = settings.options
    kind = media_kind(seed, index, settings.mix)
    rng = random.Random(f"row:{seed}:{index}")
    onto = Ontology(seed)
    drid = data_row_id(seed, index)
    messages = [f"message-{k}" for k in range(rng.randint(2, 6))] if kind == "conversational" else []
    frames = settings.video_frames
    row: dict[str, Any] = {"data_row": {"id": drid, "global_key": f"{kind}-{seed}-{index:08d}",
                                        "external_id": f"{kind}_{index}.{_MEDIA[kind][0].split('/')[-1]}",
                                        "row_data": _MEDIA[kind][1].format(i=index)}}
    if opts.data_row_details:
        day = 1 + index % 28
        row["data_row"]["details"] = {
            "dataset_id": cuid(random.Random(f"ds:{seed}:{kind}")), "dataset_name": f"{kind} dataset",
            "created_at": f"2024-03-{day:02d}T10:{index % 60:02d}:00.000+00:00",
            "updated_at": f"2024-04-{day:02d}T11:00:00.000+00:00",
            "last_activity_at": f"2024-05-{day:02d}T12:00:00.000+00:00",
            "created_by": "labeler@example.com",
        }
    row["media_attributes"] = _media_attributes(kind, rng, frames, messages)
    if opts.attachments:
        row["attachments"] = [{"type": "TEXT", "value": f"note for row {index}", "name": "note", "id": uid(rng)}] \
            if rng.random() < 0.3 else []
    if opts.metadata_fields:
        row["metadata_fields"] = [
            {"schema_id": "cko8s9r5v0001h2dk9elqdidh", "schema_name": "tag", "value": rng.choice(["day", "night"])},
            {"schema_id": "cko8sbczn0002h2dkdaxb5kal", "schema_name": "captureDateTime",
             "value": "2024-03-01T00:00:00.000Z"},
        ]
    if opts.embeddings:
        row["embeddings"] = [{"id": "emb-clip", "name": "CLIP ViT-B/32", "dimensions": 8, "is_custom": False,
                              "values": [{"value": [round(rng.uniform(-1, 1), 4) for _ in range(8)]}]}]
    top: dict[str, Any] = {}
    for ref in runs:
        entry_rng = random.Random(f"labels:{seed}:{index}:{ref.run_id}")
        task = cuid(entry_rng)
        labels: list[dict[str, Any]] = []
        for _ in range(2 if entry_rng.random() < 0.1 else 1):  # a reviewed row carries two labels
            label_kind, ann = label_annotations(kind, entry_rng, onto, frames, task, messages)
            labels.append({"label_kind": label_kind, "version": "1.0.0", "id": cuid(entry_rng), "annotations": ann})
        run: dict[str, Any] = {}
        if settings.shape == "models":
            run["model_run_name"] = ref.run_name
        else:
            run["name"] = ref.run_name
        run["annotation_group_id"] = uid(entry_rng)
        if opts.model_run_details:
            run["split"] = split_of(seed, ref.run_id, index)
        run["labels"] = labels
        if opts.predictions:  # derived from the first label, with known quality (predictions.py)
            pred_rng = random.Random(f"prediction:{seed}:{index}:{ref.run_id}")
            run["predictions"] = [{"label_kind": labels[0]["label_kind"], "version": "1.0.0", "id": labels[0]["id"],
                                   "annotations": predict(labels[0]["annotations"], labels[0]["id"], pred_rng)}]
        model = top.setdefault(ref.model_id, {"model_name": ref.model_name} if settings.shape == "models"
                               else {"name": ref.model_name})
        model.setdefault("model_runs" if settings.shape == "models" else "runs", {})[ref.run_id] = run
    row[settings.shape] = top
    return row


def iter_lines(settings: GeneratorSettings, runs: Sequence[RunRef], count: int, start: int = 0,
               extra_runs: Sequence[RunRef] = ()) -> Iterator[bytes]:
    """NDJSON lines of rows [start, start + count); with ``extra_runs``, some rows also carry a
    second run (as a data row that sits in two model runs does)."""
    for i in range(start, start + count):
        refs = list(runs)
        if extra_runs and random.Random(f"extra:{settings.seed}:{i}").random() < 0.5:
            refs.append(extra_runs[i % len(extra_runs)])
        line = orjson.dumps(make_row(settings, i, refs)) + b"\n"
        yield line if settings.mask_base == masks.LABELBOX_BASE else _rebase_masks(line, settings.mask_base)


def _rebase_masks(line: bytes, base: str) -> bytes:
    """Mask URLs pointed at ``base`` (the emulator that serves their PNGs) instead of Labelbox."""
    return line.replace(f'"{masks.LABELBOX_BASE}{masks.PATH_PREFIX}'.encode(), f'"{base}{masks.PATH_PREFIX}'.encode())
