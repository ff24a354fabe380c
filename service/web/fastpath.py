"""The page reads at the server's limit: an ASGI app in front of the FastAPI app (`api`) that
answers GET and HEAD of the read routes patients' pages hit — `/v1/pages/{slug}`, `/pages/{slug}`,
`/v1/pages`, `/v1/locales` — and of the files of the release's static site (`files`), and passes
every other request to FastAPI unchanged.

FastAPI's routing, dependency solving and validation cost several times what the answer itself
does (benchmarks/serve.py). Here a read costs a path test, a query split, a cached negotiation and
a dict lookup (of the answer itself, when the same read was asked before; a request spelled as one
answered so before costs a pass over its headers and one lookup), and the response comes
from the very functions the routes call (`answers`), so it is the same status, headers and body.
What this layer does not fully understand — another method, an unknown or repeated query
parameter, a `fragment` other than 1/0/true/false, a bad `?locale=`, an unknown slug — goes to
FastAPI, which stays the authority on validation and errors, OpenAPI and /docs.
"""

from __future__ import annotations

import asyncio
from enum import Enum
from functools import partial
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from service.core.errors import LocaleError
from service.core.negotiation import Negotiated
from service.release.live import LiveSite, TreeUnread
from service.release.store import ReleaseError
from service.site.bodies import Made
from service.site.prepared import Site
from service.web.answers import (
    Answer,
    Asked,
    find_page,
    locales_list,
    negotiate_request,
    page_html,
    page_json,
    pages_list,
    unreadable,
)
from service.web.files import file_answer, read_file, static_file

__all__ = ["FastPath"]


class Read(Enum):
    """The routes answered here."""

    PAGE = "/v1/pages/{slug}"
    PAGE_HTML = "/pages/{slug}"
    PAGES = "/v1/pages"
    LOCALES = "/v1/locales"


# The query parameters each route declares; a request with any other goes to FastAPI.
_PARAMS = {
    Read.PAGE: frozenset({"locale"}),
    Read.PAGE_HTML: frozenset({"locale", "fragment"}),
    Read.PAGES: frozenset({"locale"}),
    Read.LOCALES: frozenset[str](),
}
_METHODS = frozenset({"GET", "HEAD"})
_NONE: dict[str, str] = {}  # no query string: no parameters (never written to)
# Answers kept (`FastPath.answer`), by path, query string (at most _KEPT_QUERY bytes) and the
# locale negotiated: at most _MAX_ANSWERS (each about 1.5 KB besides its body). An answer's body is
# the page's own bytes, in pieces around the tag a JSON page echoes (`JsonBody.pieces`): the
# answers of one page in one locale share them, and those kept hold at most _MAX_BODIES bytes of
# bodies between them, so that answers kept for many pages do not hold every page in memory.
_MAX_ANSWERS = 4096
_MAX_BODIES = 32 * 1024 * 1024
_KEPT_QUERY = 128
_Key = tuple[str, bytes, Negotiated]
# A read as the request spells it: path, query string and its first Accept-Language as sent (None
# without one). Those that were answered from a kept answer map to it, so the same spelling is
# answered without reading its route, query or headers again, nor negotiating: at most
# _MAX_SPELLED bytes, each counted as its path, query and header and _SPELLED_ENTRY for the rest.
_Spelling = tuple[str, bytes, bytes | None]
_MAX_SPELLED = 4 * 1024 * 1024
_SPELLED_ENTRY = 300
# The spellings of `fragment` taken here; pydantic takes more (`yes`, `on`…), and FastAPI decides.
_FLAGS = {"1": True, "true": True, "0": False, "false": False}


