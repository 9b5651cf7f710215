"""The Labelbox client: models, model runs and their data rows, export tasks and their streams."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

import httpx

from . import exceptions as exc
from . import queries as q
from .config import EXPORT_TIMEOUT_SECONDS, POLL_INTERVAL_SECONDS, ClientConfig
from .paging import next_offset, paginate
from .redaction import redact
from .transport import Transport
from .types import (
    Chunk,
    ExportParams,
    Model,
    ModelRun,
    ModelRunDataRow,
    StreamHeader,
    StreamType,
    Task,
    TaskStatus,
)

MIN_POLL_INTERVAL = 0.05
MAX_FILE_BYTES = 64 << 20  # a mask PNG larger than this is refused
P = ParamSpec("P")
T = TypeVar("T")


def reads_answer(read: Callable[P, T]) -> Callable[P, T]:
    """An answer missing a field, or holding one of the wrong type, is an ApiError naming the
    operation and the field, not a KeyError or TypeError from deep inside the client."""
    @functools.wraps(read)
    def checked(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return read(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise exc.ApiError(redact(f"unexpected answer from Labelbox to {read.__name__} "
                                      f"({type(error).__name__}: {error})")) from None
    return checked


def not_found(what: str, ident: str) -> exc.ResourceNotFoundError:
    return exc.ResourceNotFoundError(f"{what} {ident!r} not found", "RESOURCE_NOT_FOUND")


class LabelboxClient:
    """Talks to Labelbox's GraphQL API the way the official SDK does.

    .. code-block:: python

        with LabelboxClient() as client:          # key from LABELBOX_API_KEY
            run = client.get_model_run("<model run id>")
            result = export_model_run(client, run.id, "export.ndjson.gz")
    """

    def __init__(
        self,
        api_key: str | None = None,
        endpoint: str | None = None,
        *,
        config: ClientConfig | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or ClientConfig.create(api_key, endpoint)
        self.transport = Transport(self.config, http, sleep)
        self._sleep = sleep
        self._user_id: str | None = None

    def __enter__(self) -> LabelboxClient:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    def __repr__(self) -> str:
        return f"LabelboxClient(endpoint={self.config.endpoint!r})"

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, method: str,
                experimental: bool = False) -> dict[str, Any]:
        return self.transport.execute(query, variables, method=method, experimental=experimental)

    # -- models and model runs ------------------------------------------------------------------

    def _get_one(self, query: str, field: str, ident: str, *, what: str, method: str) -> dict[str, Any]:
        """The object ``field`` of the answer to ``query`` about ``ident``; Labelbox answers null for
        an id it does not know, which is a ResourceNotFoundError naming ``what``."""
        found = self.execute(query, {"param_0": ident}, method=method).get(field)
        if not found:
            raise not_found(what, ident)
        return dict(found)

    @reads_answer
    def get_model_run(self, model_run_id: str) -> ModelRun:
        return ModelRun.from_api(self._get_one(q.GET_MODEL_RUN, "modelRun", model_run_id, what="model run",
                                               method="Client:get_model_run"))

    @reads_answer
    def get_model(self, model_id: str) -> Model:
        return Model.from_api(self._get_one(q.GET_MODEL, "model", model_id, what="model", method="Client:get_model"))

    def list_models(self) -> Iterator[Model]:
        @reads_answer
        def models_page(skip: int) -> tuple[list[Model], int | None]:
            found = self.execute(q.get_models(skip, q.PAGE_SIZE), method="Client:get_models").get("models") or []
            return [Model.from_api(m) for m in found], next_offset(skip, found, q.PAGE_SIZE)

        return paginate(models_page, 0)

    def list_model_runs(self, model_id: str) -> Iterator[ModelRun]:
        @reads_answer
        def model_runs_page(skip: int) -> tuple[list[ModelRun], int | None]:
            data = self.execute(q.get_model_runs(skip, q.PAGE_SIZE), {"param_0": model_id},
                                method="Model:model_runs")
            if not data.get("model"):
                raise not_found("model", model_id)
            found = data["model"].get("modelRuns") or []
            return [ModelRun.from_api(run) for run in found], next_offset(skip, found, q.PAGE_SIZE)

        return paginate(model_runs_page, 0)

    def list_model_run_data_rows(self, model_run_id: str) -> Iterator[ModelRunDataRow]:
        """The run's data rows with their train/validation/test split (cursor paging)."""
        @reads_answer
        def data_rows_page(cursor: str | None) -> tuple[list[ModelRunDataRow], str | None]:
            data = self.execute(q.MODEL_RUN_DATA_ROWS, {"modelRunId": model_run_id, "from": cursor,
                                                         "first": q.PAGE_SIZE}, method="ModelRun:model_run_data_rows")
            groups = data.get("annotationGroups") or {}
            rows = [ModelRunDataRow.from_api(node) for node in groups.get("nodes") or []]
            return rows, (groups.get("pageInfo") or {}).get("endCursor") or None

        return paginate(data_rows_page, None)

    # -- export tasks -----------------------------------------------------------------------------

    @reads_answer
    def start_model_run_export(self, model_run_id: str, params: ExportParams | None = None,
                               task_name: str | None = None) -> str:
        """Start ``exportDataRowsInModelRun`` (streamable) and return the task id."""
        variables = {"input": {
            "taskName": task_name,
            "filters": {"modelRunId": model_run_id},
            "isStreamableReady": True,
            "params": (params or ExportParams()).to_input(),
            "streamable": True,
        }}
        data = self.execute(q.EXPORT_MODEL_RUN, variables, method="ModelRun:export")
        task_id = (data.get("exportDataRowsInModelRun") or {}).get("taskId")
        if not task_id:
            raise exc.ApiError(f"export of model run {model_run_id!r} returned no task id")
        return str(task_id)

    @reads_answer
    def user_id(self) -> str:
        if self._user_id is None:
            self._user_id = str(self.execute(q.GET_USER, method="Client:get_user")["user"]["id"])
        return self._user_id

    @reads_answer
    def get_task(self, task_id: str) -> Task:
        data = self.execute(q.GET_TASK, {"param_0": task_id, "param_1": self.user_id()}, method="Task:refresh")
        tasks = (data.get("user") or {}).get("createdTasks") or []
        if not tasks:
            raise not_found("task", task_id)
        return Task.from_api(tasks[0])

    def wait_for_task(self, task_id: str, *, poll_interval: float = POLL_INTERVAL_SECONDS,
                      timeout: float = EXPORT_TIMEOUT_SECONDS,
                      on_poll: Callable[[Task], None] | None = None) -> Task:
        """Poll until the task leaves IN_PROGRESS. A timeout raises ExportTimeout (the SDK returns
        silently); FAILED raises ExportTaskFailed with the first lines of the ERRORS stream."""
        deadline = time.monotonic() + timeout
        interval = max(poll_interval, MIN_POLL_INTERVAL)
        while True:
            task = self.get_task(task_id)
            if on_poll is not None:
                on_poll(task)
            if task.status == TaskStatus.COMPLETE:
                return task
            if task.status == TaskStatus.FAILED:
                errors = self.read_stream_lines(task_id, "ERRORS", limit=20)
                detail = "; ".join(errors[:3]) if errors else "no error details"
                raise exc.ExportTaskFailed(f"export task {task_id} FAILED: {detail}", errors)
            if time.monotonic() + interval > deadline:
                raise exc.ExportTimeout(
                    f"export task {task_id} still {task.status} ({task.completion_percentage or 0:.0f}%) "
                    f"after {timeout:.0f}s")
            self._sleep(interval)

    @reads_answer
    def stream_header(self, task_id: str, stream: StreamType) -> StreamHeader | None:
        data = self.execute(q.EXPORT_METADATA_HEADER, {"where": {"id": task_id}, "streamType": stream},
                            method="ExportTask:get_total_file_size")
        header = (data.get("task") or {}).get("exportMetadataHeader")
        if not header:
            return None
        return StreamHeader(int(header["totalSize"]), int(header["totalLines"]))

    @reads_answer
    def chunk(self, task_id: str, stream: StreamType, offset: int) -> Chunk:
        data = self.execute(q.EXPORT_FILE_FROM_OFFSET,
                            {"where": {"id": task_id}, "streamType": stream, "offset": str(offset)},
                            method="ExportTask:get_buffered_stream")
        found = (data.get("task") or {}).get("exportFileFromOffset")
        if not found:
            raise exc.ExportIntegrityError(f"task {task_id}: no {stream} chunk at offset {offset}")
        chunk = Chunk.from_api(found)
        if chunk.start != offset:
            raise exc.ExportIntegrityError(f"task {task_id}: asked for offset {offset}, got a chunk at {chunk.start}")
        return chunk

    def chunks(self, task_id: str, stream: StreamType, total_size: int) -> Iterator[Chunk]:
        """The stream's chunks in order, each asked for at the byte after the previous one."""
        offset = 0
        while offset < total_size:
            chunk = self.chunk(task_id, stream, offset)
            yield chunk
            offset = chunk.end + 1

    def download_chunk(self, chunk: Chunk, write: Callable[[bytes], None]) -> int:
        """One chunk's bytes into ``write``, retried and resumed; exactly its offsets' length, or it raises."""
        return self.transport.download(chunk.url, write, chunk.size)

    def read_mask(self, url: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """A segmentation mask's PNG (an export row's ``mask.url``). Labelbox's mask URLs want the API
        key, so it goes with them, and with this client's own endpoint host (an emulator); any other
        host (a signed cloud-storage URL) gets a plain GET, without it. A client of an emulator never
        calls Labelbox: such a URL (the documented fixture rows carry them) is refused at once."""
        host, own = httpx.URL(url).host, httpx.URL(self.config.endpoint).host
        if _is_labelbox(host) and not _is_labelbox(own):
            raise exc.LabelboxError(f"GET {url}: a Labelbox URL, and this client talks to {own}, not Labelbox; "
                                    "not fetched")
        return self.transport.get_file(url, authorized=host == own or _is_labelbox(host), limit=limit)

    def read_stream_lines(self, task_id: str, stream: StreamType, limit: int = 100) -> list[str]:
        """The first ``limit`` lines of a (small) stream, such as ERRORS, decoded as text."""
        header = self.stream_header(task_id, stream)
        buffer = bytearray()
        for chunk in self.chunks(task_id, stream, header.total_size if header else 0):
            self.download_chunk(chunk, buffer.extend)
            if buffer.count(b"\n") >= limit:
                break
        return [line.decode("utf-8", "replace") for line in bytes(buffer).splitlines()[:limit]]


def _is_labelbox(host: str) -> bool:
    return host == "labelbox.com" or host.endswith(".labelbox.com")
