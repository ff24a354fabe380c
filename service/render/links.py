"""Where a page's own links point: at the server's routes, or at the files of a release's static
site (what `clinic-l10n export` copies and the server also serves at the same paths).

A page's HTML document is the same at the server's route and in the static site but for its links:
the language switcher, "Read in English", the hreflang alternates and the stylesheet. The templates
take them from a `Links`, so both are rendered from one view (`document`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from service.core.errors import ExportError
from service.core.models import SOURCE_LOCALE
from service.render.assets import ASSETS, stylesheet

__all__ = [
    "SERVER",
    "SERVER_ASSET_SRC",
    "SERVER_PAGE_HREF",
    "ExportLinks",
    "Links",
    "ServerLinks",
    "base_url",
    "page_path",
]

X_DEFAULT = "x-default"


class Links(Protocol):
    @property
    def stylesheet(self) -> str: ...

    def page(self, slug: str, locale: str) -> str:
        """The page in `locale`, from the page's own document."""
        ...

    def alternates(self, slug: str, locales: Sequence[str]) -> list[tuple[str, str]]:
        """(hreflang, href) of each language version, for `<link rel="alternate">`."""
        ...

    def canonical(self, slug: str) -> str:
        """The English page, for `<link rel="canonical">` of a page not listed in its locale."""
        ...


@dataclass(frozen=True)
class ServerLinks:
    """The routes of `clinic-l10n serve`. Alternates are root-relative, as the server has always
    written them: it does not know the address it is reached at."""

    @property
    def stylesheet(self) -> str:
        return f"/{ASSETS}/{stylesheet().name}"

    def asset(self, name: str) -> str:
        """A hashed file (an image) by its served name."""
        return f"/{ASSETS}/{name}"

    def page(self, slug: str, locale: str) -> str:
        return f"/pages/{slug}?locale={locale}"

    def alternates(self, slug: str, locales: Sequence[str]) -> list[tuple[str, str]]:
        return [(tag, self.page(slug, tag)) for tag in locales]

    def canonical(self, slug: str) -> str:
        return self.page(slug, SOURCE_LOCALE)


SERVER = ServerLinks()

# An `href` to a page as `ServerLinks.page` writes it, with its slug and locale: how the static
# site finds the links to pages inside an article (its "English version", an author's link to
# another page).
SERVER_PAGE_HREF = re.compile(r'href="/pages/([^"/?&]+)\?locale=([A-Za-z0-9-]+)"')
# An image as `ServerLinks.asset` writes it, with its served name: what the static site points at
# its file.
SERVER_ASSET_SRC = re.compile(r'src="/assets/([A-Za-z0-9._/-]+)"')


def page_path(slug: str, locale: str) -> str:
    """A page's folder in an export, relative to its root (it holds index.html and index.json).

    >>> page_path("saline-spray", "pt-BR")
    'pt-BR/saline-spray/'
    """
    return f"{locale}/{slug}/"


@dataclass(frozen=True)
class ExportLinks:
    """An export's files, seen from a document `depth` folders below the export's root (a page,
    `<locale>/<slug>/index.html`, is at depth 2). Links between files are relative, so the export
    works at any path of any host; alternates are absolute under `base` (English is `x-default`),
    and there are none without a base, since hreflang needs absolute URLs.

    >>> links = ExportLinks("https://clinic.example/learn/")
    >>> links.page("saline-spray", "es"), links.index("es"), links.index(None)
    ('../../es/saline-spray/', '../../es/', '../../')
    >>> links.alternates("saline-spray", ["en", "es"])[1:]
    [('es', 'https://clinic.example/learn/es/saline-spray/'), ('x-default', 'https://clinic.example/learn/en/saline-spray/')]
    >>> ExportLinks(None, 0).index("es"), ExportLinks(None, 0).index(None), ExportLinks(None).alternates("a", ["en"])
    ('es/', './', [])
    """

    base: str | None
    depth: int = 2

    @property
    def up(self) -> str:
        return "../" * self.depth

    @property
    def stylesheet(self) -> str:
        return f"{self.up}{ASSETS}/{stylesheet().name}"

    def asset(self, name: str) -> str:
        return f"{self.up}{ASSETS}/{name}"

    def page(self, slug: str, locale: str) -> str:
        return self.up + page_path(slug, locale)

    def index(self, locale: str | None) -> str:
        """A locale's list of pages, or (None) the export's root, the choice of language."""
        if locale is None:
            return self.up or "./"
        return f"{self.up}{locale}/"

    def absolute(self, path: str) -> str | None:
        """`path` (relative to the export's root) under the base URL; None without one."""
        return None if self.base is None else self.base + path

    def alternates(self, slug: str, locales: Sequence[str]) -> list[tuple[str, str]]:
        return self._alternates([page_path(slug, tag) for tag in locales], locales, SOURCE_LOCALE)

    def canonical(self, slug: str) -> str:
        """Absolute under the base URL; relative without one (a canonical may be).

        >>> ExportLinks("https://clinic.example/").canonical("a"), ExportLinks(None).canonical("a")
        ('https://clinic.example/en/a/', '../../en/a/')
        """
        return self.absolute(page_path(slug, SOURCE_LOCALE)) or self.page(slug, SOURCE_LOCALE)

    def index_alternates(self, locales: Sequence[str]) -> list[tuple[str, str]]:
        """The locales' lists of pages, with the root (the choice of language) as `x-default`."""
        return self._alternates([f"{tag}/" for tag in locales], locales, None)

    def _alternates(
        self, paths: Sequence[str], locales: Sequence[str], default: str | None
    ) -> list[tuple[str, str]]:
        if self.base is None:
            return []
        found = [(tag, self.base + path) for tag, path in zip(locales, paths, strict=True)]
        fallback = dict(found)[default] if default is not None else self.base
        return [*found, (X_DEFAULT, fallback)]


def base_url(text: str) -> str:
    """An export's base URL as its links are written: absolute http(s), ending in `/`.

    >>> base_url("https://clinic.example/learn"), base_url("http://127.0.0.1:8080")
    ('https://clinic.example/learn/', 'http://127.0.0.1:8080/')
    """
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"--base-url must be an absolute http(s) URL, not {text!r}")
    if parts.query or parts.fragment:
        raise ExportError(f"--base-url cannot have a query or a fragment: {text!r}")
    return text if text.endswith("/") else text + "/"
