"""The error a whole export file is refused with, rather than quarantined line by line."""

from __future__ import annotations

from .reader import NotNdjsonError


class ProjectExportError(NotNdjsonError):
    """The file is a project export, not a model-run export: refused as a whole, like a JSON array,
    rather than quarantined line by line. The message names the file and line."""
