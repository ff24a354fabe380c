"""No client can hold the server with a request it sends slowly, nor with a large one, nor litter its
log by leaving: a real server (`clinic-l10n serve`) and raw sockets.

- Hundreds of connections trickling a request body (or a request head) a byte a second are each
  answered 408 and closed within the bound (`--body-timeout`, `--header-timeout`), while
  `/healthz`, probed all along, answers 200 every time.
- A body over 256 KB is refused 413 on every route: declared, before the route runs; as it
  arrives, while a route reads it (the middleware alone, in process).
- A client that sends half a body and leaves costs no traceback in the server's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import ClientDisconnect

from service.core.limits import Limits
from service.web.bounded import BoundedBodies

from .reviewing import pending_tree
from .test_proxy import python_server

BOUND = 2.0  # --body-timeout and --header-timeout of the server under test
SLACK = 1.5  # seconds past the bound a connection may take to be closed (a loaded machine)
SLOW = 240  # connections of each kind
MAX_BODY = Limits().max_body_bytes


@dataclass
class Server:
    port: int
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("bodies")
    root = pending_tree(work)
    log = work / "server.log"
    bounds = ("--body-timeout", str(BOUND), "--header-timeout", str(BOUND))
    with python_server(root, work / "state", log, *bounds) as port:
        yield Server(port, log)


def head(server: Server, method: str, path: str, length: int) -> bytes:
    extra = f"Content-Length: {length}\r\n"
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Origin: http://127.0.0.1:{server.port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{extra}\r\n"
    ).encode()


def probe_while(server: Server, stop: threading.Event, statuses: list[int | str]) -> None:
    """GET /healthz every 0.1 s until `stop`, each on a new connection; what each answered."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{server.port}/healthz", timeout=5
            ) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
        except OSError as exc:
            statuses.append(repr(exc))
        time.sleep(0.1)


# What a slow client sends at once, then a byte a second: a whole head and part of a body, or
# part of a head; and the answer it gets before it is closed. A route that answers without reading
# the body (401 without a token, 405) is answered so, and its connection then closed by the head's
# bound (what follows is read as the next request's head).
SLOW_CLIENTS = {
    "body of a sign-in": (lambda s: head(s, "POST", "/review/signin", 1000), b"name=", 408),
    "body of an approval": (lambda s: head(s, "POST", "/v1/reviews", 1000), b"{", 401),
    "body no route reads": (lambda s: head(s, "POST", "/healthz", 1000), b"x", 405),
    "head": (lambda s: f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n".encode(), b"", 408),
}


@pytest.mark.parametrize("kind", SLOW_CLIENTS)
def test_slow_clients_are_cut_off_and_readers_answered(server: Server, kind: str) -> None:
    make, first, status = SLOW_CLIENTS[kind]
    socks, opened = [], []
    for _ in range(SLOW):
        opened.append(time.monotonic())
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(make(server) + first)
        sock.setblocking(False)
        socks.append(sock)
    started = time.monotonic()
    stop, statuses = threading.Event(), []
    prober = threading.Thread(target=probe_while, args=(server, stop, statuses))
    prober.start()
    closed: dict[int, tuple[float, bytes]] = {}
    got: dict[int, bytes] = {i: b"" for i in range(SLOW)}
    sent = 0.0  # when each client last sent a byte: all at once, once a second
    try:
        while len(closed) < SLOW and time.monotonic() - started < BOUND + SLACK + 3:
            now = time.monotonic()
            trickle = now - sent >= 1.0
            sent = now if trickle else sent
            for i, sock in enumerate(socks):
                if i in closed:
                    continue
                try:
                    while data := sock.recv(4096):
                        got[i] += data
                    closed[i] = (time.monotonic() - started, got[i])  # b"": closed
                except BlockingIOError:
                    if not trickle:
                        continue
                    with_byte = b"a" if kind != "head" else b"X"
                    try:
                        sock.send(with_byte)
                    except OSError:
                        closed[i] = (time.monotonic() - started, got[i])
                except OSError:
                    closed[i] = (time.monotonic() - started, got[i])
            time.sleep(0.05)  # a close is seen within a twentieth of a second or so
    finally:
        stop.set()
        prober.join()
        for sock in socks:
            sock.close()
    assert len(closed) == SLOW, f"{SLOW - len(closed)} of {SLOW} slow connections still open"
    late = sorted(t for t, _ in closed.values() if t > BOUND + SLACK)
    assert late == [], f"closed after {late[:3]} s (bound {BOUND} s)"
    # not before the bound either, from each client's own connection
    early = sorted(
        seen for i, (t, _) in closed.items() if (seen := started + t - opened[i]) < BOUND - 0.5
    )
    assert early == [], f"closed within {early[:3]} s of opening (bound {BOUND} s)"
    answers = {
        data.split(b"\r\n", 1)[0].split(b" ")[:2] == [b"HTTP/1.1", b"%d" % status]
        for _, data in closed.values()
    }
    assert answers == {True}, {data[:40] for _, data in closed.values()}
    assert statuses and set(statuses) == {200}, statuses


# (method, path, Content-Length): refused before the route runs. (A body over the bound sent in
# chunks: `test_the_body_bound_as_a_route_reads`.)
LARGE = {
    "a route that reads": ("POST", "/review/signin", MAX_BODY + 1),
    "a route that does not": ("POST", "/healthz", MAX_BODY + 1),
    "the JSON API": ("POST", "/v1/reviews", 10 * MAX_BODY),
}


@pytest.mark.parametrize("case", LARGE)
def test_a_body_over_the_bound_is_refused(server: Server, case: str) -> None:
    method, path, length = LARGE[case]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head(server, method, path, length))
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]
    assert b"\r\nconnection: close\r\n" in answer.lower()


