"""Every error the Labelbox client raises, in one tree::

    LabelboxError                    base: catch this to catch everything below
    ├── ConfigurationError           no API key, bad endpoint (raised before any request)
    ├── TransportError               no usable answer after all retries (connection, timeout, 5xx, 429)
    ├── ApiError                     Labelbox answered with an error (errors[].extensions.code)
    │   ├── AuthenticationError      AUTHENTICATION_ERROR, HTTP 401: the API key is wrong
    │   ├── AuthorizationError       AUTHORIZATION_ERROR, HTTP 403
    │   ├── ResourceNotFoundError    RESOURCE_NOT_FOUND, or a null result for an id
    │   ├── InvalidQueryError        GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED, HTTP 400
    │   ├── MalformedRequestError    MALFORMED_REQUEST (export errors carry their own list)
    │   ├── OperationNotAllowedError OPERATION_NOT_ALLOWED, or status 426 (LBU limit)
    │   ├── ApiLimitError            429 / "You have exceeded ..." once retries are spent
    │   └── InternalServerError      5xx / INTERNAL_SERVER_ERROR once retries are spent
    └── ExportError                  the export task did not give a complete, intact result
        ├── ExportTaskFailed         the task ended FAILED (with lines of its ERRORS stream)
        ├── ExportTimeout            the task was still IN_PROGRESS when the wait ran out
        └── ExportIntegrityError     a chunk's length or the total line count did not match

Which answer becomes which class is one table, ``responses.GRAPHQL_ERRORS``.
Retryable conditions (429, 5xx, connection errors, read timeouts) are retried inside the client;
only when retries are spent do they surface, as ``TransportError`` (no answer) or
``ApiLimitError`` / ``InternalServerError`` (the last answer). No message ever contains the API
key: every message passes through ``redaction.redact``.
"""

from __future__ import annotations


class LabelboxError(Exception):
    """Base class of the client's errors."""

    retry_after: float | None = None
    """Seconds the server asked to wait (``Retry-After``) before trying again, if it said."""


class ConfigurationError(LabelboxError):
    pass


class TransportError(LabelboxError):
    pass


class ApiError(LabelboxError):
    """Labelbox answered with an error; ``code`` is its ``extensions.code`` (or the HTTP status)."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class AuthenticationError(ApiError):
    pass


class AuthorizationError(ApiError):
    pass


class ResourceNotFoundError(ApiError):
    pass


class InvalidQueryError(ApiError):
    pass


class MalformedRequestError(ApiError):
    pass


class OperationNotAllowedError(ApiError):
    pass


class ApiLimitError(ApiError):
    pass


class InternalServerError(ApiError):
    pass


class ExportError(LabelboxError):
    pass


class ExportTaskFailed(ExportError):
    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ExportTimeout(ExportError):
    pass


class ExportIntegrityError(ExportError):
    pass
