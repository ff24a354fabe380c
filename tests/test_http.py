"""HTTP as clients and proxies expect it (HEAD, CORS, weak ETags, extended language tags, OpenAPI,
offline /docs), and bounds that keep any one request, or any one slow client, from stalling the
server: through the app on tests/data/tree, and a real server on loopback for the connections."""

from __future__ import annotations

import asyncio
import re
import socket
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import serving

PAGE = "/v1/pages/saline-spray"
READ_ROUTES = [
    "/v1/pages",
    PAGE,
    "/pages/saline-spray",
    "/v1/locales",
    "/v1/coverage",
    "/coverage",
    "/healthz",
    "/",
    "/docs",
    "/openapi.json",
]
# The saline-spray page in tests/data/tree: its ETag is "<digest of the page>-<requested tag>".
ETAG = re.compile(r'^"[0-9a-f]{20}-[A-Za-z0-9-]{1,64}"$')


@pytest.mark.parametrize("path", READ_ROUTES)
def test_head_answers_every_read_route_with_gets_headers_and_no_body(
    fixture_client: TestClient, path: str
) -> None:
    got = fixture_client.get(path, headers={"Accept-Language": "es"})
    head = fixture_client.head(path, headers={"Accept-Language": "es"})
    assert (got.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    same = ("content-type", "content-length", "etag", "vary", "content-language", "cache-control")
    assert {k: head.headers.get(k) for k in same} == {k: got.headers.get(k) for k in same}
    assert int(head.headers["content-length"]) == len(got.content) > 0


@pytest.fixture
def cors_client(fixture_tree: Path, client_for: Callable[[Path], TestClient]) -> TestClient:
    with (fixture_tree / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write("cors_origins: [https://clinic.example, http://localhost:3000]\n")
    return client_for(fixture_tree)


@pytest.mark.parametrize(
    ("configured", "origin", "allow", "vary"),
    [
        (False, None, None, "Accept-Language"),
        (False, "https://clinic.example", None, "Accept-Language"),  # none by default
        (True, "https://clinic.example", "https://clinic.example", "Accept-Language, Origin"),
        (True, "http://localhost:3000", "http://localhost:3000", "Accept-Language, Origin"),
        (True, "https://evil.example", None, "Accept-Language, Origin"),
        (True, "https://clinic.example.evil", None, "Accept-Language, Origin"),
        (True, "http://clinic.example", None, "Accept-Language, Origin"),  # scheme counts
        (True, None, None, "Accept-Language, Origin"),  # caches must still key on Origin
    ],
)
@pytest.mark.parametrize("path", [PAGE, "/pages/saline-spray", "/v1/pages", "/v1/locales"])
def test_cors_only_for_configured_origins(
    request: pytest.FixtureRequest,
    path: str,
    configured: bool,
    origin: str | None,
    allow: str | None,
    vary: str,
) -> None:
    client: TestClient = request.getfixturevalue("cors_client" if configured else "fixture_client")
    response = client.get(path, headers={"Origin": origin} if origin else {})
    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == allow
    assert response.headers["vary"] == vary


@pytest.mark.parametrize("key", ["cors_origins", "embed_origins"])
@pytest.mark.parametrize(
    "bad", ["*", "https://clinic.example/", "clinic.example", "https://Clinic.example", "[x]"]
)
def test_cors_origins_that_are_not_origins_are_a_config_error(
    fixture_tree: Path, bad: str, key: str
) -> None:
    with (fixture_tree / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"{key}: ['{bad}']\n")
    from service.core.config import load_config
    from service.core.errors import ConfigError

    with pytest.raises(ConfigError, match=f": {key}: .* is not an origin"):
        load_config(fixture_tree)


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ("W/{etag}", 304),  # what nginx's gzip sends back: compared weakly
        ('"other", W/{etag}', 304),
        ('W/"other",{etag}', 304),
        ("*", 304),
        ('"other"', 200),
        ('W/"other"', 200),
        ("{etag_es}", 200),  # the Spanish page's tag does not revalidate the Arabic one
        ("", 200),
        (",", 200),
        ('"' + "x" * 20_000 + '"', 200),
    ],
)
def test_if_none_match_is_compared_weakly(
    fixture_client: TestClient, if_none_match: str, status: int
) -> None:
    etag = fixture_client.get(PAGE, params={"locale": "ar"}).headers["etag"]
    etag_es = fixture_client.get(PAGE, params={"locale": "es"}).headers["etag"]
    header = if_none_match.format(etag=etag, etag_es=etag_es)
    got = fixture_client.get(PAGE, params={"locale": "ar"}, headers={"If-None-Match": header})
    assert got.status_code == status
    assert got.headers["etag"] == etag
    if status == 304:
        assert got.content == b""


