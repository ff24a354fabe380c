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
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from service.core.errors import LocaleError
from service.core.limits import DEFAULT_LIMITS, Limits
from service.release.live import LiveSite, TreeUnread
from service.release.store import ReleaseError
from service.render.assets import ASSETS, IMMUTABLE, assets
from service.site.bodies import Body, PreparedPage
from service.site.prepared import Settings, Site
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
    unreadable,
)
from service.web.bounded import BoundedBodies
from service.web.files import release_asset_data
from service.web.headers import docs_policy
from service.workspace import WORKSPACE_ROUTERS, Workspace

__all__ = ["Settings", "create_app"]

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
SERVER_REFUSALS: dict[int | str, dict[str, Any]] = {
    408: {"description": "The request head or body did not arrive within its timeout"},
    413: {"description": "The request body is over the bound (256 KB)"},
    431: {"description": "The request head is over 16 KB"},
    503: {"description": "The server is at its connection limit, every connection busy; retry"},
}

# The patients' routes. The page reads among them are also answered by `fastpath`, in front of
# this app, through the same functions of `answers`; what it does not fully understand it passes
# here.
_patients = APIRouter()


def _log_reloads() -> None:
    """Reloads and kept files show in the server's log, beside uvicorn's own lines."""
    logger = logging.getLogger("clinic_l10n")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     clinic-l10n: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


@asynccontextmanager
async def _watching(live: LiveSite, every: float, _: FastAPI) -> AsyncIterator[None]:
    """While the app runs, the tree is polled every `every` seconds, and `SIGHUP` reloads it."""
    _log_reloads()
    live.watch(every)
    previous = signal.signal(signal.SIGHUP, lambda *_: live.poke())
    try:
        yield
    finally:
        live.stop()
        signal.signal(signal.SIGHUP, previous)


def create_app(
    settings: Settings,
    site: Site | None = None,
    watch: float | None = None,
    limits: Limits = DEFAULT_LIMITS,
    early: bool = False,
) -> FastAPI:
    """Build the app for one content tree; nothing is loaded at import time. With `watch` (seconds),
    the tree is polled while the app runs and changes are served without a restart (`SIGHUP`
    reloads at once); `app.state.live.reload()` does the same on demand. Every request body is
    bounded by `limits` (`bounded`). `early`: serve the store's current release at once and read
    the tree in a thread (`LiveSite.start`)."""
    live = LiveSite.start(settings, site, early)
    app = FastAPI(
        title="clinic-l10n",
        version="1",
        description="Reviewed-only patient pages per locale, with fallback to reviewed English.",
        lifespan=partial(_watching, live, watch) if watch is not None else None,
        docs_url=None,
        redoc_url=None,
        responses=SERVER_REFUSALS,
    )
    app.state.live = live
    app.add_exception_handler(ReleaseError, _unreadable)
    app.add_exception_handler(TreeUnread, _unread)
    app.add_middleware(BoundedBodies, limits=limits)
    app.include_router(_patients)
    app.mount(DOCS_ASSETS, StaticFiles(packages=[SWAGGER_PACKAGE]), name="docs-assets")
    app.state.workspace = Workspace.open(live, settings.root, settings.state)
    for router in WORKSPACE_ROUTERS:
        app.include_router(router)
    return app


async def _unreadable(request: Request, exc: Exception) -> Response:
    return unreadable()


async def _unread(request: Request, exc: Exception) -> Response:
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)


def _read(path: str, **route: Any) -> Callable[[_Route], _Route]:
    """GET, documented, and HEAD (same headers, no body) on the same endpoint."""

    def register(endpoint: _Route) -> _Route:
        _patients.get(path, **route)(endpoint)
        _patients.head(path, include_in_schema=False)(endpoint)
        return endpoint

    return register


async def live_site(request: Request) -> LiveSite:
    """The app's `LiveSite` (`app.state.live`)."""
    live: LiveSite = request.app.state.live
    return live


