"""Keeping the API key out of logs, reprs, metadata and exception text."""

from __future__ import annotations

import logging
from typing import Final

REDACTED: Final = "***"


class ApiKey:
    """An API key that never shows itself: ``str``/``repr`` print ``***``; ``reveal()`` is explicit."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret so ``redact`` (and the logging filter) strips it wherever it appears."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts registered secrets from every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


def install_log_redaction(logger_name: str = "") -> None:
    """Attach the filter to the handlers of a logger (the root by default) and to httpx's loggers."""
    for name in (logger_name, "httpx", "httpcore", "lb_export_pipeline"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