@pytest.mark.parametrize(
    ("params", "headers", "requested", "served"),
    [
        ({"locale": "es-MX-u-nu-latn"}, {}, "es-MX-u-nu-latn", "es"),  # extension dropped
        ({"locale": "es-mx-U-NU-LATN"}, {}, "es-MX-u-nu-latn", "es"),
        ({"locale": "pt-BR-x-clinic"}, {}, "pt-BR-x-clinic", "pt-BR"),  # private use dropped
        ({"locale": "ar-u-ca-islamic-x-private"}, {}, "ar-u-ca-islamic-x-private", "ar"),
        ({"locale": "i-klingon"}, {}, "i-klingon", "en"),  # grandfathered: English, not 400
        ({"locale": "x-whatever"}, {}, "x-whatever", "en"),  # private use only: English
        ({"locale": "zh-Hant-TW-x-private"}, {}, "zh-Hant-TW-x-private", "en"),  # no zh here
        ({}, {"Accept-Language": "es-MX-u-nu-latn, ar;q=0.5"}, "es-MX-u-nu-latn", "es"),
        ({}, {"Accept-Language": "x-whatever, i-klingon, pt;q=0.1"}, "x-whatever", "pt"),
    ],
)
def test_extended_tags_are_looked_up_without_their_extensions(
    fixture_client: TestClient,
    params: dict[str, str],
    headers: dict[str, str],
    requested: str,
    served: str,
) -> None:
    got = fixture_client.get(PAGE, params=params, headers=headers)
    assert got.status_code == 200
    body = got.json()
    assert (body["requested_locale"], body["target_locale"]) == (requested, served)
    assert got.headers["content-language"] == served
    assert got.headers["etag"].endswith(f'-{requested}"')


LONG_LOCALE = "es" + "-abcdefgh" * 6_000  # 54 KB, each subtag well-formed
MANY_RANGES = ",".join(f"qaa-v{i:05d};q=0.9" for i in range(16_000))  # 256 KB, none matching


@pytest.mark.parametrize(
    ("params", "headers", "status", "served"),
    [
        ({"locale": "es-" + "a" * 62}, {}, 400, None),  # 65 characters: over the limit
        ({"locale": "x" * 60_000}, {}, 400, None),
        ({"locale": LONG_LOCALE}, {}, 400, None),
        ({"locale": "es-MX-" + "-".join(["abcdefgh"] * 6)}, {}, 200, "es"),  # 59: within
        ({}, {"Accept-Language": MANY_RANGES}, 200, "en"),
        ({}, {"Accept-Language": MANY_RANGES + ",es"}, 200, "en"),  # beyond 32 ranges: unread
        ({}, {"Accept-Language": "fr," * 31 + "es"}, 200, "es"),  # the 32nd range is read
        ({}, {"Accept-Language": "fr," * 32 + "es"}, 200, "en"),  # the 33rd is not
        ({}, {"Accept-Language": "es-" + "a" * 70}, 200, "en"),  # an over-long range: skipped
        # cut at the last comma before 4 KB: not `pt`, the first half of `pt-BR`
        ({}, {"Accept-Language": "z" * 4_084 + ",ar;q=0.1,pt-BR"}, 200, "ar"),
    ],
)
def test_long_values_are_bounded_refused_and_never_echoed(
    fixture_client: TestClient,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    served: str | None,
) -> None:
    got = fixture_client.get(PAGE, params=params, headers=headers)
    assert got.status_code == status
    assert sum(len(k) + len(v) for k, v in got.headers.items()) < 300
    if status == 400:
        assert got.json() == {"detail": "language tag too long (over 64 characters)"}
    else:
        assert got.json()["target_locale"] == served
        assert ETAG.match(got.headers["etag"]), got.headers["etag"]


@pytest.mark.parametrize(
    ("slug", "detail"),
    [("nope", "no page 'nope'"), ("s" * 129, "no page"), ("s" * 60_000, "no page")],
)
def test_unknown_slug_is_echoed_only_when_short(
    fixture_client: TestClient, slug: str, detail: str
) -> None:
    got = fixture_client.get(f"/v1/pages/{slug}")
    assert (got.status_code, got.json()) == (404, {"detail": detail})