def route(path: str) -> tuple[Read, str] | None:
    """Which read a path is, and its slug, as Starlette matches `{slug}` (`[^/]+`).

    >>> route("/v1/pages/saline-spray"), route("/pages/a/b"), route("/v1/pages/")
    ((<Read.PAGE: '/v1/pages/{slug}'>, 'saline-spray'), None, None)
    """
    if path.startswith("/v1/pages/"):
        read, slug = Read.PAGE, path[10:]
    elif path.startswith("/pages/"):
        read, slug = Read.PAGE_HTML, path[7:]
    elif path == "/v1/pages":
        return Read.PAGES, ""
    elif path == "/v1/locales":
        return Read.LOCALES, ""
    else:
        return None
    return (read, slug) if slug and "/" not in slug else None


def query(raw: bytes, known: frozenset[str]) -> dict[str, str] | None:
    """The query parameters as Starlette reads them, or None when one is unknown or repeated.

    >>> query(b"locale=pt-BR&fragment=1", frozenset({"locale", "fragment"}))
    {'locale': 'pt-BR', 'fragment': '1'}
    >>> query(b"locale=es&locale=ar", frozenset({"locale"})), query(b"x=1", frozenset({"locale"}))
    (None, None)
    """
    if not raw:
        return {}
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    if len(params) < len(pairs) or not params.keys() <= known:
        return None
    return params


class FastPath:
    """`FastPath(create_app(settings))`: what `clinic-l10n serve` runs."""

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self.live: LiveSite = api.state.live
        # The answers kept (`answer`), for the site in service (`_site`): dropped at once when
        # another site is swapped in.
        self._site: Site | None = None
        self._answered: dict[_Key, Answer] = {}
        self._asked_once: dict[_Key, None] = {}
        # The bodies the answers kept hold, by their first piece (held here, so its id stays its).
        self._bodies: dict[int, bytes] = {}
        self._body_bytes = 0
        self._spelled: dict[_Spelling, Answer] = {}
        self._spelled_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _METHODS:
            try:
                found = self.answer(scope)
                while isinstance(found, Made):  # a page not rendered yet: rendered off the loop
                    await asyncio.get_running_loop().run_in_executor(None, found.make)
                    found = self.answer(scope)  # from the state in service now, whole
            except ReleaseError:  # a file of the release unreadable or altered: never sent
                await unreadable()(scope, receive, send)
                return
            if found is not None:
                status, headers, pieces = found
                await send({"type": "http.response.start", "status": status, "headers": headers})
                # One body message, not one per piece: each message is another pass through the
                # server's send (its checks and write). The answers kept hold the pieces (a
                # page's own bytes around its tag), not a joined copy of each.
                body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
                await send({"type": "http.response.body", "body": body})
                return
        await self.api(scope, receive, send)

    def answer(self, scope: Scope) -> Answer | Made | None:
        """FastAPI's response to this GET or HEAD, or None to let FastAPI give it; the page's
        `Made` when its bodies are still to be made (rendering is not done on the event loop).

        A read without If-None-Match or Origin depends only on its path, query and the locale
        it negotiates (the tag asked for and the locale serving it), however the header spells
        them: the answer to one asked for a second time is kept, and the next such read is
        answered from it, without finding or rendering the page. At most _MAX_ANSWERS answers,
        holding at most _MAX_BODIES bytes of bodies; past either, they are dropped at once. A
        request spelled as one answered from them before (`_Spelling`) is answered first."""
        spelling = _spelling(scope)
        if spelling is not None and self.live.site is self._site:
            kept = self._spelled.get(spelling)
            if kept is not None:
                return kept
        if scope.get("root_path"):
            return None
        found = route(scope["path"])
        if found is None:
            return _file(self.live.site, scope)
        read, slug = found
        raw = scope["query_string"]
        params = query(raw, _PARAMS[read]) if raw else _NONE
        if params is None:
            return None
        asked = Asked.of_raw(scope["headers"])
        if read is Read.LOCALES:
            try:
                return locales_list(self.live.locales_site(), asked)
            except TreeUnread:  # the tree's shares, not read yet: the app's 503
                return None
        site = self.live.site  # once: the whole answer comes from one state
        try:
            neg = negotiate_request(params.get("locale"), asked.accept_language, site.negotiator)
        except LocaleError:
            return None
        key = None
        if not asked.if_none_match and asked.origin is None and len(raw) <= _KEPT_QUERY:
            if site is not self._site:
                self._site, self._asked_once = site, {}
                self._drop()
            key = (scope["path"], raw, neg)
            kept = self._answered.get(key)
            if kept is not None:
                if spelling is not None:
                    self._spell(spelling, kept)
                return kept
        made = _read(site, read, slug, params, neg, asked)
        if key is not None and isinstance(made, Answer):
            self._keep(key, made)
        return made

    def _keep(self, key: _Key, made: Answer) -> None:
        """Keep an answer asked for the second time: one asked once (in a mix of thousands of
        tags) does not push out those asked again and again."""
        if key not in self._asked_once:
            if len(self._asked_once) >= _MAX_ANSWERS:
                self._asked_once.clear()
            self._asked_once[key] = None
            return
        first = made.body[0] if made.body else b""
        size = 0 if id(first) in self._bodies else sum(map(len, made.body))
        if len(self._answered) >= _MAX_ANSWERS or self._body_bytes + size > _MAX_BODIES:
            self._drop()  # at once: cheaper than evicting one at a time under a mix
            size = sum(map(len, made.body))
        self._bodies[id(first)] = first
        self._body_bytes += size
        self._answered[key] = made

    def _spell(self, spelling: _Spelling, kept: Answer) -> None:
        path, raw, accept = spelling
        size = len(path) + len(raw) + (len(accept) if accept is not None else 0) + _SPELLED_ENTRY
        if self._spelled_bytes + size > _MAX_SPELLED:
            self._spelled, self._spelled_bytes = {}, 0
        self._spelled_bytes += size
        self._spelled[spelling] = kept

    def _drop(self) -> None:
        """Drop every answer kept, and the spellings answered from them."""
        self._answered, self._bodies, self._body_bytes = {}, {}, 0
        self._spelled, self._spelled_bytes = {}, 0


