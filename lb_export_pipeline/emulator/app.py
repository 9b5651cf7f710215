"""The emulator's HTTP surface: ``POST /graphql`` (and ``/_gql``), signed chunk-file GETs, and the
mask PNGs its export rows point at (``GET /api/v1/tasks/<task>/masks/<mask>/index/<n>``, with the key).

An ASGI app (Starlette): the same endpoint paths, request bodies, error shapes and chunk protocol as
Labelbox, plus the faults of ``Faults`` injected at the HTTP level, where a client meets them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import secrets
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import masks, synthetic
from .catalog import Catalog
from .faults import Faults
from .graphql import GraphQLError, Resolver
from .tasks import TaskStore


class _Orjson(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class EmulatorState:
    """Everything the app serves; tests reach in to change faults or the catalogue between calls."""

    def __init__(self, catalog: Catalog | None = None, faults: Faults | None = None,
                 shape: synthetic.Shape = "experiments", api_key: str | None = None) -> None:
        self.catalog = catalog or Catalog()
        self.faults = faults or Faults()
        self.tasks = TaskStore(self.catalog, self.faults)
        self.resolver = Resolver(self.catalog, self.tasks, shape)
        self.api_key = api_key
        self.secret = secrets.token_bytes(16)
        self.graphql_requests = itertools.count(1)
        self.chunk_requests = itertools.count(1)
        self.seen_operations: list[str] = []

    def sign(self, path: str) -> str:
        return hmac.new(self.secret, path.encode(), hashlib.sha256).hexdigest()[:32]

    def close(self) -> None:
        self.tasks.close()


def _every(n: int, count: int) -> bool:
    return n > 0 and count % n == 0


def _retry_after(faults: Faults) -> str:
    value = faults.retry_after
    return value if isinstance(value, str) else f"{value:g}"


def build_app(state: EmulatorState) -> Starlette:
    async def graphql(request: Request) -> Response:
        faults = state.faults
        n = next(state.graphql_requests)
        if faults.slow_seconds:
            await asyncio.sleep(faults.slow_seconds)
        if _every(faults.rate_limit_every, n):
            return _Orjson({"message": "You have exceeded the rate limit, retry later"}, status_code=429,
                           headers={"Retry-After": _retry_after(faults)})
        if _every(faults.server_error_every, n):
            return Response(b"upstream connect error or disconnect/reset before headers", status_code=503)
        if faults.graphql_response is not None:
            status, content = faults.graphql_response
            return Response(content, status_code=status, media_type="application/json")
        if state.api_key is not None and request.headers.get("authorization") != f"Bearer {state.api_key}":
            return _Orjson({"errors": [{"message": "Invalid API key",
                                        "extensions": {"code": "AUTHENTICATION_ERROR"}}]}, status_code=401)
        try:
            body = orjson.loads(await request.body())
            query = body["query"]
            variables = body.get("variables") or {}
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _Orjson(GraphQLError("Must provide query string.", "GRAPHQL_PARSE_FAILED").body(),
                           status_code=400)
        base_url = str(request.base_url).rstrip("/")
        try:
            data = await asyncio.to_thread(state.resolver.resolve, query, variables, base_url, state.sign)
        except GraphQLError as error:
            return _Orjson(error.body(), status_code=error.status)
        state.seen_operations.append(next(iter(data)))
        return _Orjson({"data": data})

    async def chunk_file(request: Request) -> Response:
        faults = state.faults
        n = next(state.chunk_requests)
        task_id, stream_name = request.path_params["task_id"], request.path_params["stream"]
        start, end = int(request.path_params["start"]), int(request.path_params["end"])
        path = request.url.path
        if not hmac.compare_digest(request.query_params.get("X-Goog-Signature", ""), state.sign(path)):
            return Response(b"<Error><Code>SignatureDoesNotMatch</Code></Error>", status_code=403)
        task = state.tasks.get(task_id)
        if task is None or stream_name not in task.streams:
            return Response(b"<Error><Code>NoSuchKey</Code></Error>", status_code=404)
        if faults.slow_seconds:
            await asyncio.sleep(faults.slow_seconds)
        if _every(faults.chunk_server_error_every, n):
            return Response(b"<Error><Code>InternalError</Code></Error>", status_code=503,
                            headers={"Retry-After": _retry_after(faults)})
        first, last = start, end
        status = 200
        rng = request.headers.get("range")
        if rng and rng.startswith("bytes=") and not faults.ignore_range:
            skip = int(rng[6:].split("-")[0] or 0)
            first = start + skip
            status = 206
        length = last - first + 1
        file_path = task.streams[stream_name].path
        drop = _every(faults.drop_chunk_every, n) and length > 1
        sent = length // 2 if drop else length
        if 0 < faults.drop_after_bytes < sent:
            drop, sent = True, faults.drop_after_bytes

        async def body() -> AsyncIterator[bytes]:
            with open(file_path, "rb") as f:
                f.seek(first)
                remaining = sent
                while remaining > 0:
                    data = f.read(min(1 << 20, remaining))
                    if not data:
                        break
                    remaining -= len(data)
                    yield data
            if drop:
                raise ConnectionAbortedError("emulated connection drop mid-chunk")

        headers = {"Content-Length": str(length), "Content-Type": "application/octet-stream"}
        if status == 206:
            headers["Content-Range"] = f"bytes {first - start}-{last - start}/{end - start + 1}"
        return StreamingResponse(body(), status_code=status, headers=headers)

    async def mask(request: Request) -> Response:
        """A mask PNG, as Labelbox serves one: to the API key's holder only."""
        if state.api_key is not None and request.headers.get("authorization") != f"Bearer {state.api_key}":
            return _Orjson({"message": "Unauthorized"}, status_code=401)
        png = masks.render(request.path_params["mask"], request.path_params["index"])
        return Response(png, media_type="image/png")

    async def health(request: Request) -> Response:
        return _Orjson({"ok": True, "models": len(state.catalog.models)})

    return Starlette(routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/_gql", graphql, methods=["POST"]),
        Route("/files/{task_id}/{stream}/{start:int}-{end:int}", chunk_file, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route(masks.PATH_PREFIX + "{task}/masks/{mask}/index/{index:int}", mask, methods=["GET"]),
    ])