def test_the_work_on_an_accept_language_is_bounded_whatever_its_size() -> None:
    """16,000 ranges, each a tag no one sent before, in a language that is enabled but in a script
    that is not (the slow path: every range looked up in full, none matching): at most the
    first 32 ranges of the first 4 KB are ever read. (What it costs is measured by
    benchmarks/serve.py, not here.)"""
    from service.core.negotiation import bounded_accept_language, negotiate, parse_accept_language

    enabled = ("en", "es", "pt", "pt-BR", "ar", "zh-Hans", "vi")
    header = ",".join(
        f"zh-Hant-{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}-v{i:05d}" for i in range(16_000)
    )
    bounded = bounded_accept_language(header)
    ranges = parse_accept_language(bounded)
    assert len(bounded) <= 4096 and len(ranges) <= 32
    assert negotiate(ranges, enabled) == "en"


def test_openapi_lists_every_status_the_api_returns(fixture_client: TestClient) -> None:
    paths = fixture_client.get("/openapi.json").json()["paths"]
    statuses = {path: sorted(op["get"]["responses"]) for path, op in paths.items() if "get" in op}
    server = ["408", "413", "431", "503"]  # from the server process or a bound on every route
    assert statuses == {
        "/v1/pages": sorted(["200", "304", "400", "422", *server]),
        "/v1/pages/{slug}": sorted(["200", "304", "400", "404", "422", *server]),
        "/pages/{slug}": sorted(["200", "304", "400", "404", "422", *server]),
        "/v1/locales": sorted(["200", "304", *server]),
        "/v1/coverage": sorted(["200", "304", *server]),
        "/coverage": sorted(["200", "304", *server]),
        "/healthz": sorted(["200", *server]),
        "/v1/reviews/pending": sorted(["200", "401", "403", "404", "422", *server]),
    }  # the review API's POSTs: tests/test_review_api.py


