"""Errors raised by the Python walker (the tests' oracle) while flattening one export line.

``FieldError`` carries the dotted path of the offending field inside the line; each level of the
walker that catches it prepends its own segment, so the message ends up like
``experiments.<model>.runs.<run>.labels[0].annotations.objects[2].bounding_box: missing 'top'``.
The oracle adds the file name and line number and quarantines the line, as the native core does.
"""

from __future__ import annotations

import re
from typing import Any

from lb_export_pipeline.flatten.errors import ProjectExportError


class FieldError(ValueError):
    """A field of an export line has the wrong shape or type."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem

    def within(self, prefix: str) -> FieldError:
        """The same error, seen from one level up."""
        if not self.path:
            return FieldError(prefix, self.problem)
        sep = "" if self.path.startswith("[") else "."
        return FieldError(f"{prefix}{sep}{self.path}", self.problem)


_JSON_NAMES = {"str": "a string", "int": "a number", "float": "a number", "bool": "a boolean",
               "NoneType": "null", "list": "an array", "dict": "an object"}


def json_type(value: Any) -> str:
    """What ``value`` is, in JSON's words ("a string", "an array", "null"...)."""
    name = type(value).__name__
    return _JSON_NAMES.get(name, name)


_WANTS_OBJECT = re.compile(r"'(\w+)' object (?:has no attribute '(?:get|keys|items)'|is not subscriptable)")
_WANTS_ARRAY = re.compile(r"'(\w+)' object is not iterable")


def _shape_problem(exc: Exception) -> str:
    """Python's wording of a shape mismatch, said in JSON's terms."""
    text = str(exc)
    if match := _WANTS_OBJECT.search(text):
        return f"expected an object, got {_JSON_NAMES.get(match.group(1), match.group(1))}"
    if match := _WANTS_ARRAY.search(text):
        return f"expected an array, got {_JSON_NAMES.get(match.group(1), match.group(1))}"
    if "string indices must be integers" in text:
        return "expected an object, got a string"
    if "list indices must be integers" in text:
        return "expected an object, got an array"
    return f"unexpected shape ({text})"


def as_field_error(exc: Exception, path: str) -> FieldError:
    """Turn a structural error raised while walking ``path`` into a FieldError."""
    if isinstance(exc, FieldError):
        return exc.within(path)
    if isinstance(exc, KeyError):
        return FieldError(path, f"missing field {exc.args[0]!r}")
    if isinstance(exc, AttributeError | TypeError):
        return FieldError(path, _shape_problem(exc))
    return FieldError(path, str(exc))


JSON_DEPTH_LIMIT = 1024  # orjson's nesting limit


def json_problem(exc: ValueError) -> str:
    """Why a line did not parse. Deep nesting is valid JSON that the parser refuses: say so."""
    text = str(exc)
    if "depth limit" in text or "ecursion limit" in text:
        return f"nested more than {JSON_DEPTH_LIMIT} levels deep, the JSON parser's limit ({text})"
    return f"not valid JSON ({text})"


STRUCTURAL_ERRORS = (FieldError, KeyError, AttributeError, TypeError, ValueError)

__all__ = ["STRUCTURAL_ERRORS", "FieldError", "ProjectExportError", "as_field_error", "json_problem", "json_type"]
