"""The HTTP edge: `create_app(settings)` and routes a few lines each.

Every body is prepared by `site.build_site` when the app is created, and again by `live` when the
tree changes; a request negotiates a locale, looks the bytes up in the site in service and answers
with ETag, Vary, Content-Language and Cache-Control.
"""

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from .errors import LocaleError
from .live import LiveSite
from .locales import canonical_tag, lookup, negotiate, parse_accept_language
from .models import SOURCE_LOCALE
from .schemas import CoverageOut, HealthOut, LocalesOut, PageOut, PagesOut
from .site import Body, PreparedPage, Settings, Site, build_site

__all__ = ["Settings", "build_site", "create_app"]

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Negotiated:
    requested: str | None
    locale: str


def _answer(
    request: Request, body: bytes, etag: str, media: str, language: str | None, max_age: int
) -> Response:
    headers = {
        "ETag": etag,
        "Vary": "Accept-Language",
        "Cache-Control": f"public, max-age={max_age}",
    }
    if language:
        headers["Content-Language"] = language
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")] or (
        request.headers.get("if-none-match", "").strip() == "*"
    ):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def _static(request: Request, body: Body, media: str, language: str | None = None) -> Response:
    """Reviewer-facing pages: revalidated on every load, so a fresh approval shows at once."""
    return _answer(request, body.data, body.etag, media, language, 0)


def create_app(settings: Settings, site: Site | None = None, watch: float | None = None) -> FastAPI:
    """Build the app for one content tree; nothing is loaded at import time. With `watch` (seconds),
    the tree is polled while the app runs and changes are served without a restart (`SIGHUP`
    reloads at once); `app.state.live.reload()` does the same on demand."""
    live = LiveSite.start(settings, site)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if watch is not None:
            live.watch(watch)
            previous = signal.signal(signal.SIGHUP, lambda *_: live.poke())
        try:
            yield
        finally:
            if watch is not None:
                live.stop()
                signal.signal(signal.SIGHUP, previous)

    app = FastAPI(
        title="clinic-l10n",
        version="1",
        description="Reviewed-only patient pages per locale, with fallback to reviewed English.",
        lifespan=lifespan,
    )
    app.state.live = live

    async def negotiated(
        request: Request,
        locale: Annotated[
            str | None, Query(description="BCP 47 tag; wins over Accept-Language")
        ] = None,
    ) -> Negotiated:
        if locale is not None:
            try:
                tag = canonical_tag(locale)
            except LocaleError as exc:
                raise HTTPException(400, detail=exc.message) from exc
            return Negotiated(tag, lookup(tag, enabled()) or SOURCE_LOCALE)
        return from_header(request.headers.get("accept-language", ""), enabled())

    def enabled() -> tuple[str, ...]:
        return live.site.tree.config.all_locales

    @lru_cache(maxsize=4096)
    def from_header(header: str, locales: tuple[str, ...]) -> Negotiated:
        """Browsers send few distinct headers; each is parsed and matched once per config."""
        ranges = parse_accept_language(header)
        first = next((r for r in ranges if r != "*"), None)
        return Negotiated(first, negotiate(ranges, locales))

    Locale = Annotated[Negotiated, Depends(negotiated)]

    def prepared(slug: str, neg: Negotiated) -> PreparedPage:
        found = live.site.pages.get((slug, neg.locale))
        if found is None:
            raise HTTPException(404, detail=f"no page {slug!r}")
        return found

    @app.get("/v1/pages", response_model=PagesOut, summary="Pages, titled in the negotiated locale")
    async def list_pages(request: Request, neg: Locale) -> Response:
        body, etag = live.site.lists[neg.locale].render(neg.requested)
        return _answer(request, body, etag, JSON, neg.locale, settings.max_age)

    @app.get(
        "/v1/pages/{slug}", response_model=PageOut, summary="One page, resolved segment by segment"
    )
    async def get_page(request: Request, slug: str, neg: Locale) -> Response:
        page = prepared(slug, neg)
        body, etag = page.json.render(neg.requested)
        return _answer(request, body, etag, JSON, page.language, settings.max_age)

    @app.get("/pages/{slug}", response_class=Response, summary="One page as an HTML document")
    async def get_page_html(
        request: Request,
        slug: str,
        neg: Locale,
        fragment: Annotated[bool, Query(description="Only the <article>, to embed")] = False,
    ) -> Response:
        page = prepared(slug, neg)
        html = page.fragment if fragment else page.html
        return _answer(request, html.data, html.etag, HTML, page.language, settings.max_age)

    @app.get("/v1/locales", response_model=LocalesOut, summary="Enabled locales")
    async def locales(request: Request) -> Response:
        body = live.site.locales
        return _answer(request, body.data, body.etag, JSON, None, settings.max_age)

    @app.get("/v1/coverage", response_model=CoverageOut, summary="Coverage per locale and page")
    async def coverage(request: Request) -> Response:
        return _static(request, live.site.coverage_json, JSON)

    @app.get("/coverage", response_class=Response, summary="Coverage dashboard (HTML)")
    async def coverage_page(request: Request) -> Response:
        return _static(request, live.site.coverage_html(), HTML, "en")

    @app.get("/healthz", response_model=HealthOut, summary="ok, or degraded with each load error")
    async def health() -> Response:
        return Response(live.health(), media_type=JSON, headers={"Cache-Control": "no-store"})

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        return _static(request, live.site.index_html, HTML, "en")

    @app.get("/pages", include_in_schema=False)
    async def pages_redirect() -> RedirectResponse:
        return RedirectResponse("/")

    return app