def test_docs_reference_only_assets_the_server_serves(fixture_client: TestClient) -> None:
    html = fixture_client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(urls) == [
        "/docs/assets/favicon.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    assert "https://" not in html and "http://" not in html
    for url, kind in zip(sorted(urls), ["image/png", "text/javascript", "text/css"], strict=True):
        got = fixture_client.get(url)
        assert got.status_code == 200 and got.headers["content-type"].startswith(kind), url
        assert len(got.content) > 1000, url


def test_docs_render_in_a_browser_with_no_internet(live_server: str) -> None:
    """Chromium with every host but loopback unresolvable: Swagger UI must still draw the
    operations from our OpenAPI document."""
    from .test_browser import _dump_dom

    dom = _dump_dom(
        f"{live_server}/docs", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
    )
    assert 'class="swagger-ui' in dom
    assert "/v1/pages/{slug}" in dom and "One page, resolved segment by segment" in dom


# --- a real server on loopback: slow clients, oversized heads, the connection cap ---------------

TIMEOUT = 1.5  # --header-timeout for these servers
CAP = 48  # --max-connections


@pytest.fixture(scope="module", params=["httptools", "h11"])
def guarded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    from .conftest import FIXTURE_TREE

    with serving(
        FIXTURE_TREE,
        "--releases",
        str(tmp_path_factory.mktemp("guarded-releases")),
        "--http",
        request.param,
        "--header-timeout",
        str(TIMEOUT),
        "--max-connections",
        str(CAP),
    ) as base:
        yield base


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _healthz_seconds(base: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
        assert r.status == 200
    return time.monotonic() - started


def test_clients_that_trickle_their_head_are_dropped_and_health_stays_reachable(
    guarded: str,
) -> None:
    """40 clients send a request line, then one header byte every 0.3 s, for ever. Each is
    answered 408 and closed within the header timeout (plus scheduling), while /healthz answers
    in well under a second throughout."""
    clients = []
    for _ in range(40):
        s = socket.create_connection(("127.0.0.1", _port(guarded)), timeout=2)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.setblocking(False)
        clients.append(s)
    opened = time.monotonic()
    dropped: dict[int, tuple[float, bytes]] = {}
    slowest_health = 0.0
    try:
        while len(dropped) < len(clients) and time.monotonic() - opened < TIMEOUT + 4:
            for i, s in enumerate(clients):
                if i in dropped:
                    continue
                try:
                    data = s.recv(200)
                except BlockingIOError:
                    try:
                        s.send(b"a")
                    except OSError:
                        dropped[i] = (time.monotonic() - opened, b"")
                    continue
                except OSError:
                    data = b""
                dropped[i] = (time.monotonic() - opened, data)
            slowest_health = max(slowest_health, _healthz_seconds(guarded))
            time.sleep(0.3)
    finally:
        for s in clients:
            s.close()
    assert len(dropped) == len(clients)
    assert all(TIMEOUT - 0.5 < at < TIMEOUT + 1.5 for at, _ in dropped.values()), dropped
    assert {data.split(b"\r\n")[0] for _, data in dropped.values()} == {
        b"HTTP/1.1 408 Request Timeout"
    }
    assert slowest_health < 0.5


def test_an_idle_connection_is_closed_without_an_answer(guarded: str) -> None:
    with socket.create_connection(("127.0.0.1", _port(guarded)), timeout=TIMEOUT + 2) as s:
        started = time.monotonic()
        assert s.recv(100) == b""
        assert TIMEOUT - 0.1 < time.monotonic() - started < TIMEOUT + 1.5


def test_a_connection_idle_after_a_response_is_closed_and_pipelined_requests_are_answered(
    guarded: str,
) -> None:
    """Keep-alive: two requests sent in one write get two answers, and once the connection is
    idle it is closed within the timeout, without an answer (the guard's deadline, on either
    stack, is also the keep-alive timeout)."""
    page = b"GET /v1/pages/saline-spray HTTP/1.1\r\nHost: x\r\nAccept-Language: es\r\n\r\n"
    with socket.create_connection(("127.0.0.1", _port(guarded)), timeout=TIMEOUT + 3) as s:
        s.sendall(page + page.replace(b"es\r\n", b"ar\r\n"))
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 2 or not received.endswith(b"}"):
            chunk = s.recv(65536)
            assert chunk, received[-200:]
            received += chunk
        assert [
            line for line in received.split(b"\r\n") if line.startswith(b"content-language")
        ] == [
            b"content-language: es",
            b"content-language: ar",
        ]
        answered = time.monotonic()
        assert s.recv(100) == b""
        assert TIMEOUT - 0.1 < time.monotonic() - answered < TIMEOUT + 1.5


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", b"200 OK"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 16_000 + b"\r\n\r\n", b"200 OK"),
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nAccept-Language: "
            + b"xx-ab;q=0.9," * 8_000
            + b"\r\n\r\n",
            b"431 Request Header Fields Too Large",
        ),  # 96 KB, in one write
        (
            b"GET /v1/pages/saline-spray?locale="
            + b"e" * 102_000
            + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"431 Request Header Fields Too Large",
        ),
    ],
)
def test_a_request_head_over_16_kb_is_refused_however_it_arrives(
    guarded: str, head: bytes, status: bytes
) -> None:
    for chunk in (len(head), 4096):
        with socket.create_connection(("127.0.0.1", _port(guarded)), timeout=5) as s:
            try:
                for at in range(0, len(head), chunk):
                    s.sendall(head[at : at + chunk])
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before we finished sending
            answer = s.recv(200)
        assert answer.split(b"\r\n")[0] == b"HTTP/1.1 " + status, (chunk, answer[:80])


def test_a_connection_past_the_cap_closes_the_one_idle_longest(guarded: str) -> None:
    """Clients that connect and send nothing fill the cap: a reader is still answered, and the
    connection that waited on its client longest is closed to make room (503 is left for a
    worker whose every connection is being answered)."""
    held = []
    for n in range(CAP):
        held.append(socket.create_connection(("127.0.0.1", _port(guarded)), timeout=5))
        if n == 0:
            time.sleep(0.1)  # the first is the oldest by a clear margin
    try:
        time.sleep(0.2)
        assert _healthz_seconds(guarded) < 0.5
        time.sleep(0.2)
        found = []  # b"": closed, silently (as an idle connection is); None: still open
        for s in held:
            s.setblocking(False)
            try:
                found.append(s.recv(200))
            except BlockingIOError:
                found.append(None)
        # The oldest, and only as many as the cap needed (the server may hold a few others).
        assert found[0] == b"" and found.count(b"") <= 4, found
    finally:
        for s in held:
            s.close()


# A response's head and body, as uvicorn (either stack) writes them through the guarded protocol.


