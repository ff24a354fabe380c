"""No client can hold the server with a request it sends slowly, nor with a large one, nor litter its
log by leaving: a real server (`clinic-l10n serve`) and raw sockets.

- Hundreds of connections trickling a request body (or a request head) a byte a second are each
  answered 408 and closed within the bound (`--body-timeout`, `--header-timeout`), while
  `/healthz`, probed all along, answers 200 every time.
- A body over 256 KB is refused 413 on every route, declared or sent in chunks.
- A client that sends half a body and leaves costs no traceback in the server's log.
"""

from __future__ import annotations

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

import pytest

from service.core.limits import Limits

from .reviewing import pending_tree
from .test_proxy import python_server

BOUND = 2.0  # --body-timeout and --header-timeout of the server under test
SLACK = 1.5  # seconds past the bound a connection may take to be closed (a loaded machine)
SLOW = 120  # connections of each kind
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


def head(
    server: Server, method: str, path: str, length: int | None, chunked: bool = False
) -> bytes:
    extra = f"Content-Length: {length}\r\n" if length is not None else ""
    extra += "Transfer-Encoding: chunked\r\n" if chunked else ""
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
    socks = []
    for _ in range(SLOW):
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
    try:
        while len(closed) < SLOW and time.monotonic() - started < BOUND + SLACK + 3:
            for i, sock in enumerate(socks):
                if i in closed:
                    continue
                try:
                    while data := sock.recv(4096):
                        got[i] += data
                    closed[i] = (time.monotonic() - started, got[i])  # b"": closed
                except BlockingIOError:
                    with_byte = b"a" if kind != "head" else b"X"
                    try:
                        sock.send(with_byte)
                    except OSError:
                        closed[i] = (time.monotonic() - started, got[i])
                except OSError:
                    closed[i] = (time.monotonic() - started, got[i])
            time.sleep(1.0)
    finally:
        stop.set()
        prober.join()
        for sock in socks:
            sock.close()
    assert len(closed) == SLOW, f"{SLOW - len(closed)} of {SLOW} slow connections still open"
    late = sorted(t for t, _ in closed.values() if t > BOUND + SLACK)
    assert late == [], f"closed after {late[:3]} s (bound {BOUND} s)"
    answers = {
        data.split(b"\r\n", 1)[0].split(b" ")[:2] == [b"HTTP/1.1", b"%d" % status]
        for _, data in closed.values()
    }
    assert answers == {True}, {data[:40] for _, data in closed.values()}
    assert statuses and set(statuses) == {200}, statuses


LARGE = {
    # (method, path, Content-Length, chunked)
    "declared, a route that reads": ("POST", "/review/signin", MAX_BODY + 1, False),
    "declared, a route that does not": ("POST", "/healthz", MAX_BODY + 1, False),
    "declared, the JSON API": ("POST", "/v1/reviews", 10 * MAX_BODY, False),
    "in chunks, a route that reads": ("POST", "/review/signin", None, True),
}


@pytest.mark.parametrize("case", LARGE)
def test_a_body_over_the_bound_is_refused(server: Server, case: str) -> None:
    method, path, length, chunked = LARGE[case]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head(server, method, path, length, chunked))
        if chunked:  # exactly one byte too many, then nothing: the server reads all we sent
            piece = b"a" * 65536
            for _ in range(MAX_BODY // len(piece)):
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sock.sendall(b"1\r\na\r\n")
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
