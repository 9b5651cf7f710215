"""HTTP for the client: GraphQL POSTs with retries and Labelbox's error codes, and resumable
downloads of signed chunk-file URLs.

Requests look like the SDK's (``RequestClient``): ``POST <endpoint>`` with ``{"query", "variables"}``,
``Authorization: Bearer <key>``, ``X-User-Agent``, ``X-SDK-Method``. Chunk files are plain GETs
without the key, as the SDK does them.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from . import exceptions as exc
from .config import ClientConfig
from .redaction import redact
from .retry import RETRYABLE_STATUS, parse_retry_after

log = logging.getLogger("lb_export_pipeline.labelbox")

_RETRYABLE_API_ERRORS = (exc.ApiLimitError, exc.InternalServerError)
_NETWORK_ERRORS = (httpx.TransportError,)  # connect/read/write errors and timeouts, protocol errors


def _error_from_graphql(errors: list[dict[str, Any]], status: int, body: dict[str, Any]) -> exc.ApiError:
    """Map Labelbox's ``errors[]`` to the exception tree, in the SDK's order of checks."""
    first = errors[0] if errors else {}
    ext = first.get("extensions") or {}
    code = ext.get("code")
    message = redact(str(first.get("message") or body.get("message") or "no message"))
    if code == "AUTHENTICATION_ERROR" or status == 401:
        return exc.AuthenticationError(f"Invalid API key ({message})", code, status)
    if code == "AUTHORIZATION_ERROR" or status == 403:
        return exc.AuthorizationError(message, code, status)
    if code in ("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"):
        return exc.InvalidQueryError(message, code, status)
    if str(body.get("message") or message).startswith("You have exceeded"):
        return exc.ApiLimitError(message, code, status)
    if code == "RESOURCE_NOT_FOUND":
        return exc.ResourceNotFoundError(message, code, status)
    if code == "MALFORMED_REQUEST":
        detail = first.get("errors")
        return exc.MalformedRequestError(redact(f"{message}: {detail}" if detail else message), code, status)
    if code == "OPERATION_NOT_ALLOWED":
        return exc.OperationNotAllowedError(message, code, status)
    if code == "INTERNAL_SERVER_ERROR":
        inner = (ext.get("exception") or {}).get("status")
        if inner == 400:
            return exc.InvalidQueryError(message, code, inner)
        if inner == 426:
            return exc.OperationNotAllowedError(message, code, inner)
        if inner == 422:
            return exc.ApiError(message, code, inner)
        return exc.InternalServerError(message, code, inner or status)
    return exc.ApiError(f"Unknown error: {message} (code {code})", code, status)


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
        self._sleep = sleep
        self.waits: list[float] = []  # the backoff of every retry so far, for metadata and tests

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

    def _wait(self, attempt: int, what: str, retry_after: float | None) -> None:
        delay = self.config.retry.backoff(attempt, retry_after)
        self.waits.append(delay)
        log.info("Labelbox %s; retry %d/%d in %.2fs", what, attempt, self.config.retry.max_attempts - 1, delay)
        self._sleep(delay)

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, method: str,
                experimental: bool = False) -> dict[str, Any]:
        """Run one operation and return its ``data``; raise from the exception tree otherwise."""
        url = self.config.experimental_endpoint if experimental else self.config.endpoint
        payload = orjson.dumps({"query": query, "variables": variables or {}})
        policy = self.config.retry
        last: exc.LabelboxError | None = None
        for attempt in range(1, policy.max_attempts + 1):
            retry_after: float | None = None
            try:
                response = self._http.post(url, content=payload, headers=self._headers(method))
            except _NETWORK_ERRORS as error:
                last = exc.TransportError(redact(f"{method}: {type(error).__name__}: {error}"))
            else:
                try:
                    return self._data(response, method)
                except _RETRYABLE_API_ERRORS as error:
                    last = error
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt < policy.max_attempts:
                self._wait(attempt, str(last), retry_after)
        assert last is not None
        if isinstance(last, exc.TransportError):
            raise exc.TransportError(f"{last} (gave up after {policy.max_attempts} attempts)")
        raise last

    def _data(self, response: httpx.Response, method: str) -> dict[str, Any]:
        status = response.status_code
        text = response.content
        if status >= 500 or b"upstream connect error" in text:
            raise exc.InternalServerError(f"{method}: HTTP {status} from Labelbox", None, status)
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError:
            if status == 429:
                raise exc.ApiLimitError(f"{method}: HTTP 429 Too Many Requests", None, status) from None
            raise exc.ApiError(f"{method}: failed to parse response as JSON (HTTP {status})", None, status) from None
        if not isinstance(body, dict):
            raise exc.ApiError(f"{method}: unexpected response (HTTP {status})", None, status)
        errors = body.get("errors")
        if errors:
            raise _error_from_graphql(errors, status, body)
        # The SDK checks the rate-limit message whatever the status: a 400 can carry it too.
        if status == 429 or str(body.get("message") or "").startswith("You have exceeded"):
            raise exc.ApiLimitError(redact(f"{method}: {body.get('message') or 'HTTP 429'}"), None, status)
        if status != 200:
            raise exc.ApiError(redact(f"{method}: HTTP {status} {body.get('message') or ''}".strip()), None, status)
        data = body.get("data")
        if not isinstance(data, dict):
            raise exc.ApiError(f"{method}: response has no data", None, status)
        return data

    def download(self, url: str, write: Callable[[bytes], None], expected: int) -> int:
        """GET a chunk file into ``write``; a broken transfer resumes with a Range request from the
        last byte received, so nothing is written twice. Returns the bytes written."""
        got = 0
        policy = self.config.retry
        for attempt in range(1, policy.max_attempts + 1):
            retry_after: float | None = None
            headers = {"Range": f"bytes={got}-"} if got else {}
            try:
                with self._http.stream("GET", url, headers=headers, timeout=self.config.download_timeout) as r:
                    if r.status_code in RETRYABLE_STATUS:
                        retry_after = parse_retry_after(r.headers.get("Retry-After"))
                        raise exc.InternalServerError(f"chunk download: HTTP {r.status_code}", None, r.status_code)
                    if r.status_code not in (200, 206):
                        raise exc.ApiError(f"chunk download: HTTP {r.status_code}", None, r.status_code)
                    skip = got if r.status_code == 200 else 0  # the server ignored Range: drop what we have
                    for data in r.iter_bytes(1 << 20):
                        if skip:
                            cut = min(skip, len(data))
                            data, skip = data[cut:], skip - cut
                            if not data:
                                continue
                        if got + len(data) > expected:
                            raise exc.ExportIntegrityError(
                                f"chunk is longer than its offsets say ({expected} bytes)")
                        write(data)
                        got += len(data)
                if got == expected:
                    return got
                error: Exception = exc.TransportError(f"chunk download ended early at {got}/{expected} bytes")
            except (*_NETWORK_ERRORS, exc.InternalServerError) as caught:
                error = caught
            if attempt < policy.max_attempts:
                self._wait(attempt, f"chunk download interrupted at byte {got}/{expected} ({error})", retry_after)
        raise exc.TransportError(redact(f"chunk download failed after {policy.max_attempts} attempts "
                                        f"({got}/{expected} bytes)"))
