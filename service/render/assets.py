"""The stylesheets: one file that pages link under a name made from its bytes, and an article's own
rules, which an embeddable fragment carries inline.

`static/clinic-l10n.css` (the site's chrome: pages, index, coverage, workspace) and
`static/clinic-l10n-article.css` (the article's rules, every one scoped under `.clinic-l10n-page`)
are served and exported together as `clinic-l10n.<sha256 prefix>.css`: a new release is a new
name, so browsers and CDNs may keep a name for a year (`IMMUTABLE`). A fragment (`?fragment=1`)
is pasted into someone else's page, where a link to `/assets/…` would resolve against the wrong
host, so it carries the article rules in a `<style>` of its own (`embed`): scoped, they neither
reach the host's elements nor need the host's variables, and they outrank the host's element
rules (`p { border: 0 }`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

__all__ = [
    "ASSETS",
    "IMMUTABLE",
    "Asset",
    "assets",
    "embed",
    "stylesheet",
    "unembed",
]

ASSETS = "assets"  # the folder of hashed files, under the server's root and an export's
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    name: str  # with its hash: clinic-l10n.0123456789abcdef.css
    data: bytes
    media_type: str


def _static(name: str) -> bytes:
    return (files("service") / "static" / name).read_bytes()


def _article_css() -> str:
    return _static("clinic-l10n-article.css").decode("utf-8")


@lru_cache(maxsize=1)
def stylesheet() -> Asset:
    """The stylesheet every page links: the site's rules, then the article's."""
    data = _static("clinic-l10n.css") + _article_css().encode("utf-8")
    name = f"clinic-l10n.{hashlib.sha256(data).hexdigest()[:16]}.css"
    return Asset(name, data, "text/css; charset=utf-8")


def assets() -> dict[str, Asset]:
    """The hashed files by name: what `/assets/{name}` serves and an export writes."""
    sheet = stylesheet()
    return {sheet.name: sheet}


@lru_cache(maxsize=1)
def _style() -> str:
    return f"<style>\n{_article_css()}</style>\n"


def embed(article: str) -> str:
    """The article with its rules inline, as the first child of the `<article>` element.

    >>> embed('<article class="clinic-l10n-page">\\n<p>x</p>\\n</article>').count("<style>")
    1
    """
    head, sep, rest = article.partition(">\n")
    if not head.startswith("<article") or not sep:
        raise ValueError("not an article element")
    return head + sep + _style() + rest


def unembed(fragment: str) -> str:
    """The article of `embed(article)`, as a page shows it (the page links the same rules).

    >>> unembed(embed('<article>\\n<p>x</p>\\n</article>'))
    '<article>\\n<p>x</p>\\n</article>'
    """
    if _style() not in fragment:
        raise ValueError("not an embedded article")
    return fragment.replace(_style(), "", 1)
