"""The errors of the catalog layer: a gettext file it cannot read or write, with where.

`service.po` imports nothing of the rest of the project. `LocatedError` is how an error about a file
prints (`path:line: message`) and crosses a process boundary; the project's own errors build on it,
and the catalogs stage turns a `PoError` into its `CatalogError`, path and line kept.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LocatedError", "PoError"]


class LocatedError(Exception):
    """An error about the input at `path`, line `line` (1-based; None: the whole file)."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __reduce__(self) -> tuple[type[LocatedError], tuple[str, str | None, int | None]]:
        # Errors cross process boundaries (update's workers) with their path and line.
        return (type(self), (self.message, self.path, self.line))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class PoError(LocatedError):
    """A .po or .pot file is malformed, or cannot be written in its charset."""
