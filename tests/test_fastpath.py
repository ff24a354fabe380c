"""The fast path (service/web/fastpath.py) answers exactly as the FastAPI routes behind it would: for
every request of the table, the served app and FastAPI alone give the same status, the same
headers in the same order and the same body; and the table says which requests the fast path
answers itself, so a fast path that quietly passed everything on would fail here too."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.release.live import LiveSite
from service.site.bodies import Made
from service.site.prepared import Settings
from service.web.api import create_app
from service.web.fastpath import FastPath

from .conftest import FIXTURE_TREE
from .test_reload import CHANGES

Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Any, Any], Awaitable[None]]

PAGE = "/v1/pages/saline-spray"
HTML = "/pages/saline-spray"
ALLOWED = "https://clinic.example"
MANY_RANGES = ",".join(f"qaa-v{i:05d};q=0.9" for i in range(16_000))


class Behind:
    """FastAPI behind the fast path, noting each HTTP request that reaches it."""

    def __init__(self, api: FastAPI):
        self.api, self.reached = api, list[str]()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.reached.append(scope["path"])
        await self.api(scope, receive, send)


class Pair:
    """One app on one tree, spoken to twice: as served (fast path in front) and FastAPI alone."""

    def __init__(self, root: Path):
        api = create_app(Settings(root=root))
        self.fast = FastPath(api)
        self.behind = Behind(api)
        self.fast.api = self.behind  # type: ignore[assignment]
        self.served, self.alone = TestClient(self.fast), TestClient(api)

    @property
    def live(self) -> LiveSite:
        return self.fast.live


def _tree(tmp: Path, cors: bool) -> Path:
    root = tmp / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md"))
    if cors:
        with (root / "l10n.yaml").open("a", encoding="utf-8") as fh:
            fh.write(f"cors_origins: [{ALLOWED}, http://localhost:3000]\n")
    return root


@pytest.fixture(scope="module", params=["no cors_origins", "cors_origins"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Pair:
    return Pair(_tree(tmp_path_factory.mktemp("fastpath"), request.param == "cors_origins"))


FAST, PASSED = True, False
# (method, URL, headers, answered by the fast path). In If-None-Match, {etag} is the ETag the same
# request gets without it, {etag_es} that of the page in Spanish.
Case = tuple[str, str, list[tuple[str, str]], bool]
CASES: dict[str, Case] = {
    # each route, GET and HEAD
    **{
        f"{method} {url}": (method, url, [], FAST)
        for method in ("GET", "HEAD")
        for url in (PAGE, HTML, "/v1/pages", "/v1/locales", "/v1/pages/after-your-visit")
    },
    # ?locale=: good, aliased, extended, unknown, malformed, over-long
    "locale es": ("GET", f"{PAGE}?locale=es", [], FAST),
    "locale pt-br": ("GET", f"{PAGE}?locale=pt-br", [], FAST),
    "locale PT_br": ("GET", f"{PAGE}?locale=PT_br", [], FAST),
    "locale percent-encoded": ("GET", f"{PAGE}?locale=pt%2DBR", [], FAST),
    "locale fr: English": ("GET", f"{PAGE}?locale=fr", [], FAST),
    "locale extension": ("GET", f"{PAGE}?locale=es-MX-u-nu-latn", [], FAST),
    "locale private use": ("GET", f"{PAGE}?locale=zh-Hant-TW-x-private", [], FAST),
    "locale grandfathered": ("GET", f"{PAGE}?locale=i-klingon", [], FAST),
    "locale alias": ("GET", f"{PAGE}?locale=iw-IL", [], FAST),
    "locale 59 characters": ("GET", f"{PAGE}?locale=es-MX-" + "-".join(["abcdefgh"] * 6), [], FAST),
    "locale wins over header": ("GET", f"{PAGE}?locale=es", [("Accept-Language", "ar")], FAST),
    "locale on the list": ("GET", "/v1/pages?locale=pt", [], FAST),
    "locale on HTML": ("GET", f"{HTML}?locale=ar", [], FAST),
    "HEAD with locale": ("HEAD", f"{PAGE}?locale=ar", [], FAST),
    "locale malformed": ("GET", f"{PAGE}?locale=e$", [], PASSED),
    "locale with a space": ("GET", f"{PAGE}?locale=pt+BR", [], PASSED),
    "locale empty": ("GET", f"{PAGE}?locale=", [], PASSED),
    "locale 65 characters": ("GET", f"{PAGE}?locale=es-" + "a" * 62, [], PASSED),
    "locale 60 KB": ("GET", f"{PAGE}?locale=" + "x" * 60_000, [], PASSED),
    "locale malformed, list": ("GET", "/v1/pages?locale=english", [], PASSED),
    "locale malformed, HTML": ("HEAD", f"{HTML}?locale=es--MX", [], PASSED),
    # Accept-Language
    **{
        f"Accept-Language {header[:40]!r}": ("GET", url, [("Accept-Language", header)], FAST)
        for url in (PAGE, "/v1/pages")
        for header in (
            "es-MX,es;q=0.9",
            "ar;q=0.5, pt;q=0.9",
            "pt-PT",
            "PT_br",
            "zh-CN",
            "zh-Hant-TW",
            "es-MX-u-nu-latn, ar;q=0.5",
            "x-whatever, i-klingon, pt;q=0.1",
            "*",
            "fr, *;q=0.1",
            "es;q=0",
            "es;q=abc, ar",
            "!!, garbage;;",
            "",
            "es-" + "a" * 70,
            "fr," * 31 + "es",
            "fr," * 32 + "es",
            "z" * 4_084 + ",ar;q=0.1,pt-BR",
            MANY_RANGES,
        )
    },
    "two Accept-Language headers": (
        "GET",
        PAGE,
        [("Accept-Language", "es"), ("Accept-Language", "ar")],
        FAST,
    ),
    # If-None-Match
    **{
        f"If-None-Match {inm!r} {url}": ("GET", url, [("If-None-Match", inm)], FAST)
        for url in (f"{PAGE}?locale=ar", f"{HTML}?locale=ar", "/v1/pages", "/v1/locales")
        for inm in ("{etag}", "W/{etag}", '"other", W/{etag}', "*", '"other"', ",", "")
    },
    "If-None-Match stale": ("GET", f"{PAGE}?locale=ar", [("If-None-Match", "{etag_es}")], FAST),
    "If-None-Match 20 KB": ("GET", PAGE, [("If-None-Match", '"' + "x" * 20_000 + '"')], FAST),
    "HEAD If-None-Match": ("HEAD", f"{HTML}?locale=es", [("If-None-Match", "{etag}")], FAST),
    # Origin
    **{
        f"Origin {origin} {url}": ("GET", url, [("Origin", origin)], FAST)
        for url in (PAGE, HTML, "/v1/pages", "/v1/locales")
        for origin in (
            ALLOWED,
            "http://localhost:3000",
            "https://evil.example",
            "http://clinic.example",
        )
    },
    "Origin and If-None-Match": (
        "GET",
        PAGE,
        [("Origin", ALLOWED), ("If-None-Match", "W/{etag}")],
        FAST,
    ),
    # ?fragment=
    **{
        f"fragment {value!r}": ("GET", f"{HTML}?fragment={value}", [], FAST)
        for value in ("1", "true", "0", "false")
    },
    "fragment and locale": ("GET", f"{HTML}?locale=ar&fragment=1", [], FAST),
    **{
        f"fragment {value!r}, to FastAPI": ("GET", f"{HTML}?fragment={value}", [], PASSED)
        for value in ("yes", "TRUE", "on", "garbage", "", "2")
    },
    "fragment on the JSON route": ("GET", f"{PAGE}?fragment=1", [], PASSED),
    # slugs
    "slug percent-encoded": ("GET", "/v1/pages/saline%2Dspray", [], FAST),
    **{
        f"slug {slug[:20]!r} {prefix}": ("GET", prefix + slug, [], PASSED)
        for prefix in ("/v1/pages/", "/pages/")
        for slug in ("nope", "SALINE-SPRAY", "ui", "saline-spray.md", "s" * 129, "s" * 60_000)
    },
    "slug with a slash": ("GET", "/v1/pages/..%2Fl10n.yaml", [], PASSED),
    "trailing slash": ("GET", "/v1/pages/", [], PASSED),
    "trailing slash after a slug": ("GET", f"{PAGE}/", [], PASSED),
    # query parameters the routes do not declare, or repeated
    "unknown parameter": ("GET", f"{PAGE}?foo=1", [], PASSED),
    "unknown and known": ("GET", f"{PAGE}?locale=es&foo=1", [], PASSED),
    "repeated locale": ("GET", f"{PAGE}?locale=es&locale=ar", [], PASSED),
    "locale on /v1/locales": ("GET", "/v1/locales?locale=es", [], PASSED),
    # other methods and routes
    **{f"{method} {PAGE}": (method, PAGE, [], PASSED) for method in ("POST", "PUT", "OPTIONS")},
    **{
        f"GET {url}": ("GET", url, [], PASSED)
        for url in (
            "/healthz",
            "/v1/coverage",
            "/coverage",
            "/",
            "/pages",
            "/docs",
            "/openapi.json",
        )
    },
}


# A read is kept the second time it is asked for: the third is answered from what was kept, the
# fourth from the request's spelling (`_Spelling`).
ASKED = 4


def _etag(client: TestClient, url: str, headers: list[tuple[str, str]]) -> str:
    plain = [(k, v) for k, v in headers if k != "If-None-Match"]
    return str(client.get(url, headers=plain).headers["etag"])


@pytest.mark.parametrize(("method", "url", "headers", "fast"), CASES.values(), ids=CASES.keys())
def test_the_served_app_answers_as_fastapi_alone(
    pair: Pair, method: str, url: str, headers: list[tuple[str, str]], fast: bool
) -> None:
    if any("{" in v for _, v in headers):
        values = {
            "etag": _etag(pair.alone, url, headers),
            "etag_es": _etag(pair.alone, f"{PAGE}?locale=es", []),
        }
        headers = [(k, v.format(**values)) for k, v in headers]
    alone = pair.alone.request(method, url, headers=headers, follow_redirects=False)
    for asked in range(1, ASKED + 1):  # the last two from what the fast path keeps
        pair.behind.reached.clear()
        served = pair.served.request(method, url, headers=headers, follow_redirects=False)
        assert served.status_code == alone.status_code, asked
        assert served.headers.multi_items() == alone.headers.multi_items(), asked
        assert served.content == alone.content, asked
        assert pair.behind.reached == ([] if fast else [served.request.url.path]), (
            "answered by the fast path" if fast else "passed to FastAPI",
            asked,
        )


def test_the_table_covers_every_status_of_the_page_routes(pair: Pair) -> None:
    """200, 304, 400, 404, 405, 422 and a redirect all occur, so the cases above reach each."""
    statuses = set()
    for method, url, headers, _ in CASES.values():
        if "{" not in str(headers):
            statuses.add(
                pair.alone.request(method, url, headers=headers, follow_redirects=False).status_code
            )
    assert {200, 304, 400, 404, 405, 422, 307} <= statuses


def test_after_a_reload_the_fast_path_serves_the_new_state(tmp_path: Path) -> None:
    """After each change of test_reload's table and `live.reload()`, every page in every locale
    (JSON, HTML, fragment) and the list are answered by the fast path, exactly as FastAPI alone
    answers on a site built from scratch on the same files: the first time, and from the
    answers it keeps, until the next reload."""
    pair = Pair(_tree(tmp_path, cors=False))
    page = f"{PAGE}?locale=es"
    before = pair.served.get(page).content
    for name, change in CHANGES:
        change(pair.live.settings.root)
        assert pair.live.reload(), name
        fresh = TestClient(create_app(Settings(root=pair.live.settings.root)))
        site = pair.live.site
        urls = [f"/v1/pages?locale={loc}" for loc in site.config.all_locales]
        for slug, loc in site.pages:
            urls += [
                f"/v1/pages/{slug}?locale={loc}",
                f"/pages/{slug}?locale={loc}",
                f"/pages/{slug}?locale={loc}&fragment=1",
            ]
        pair.behind.reached.clear()
        for url in urls:
            expected = fresh.get(url)
            # Kept by the third time, spelled by the fourth: the next reload must drop both.
            for _ in range(ASKED):
                served = pair.served.get(url)
                assert (served.status_code, served.content) == (200, expected.content), (name, url)
                assert served.headers.multi_items() == expected.headers.multi_items(), (name, url)
        assert pair.behind.reached == [], name
    assert pair.served.get(page).content != before  # the es msgstr edited first is served


async def _call(app: ASGI, target: str) -> tuple[int, bytes]:
    """One GET through the app's ASGI interface, in this event loop."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"clinic.test")],
        "client": ("127.0.0.1", 1),
        "server": ("clinic.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize("front", ["fast path", "FastAPI alone"])
@pytest.mark.parametrize("target", [f"{PAGE}?locale=es", f"{HTML}?locale=es&fragment=1"])
def test_a_page_is_rendered_off_the_event_loop(tmp_path: Path, front: str, target: str) -> None:
    """A page's bodies are made when it is first asked for; while they are (here: held until
    /healthz has been answered), the server goes on answering other requests."""
    import asyncio
    import threading

    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", ".build-cache"))
    api = create_app(Settings(root=root, cache=tmp_path / "cache"))
    app: ASGI = FastPath(api) if front == "fast path" else api
    made = api.state.live.site.pages[("saline-spray", "es")].made
    assert made is not None and not made.ready
    gate, make = threading.Event(), made._make

    def slow() -> Any:
        assert gate.wait(10), "the event loop waited on the rendering"
        return make()

    made._make = slow

    async def scenario() -> None:
        page = asyncio.create_task(_call(app, target))
        status, _ = await asyncio.wait_for(_call(app, "/healthz"), 5)
        assert status == 200 and not page.done()
        gate.set()
        status, body = await asyncio.wait_for(page, 10)
        assert status == 200 and b"Nasolin" in body and made.ready

    asyncio.run(scenario())


def _ask(fast: FastPath, scope: Scope) -> Any:
    """`fast.answer`, the page made first if it is not yet (as `__call__` does, off the loop)."""
    found = fast.answer(scope)
    while isinstance(found, Made):
        found.make()
        found = fast.answer(scope)
    return found


def _scope(path: str, accept_language: str) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"clinic.test"), (b"accept-language", accept_language.encode())],
    }