LEAVERS = {
    "a sign-in": ("/review/signin", b"name=Dr.+Robin&pass"),
    "an approval": ("/v1/reviews", b'{"locale": "es", '),
    "a form approval": ("/review/approve", b"csrf_token=abc&"),
    "a revocation": ("/v1/reviews/revoke", b'{"locale": '),
}


@pytest.mark.parametrize("case", LEAVERS)
def test_a_client_that_leaves_mid_body_costs_no_traceback(server: Server, case: str) -> None:
    path, half = LEAVERS[case]
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(head(server, "POST", path, 2 * len(half)) + half)
            time.sleep(0.2)  # the route is reading
    time.sleep(0.5)
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=5) as r:
        assert r.status == 200
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[log.find("Traceback") - 200 :][:3000]


def test_at_the_connection_limit_slow_clients_make_room_for_readers(tmp_path: Path) -> None:
    """Slow sign-ins fill every slot of a worker (`--max-connections`), within their body
    timeout: each reader's new connection closes the one that has waited on its client longest,
    instead of being refused 503."""
    limit, readers = 40, 20
    root = pending_tree(tmp_path)
    options = ("--max-connections", str(limit), "--body-timeout", "60")
    with python_server(root, tmp_path / "state", tmp_path / "server.log", *options) as port:
        server = Server(port, tmp_path / "server.log")
        socks = []
        for _ in range(limit):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(head(server, "POST", "/review/signin", 1000) + b"name=")
            socks.append(sock)
        time.sleep(0.5)
        statuses, kept = [], []
        for _ in range(readers):  # each keeps its connection open after its answer
            reader = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            reader.request("GET", "/healthz")
            answer = reader.getresponse()
            answer.read()
            statuses.append(answer.status)
            kept.append(reader)
        shed = 0
        for sock in socks:
            sock.settimeout(0.2)
            with contextlib.suppress(TimeoutError):
                shed += sock.recv(100).startswith(b"HTTP/1.1 408 ")
            sock.close()
        for reader in kept:
            reader.close()
    assert statuses == [200] * readers
    assert shed == readers  # the oldest slow ones, one per reader


async def _through(limits: Limits, messages: list[dict[str, Any]], pause: float = 0.0) -> list[Any]:
    """What `BoundedBodies` sends for a route that reads its whole body then answers 200, when
    the body arrives as `messages` (`pause` seconds before each)."""
    sent: list[Any] = []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(pause)
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    async def route(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    scope = {"type": "http", "method": "POST", "headers": [], "client": ("127.0.0.1", 1)}
    await BoundedBodies(route, limits)(scope, receive, send)
    return [m.get("status") for m in sent if m["type"] == "http.response.start"]


def _chunks(count: int, size: int) -> list[dict[str, Any]]:
    return [
        {"type": "http.request", "body": b"a" * size, "more_body": n < count - 1}
        for n in range(count)
    ]


MIDDLEWARE = {
    # (what arrives, seconds before each piece, the bounds) -> the status sent
    "within both bounds": (_chunks(4, 1000), 0.0, Limits(body_timeout=1, max_body_bytes=4000), 200),
    "a byte over, in chunks": (_chunks(4, 1000), 0.0, Limits(max_body_bytes=3999), 413),
    "too slow overall": (_chunks(4, 10), 0.3, Limits(body_timeout=1.0), 408),
    "the client left": (_chunks(2, 10)[:1], 0.0, Limits(), None),
}


@pytest.mark.parametrize("case", MIDDLEWARE)
def test_the_body_bound_as_a_route_reads(case: str) -> None:
    messages, pause, limits, status = MIDDLEWARE[case]
    sent = asyncio.run(_through(limits, messages, pause))
    assert sent == ([status] if status else [])
