"""Errors of reading an export file as a whole. The reading itself is native (``native/src/reader.rs``:
plain or gzip, cut into blocks of whole lines for the walker threads), which raises these."""

from __future__ import annotations


class NotNdjsonError(ValueError):
    """The file is not NDJSON (one JSON object per line), e.g. a JSON array of rows."""


class CorruptGzipError(ValueError):
    """A gzip export ends early or is damaged (e.g. an interrupted download); nothing of it lands."""
