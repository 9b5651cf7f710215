"""Errors raised while flattening one export line.

``FieldError`` carries the dotted path of the offending field inside the line; each level of the
walker that catches it prepends its own segment, so the message ends up like
``experiments.<model>.runs.<run>.labels[0].annotations.objects[2].bounding_box: missing 'top'``.
The runner adds the file name and line number and sends the line to quarantine.
"""

from __future__ import annotations


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


def as_field_error(exc: Exception, path: str) -> FieldError:
    """Turn a structural error raised while walking ``path`` into a FieldError."""
    if isinstance(exc, FieldError):
        return exc.within(path)
    if isinstance(exc, KeyError):
        return FieldError(path, f"missing field {exc.args[0]!r}")
    if isinstance(exc, AttributeError | TypeError):
        return FieldError(path, f"unexpected shape ({exc})")
    return FieldError(path, str(exc))


STRUCTURAL_ERRORS = (FieldError, KeyError, AttributeError, TypeError, ValueError)