class _Recorder(asyncio.Transport):
    """A connection's transport that records what reaches the socket, one entry per write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[float, bytes]] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.closed:  # as uvloop's transport does
            raise RuntimeError("unable to perform operation: the handler is closed")
        if data:  # an empty write sends nothing
            self.writes.append((time.monotonic(), bytes(data)))

    def writelines(self, parts: Iterable[bytes | bytearray | memoryview]) -> None:
        self.write(b"".join(parts))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _small_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """`/page` answers 200 with a body, `/same` 304, `/pieces` sends its body in three parts at
    once (as the fast path sends a JSON page), `/slow` sends its body in two parts with a pause
    between, `/late` pauses between its head and its body, `/upload` reads the request body first
    (so a client waiting on `Expect: 100-continue` gets its interim answer)."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/upload":
        while (await receive()).get("more_body"):
            pass
    status = 304 if path == "/same" else 200
    headers = [] if status == 304 else [(b"content-length", b"8")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if path == "/late":
        await asyncio.sleep(0.3)
    if path == "/pieces":
        for piece in (b"the-", b"bo"):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b"dy"})
    elif path == "/slow":
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        await asyncio.sleep(0.3)
        await send({"type": "http.response.body", "body": b"-two"})
    else:
        await send({"type": "http.response.body", "body": b"" if status == 304 else b"the-body"})


@pytest.mark.parametrize("stack", ["httptools", "h11"])
@pytest.mark.parametrize(
    ("request_", "writes"),
    [
        # head and body in one write: one packet, where uvicorn alone writes two
        (b"GET /page HTTP/1.1\r\nHost: x\r\n\r\n", [b"HTTP/1.1 200 OK|the-body"]),
        (b"HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n", [b"HTTP/1.1 200 OK|"]),
        (b"GET /same HTTP/1.1\r\nHost: x\r\n\r\n", [b"HTTP/1.1 304 Not Modified|"]),
        # a body sent in pieces at once: still one write, head and every piece
        (b"GET /pieces HTTP/1.1\r\nHost: x\r\n\r\n", [b"HTTP/1.1 200 OK|the-body"]),
        # a part the app sends before it waits goes out before the wait, with the head
        (b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", [b"HTTP/1.1 200 OK|part", b"-two"]),
        # a head the app sends before it waits is not held for the body
        (b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n", [b"HTTP/1.1 200 OK|", b"the-body"]),
        # the interim 100 is never held back: the client waits for it before sending its body
        (
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
            [b"HTTP/1.1 100 Continue|", b"HTTP/1.1 200 OK|the-body"],
        ),
    ],
    ids=["get", "head", "304", "pieces", "streamed", "late-body", "100-continue"],
)
def test_a_response_head_leaves_with_its_body_in_one_write(
    stack: str, request_: bytes, writes: list[bytes]
) -> None:
    from uvicorn.server import ServerState

    from service.core.limits import Limits
    from service.web.server import GuardedConfig, _stack

    loop = asyncio.new_event_loop()
    try:
        config = GuardedConfig(_small_app, Limits(), http=_stack(stack), lifespan="off")
        protocol = _stack(stack)(
            config=config, server_state=ServerState(), app_state={}, _loop=loop
        )
        transport = _Recorder()
        protocol.connection_made(transport)
        started = time.monotonic()
        protocol.data_received(request_)
        if b"100-continue" in request_:
            loop.run_until_complete(asyncio.sleep(0.05))
            protocol.data_received(b"data")
        loop.run_until_complete(asyncio.sleep(0.5))
        protocol.connection_lost(None)
    finally:
        loop.close()
    # each write as "<status line>|<body>" (the head's other lines left out)
    seen = [
        data.split(b"\r\n")[0] + b"|" + data.partition(b"\r\n\r\n")[2]
        if data.startswith(b"HTTP/1.1 ")
        else data
        for _, data in transport.writes
    ]
    assert seen == writes
    if b"/slow" in request_ or b"/late" in request_:  # the first write did not wait for the pause
        assert transport.writes[0][0] - started < 0.2


def test_a_held_head_is_dropped_when_the_client_is_gone_before_it_leaves() -> None:
    """A head waits at most for the loop's next turn; if the connection closed meanwhile, it is
    not written (uvloop raises on a write to a closed transport, and the loop would log it)."""
    from service.web.server import _Coalesced

    loop = asyncio.new_event_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        transport = _Recorder()
        coalesced = _Coalesced(transport, loop)
        coalesced.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        transport.close()  # the client went away before the loop's next turn
        loop.run_until_complete(asyncio.sleep(0.01))
    finally:
        loop.close()
    assert transport.writes == []
    assert errors == []
