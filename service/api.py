"""The HTTP edge: `create_app(settings)` and routes a few lines each.

Every body is prepared by `site.build_site` when the app is created, and again by `live` when the
tree changes; a request negotiates a locale, looks the bytes up in the site in service and answers
with ETag, Vary, Content-Language and Cache-Control.
"""

import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from .errors import LocaleError
from .headers import cors_headers, etag_matches, vary
from .limits import MAX_SLUG
from .live import LiveSite
from .locales import (
    bounded_accept_language,
    canonical_tag,
    lookup,
    negotiate,
    parse_accept_language,
)
from .models import SOURCE_LOCALE
from .schemas import CoverageOut, ErrorOut, HealthOut, LocalesOut, PageOut, PagesOut
from .site import Body, PreparedPage, Settings, Site, build_site
from .workspace import add_workspace

__all__ = ["Settings", "build_site", "create_app"]

JSON = "application/json"
HTML = "text/html; charset=utf-8"
DOCS_ASSETS = "/docs/assets"
# Swagger UI's script and stylesheet ship in a package (fastapi-offline), so /docs needs no CDN.
SWAGGER_PACKAGE = ("fastapi_offline", "static")

_Route = TypeVar("_Route", bound=Callable[..., Any])

CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: If-None-Match matched the ETag (compared weakly)"},
}
NEGOTIATED: dict[int | str, dict[str, Any]] = {
    **CACHED,
    400: {"model": ErrorOut, "description": "Malformed or over-long `locale` (over 64 characters)"},
}
PAGE: dict[int | str, dict[str, Any]] = {
    **NEGOTIATED,
    404: {"model": ErrorOut, "description": "No page with this slug"},
}
# Answered by the server process (service.server) before a request reaches a route.
SERVER: dict[int | str, dict[str, Any]] = {
    408: {"description": "The request head did not arrive within the header timeout"},
    431: {"description": "The request head is over 16 KB"},
    503: {"description": "The server is at its connection limit; retry"},
}


@dataclass(frozen=True)
class Negotiated:
    requested: str | None
    locale: str


