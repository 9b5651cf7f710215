"""A Labelbox GraphQL client over httpx, speaking the protocol of the official SDK."""

from .client import LabelboxClient
from .config import API_KEY_ENV, DEFAULT_ENDPOINT, ENDPOINT_ENV, ClientConfig
from .exceptions import (
    ApiError,
    ApiLimitError,
    AuthenticationError,
    AuthorizationError,
    ConfigurationError,
    ExportError,
    ExportIntegrityError,
    ExportTaskFailed,
    ExportTimeout,
    InternalServerError,
    InvalidQueryError,
    LabelboxError,
    MalformedRequestError,
    OperationNotAllowedError,
    ResourceNotFoundError,
    TransportError,
)
from .export import download_stream, export_model_run
from .redaction import ApiKey, install_log_redaction, redact
from .retry import RetryPolicy
from .types import (
    Chunk,
    DownloadedStream,
    ExportParams,
    ExportResult,
    Model,
    ModelRun,
    ModelRunDataRow,
    StreamHeader,
    Task,
    TaskStatus,
)

__all__ = [
    "API_KEY_ENV", "DEFAULT_ENDPOINT", "ENDPOINT_ENV", "ApiError", "ApiKey", "ApiLimitError",
    "AuthenticationError", "AuthorizationError", "Chunk", "ClientConfig", "ConfigurationError", "DownloadedStream",
    "ExportError",
    "ExportIntegrityError", "ExportParams", "ExportResult", "ExportTaskFailed", "ExportTimeout",
    "InternalServerError", "InvalidQueryError", "LabelboxClient", "LabelboxError", "MalformedRequestError",
    "Model", "ModelRun", "ModelRunDataRow", "OperationNotAllowedError", "ResourceNotFoundError", "RetryPolicy",
    "StreamHeader", "Task", "TaskStatus", "TransportError", "download_stream", "export_model_run",
    "install_log_redaction", "redact",
]