Live = Annotated[LiveSite, Depends(live_site)]


def current_site(live: Live) -> Site:
    """The site in service, read once per request (FastAPI caches a dependency for the
    request), so negotiation and the answer see one state across a reload."""
    return live.site


Now = Annotated[Site, Depends(current_site)]


def read_site(live: Live) -> Site:
    """The site in service for what is made of the tree: 503 until the tree is read."""
    return live.tree_site()


TreeRead = Annotated[Site, Depends(read_site)]


def locales_site(live: Live) -> Site:
    """The site in service for `/v1/locales` (`LiveSite.locales_site`): 503 while its shares are
    the tree's and the tree is not read."""
    return live.locales_site()


LocalesSite = Annotated[Site, Depends(locales_site)]


def static(
    site: Site,
    request: Request,
    body: Body,
    media: str,
    language: str | None = None,
    embeddable: bool = False,
) -> Response:
    """Reviewer-facing pages: revalidated on every load, so a fresh approval shows at once."""
    asked = Asked.of(request.headers)
    return Prepared(answer(site, asked, body.data, body.etag, media, language, 0, embeddable))


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


@_read(
    "/v1/pages",
    response_model=PagesOut,
    responses=NEGOTIATED,
    summary="Pages, titled in the negotiated locale",
)
async def list_pages(request: Request, site: Now, neg: Locale) -> Response:
    return Prepared(pages_list(site, neg, Asked.of(request.headers)))


@_read(
    "/v1/pages/{slug}",
    response_model=PageOut,
    responses=PAGE,
    summary="One page, resolved segment by segment",
)
async def get_page(request: Request, site: Now, slug: str, neg: Locale) -> Response:
    page = await prepared(site, slug, neg)
    return Prepared(page_json(site, page, neg, Asked.of(request.headers)))


@_read(
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


@_read("/v1/locales", response_model=LocalesOut, responses=CACHED, summary="Enabled locales")
async def locales(request: Request, site: LocalesSite) -> Response:
    return Prepared(locales_list(site, Asked.of(request.headers)))


@_read(
    "/v1/coverage",
    response_model=CoverageOut,
    responses=CACHED,
    summary="Coverage per locale and page",
)
async def coverage(request: Request, site: TreeRead) -> Response:
    return static(site, request, site.coverage_json, JSON)


@_read("/coverage", response_class=Response, responses=CACHED, summary="Coverage dashboard (HTML)")
async def coverage_page(request: Request, site: TreeRead) -> Response:
    return static(site, request, site.coverage_html(), HTML, "en")


@_read(
    "/healthz",
    response_model=HealthOut,
    summary="ok, degraded with each load error, or starting (the tree not read yet)",
)
async def health(live: Live) -> Response:
    return Response(live.health(), media_type=JSON, headers={"Cache-Control": "no-store"})


@_read("/", include_in_schema=False)
async def index(request: Request, site: Now) -> Response:
    return static(site, request, site.index_html, HTML, "en", embeddable=True)


@_read(f"/{ASSETS}/{{name:path}}", include_in_schema=False)
async def asset(name: str, site: Now) -> Response:
    """A file named by its content's hash (the stylesheet, a page's image, a stylesheet the
    release's static site links): the name changes when the bytes do, so a browser keeps it
    for a year without asking again."""
    found = (
        assets().get(name)
        or await run_in_threadpool(site.image, name)
        or await run_in_threadpool(release_asset_data, site, name)
    )
    if found is None:
        raise HTTPException(404, detail="no such asset")
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    return Response(found.data, media_type=found.media_type, headers=headers)


@_read("/pages", include_in_schema=False)
async def pages_redirect() -> RedirectResponse:
    return RedirectResponse("/")


@_read("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """Swagger UI, from local files, under a CSP that names its inline script by hash."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title="clinic-l10n API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
    return page
