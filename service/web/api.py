"""The HTTP edge: `create_app(settings)` and routes a few lines each.

Every body is prepared by `site.build_site` when the app is created, and again by `live` when the
tree changes; a request negotiates a locale, looks the bytes up in the site in service and answers
with ETag, Vary, Content-Language and Cache-Control, all decided in `answers`. `clinic-l10n serve`
runs this app behind `fastpath`, which answers the page reads through the same functions and
passes everything else here.
"""

import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from service.core.errors import LocaleError
from service.render.assets import ASSETS, IMMUTABLE, assets
from service.site.bodies import Body, PreparedPage
from service.site.live import LiveSite
from service.site.prepared import Settings, Site, build_site
from service.site.schemas import CoverageOut, ErrorOut, HealthOut, LocalesOut, PageOut, PagesOut
from service.web.answers import (
    HTML,
    JSON,
    Asked,
    Negotiated,
    Prepared,
    answer,
    find_page,
    locales_list,
    negotiate_request,
    no_page,
    page_html,
    page_json,
    pages_list,
)
from service.workspace.routes import add_workspace

__all__ = ["Settings", "build_site", "create_app"]

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
# Answered by the server process (service.web.server) before a request reaches a route.
SERVER: dict[int | str, dict[str, Any]] = {
    408: {"description": "The request head did not arrive within the header timeout"},
    431: {"description": "The request head is over 16 KB"},
    503: {"description": "The server is at its connection limit; retry"},
}


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

    def current_site() -> Site:
        """The site in service, read once per request (FastAPI caches a dependency for the
        request), so negotiation and the answer see one state across a reload."""
        return live.site

    Now = Annotated[Site, Depends(current_site)]

    def static(
        site: Site, request: Request, body: Body, media: str, language: str | None = None
    ) -> Response:
        """Reviewer-facing pages: revalidated on every load, so a fresh approval shows at once."""
        return Prepared(
            answer(site, Asked.of(request.headers), body.data, body.etag, media, language, 0)
        )

    async def negotiated(
        request: Request,
        site: Now,
        locale: Annotated[
            str | None, Query(description="BCP 47 tag; wins over Accept-Language")
        ] = None,
    ) -> Negotiated:
        try:
            header = request.headers.get("accept-language", "")
            return negotiate_request(locale, header, site.negotiator)
        except LocaleError as exc:
            raise HTTPException(400, detail=exc.message) from exc

    Locale = Annotated[Negotiated, Depends(negotiated)]

    async def prepared(site: Site, slug: str, neg: Negotiated) -> PreparedPage:
        found = find_page(site, slug, neg.locale)
        if found is None:
            raise HTTPException(404, detail=no_page(slug))
        if found.made is not None and not found.made.ready:
            await run_in_threadpool(found.made.make)  # rendered off the event loop
        return found

    # The page routes below are also answered by `fastpath`, in front of this app, through the
    # same functions of `answers`; what it does not fully understand it passes here.

    @read(
        "/v1/pages",
        response_model=PagesOut,
        responses=NEGOTIATED,
        summary="Pages, titled in the negotiated locale",
    )
    async def list_pages(request: Request, site: Now, neg: Locale) -> Response:
        return Prepared(pages_list(site, neg, Asked.of(request.headers)))

    @read(
        "/v1/pages/{slug}",
        response_model=PageOut,
        responses=PAGE,
        summary="One page, resolved segment by segment",
    )
    async def get_page(request: Request, site: Now, slug: str, neg: Locale) -> Response:
        page = await prepared(site, slug, neg)
        return Prepared(page_json(site, page, neg, Asked.of(request.headers)))

    @read(
        "/pages/{slug}",
        response_class=Response,
        responses=PAGE,
        summary="One page as an HTML document",
    )
    async def get_page_html(
        request: Request,
        site: Now,
        slug: str,
        neg: Locale,
        fragment: Annotated[bool, Query(description="Only the <article>, to embed")] = False,
    ) -> Response:
        page = await prepared(site, slug, neg)
        return Prepared(page_html(site, page, fragment, Asked.of(request.headers)))

    @read("/v1/locales", response_model=LocalesOut, responses=CACHED, summary="Enabled locales")
    async def locales(request: Request, site: Now) -> Response:
        return Prepared(locales_list(site, Asked.of(request.headers)))

    @read(
        "/v1/coverage",
        response_model=CoverageOut,
        responses=CACHED,
        summary="Coverage per locale and page",
    )
    async def coverage(request: Request, site: Now) -> Response:
        return static(site, request, site.coverage_json, JSON)

    @read(
        "/coverage", response_class=Response, responses=CACHED, summary="Coverage dashboard (HTML)"
    )
    async def coverage_page(request: Request, site: Now) -> Response:
        return static(site, request, site.coverage_html(), HTML, "en")

    @read("/healthz", response_model=HealthOut, summary="ok, or degraded with each load error")
    async def health() -> Response:
        return Response(live.health(), media_type=JSON, headers={"Cache-Control": "no-store"})

    @read("/", include_in_schema=False)
    async def index(request: Request, site: Now) -> Response:
        return static(site, request, site.index_html, HTML, "en")

    @read(f"/{ASSETS}/{{name}}", include_in_schema=False)
    async def asset(name: str) -> Response:
        """A file named by its content's hash (the stylesheet): the name changes when the bytes
        do, so a browser keeps it for a year without asking again."""
        found = assets().get(name)
        if found is None:
            raise HTTPException(404, detail="no such asset")
        headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        return Response(found.data, media_type=found.media_type, headers=headers)

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
