"""Client configuration: where Labelbox is, the key, timeouts and retry limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .exceptions import ConfigurationError
from .redaction import ApiKey, register_secret
from .retry import RetryPolicy

DEFAULT_ENDPOINT = "https://api.labelbox.com/graphql"
API_KEY_ENV = "LABELBOX_API_KEY"
ENDPOINT_ENV = "LABELBOX_ENDPOINT"


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
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not key:
            raise ConfigurationError(f"no Labelbox API key: pass api_key or set {API_KEY_ENV}")
        register_secret(key)
        url = endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"endpoint must be an http(s) URL, got {url!r}")
        return cls(api_key=ApiKey(key), endpoint=url, **kwargs)  # type: ignore[arg-type]

    @property
    def experimental_endpoint(self) -> str:
        return self.endpoint.replace("/graphql", "/_gql")