def _answer(
    request: Request,
    body: bytes,
    etag: str,
    media: str,
    language: str | None,
    max_age: int,
    origins: frozenset[str],
) -> Response:
    headers = {
        "ETag": etag,
        "Vary": vary(origins),
        "Cache-Control": f"public, max-age={max_age}",
    }
    if language:
        headers["Content-Language"] = language
    if origins:
        headers.update(cors_headers(request.headers.get("origin"), origins))
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def _log_reloads() -> None:
    """Reloads and kept files show in the server's log, beside uvicorn's own lines."""
    logger = logging.getLogger("clinic_l10n")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     clinic-l10n: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def create_app(settings: Settings, site: Site | None = None, watch: float | None = None) -> FastAPI:
    """Build the app for one content tree; nothing is loaded at import time. With `watch` (seconds),
    the tree is polled while the app runs and changes are served without a restart (`SIGHUP`
    reloads at once); `app.state.live.reload()` does the same on demand."""
    live = LiveSite.start(settings, site)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if watch is not None:
            _log_reloads()
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
        docs_url=None,
        redoc_url=None,
        responses=SERVER,
    )
    app.state.live = live

    def read(path: str, **route: Any) -> Callable[[_Route], _Route]:
        """GET, documented, and HEAD (same headers, no body) on the same endpoint."""

        def register(endpoint: _Route) -> _Route:
            app.get(path, **route)(endpoint)
            app.head(path, include_in_schema=False)(endpoint)
            return endpoint

        return register

    def origins() -> frozenset[str]:
        return live.site.config.cors_origins

    def answer(
        request: Request, body: bytes, etag: str, media: str, language: str | None, max_age: int
    ) -> Response:
        return _answer(request, body, etag, media, language, max_age, origins())

    def static(request: Request, body: Body, media: str, language: str | None = None) -> Response:
        """Reviewer-facing pages: revalidated on every load, so a fresh approval shows at once."""
        return answer(request, body.data, body.etag, media, language, 0)

    async def negotiated(
        request: Request,
        locale: Annotated[
            str | None, Query(description="BCP 47 tag; wins over Accept-Language")
        ] = None,
    ) -> Negotiated:
        if locale is not None:
            try:
                tag = canonical_tag(locale)  # at most MAX_TAG characters, or a 400
                found = lookup(tag, enabled())
            except LocaleError as exc:
                raise HTTPException(400, detail=exc.message) from exc
            return Negotiated(tag, found or SOURCE_LOCALE)
        header = bounded_accept_language(request.headers.get("accept-language", ""))
        return from_header(header, enabled())

    def enabled() -> tuple[str, ...]:
        return live.site.config.all_locales

    @lru_cache(maxsize=1024)
    def from_header(header: str, locales: tuple[str, ...]) -> Negotiated:
        """Browsers send few distinct headers; each is parsed and matched once per config (and
        one never seen costs microseconds: it is bounded before it gets here)."""
        ranges = parse_accept_language(header)
        first = next((r for r in ranges if r != "*"), None)
        return Negotiated(first, negotiate(ranges, locales))

    Locale = Annotated[Negotiated, Depends(negotiated)]

    def prepared(slug: str, neg: Negotiated) -> PreparedPage:
        found = live.site.pages.get((slug, neg.locale)) if len(slug) <= MAX_SLUG else None
        if found is None:
            raise HTTPException(
                404, detail=f"no page {slug!r}" if len(slug) <= MAX_SLUG else "no page"
            )
        return found

    @read(
        "/v1/pages",
        response_model=PagesOut,
        responses=NEGOTIATED,
        summary="Pages, titled in the negotiated locale",
    )
    async def list_pages(request: Request, neg: Locale) -> Response:
        body, etag = live.site.lists[neg.locale].render(neg.requested)
        return answer(request, body, etag, JSON, neg.locale, settings.max_age)

    @read(
        "/v1/pages/{slug}",
        response_model=PageOut,
        responses=PAGE,
        summary="One page, resolved segment by segment",
    )
    async def get_page(request: Request, slug: str, neg: Locale) -> Response:
        page = prepared(slug, neg)
        body, etag = page.json.render(neg.requested)
        return answer(request, body, etag, JSON, page.language, settings.max_age)

    @read(
        "/pages/{slug}",
        response_class=Response,
        responses=PAGE,
        summary="One page as an HTML document",
    )
    async def get_page_html(
        request: Request,
        slug: str,
        neg: Locale,
        fragment: Annotated[bool, Query(description="Only the <article>, to embed")] = False,
    ) -> Response:
        page = prepared(slug, neg)
        html = page.fragment if fragment else page.html
        return answer(request, html.data, html.etag, HTML, page.language, settings.max_age)

    @read("/v1/locales", response_model=LocalesOut, responses=CACHED, summary="Enabled locales")
    async def locales(request: Request) -> Response:
        body = live.site.locales
        return answer(request, body.data, body.etag, JSON, None, settings.max_age)

    @read(
        "/v1/coverage",
        response_model=CoverageOut,
        responses=CACHED,
        summary="Coverage per locale and page",
    )
    async def coverage(request: Request) -> Response:
        return static(request, live.site.coverage_json, JSON)

    @read(
        "/coverage", response_class=Response, responses=CACHED, summary="Coverage dashboard (HTML)"
    )
    async def coverage_page(request: Request) -> Response:
        return static(request, live.site.coverage_html(), HTML, "en")

    @read("/healthz", response_model=HealthOut, summary="ok, or degraded with each load error")
    async def health() -> Response:
        return Response(live.health(), media_type=JSON, headers={"Cache-Control": "no-store"})

    @read("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        return static(request, live.site.index_html, HTML, "en")

    @read("/pages", include_in_schema=False)
    async def pages_redirect() -> RedirectResponse:
        return RedirectResponse("/")

    @read("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="clinic-l10n API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.mount(DOCS_ASSETS, StaticFiles(packages=[SWAGGER_PACKAGE]), name="docs-assets")
    add_workspace(app, live, settings.root, settings.state)
    return app
