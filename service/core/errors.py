"""One small hierarchy of errors; each knows where the bad input is and never prints.

The CLI turns them into a one-line reason and an exit code; the API into a health entry or a 4xx.
"""

from __future__ import annotations

from service.po.errors import LocatedError

__all__ = [
    "AccountError",
    "CatalogError",
    "ChangedMeanwhile",
    "ConfigError",
    "ContentError",
    "ExportError",
    "L10nError",
    "LedgerError",
    "LocaleError",
    "ReviewError",
]


class L10nError(LocatedError):
    """Base of every error this project raises on purpose: `path:line: message`."""

    exit_code = 1


class ConfigError(L10nError):
    """l10n.yaml is missing or wrong: nothing can run."""

    exit_code = 2


class ContentError(L10nError):
    """A source page (Markdown with front matter) is malformed."""


class CatalogError(L10nError):
    """A .po or .pot file is malformed."""


class ChangedMeanwhile(L10nError):
    """A file changed between the moment a command read it and the moment it would have written
    its edit back (another command, or a translator's save): nothing was written."""


class LedgerError(L10nError):
    """A review ledger is malformed."""


class LocaleError(L10nError):
    """A language tag is malformed or names no locale we know."""

    exit_code = 2


class ReviewError(L10nError):
    """A review command was asked for something it cannot do."""


class AccountError(L10nError):
    """A reviewer's account (password, token) cannot be set, or the state folder is unreadable."""


class ExportError(L10nError):
    """A static export cannot be written as asked (a bad base URL, a file where a folder goes)."""

    exit_code = 2
