"""From Labelbox's HTTP answer to the operation's ``data``, or to one class of the exception tree.

The map is a table (``GRAPHQL_ERRORS``), read top to bottom in the SDK's order of checks: the first
rule whose extension code, HTTP status or message prefix matches gives the class and the wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from . import exceptions as exc
from .redaction import redact
from .retry import parse_retry_after

RATE_LIMIT_MESSAGE = "You have exceeded"
"""How Labelbox words a rate limit, whatever the status (a 400 can carry it too)."""


@dataclass(frozen=True)
class Answer:
    """What the map looks at: the HTTP status and the first error (or the body's ``message``)."""

    status: int
    code: str | None
    message: str
    inner_status: int | None = None  # extensions.exception.status, set with INTERNAL_SERVER_ERROR
    detail: Any = None               # the error's own ``errors`` list (MALFORMED_REQUEST)
    said: str = ""                   # the body's top-level ``message``, checked first for a prefix


@dataclass(frozen=True)
class Rule:
    """One row: an answer matching any of ``codes`` / ``statuses`` / ``prefix`` (and, if given, one
    of ``inner_statuses``) becomes ``error``, worded by ``text``."""

    error: type[exc.ApiError]
    codes: frozenset[str] = frozenset()
    statuses: frozenset[int] = frozenset()
    prefix: str | None = None
    inner_statuses: frozenset[int] = frozenset()
    text: str = "{message}"

    def matches(self, answer: Answer) -> bool:
        hit = (answer.code in self.codes or answer.status in self.statuses
               or (self.prefix is not None and (answer.said or answer.message).startswith(self.prefix)))
        return hit and (not self.inner_statuses or answer.inner_status in self.inner_statuses)


_ISE = frozenset({"INTERNAL_SERVER_ERROR"})

GRAPHQL_ERRORS: tuple[Rule, ...] = (
    Rule(exc.AuthenticationError, frozenset({"AUTHENTICATION_ERROR"}), frozenset({401}),
         text="Invalid API key ({message})"),
    Rule(exc.AuthorizationError, frozenset({"AUTHORIZATION_ERROR"}), frozenset({403})),
    Rule(exc.InvalidQueryError, frozenset({"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"})),
    Rule(exc.ApiLimitError, statuses=frozenset({429}), prefix=RATE_LIMIT_MESSAGE),
    Rule(exc.ResourceNotFoundError, frozenset({"RESOURCE_NOT_FOUND"})),
    Rule(exc.MalformedRequestError, frozenset({"MALFORMED_REQUEST"}), text="{message}{detail}"),
    Rule(exc.OperationNotAllowedError, frozenset({"OPERATION_NOT_ALLOWED"})),
    # An INTERNAL_SERVER_ERROR says what it really is in extensions.exception.status.
    Rule(exc.InvalidQueryError, _ISE, inner_statuses=frozenset({400})),
    Rule(exc.OperationNotAllowedError, _ISE, inner_statuses=frozenset({426})),  # the LBU limit
    Rule(exc.ApiError, _ISE, inner_statuses=frozenset({422})),
    Rule(exc.InternalServerError, _ISE),
)


def error_for(answer: Answer, otherwise: str) -> exc.ApiError:
    """The exception for an error answer: the first matching rule's, else ``ApiError(otherwise)``."""
    detail = f": {answer.detail}" if answer.detail else ""
    for rule in GRAPHQL_ERRORS:
        if rule.matches(answer):
            message = rule.text.format(message=answer.message, detail=detail)
            return rule.error(redact(message), answer.code, answer.inner_status or answer.status)
    return exc.ApiError(redact(otherwise), answer.code, answer.status)


def graphql_data(response: httpx.Response, method: str) -> dict[str, Any]:
    """The ``data`` of a GraphQL answer; any other answer raises, with the server's Retry-After."""
    try:
        return _data(response, method)
    except exc.ApiError as error:
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: an odd answer maps to an error, never a crash."""
    return value if isinstance(value, dict) else {}


def _data(response: httpx.Response, method: str) -> dict[str, Any]:
    status, content = response.status_code, response.content
    if status >= 500 or b"upstream connect error" in content:
        raise exc.InternalServerError(f"{method}: HTTP {status} from Labelbox", None, status)
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        if status == 429:
            raise exc.ApiLimitError(f"{method}: HTTP 429 Too Many Requests", None, status) from None
        raise exc.ApiError(f"{method}: failed to parse response as JSON (HTTP {status})", None, status) from None
    if not isinstance(body, dict):
        raise exc.ApiError(f"{method}: unexpected response (HTTP {status})", None, status)
    said = str(body.get("message") or "")
    errors = body.get("errors")
    if errors:
        first = _mapping(errors[0] if isinstance(errors, list) else None)
        ext = _mapping(first.get("extensions"))
        code = None if ext.get("code") is None else str(ext["code"])
        inner = _mapping(ext.get("exception")).get("status") if code in _ISE else None
        answer = Answer(status, code, str(first.get("message") or said or "no message"),
                        inner if isinstance(inner, int) else None, first.get("errors"), said)
        raise error_for(answer, f"Unknown error: {answer.message} (code {answer.code})")
    if status != 200 or said.startswith(RATE_LIMIT_MESSAGE):
        answer = Answer(status, None, f"{method}: {said or f'HTTP {status}'}", said=said)
        raise error_for(answer, f"{method}: HTTP {status} {said}".strip())
    data = body.get("data")
    if not isinstance(data, dict):
        raise exc.ApiError(f"{method}: response has no data", None, status)
    return data
