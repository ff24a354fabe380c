"""`serve --accel-redirect PREFIX`: the patient's HTML pages, fragments, images, the stylesheet
and the files of the release's static site (`files`: `/<locale>/<slug>/`, `/<locale>/`,
`/sitemap.xml`…) answered with `X-Accel-Redirect: PREFIX/ab/cdef…` (the release store's object holding the body)
and the body's headers, but no body: nginx sends the file (`service.release.nginx`).

Only the choice is made here: the route, the query, the locale negotiated, the page or image
found; the status and headers come from the functions every answer comes from (`answers`), so
they are the ones the server alone sends, but for the body. What is not a plain 200 of a release
object (a 304, a bad `?locale=`, an unknown slug or parameter, `fragment=yes`, another route)
goes on to the app behind (`fastpath`, then FastAPI) and is answered as without nginx.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.core.errors import LocaleError
from service.release.live import LiveSite
from service.render.assets import ASSETS, IMMUTABLE, stylesheet
from service.site.prepared import Site
from service.web.answers import HTML, Answer, Asked, answer, find_page, negotiate_request
from service.web.fastpath import Read, query, route
from service.web.files import StaticFile, file_answer, release_asset, static_file

__all__ = ["Accel", "object_path"]

_PAGE_PARAMS = frozenset({"locale", "fragment"})
_FLAGS = {"1": True, "true": True, "0": False, "false": False}  # as `fastpath` takes them
_ASSETS = f"/{ASSETS}/"
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def object_path(prefix: str, sha: str) -> bytes:
    """Where nginx finds an object: the store's own layout below the internal location.

    >>> object_path("/_r/", "ab" + "c" * 62) == b"/_r/ab/" + b"c" * 62
    True
    """
    return f"{prefix}{sha[:2]}/{sha[2:]}".encode("ascii")


class Accel:
    """`Accel(app, live, prefix)`: answers the reads nginx sends files for; the rest goes to `app`."""

    def __init__(self, app: ASGIApp, live: LiveSite, prefix: str) -> None:
        self.app, self.live, self.prefix = app, live, prefix
        sheet = stylesheet()
        # The stylesheet is the code's, not a release's: kept in the store, by its hash, so that
        # nginx finds it where it finds every other file.
        self._sheet = (sheet.name, sheet.media_type, live.store.put(sheet.data))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            found = self.answer(scope)
            if found is not None:
                status, headers, _ = found
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)

    def answer(self, scope: Scope) -> Answer | None:
        """The redirect for this GET or HEAD, or None to let the app behind answer it."""
        path: str = scope["path"]
        if scope.get("root_path"):
            return None
        site = self.live.site  # once: the whole answer comes from one state
        if path.startswith(_ASSETS):
            return self._asset(site, path[len(_ASSETS) :])
        found = route(path)
        if found is None:
            held = static_file(site, path)
            return None if held is None else self._redirect(self._file(site, scope, held), held[1])
        if found[0] is not Read.PAGE_HTML or site.release is None:
            return None
        slug = found[1]
        params = query(scope["query_string"], _PAGE_PARAMS)
        fragment = _FLAGS.get(params.get("fragment", "0")) if params is not None else None
        if params is None or fragment is None:
            return None
        asked = Asked.of_raw(scope["headers"])
        try:
            neg = negotiate_request(params.get("locale"), asked.accept_language, site.negotiator)
        except LocaleError:
            return None
        page = find_page(site, slug, neg.locale)
        version = site.release.pages.get(slug, {}).get(neg.locale)
        if page is None or version is None:
            return None
        body, sha = (page.fragment, version.fragment) if fragment else (page.html, version.html)
        made = answer(site, asked, b"", body.etag, HTML, page.language, site.settings.max_age)
        return self._redirect(made, sha)

    def _asset(self, site: Site, name: str) -> Answer | None:
        """The stylesheet or an image a published page shows, with `/assets/`'s headers."""
        image = site.images.get(name)
        if name == self._sheet[0]:
            media, sha = self._sheet[1], self._sheet[2]
        elif image is not None and image.data.pack == "release":
            media, sha = image.media_type, image.data.sha256
        elif (held := release_asset(site, name)) is not None:  # the static site's stylesheet
            media, sha = held[2], held[1]
        else:
            return None
        headers = [
            (b"cache-control", IMMUTABLE.encode("latin-1")),
            _NOSNIFF,
            (b"content-length", b"0"),
            (b"content-type", media.encode("latin-1")),
        ]
        return self._redirect(Answer(200, headers, ()), sha)

    def _file(self, site: Site, scope: Scope, held: StaticFile) -> Answer:
        """A file of the release's static site (`files`), with the headers the server sends."""
        return file_answer(site, Asked.of_raw(scope["headers"]), held, None)

    def _redirect(self, made: Answer, sha: str) -> Answer | None:
        if made.status != 200:
            return None  # a 304: the app behind answers it, as it would without nginx
        made.headers.append((b"x-accel-redirect", object_path(self.prefix, sha)))
        return made