def test_answers_are_kept_from_the_second_time_and_never_past_the_bound(tmp_path: Path) -> None:
    """A read asked once is not kept, asked twice it is (the third answer is the second's),
    and however many distinct reads come, at most _MAX_ANSWERS are kept, each holding the
    page's own bytes rather than a copy."""
    from service.web.fastpath import _MAX_ANSWERS

    fast = Pair(_tree(tmp_path, cors=False)).fast
    spanish = _scope(PAGE, "es-MX,es;q=0.9")
    first, second, third = (_ask(fast, spanish) for _ in range(3))
    assert first is not second and second is third
    distinct = _MAX_ANSWERS + 300
    for n in range(distinct):  # each a tag of its own: its own answer
        for _ in range(2):
            answered = _ask(fast, _scope(PAGE, f"es-x-n{n:05d}, ar;q=0.{n % 9 + 1}"))
            assert answered is not None and answered[0] == 200
    assert 0 < len(fast._answered) <= _MAX_ANSWERS
    assert 0 < len(fast._asked_once) <= _MAX_ANSWERS
    # Each kept answer echoes its own tag, but holds the page's own bytes around it, not a copy.
    heads = {id(kept.body[0]) for kept in fast._answered.values() if len(kept.body) == 3}
    assert len(heads) == 1


