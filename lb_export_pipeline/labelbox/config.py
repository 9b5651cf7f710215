"""Client configuration: where Labelbox is, the key, timeouts and retry limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..settings import LABELBOX_API_KEY, LABELBOX_ENDPOINT
from .exceptions import ConfigurationError
from .redaction import ApiKey, register_secret
from .retry import RetryPolicy

API_KEY_ENV = LABELBOX_API_KEY.name
ENDPOINT_ENV = LABELBOX_ENDPOINT.name
DEFAULT_ENDPOINT = str(LABELBOX_ENDPOINT.default)

POLL_INTERVAL_SECONDS = 2.0
"""Seconds between polls of an export task (the client's, the CLI's and the resource's default)."""
EXPORT_TIMEOUT_SECONDS = 7200.0
"""The longest wait for an export task before ExportTimeout."""


@dataclass(frozen=True)
class ClientConfig:
    api_key: ApiKey
    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = 60.0
    connect_timeout: float = 10.0
    download_timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = "lb_export_pipeline (python-sdk compatible)"

    @classmethod
    def create(cls, api_key: str | None = None, endpoint: str | None = None, **kwargs: object) -> ClientConfig:
        """Build a config, taking the key from ``LABELBOX_API_KEY`` and the endpoint from
        ``LABELBOX_ENDPOINT`` when they are not given."""
        key = api_key if api_key is not None else LABELBOX_API_KEY.get()
        if not key:
            raise ConfigurationError(f"no Labelbox API key: pass api_key or set {API_KEY_ENV}")
        register_secret(key)
        url = endpoint or LABELBOX_ENDPOINT.get() or DEFAULT_ENDPOINT
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"endpoint must be an http(s) URL, got {url!r}")
        return cls(api_key=ApiKey(key), endpoint=url, **kwargs)  # type: ignore[arg-type]

    @property
    def experimental_endpoint(self) -> str:
        return self.endpoint.replace("/graphql", "/_gql")
