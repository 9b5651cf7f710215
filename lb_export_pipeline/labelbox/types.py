"""Typed results of the client's operations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from .exceptions import ApiError

StreamType = Literal["RESULT", "ERRORS"]


class TaskStatus(StrEnum):
    """A task's ``status``; equal to its text (``TaskStatus.COMPLETE == "COMPLETE"``)."""

    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    ontology_id: str | None = None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Model:
        return cls(d["id"], d.get("name") or "", d.get("ontologyId"))


@dataclass(frozen=True)
class ModelRun:
    id: str
    name: str
    model_id: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ModelRun:
        return cls(id=d["id"], name=d.get("name") or "", model_id=d.get("modelId") or "",
                   created_at=parse_time(d.get("createdAt")), updated_at=parse_time(d.get("updatedAt")),
                   created_by=d.get("createdBy"))


@dataclass(frozen=True)
class ModelRunDataRow:
    """A model run's data row (an annotation group) with its split."""

    id: str
    data_row_id: str
    global_key: str | None
    split: str

    @classmethod
    def from_api(cls, node: dict[str, Any]) -> ModelRunDataRow:
        """From an ``annotationGroups`` node."""
        row = node.get("dataRow") or {}
        return cls(node["id"], row.get("id") or "", row.get("globalKey"), node.get("dataSplit") or "UNASSIGNED")


@dataclass(frozen=True)
class Task:
    id: str
    name: str | None
    status: TaskStatus
    completion_percentage: float | None
    type: str | None
    errors: str | None
    result: str | None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Task:
        pct = d.get("completionPercentage")
        try:
            status = TaskStatus(str(d.get("status")))
        except ValueError:
            raise ApiError(f"task {d['id']}: unknown status {d.get('status')!r}") from None
        return cls(id=d["id"], name=d.get("name"), status=status, type=d.get("type"),
                   completion_percentage=float(pct) if pct is not None else None,
                   errors=d.get("errors"), result=d.get("result"))


@dataclass(frozen=True)
class StreamHeader:
    total_size: int
    total_lines: int


@dataclass(frozen=True)
class Chunk:
    """One chunk of an export stream: bytes [start, end] (inclusive) and lines [line_start, line_end]."""

    start: int
    end: int
    line_start: int
    line_end: int
    url: str

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Chunk:
        offsets, lines = d["offsets"], d["lines"]
        return cls(int(offsets["start"]), int(offsets["end"]), int(lines["start"]), int(lines["end"]), d["file"])


@dataclass(frozen=True)
class ExportParams:
    """A model-run export's options (ModelRunExportParams), mapped to the mutation's input.

    The defaults here are the project's only ones: the Dagster resource, the CLI's options and the
    emulator's generator all derive theirs from ``ExportParams()`` (everything the tables hold; not
    embeddings, which are large).
    """

    attachments: bool = True
    embeddings: bool = False
    metadata_fields: bool = True
    data_row_details: bool = True
    predictions: bool = True
    model_run_details: bool = True
    media_type_override: str | None = None

    @classmethod
    def from_input(cls, params: dict[str, Any]) -> ExportParams:
        """The inverse of ``to_input`` (what a server, such as the emulator, receives)."""
        return cls(attachments=bool(params.get("includeAttachments")), embeddings=bool(params.get("includeEmbeddings")),
                   metadata_fields=bool(params.get("includeMetadata")),
                   data_row_details=bool(params.get("includeDataRowDetails")),
                   predictions=bool(params.get("includePredictions")),
                   model_run_details=bool(params.get("includeModelRunDetails")),
                   media_type_override=params.get("mediaTypeOverride"))

    def to_input(self) -> dict[str, Any]:
        return {
            "mediaTypeOverride": self.media_type_override,
            "includeAttachments": self.attachments,
            "includeEmbeddings": self.embeddings,
            "includeMetadata": self.metadata_fields,
            "includeDataRowDetails": self.data_row_details,
            "includePredictions": self.predictions,
            "includeModelRunDetails": self.model_run_details,
        }


@dataclass(frozen=True)
class DownloadedStream:
    """What ``download_stream`` wrote, and the line count Labelbox's header announced (0: no stream)."""

    bytes: int
    lines: int
    total_lines: int
    chunks: int


@dataclass(frozen=True)
class ExportResult:
    """A downloaded export: where it is and what Labelbox said it should hold."""

    task_id: str
    path: str
    bytes: int
    lines: int
    total_lines: int
    chunks: int
    errors: list[str]
    seconds: float