def _spelling(scope: Scope) -> _Spelling | None:
    """The request's `_Spelling`, or None for one whose answer depends on more than that: with
    If-None-Match or Origin, or below a root path.

    >>> _spelling({"path": "/v1/pages/a", "query_string": b"", "root_path": "",
    ...            "headers": [(b"accept-language", b"es"), (b"accept-language", b"ar")]})
    ('/v1/pages/a', b'', b'es')
    >>> _spelling({"path": "/v1/pages/a", "query_string": b"", "root_path": "",
    ...            "headers": [(b"if-none-match", b'"x"')]}) is None
    True
    """
    accept = None
    for name, value in scope["headers"]:
        if name == b"accept-language":
            if accept is None:
                accept = value
        elif name == b"if-none-match" or name == b"origin":
            return None
    if scope.get("root_path"):
        return None
    return scope["path"], scope["query_string"], accept


def _file(site: Site, scope: Scope) -> Answer | None:
    """A file of the release's static site (`files`); its query string, as a static server
    does, ignored."""
    found = static_file(site, scope["path"])
    if found is None:
        return None
    return file_answer(site, Asked.of_raw(scope["headers"]), found, partial(read_file, site, found))


def _read(
    site: Site, read: Read, slug: str, params: dict[str, str], neg: Negotiated, asked: Asked
) -> Answer | Made | None:
    if read is Read.PAGES:
        return pages_list(site, neg, asked)
    page = find_page(site, slug, neg.locale)
    if page is None:
        return None
    if page.made is not None and not page.made.ready:
        return page.made
    if read is Read.PAGE:
        return page_json(site, page, neg, asked)
    fragment = _FLAGS.get(params.get("fragment", "0"))
    return None if fragment is None else page_html(site, page, fragment, asked)
