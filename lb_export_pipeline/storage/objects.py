"""Object stores through fsspec and ``deltalake``, configured from the standard environment:
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, and
``AWS_ENDPOINT_URL`` for S3-compatible stores.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_AWS_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL",
             "AWS_S3_ALLOW_UNSAFE_RENAME")


def delta_storage_options(uri: str) -> dict[str, str]:
    """``deltalake`` storage options from the standard environment."""
    if not uri.startswith(("s3://", "s3a://")):
        return {}
    options = {k: v for k in _AWS_KEYS if (v := os.environ.get(k))}
    if "AWS_REGION" not in options and os.environ.get("AWS_DEFAULT_REGION"):
        options["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"]
    if options.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        options["AWS_ALLOW_HTTP"] = "true"
    if "AWS_S3_ALLOW_UNSAFE_RENAME" not in options:
        options["conditional_put"] = "etag"  # safe concurrent commits on S3 (conditional writes)
    return options


def filesystem(uri: str) -> Any:
    """An fsspec filesystem for ``uri`` (s3fs for S3, with the same environment)."""
    import fsspec

    if uri.startswith(("s3://", "s3a://")):
        kwargs: dict[str, Any] = {}
        if os.environ.get("AWS_ENDPOINT_URL"):
            kwargs["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            kwargs["client_kwargs"] = {"region_name": region}
        return fsspec.filesystem("s3", **kwargs)
    return fsspec.filesystem(uri.split("://", 1)[0])


def put_file(local: Path, uri: str) -> None:
    """Upload one file (an object PUT is atomic: readers see the old object or the new one)."""
    filesystem(uri).put_file(str(local), uri)


def get_file(uri: str, local: Path) -> None:
    filesystem(uri).get_file(uri, str(local))


def exists(uri: str) -> bool:
    return bool(filesystem(uri).exists(uri))


def remove(uri: str) -> None:
    if exists(uri):
        filesystem(uri).rm_file(uri)