def test_the_answers_kept_hold_at_most_max_bodies_bytes_of_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many pages and locales are asked for, the bodies the answers kept hold (those of
    different objects, counted once) come to at most _MAX_BODIES bytes; reaching it, the
    answers are dropped and kept again from the next."""
    import service.web.fastpath as fastpath

    fast = Pair(_tree(tmp_path, cors=False)).fast
    scopes = [
        _scope(path, locale)
        for path in (PAGE, HTML, "/v1/pages/after-your-visit", "/pages/after-your-visit")
        for locale in ("es", "ar", "pt-BR", "en")
    ]
    largest = max(sum(map(len, _ask(fast, scope).body)) for scope in scopes)
    monkeypatch.setattr(fastpath, "_MAX_BODIES", 3 * largest)
    fast._drop()
    most = 0
    for scope in scopes * 2:
        for _ in range(2):
            assert _ask(fast, scope).status == 200
        held = {id(kept.body[0]): sum(map(len, kept.body)) for kept in fast._answered.values()}
        assert 0 < sum(held.values()) <= 3 * largest, held
        most = max(most, len(fast._answered))
    assert most >= 3


def test_a_spelling_answers_only_the_same_read_with_nothing_more(pair: Pair) -> None:
    """Once a read is answered from its spelling (path, query, Accept-Language as sent), the same
    spelling with If-None-Match, with Origin, or below a root path is not answered from it but
    as FastAPI alone answers it (a 304, the CORS header, FastAPI's own routing), and another
    Accept-Language is negotiated as such."""
    url, spanish = f"{PAGE}?locale=pt-br", [("Accept-Language", "es-MX")]
    for _ in range(ASKED):
        pair.served.get(url, headers=spanish)
    spelled = pair.fast._spelled
    assert (PAGE, b"locale=pt-br", b"es-MX") in spelled
    etag = pair.alone.get(url, headers=spanish).headers["etag"]
    for extra in ([("If-None-Match", etag)], [("Origin", ALLOWED)], [("Accept-Language", "ar")]):
        headers = spanish + extra if extra[0][0] != "Accept-Language" else extra
        alone = pair.alone.get(url, headers=headers)
        served = pair.served.get(url, headers=headers)
        assert (served.status_code, served.content) == (alone.status_code, alone.content), extra
        assert served.headers.multi_items() == alone.headers.multi_items(), extra
    scope = _scope(PAGE, "es-MX") | {"query_string": b"locale=pt-br", "root_path": "/mounted"}
    assert pair.fast.answer(scope) is None


def test_spellings_are_held_within_their_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many spellings of kept reads come (here each its own Accept-Language, all
    negotiating Spanish), the bytes counted for those held stay within _MAX_SPELLED, and each
    is answered as FastAPI alone answers it."""
    import service.web.fastpath as fastpath

    monkeypatch.setattr(fastpath, "_MAX_SPELLED", 64 * 1024)
    pair = Pair(_tree(tmp_path, cors=False))
    most = 0
    for n in range(600):
        header = f"es-MX, es;q=0.{n % 9 + 1}, fr-x-n{n:04d};q=0.1"
        for _ in range(ASKED):
            answered = _ask(pair.fast, _scope(PAGE, header))
        counted = sum(
            len(path) + len(raw) + len(accept or b"") + fastpath._SPELLED_ENTRY
            for path, raw, accept in pair.fast._spelled
        )
        assert counted == pair.fast._spelled_bytes <= 64 * 1024
        most = max(most, len(pair.fast._spelled))
        if n % 97 == 0:
            alone = pair.alone.get(PAGE, headers={"Accept-Language": header})
            assert b"".join(answered.body) == alone.content
    assert most > 100
