"""Answers the GraphQL operations a model-run export uses (labelbox-api.md, section 7).

Like Labelbox, the emulator does not care about operation names: it reads the root field of the
query, and a few inline arguments (``skip``/``first``) that the SDK writes into the query text.
Errors always carry ``extensions.code``, which the SDK reads unconditionally.
"""

from __future__ import annotations

import re
from typing import Any

from ..labelbox.types import TaskStatus
from . import synthetic
from .catalog import Catalog
from .tasks import TaskStore

USER = {"id": "emulator-user", "email": "emulator@example.com", "name": "Emulator User", "nickname": "emulator",
        "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z", "intercomHash": None,
        "isExternalUser": False, "isViewer": False, "picture": None}
ORGANIZATION = {"id": "emulator-org", "name": "Emulator Org", "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": "2024-01-01T00:00:00.000Z"}

_ROOT = re.compile(r"^\s*(?:(?:query|mutation)\b[^{(]*(?:\([^)]*\))?\s*)?\{\s*(\w+)", re.S)
_PAGING = re.compile(r"{field}\s*\(\s*skip:\s*(\d+)\s*,?\s*first:\s*(\d+)")


_NAME = re.compile(r"(?<![$\w])([a-zA-Z_]\w*)")
_ENTITY_FIELDS = frozenset({"user", "organization", "modelRun", "model", "models"})


def _fill_selected(answer: Any, names: set[str]) -> None:
    """Answer every field the query selects: newer SDKs ask for fields (e.g. ModelRun.modelAppId)
    this emulator has no value for; a GraphQL server answers those with null."""
    items = answer if isinstance(answer, list) else [answer]
    for item in items:
        if not isinstance(item, dict):
            continue
        for name in names:
            item.setdefault(name, None)
        for value in item.values():
            if isinstance(value, list):
                _fill_selected(value, names)


class GraphQLError(Exception):
    def __init__(self, message: str, code: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": str(self), "extensions": {"code": self.code}}], "data": None}


def root_field(query: str) -> str:
    match = _ROOT.match(query)
    if not match:
        raise GraphQLError("Syntax Error: could not find the operation's root field", "GRAPHQL_PARSE_FAILED", 400)
    return match.group(1)


def _paging(query: str, field: str) -> tuple[int, int]:
    match = re.search(_PAGING.pattern.format(field=field), query)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 100)


class Resolver:
    def __init__(self, catalog: Catalog, tasks: TaskStore, shape: synthetic.Shape) -> None:
        self.catalog = catalog
        self.tasks = tasks
        self.shape = shape

    def resolve(self, query: str, variables: dict[str, Any], base_url: str, sign: Any) -> dict[str, Any]:
        field = root_field(query)
        handler = getattr(self, f"_{field}", None)
        if handler is None:
            raise GraphQLError(f'Cannot query field "{field}" on type "Query".', "GRAPHQL_VALIDATION_FAILED", 400)
        answer = handler(query, variables, base_url, sign)
        if field in _ENTITY_FIELDS:
            _fill_selected(answer, set(_NAME.findall(query[query.index(field):])))
        return {field: answer}

    def _user(self, query: str, variables: dict[str, Any], *_: Any) -> Any:
        if "createdTasks" not in query:
            return USER
        task_id = variables.get("taskId") or variables.get("param_0")
        task = self.tasks.get(str(task_id))
        if task is None:
            return {"createdTasks": []}
        task.polls += 1
        return {"createdTasks": [task.to_api()]}

    def _organization(self, *_: Any) -> Any:
        return ORGANIZATION

    def _modelRun(self, query: str, variables: dict[str, Any], *_: Any) -> Any:
        run_id = variables.get("param_0") or variables.get("modelRunId")
        run = self.catalog.run(str(run_id))
        return run.to_api() if run else None

    def _model(self, query: str, variables: dict[str, Any], *_: Any) -> Any:
        model = self.catalog.model(str(variables.get("param_0") or variables.get("modelId")))
        if model is None:
            return None
        answer = model.to_api()
        if "modelRuns" in query:
            skip, first = _paging(query, "modelRuns")
            answer["modelRuns"] = [r.to_api() for r in model.runs[skip:skip + first]]
        return answer

    def _models(self, query: str, *_: Any) -> Any:
        skip, first = _paging(query, "models")
        return [m.to_api() for m in self.catalog.models[skip:skip + first]]

    def _annotationGroups(self, query: str, variables: dict[str, Any], *_: Any) -> Any:
        run = self.catalog.run(str(variables.get("modelRunId")))
        if run is None:
            raise GraphQLError("Model run not found", "RESOURCE_NOT_FOUND")
        start = int(variables.get("from") or 0)
        first = int(variables.get("first") or 100)
        page = self.catalog.data_rows(run, start, first)
        cursor = str(start + first) if start + first < run.rows else None
        return {"nodes": page, "pageInfo": {"endCursor": cursor}}

    def _exportDataRowsInModelRun(self, query: str, variables: dict[str, Any], base_url: str, *_: Any) -> Any:
        data = variables.get("input") or {}
        run_id = (data.get("filters") or {}).get("modelRunId")
        run = self.catalog.run(str(run_id))
        if run is None:
            raise GraphQLError(f"Model run {run_id} not found", "RESOURCE_NOT_FOUND")
        task = self.tasks.create(run, data.get("params") or {}, self.shape, base_url)
        return {"taskId": task.id, "isStreamable": bool(data.get("streamable", True))}

    def _task(self, query: str, variables: dict[str, Any], base_url: str, sign: Any) -> Any:
        task_id = str((variables.get("where") or {}).get("id"))
        task = self.tasks.get(task_id)
        if task is None:
            raise GraphQLError(f"Task {task_id} not found", "RESOURCE_NOT_FOUND")
        stream_name = str(variables.get("streamType") or "RESULT")
        if task.status == TaskStatus.IN_PROGRESS:
            raise GraphQLError("Task is not ready yet", "OPERATION_NOT_ALLOWED")
        stream = task.streams.get(stream_name)
        if stream is None:
            raise GraphQLError(f"unknown stream type {stream_name}", "GRAPHQL_VALIDATION_FAILED", 400)
        if "exportMetadataHeader" in query:
            header = {"totalSize": stream.size, "totalLines": stream.lines} if stream.size else None
            return {"exportMetadataHeader": header}
        if "exportFileFromOffset" in query:
            offset = int(variables.get("offset") or 0)
            found = stream.chunk_at(offset, self.tasks.faults.chunk_bytes)
            if found is None:
                raise GraphQLError(f"offset {offset} is not the start of a line of the {stream_name} stream",
                                   "MALFORMED_REQUEST")
            start, end, first, last = found
            path = f"/files/{task.id}/{stream_name}/{start}-{end}"
            return {"exportFileFromOffset": {"offsets": {"start": start, "end": end},
                                             "lines": {"start": first, "end": last},
                                             "file": f"{base_url}{path}?X-Goog-Signature={sign(path)}"}}
        raise GraphQLError("unsupported task field", "GRAPHQL_VALIDATION_FAILED", 400)


__all__ = ["GraphQLError", "Resolver", "root_field"]
