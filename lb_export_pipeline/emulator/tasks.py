"""Export tasks: generated to a file on disk (as Labelbox writes to cloud storage), then served in
chunks that start at the requested byte offset and end on a newline."""

from __future__ import annotations

import bisect
import tempfile
import threading
import uuid
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..labelbox.types import ExportParams, TaskStatus
from . import masks, synthetic
from .catalog import Catalog, EmulatedRun, api_time
from .faults import Faults

MALFORMED_LINE = b'{"data_row": {"id": "broken", "row_data": \n'


@dataclass
class Stream:
    """One stream (RESULT or ERRORS) of a task: a file and the byte offset of every line start."""

    path: Path
    starts: array = field(default_factory=lambda: array("q"))  # type: ignore[type-arg]
    size: int = 0

    @property
    def lines(self) -> int:
        return len(self.starts)

    def append_all(self, lines: Any) -> None:
        with open(self.path, "ab") as f:
            for line in lines:
                self.starts.append(self.size)
                f.write(line)
                self.size += len(line)

    def chunk_at(self, offset: int, target: int) -> tuple[int, int, int, int] | None:
        """(start, end inclusive, first line, last line) of the chunk starting at ``offset``."""
        if offset >= self.size:
            return None
        first = bisect.bisect_left(self.starts, offset)
        if first >= len(self.starts) or self.starts[first] != offset:
            return None
        limit = offset + target
        if self.size <= limit:
            last = len(self.starts) - 1
        else:  # the last line that ends within the target size, but at least one line
            last = max(first, bisect.bisect_right(self.starts, limit) - 2)
        end = (self.starts[last + 1] if last + 1 < len(self.starts) else self.size) - 1
        return offset, end, first, last


@dataclass
class ExportTask:
    id: str
    run: EmulatedRun
    created: str
    streams: dict[str, Stream]
    faults: Faults
    polls: int = 0
    generated: threading.Event = field(default_factory=threading.Event)
    error: str | None = None

    @property
    def status(self) -> TaskStatus:
        if not self.generated.is_set() or self.polls <= self.faults.polls_to_complete:
            return TaskStatus.IN_PROGRESS
        return TaskStatus.FAILED if self.faults.fail_export or self.error else TaskStatus.COMPLETE

    def to_api(self) -> dict[str, Any]:
        status = self.status
        done = status != TaskStatus.IN_PROGRESS
        pct = 100.0 if done else min(99.0, 100.0 * self.polls / (self.faults.polls_to_complete + 1))
        return {"id": self.id, "name": f"export-model-run-{self.run.id}", "status": status, "type": "export-data-rows",
                "completionPercentage": pct, "createdAt": self.created, "updatedAt": self.created,
                "errors": None, "result": None, "metadata": {}}


class TaskStore:
    """Creates tasks, generates their streams in a background thread, keeps them on disk."""

    def __init__(self, catalog: Catalog, faults: Faults, workdir: Path | None = None) -> None:
        self.catalog = catalog
        self.faults = faults
        self._tmp = tempfile.TemporaryDirectory(prefix="lb-emulator-") if workdir is None else None
        self.workdir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.tasks: dict[str, ExportTask] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def create(self, run: EmulatedRun, params: dict[str, Any], shape: synthetic.Shape,
               base_url: str = masks.LABELBOX_BASE) -> ExportTask:
        """A task generating the run's export; its mask URLs point at ``base_url`` (the server's own)."""
        from datetime import UTC, datetime

        task_id = "task-" + uuid.uuid4().hex[:20]
        folder = self.workdir / task_id
        folder.mkdir(parents=True)
        streams = {"RESULT": Stream(folder / "result.ndjson"), "ERRORS": Stream(folder / "errors.ndjson")}
        for s in streams.values():
            s.path.touch()
        task = ExportTask(task_id, run, api_time(datetime.now(UTC)), streams, self.faults)
        with self._lock:
            self.tasks[task_id] = task
        options = ExportParams.from_input(params)
        threading.Thread(target=self._generate, args=(task, shape, options, base_url), daemon=True).start()
        return task

    def _generate(self, task: ExportTask, shape: synthetic.Shape, options: ExportParams, base_url: str) -> None:
        try:
            every = self.faults.malformed_every
            lines = self.catalog.export_lines(task.run, shape, options, base_url)
            if every:
                lines = (MALFORMED_LINE if (i + 1) % every == 0 else line for i, line in enumerate(lines))
            if self.faults.fail_export:
                task.streams["ERRORS"].append_all([
                    b'{"error": "Export failed: the model run is being updated", "model_run_id": "'
                    + task.run.id.encode() + b'"}\n'])
            else:
                task.streams["RESULT"].append_all(lines)
        except Exception as exc:  # surfaced as a FAILED task, as Labelbox would
            task.error = str(exc)
        finally:
            task.generated.set()

    def get(self, task_id: str) -> ExportTask | None:
        return self.tasks.get(task_id)
