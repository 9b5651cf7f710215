"""Quarantine: lines that could not be flattened, kept whole with their line number and reason.

A quarantine file is NDJSON, one record per bad line::

    {"source": "export.ndjson", "line": 3, "field": "data_row.id", "reason": "...", "raw": "<the line>"}

It sits beside the partition it belongs to, as ``data_rows/model_run_id=<id>/_quarantine.ndjson``
(engines skip files starting with ``_``), and is replaced with the partition. Lines that name no
model run go to ``<out>/_quarantine/<export name>.ndjson`` (``unattributed_file``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

QUARANTINE_FILE = "_quarantine.ndjson"
UNATTRIBUTED_DIR = "_quarantine"
_EXPORT_SUFFIXES = (".gz", ".ndjson", ".jsonl", ".json")


def unattributed_file(export_name: str) -> str:
    """The quarantine file, under ``UNATTRIBUTED_DIR``, of an export's lines that name no model run:
    ``run.ndjson.gz`` -> ``run.ndjson`` (never ``run.ndjson.gz.ndjson``)."""
    stem = export_name
    for suffix in _EXPORT_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem.removesuffix(suffix)
    return f"{stem}.ndjson"


@dataclass(frozen=True)
class QuarantineRecord:
    source: str
    line: int
    field: str
    reason: str
    raw: bytes

    def to_json(self) -> bytes:
        record: dict[str, object] = {"source": self.source, "line": self.line, "field": self.field,
                                     "reason": self.reason}
        try:
            record["raw"] = self.raw.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError:
            record["raw_base64"] = base64.b64encode(self.raw).decode()
        return orjson.dumps(record) + b"\n"

    @property
    def message(self) -> str:
        where = f"{self.source} line {self.line}"
        return f"{where}: field {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


class QuarantineFiles:
    """Appends records to one quarantine file per destination, opened on first use."""

    def __init__(self) -> None:
        self._files: dict[Path, IO[bytes]] = {}
        self.counts: dict[Path, int] = {}

    def write(self, path: Path, record: QuarantineRecord) -> None:
        f = self._files.get(path)
        if f is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            f = self._files[path] = open(path, "wb")
            self.counts[path] = 0
        f.write(record.to_json())
        self.counts[path] += 1

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


def read_quarantine(path: Path) -> list[dict[str, object]]:
    """The records of a quarantine file (for reports and tests)."""
    with open(path, "rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]
