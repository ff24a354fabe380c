"""What a page read answers, decided without the web framework: the locale a request negotiates,
the prepared page it names, and the response with its caching, language and CORS headers.

The FastAPI routes (`api`) and the fast path in front of them (`fastpath`) both call these, so the
two cannot answer the same request differently. Each takes the site in service as one value: a
request reads it once and sees one state across a reload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from starlette.responses import Response

from .headers import cors_headers, etag_matches, vary
from .limits import MAX_SLUG
from .locales import (
    bounded_accept_language,
    canonical_tag,
    lookup,
    negotiate,
    parse_accept_language,
)
from .models import SOURCE_LOCALE
from .site import PreparedPage, Site

__all__ = [
    "HTML",
    "JSON",
    "Asked",
    "Negotiated",
    "answer",
    "find_page",
    "locales_list",
    "negotiate_request",
    "no_page",
    "page_html",
    "page_json",
    "pages_list",
]

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Asked:
    """The request headers a read's answer depends on; the first of each, as Starlette reads them."""

    accept_language: str = ""
    if_none_match: str = ""
    origin: str | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Asked:
        """From Starlette's `request.headers` (names in lower case)."""
        return cls(
            headers.get("accept-language", ""),
            headers.get("if-none-match", ""),
            headers.get("origin"),
        )

    @classmethod
    def of_raw(cls, headers: Iterable[tuple[bytes, bytes]]) -> Asked:
        """From an ASGI scope's headers (names in lower case, as servers give them), in one pass.

        >>> Asked.of_raw([(b"origin", b"https://a.example"), (b"accept-language", b"es"),
        ...               (b"accept-language", b"ar")])
        Asked(accept_language='es', if_none_match='', origin='https://a.example')
        """
        found: dict[bytes, bytes] = {}
        for name, value in headers:
            if name in _ASKED and name not in found:
                found[name] = value
        origin = found.get(b"origin")
        return cls(
            found.get(b"accept-language", b"").decode("latin-1"),
            found.get(b"if-none-match", b"").decode("latin-1"),
            None if origin is None else origin.decode("latin-1"),
        )


_ASKED = frozenset((b"accept-language", b"if-none-match", b"origin"))


@dataclass(frozen=True)
class Negotiated:
    requested: str | None
    """The best-ranked tag the client asked for, canonical and at most MAX_TAG characters."""
    locale: str
    """The enabled locale that serves it."""


def negotiate_request(
    locale: str | None, accept_language: str, enabled: tuple[str, ...]
) -> Negotiated:
    """`?locale=` wins, then Accept-Language, then English. A malformed or over-long `?locale=`
    raises LocaleError (a 400 whose message does not repeat it).

    >>> negotiate_request(None, "es-MX,es;q=0.9", ("en", "es"))
    Negotiated(requested='es-MX', locale='es')
    >>> negotiate_request("PT_br", "es", ("en", "es", "pt"))
    Negotiated(requested='pt-BR', locale='pt')
    """
    if locale is not None:
        tag = canonical_tag(locale)  # at most MAX_TAG characters, or LocaleError
        return Negotiated(tag, lookup(tag, enabled) or SOURCE_LOCALE)
    return _from_header(bounded_accept_language(accept_language), enabled)


@lru_cache(maxsize=1024)
def _from_header(header: str, enabled: tuple[str, ...]) -> Negotiated:
    """Browsers send few distinct headers; each is parsed and matched once per config. One never
    seen costs microseconds too: it is bounded before it gets here, and its items and ranges are
    cached on their own (`locales`). At most 1024 headers of at most 4 KB: 4 MB."""
    ranges = parse_accept_language(header)
    first = next((r for r in ranges if r != "*"), None)
    return Negotiated(first, negotiate(ranges, enabled))


def find_page(site: Site, slug: str, locale: str) -> PreparedPage | None:
    """The page prepared for this locale; an over-long slug is not looked up."""
    return site.pages.get((slug, locale)) if len(slug) <= MAX_SLUG else None


def no_page(slug: str) -> str:
    """The 404's detail, which repeats the slug only when it is short."""
    return f"no page {slug!r}" if len(slug) <= MAX_SLUG else "no page"


def answer(
    site: Site,
    asked: Asked,
    body: bytes,
    etag: str,
    media: str,
    language: str | None,
    max_age: int,
) -> Response:
    """200 with the body, or 304 when If-None-Match matches (weakly); both with the ETag, Vary,
    Cache-Control, Content-Language and, for an allowed Origin, Access-Control-Allow-Origin."""
    origins = site.tree.config.cors_origins
    headers = {
        "ETag": etag,
        "Vary": vary(origins),
        "Cache-Control": f"public, max-age={max_age}",
    }
    if language:
        headers["Content-Language"] = language
    if origins:
        headers.update(cors_headers(asked.origin, origins))
    if etag_matches(asked.if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def pages_list(site: Site, neg: Negotiated, asked: Asked) -> Response:
    body, etag = site.lists[neg.locale].render(neg.requested)
    return answer(site, asked, body, etag, JSON, neg.locale, site.settings.max_age)


def page_json(site: Site, page: PreparedPage, neg: Negotiated, asked: Asked) -> Response:
    body, etag = page.json.render(neg.requested)
    return answer(site, asked, body, etag, JSON, page.language, site.settings.max_age)


def page_html(site: Site, page: PreparedPage, fragment: bool, asked: Asked) -> Response:
    html = page.fragment if fragment else page.html
    return answer(site, asked, html.data, html.etag, HTML, page.language, site.settings.max_age)


def locales_list(site: Site, asked: Asked) -> Response:
    body = site.locales
    return answer(site, asked, body.data, body.etag, JSON, None, site.settings.max_age)
