"""What a page read answers, decided without the web framework: the locale a request negotiates,
the prepared page it names, and the response with its caching, language and CORS headers.

The FastAPI routes (`api`) and the fast path in front of them (`fastpath`) both call these, so the
two cannot answer the same request differently. Each takes the site in service as one value: a
request reads it once and sees one state across a reload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from starlette.responses import JSONResponse, Response

from service.core.limits import MAX_SLUG
from service.core.locales import canonical_tag
from service.core.models import SOURCE_LOCALE
from service.core.negotiation import Negotiated, Negotiator, lookup
from service.site.bodies import PreparedPage
from service.site.prepared import Site
from service.web.headers import cors_headers, etag_matches, page_policy, vary

__all__ = [
    "HTML",
    "JSON",
    "Answer",
    "Asked",
    "Negotiated",
    "Prepared",
    "answer",
    "find_page",
    "locales_list",
    "negotiate_request",
    "no_page",
    "page_html",
    "page_json",
    "pages_list",
    "unreadable",
]

JSON = "application/json"
HTML = "text/html; charset=utf-8"


class Asked(NamedTuple):
    """The request headers a read's answer depends on; the first of each, as Starlette reads them.
    (A named tuple, not a frozen dataclass: one is made per request, in half the time.)"""

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
        accept = match = origin = None
        for name, value in headers:
            if name == b"accept-language":
                if accept is None:
                    accept = value
            elif name == b"if-none-match":
                if match is None:
                    match = value
            elif name == b"origin" and origin is None:
                origin = value
        return cls(
            "" if accept is None else accept.decode("latin-1"),
            "" if match is None else match.decode("latin-1"),
            None if origin is None else origin.decode("latin-1"),
        )


def negotiate_request(
    locale: str | None, accept_language: str, negotiator: Negotiator
) -> Negotiated:
    """`?locale=` wins, then Accept-Language, then English. A malformed or over-long `?locale=`
    raises LocaleError (a 400 whose message does not repeat it).

    >>> from service.core.negotiation import Negotiator
    >>> negotiate_request(None, "es-MX,es;q=0.9", Negotiator(("en", "es")))
    Negotiated(requested='es-MX', locale='es')
    >>> negotiate_request("PT_br", "es", Negotiator(("en", "es", "pt")))
    Negotiated(requested='pt-BR', locale='pt')
    """
    if locale is not None:
        tag = canonical_tag(locale)  # at most MAX_TAG characters, or LocaleError
        return Negotiated(tag, lookup(tag, negotiator.enabled) or SOURCE_LOCALE)
    return negotiator.header(accept_language)


def find_page(site: Site, slug: str, locale: str) -> PreparedPage | None:
    """The page prepared for this locale; an over-long slug is not looked up."""
    return site.pages.get((slug, locale)) if len(slug) <= MAX_SLUG else None


def no_page(slug: str) -> str:
    """The 404's detail, which repeats the slug only when it is short."""
    return f"no page {slug!r}" if len(slug) <= MAX_SLUG else "no page"


class Answer(NamedTuple):
    """A read's response as ASGI sends it: the headers in the order Starlette's `Response` writes
    them (its constructor would encode a dict of them again on every request), and the body in
    pieces, joined when sent (a JSON page's are its own bytes either side of the tag it echoes:
    `JsonBody.pieces`; an answer kept holds these, not a copy of the page)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: tuple[bytes, ...]


class Prepared(Response):
    """An `Answer` as the response a FastAPI route returns."""

    def __init__(self, answer: Answer) -> None:
        self.status_code, self.raw_headers = answer.status, answer.headers
        self.body = b"".join(answer.body)
        self.background = None


def answer(
    site: Site,
    asked: Asked,
    body: bytes | tuple[bytes, ...],
    etag: str,
    media: str,
    language: str | None,
    max_age: int,
    embeddable: bool = True,
) -> Answer:
    """200 with the body, or 304 when If-None-Match matches (weakly); both with the ETag, Vary,
    Cache-Control, Content-Language, for an allowed Origin, Access-Control-Allow-Origin, and for
    an HTML document its Content-Security-Policy: framed by the config's `embed_origins` when
    `embeddable` (a patient's page), by none otherwise. The headers come in the order
    `Response(body, media_type=media, headers={...})` writes them.

    >>> from types import SimpleNamespace as Ns
    >>> site = Ns(config=Ns(cors_origins=frozenset({"https://a.example"})))
    >>> asked = Asked(origin="https://a.example", if_none_match='W/"x"')
    >>> [answer(site, asked, b"{}", tag, JSON, "es", 300).status for tag in ('"x"', '"y"')]
    [304, 200]
    >>> answer(site, Asked(), b"{}", '"y"', JSON, "es", 300).headers[:2]
    [(b'etag', b'"y"'), (b'vary', b'Accept-Language, Origin')]
    """
    origins = site.config.cors_origins
    headers = [
        (b"etag", etag.encode("latin-1")),
        (b"vary", _vary(origins)),
        (b"cache-control", _cache_control(max_age)),
    ]
    if language:
        headers.append((b"content-language", language.encode("latin-1")))
    if origins:
        for name, value in cors_headers(asked.origin, origins).items():
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    if media == HTML:
        frames = site.config.embed_origins if embeddable else frozenset()
        headers.append((b"content-security-policy", _policy(frames)))
    if asked.if_none_match and etag_matches(asked.if_none_match, etag):
        return Answer(304, headers, ())
    pieces = (body,) if isinstance(body, bytes) else body
    headers.append((b"content-length", str(sum(map(len, pieces))).encode("latin-1")))
    headers.append((b"content-type", media.encode("latin-1")))
    return Answer(200, headers, pieces)


# Encoded once per value: these depend on the config and settings only.
@lru_cache(maxsize=8)
def _cache_control(max_age: int) -> bytes:
    return f"public, max-age={max_age}".encode("latin-1")


@lru_cache(maxsize=8)
def _policy(frames: frozenset[str]) -> bytes:
    return page_policy(frames).encode("latin-1")


@lru_cache(maxsize=8)
def _vary(origins: frozenset[str]) -> bytes:
    return vary(origins).encode("latin-1")


def pages_list(site: Site, neg: Negotiated, asked: Asked) -> Answer:
    pieces, etag = site.lists[neg.locale].pieces(neg.requested)
    return answer(site, asked, pieces, etag, JSON, neg.locale, site.settings.max_age)


def page_json(site: Site, page: PreparedPage, neg: Negotiated, asked: Asked) -> Answer:
    pieces, etag = page.json.pieces(neg.requested)
    return answer(site, asked, pieces, etag, JSON, page.language, site.settings.max_age)


def page_html(site: Site, page: PreparedPage, fragment: bool, asked: Asked) -> Answer:
    html = page.fragment if fragment else page.html
    return answer(site, asked, html.data, html.etag, HTML, page.language, site.settings.max_age)


def locales_list(site: Site, asked: Asked) -> Answer:
    body = site.locales
    return answer(site, asked, body.data, body.etag, JSON, None, site.settings.max_age)


def unreadable() -> Response:
    """The answer for a file of the release in service that cannot be read, or whose bytes no
    longer match its name: nothing of it is sent. `/healthz` names the file (`Bodies.problems`),
    the log once."""
    return JSONResponse(
        {"detail": "This page cannot be served at the moment."},
        status_code=503,
        headers={"Retry-After": "60", "Cache-Control": "no-store"},
    )
