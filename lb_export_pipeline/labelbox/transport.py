"""HTTP for the client: GraphQL POSTs and resumable downloads of signed chunk-file URLs, each an
attempt run by the one retry loop (``retry.Retrying``); answers are read by ``responses``.

Requests look like the SDK's (``RequestClient``): ``POST <endpoint>`` with ``{"query", "variables"}``,
``Authorization: Bearer <key>``, ``X-User-Agent``, ``X-SDK-Method``. Chunk files are plain GETs
without the key, as the SDK does them.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from . import exceptions as exc
from .config import ClientConfig
from .redaction import redact
from .responses import graphql_data
from .retry import RETRYABLE_STATUS, Retrying, parse_retry_after


class Transport:
    """Sends GraphQL operations and downloads chunk files, retrying what is transient."""

    def __init__(
        self,
        config: ClientConfig,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout), follow_redirects=True
        )
        self.retrying = Retrying(config.retry, sleep)

    @property
    def waits(self) -> list[float]:
        """The backoff of every retry so far, for metadata and tests."""
        return self.retrying.waits

    def close(self) -> None:
        self._http.close()

    def _headers(self, method: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.config.api_key.reveal()}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-User-Agent": self.config.user_agent,
            "X-Python-Version": platform.python_version(),
            "X-SDK-Method": method,
        }

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, method: str,
                experimental: bool = False) -> dict[str, Any]:
        """Run one operation and return its ``data``; raise from the exception tree otherwise."""
        url = self.config.experimental_endpoint if experimental else self.config.endpoint
        payload = orjson.dumps({"query": query, "variables": variables or {}})

        def attempt() -> dict[str, Any]:
            try:
                response = self._http.post(url, content=payload, headers=self._headers(method))
            except httpx.TransportError as error:  # connect/read/write errors, timeouts, protocol errors
                raise exc.TransportError(redact(f"{method}: {type(error).__name__}: {error}")) from None
            return graphql_data(response, method)

        return self.retrying.call(attempt)

    def get_file(self, url: str, *, authorized: bool, limit: int) -> bytes:
        """GET a small file whole (a mask PNG), retried; with the API key only when ``authorized``
        (Labelbox's own URLs want it, any other host must never see it). More than ``limit`` bytes
        is an error."""
        def attempt() -> bytes:
            body = bytearray()
            headers = {"Authorization": f"Bearer {self.config.api_key.reveal()}"} if authorized else {}
            try:
                with self._http.stream("GET", url, headers=headers, timeout=self.config.download_timeout) as r:
                    if r.status_code in RETRYABLE_STATUS:
                        error = exc.TransportError(redact(f"GET {url}: HTTP {r.status_code}"))
                        error.retry_after = parse_retry_after(r.headers.get("Retry-After"))
                        raise error
                    if r.status_code != 200:
                        raise exc.ApiError(redact(f"GET {url}: HTTP {r.status_code}"), None, r.status_code)
                    for data in r.iter_bytes():
                        body += data
                        if len(body) > limit:
                            raise exc.LabelboxError(redact(f"GET {url}: more than {limit:,} bytes"))
            except httpx.TransportError as caught:
                raise exc.TransportError(redact(f"GET {url}: {type(caught).__name__}: {caught}")) from None
            return bytes(body)

        return self.retrying.call(attempt)

    def download(self, url: str, write: Callable[[bytes], None], expected: int) -> int:
        """GET a chunk file into ``write``. Bytes are counted as they arrive, so a broken transfer
        resumes with ``Range`` from the last byte received: nothing is lost or written twice.
        Returns the bytes written."""
        got = 0

        def attempt() -> int:
            nonlocal got
            try:
                with self._http.stream("GET", url, headers={"Range": f"bytes={got}-"} if got else {},
                                       timeout=self.config.download_timeout) as r:
                    if r.status_code in RETRYABLE_STATUS:
                        error = exc.TransportError(f"chunk download at byte {got}/{expected}: HTTP {r.status_code}")
                        error.retry_after = parse_retry_after(r.headers.get("Retry-After"))
                        raise error
                    if r.status_code not in (200, 206):
                        raise exc.ApiError(f"chunk download: HTTP {r.status_code}", None, r.status_code)
                    skip = got if r.status_code == 200 else 0  # the server ignored Range: drop what we have
                    # Unsized iter_bytes hands over each piece as it arrives; a sized one would hold
                    # back up to its size, and lose it when the connection drops.
                    for data in r.iter_bytes():
                        if skip:
                            data, skip = data[skip:], max(0, skip - len(data))
                            if not data:
                                continue
                        if got + len(data) > expected:
                            raise exc.ExportIntegrityError(f"chunk is longer than its offsets say ({expected} bytes)")
                        write(data)
                        got += len(data)
            except httpx.TransportError as caught:
                raise exc.TransportError(redact(f"chunk download interrupted at byte {got}/{expected} "
                                                f"({type(caught).__name__}: {caught})")) from None
            if got != expected:
                raise exc.TransportError(f"chunk download ended early at byte {got}/{expected}")
            return got

        return self.retrying.call(attempt, progress=lambda: got)
