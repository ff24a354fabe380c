"""The server process: uvicorn, with a guard on every connection so that no client can stall it.

uvicorn drops an idle keep-alive connection, but not a client that trickles its request head (one
byte every few seconds is a connection held forever), and h11 bounds a head only while it is
incomplete. The guard closes a connection that has not finished its request head within
`header_timeout` seconds, answers 431 to a head over `max_head_bytes` however it arrives, makes
room for a connection past `max_connections` by closing the one that has waited on its client
longest (idle, or a head or body unfinished: `_shed`), else refuses it with 503 at once, and
sets TCP_NODELAY (a socket shared by
several workers is made without it, and responses then wait for delayed ACKs). It also writes a
response's head and body to the socket together (`_Coalesced`): one write where uvicorn makes
two or more.

The guard subclasses uvicorn's protocols, which are private code: pyproject.toml allows only the
uvicorn versions whose code tests/test_server_override.py records, with what the guard relies on.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import resource
import socket
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from service.core.config import load_config
from service.core.limits import DEFAULT_LIMITS, Limits, Stack
from service.site.prepared import Settings

if TYPE_CHECKING:
    from service.web.accel import Accel
    from service.web.fastpath import FastPath

__all__ = ["AppFactory", "GuardedConfig", "ServeOptions", "serve"]

log = logging.getLogger("uvicorn.error")


class GuardedConfig(uvicorn.Config):
    """uvicorn's config carrying our limits: it is what each worker process receives."""

    def __init__(self, app: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(app, h11_max_incomplete_event_size=limits.max_head_bytes, **kwargs)
        self.limits = limits


def _canned(status: str, text: str) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(text)}\r\nconnection: close\r\n\r\n{text}"
    ).encode()


_TIMEOUT = _canned("408 Request Timeout", "request head not received in time\n")
_TOO_LARGE = _canned("431 Request Header Fields Too Large", "request head too large\n")
_BUSY = _canned("503 Service Unavailable", "too many connections\n")


if TYPE_CHECKING:
    _Base = H11Protocol
else:
    _Base = object


class _Coalesced:
    """A connection's transport that sends a response's head and body in one write: uvicorn
    writes the head and each piece of the body separately, and on a socket without Nagle's delay
    (which `_Guard` sets) that is a packet and a wake-up of the client for each.

    From a head (a write that starts `HTTP/1.1 `), writes are held until the end of the response
    (`flush`, from `on_response_complete`), a close, or the loop's next turn, whichever comes
    first: never past the step of the app that sent them. They go out as one `writelines`, which
    copies none of them."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._held: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            held.append(data)
        elif data[:9] == b"HTTP/1.1 ":
            self._held = [data]
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():  # a client gone meanwhile: nothing to send to
                self._transport.writelines(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Guard(_Base):
    """Mixed in before uvicorn's protocol (h11 or httptools): both keep `cycle`, the request being
    answered, so "waiting for a head" is: no cycle yet, or the last one answered.

    A request costs a clock read, not a timer: the deadline timer is made when a connection starts
    waiting with none pending, and when it fires it closes the connection, or, finding it busy or
    waiting since later, lapses or moves to the new deadline. So a connection has at most one
    timer, and it fires about once per header timeout, however many requests pass. An idle
    connection (no head begun) is closed after the keep-alive timeout if that is shorter, so the
    deadline also does what uvicorn's keep-alive timer does."""

    _deadline: asyncio.TimerHandle | None = None
    _since = 0.0  # loop time when the connection began waiting for a head
    _head_bytes = 0
    _began = 0.0  # loop time when the request being answered had its head
    _waiting = True
    _bounds = Limits()
    _idle = Limits.header_timeout  # an idle connection's deadline: the shorter of the two

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_Coalesced(transport, self.loop))  # type: ignore[arg-type]
        limits = getattr(self.config, "limits", None)
        if isinstance(limits, Limits):
            self._bounds = limits
        self._idle = min(self._bounds.header_timeout, self.config.timeout_keep_alive)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if len(self.connections) > self._bounds.max_connections and not self._shed():
            self._refuse(_BUSY)
            return
        self._wait()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._waiting:
            end = data.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else end + 4
            if self._head_bytes > self._bounds.max_head_bytes:
                self._refuse(_TOO_LARGE)
                return
        super().data_received(data)
        self._track()

    def _shed(self) -> bool:
        """At the connection limit: close the connection that has waited on its client longest
        (idle, or with a request head or body unfinished), so that clients sending nothing keep
        no one out; False when every other connection is being answered. A scan of the
        connections, only at the limit."""
        oldest: tuple[float, _Guard] | None = None
        for other in self.connections:
            if not isinstance(other, _Guard) or other is self:
                continue
            since = other._stalled()
            if since is not None and (oldest is None or since < oldest[0]):
                oldest = (since, other)
        if oldest is None:
            return False
        shed = oldest[1]
        shed._refuse(_TIMEOUT if shed._head_bytes or not shed._waiting else b"")
        return True

    def _stalled(self) -> float | None:
        """Since when this connection has waited on its client: for a request head (or the
        next), or for the rest of a body no answer has begun for; None while it is answered."""
        if self._waiting:
            return self._since
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not cycle.response_started:
            return self._began
        return None

    def _flush(self) -> None:
        """Send a head still held (a response without a body: HEAD, 304)."""
        transport: Any = self.transport
        if isinstance(transport, _Coalesced):
            transport.flush()

    def on_response_complete(self) -> None:
        self._flush()
        super().on_response_complete()
        self._track()

    def _track(self) -> None:
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self._waiting:
            self._wait()
        elif self._waiting and not waiting:
            self._began = self.loop.time()  # a request's head is in: its body may follow
        self._waiting = waiting

    def _wait(self) -> None:
        """The connection starts waiting for a request head: the clock starts now."""
        self._head_bytes = 0
        self._since = self.loop.time()
        if self._deadline is None:
            self._deadline = self.loop.call_at(self._since + self._idle, self._check)

    def _check(self) -> None:
        self._deadline = None
        if not self._waiting:
            return  # answering a request: `_wait` starts a timer when it is done
        due = self._since + (self._bounds.header_timeout if self._head_bytes else self._idle)
        if due > self.loop.time():
            self._deadline = self.loop.call_at(due, self._check)
            return
        # Silence for an idle connection (as keep-alive expiry), a 408 for a head begun.
        self._refuse(_TIMEOUT if self._head_bytes else b"")

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self, answer: bytes) -> None:
        self._cancel()
        self._waiting = False
        if not self.transport.is_closing():
            if answer:
                self.transport.write(answer)
            self.transport.close()
        log.debug("dropped %s: %s", self.client, answer[:40] or b"idle")


class GuardedH11(_Guard, H11Protocol):
    pass


GuardedHttpTools: type[asyncio.Protocol] | None = None
with contextlib.suppress(ImportError):  # httptools is optional in uvicorn; we install it
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpTools(_Guard, HttpToolsProtocol):  # type: ignore[misc,no-redef]
        def on_response_complete(self) -> None:
            """uvicorn's, less the keep-alive timer it arms after every response and cancels on
            the next request (a timer made and dropped per request): the guard's deadline
            closes an idle connection already. A copy: tests/test_server_override.py fails
            when uvicorn's own changes."""
            self.server_state.total_requests += 1
            self._flush()
            if self.transport.is_closing():
                return
            self._unset_keepalive_if_required()
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            self._track()


def _stack(wanted: Stack) -> type[asyncio.Protocol]:
    """httptools when installed (the fast parser), else h11; both guarded."""
    if wanted == "h11" or (wanted == "auto" and GuardedHttpTools is None):
        return GuardedH11
    if GuardedHttpTools is None:
        raise RuntimeError("httptools is not installed")
    return GuardedHttpTools


@dataclass(frozen=True)
class AppFactory:
    """What each worker calls to build its app: picklable, so `--workers N` can hand it over. The
    page reads are answered in front of FastAPI (`fastpath`), everything else by it."""

    root: Path
    poll: float | None
    state: Path | None = None  # the workspace's state folder (None: the default)
    releases: Path | None = None  # the release store (None: the default)
    publish: bool = True  # False: serve the store's current release, never publish
    accel: str | None = None  # `--accel-redirect`: nginx sends the bodies (`accel`)
    limits: Limits = DEFAULT_LIMITS  # the request bodies' bounds (`bounded`)

    def __call__(self) -> FastPath | Accel:
        from service.web.accel import Accel
        from service.web.api import create_app
        from service.web.fastpath import FastPath

        settings = Settings(
            root=self.root, state=self.state, releases=self.releases, publish=self.publish
        )
        # The store's current release is served at once; the tree is read meanwhile (`live`).
        fast = FastPath(create_app(settings, watch=self.poll, limits=self.limits, early=True))
        app = fast if self.accel is None else Accel(fast, fast.live, self.accel)
        fast.live.when_read = partial(_settle, True)  # when the tree is read, if it is being read
        _settle()
        return app


def _settle(again: bool = False) -> None:
    """What is made so far (the code, the site first served) lives as long as the process: out
    of the cycle collector's reach, a full collection no longer walks all of it (which stopped
    the event loop for 100 ms under the 6,000-header mix of benchmarks/serve.py). The first
    build's and publish's garbage is collected first (frozen, it would be kept for good), and the
    memory it held is given back to the system. `again`: once the tree is read after an early
    start, what was frozen (the site served until then) is collected too."""
    if again:
        gc.unfreeze()
    gc.collect()
    _give_back_memory()
    gc.freeze()


def _give_back_memory() -> None:
    """Ask glibc's malloc to return the free memory it keeps to the system (`malloc_trim`): a
    first build frees tens of megabytes that would otherwise stay in the process's RSS. Nothing
    where the C library has no `malloc_trim`."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return
    trim(0)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    http: Stack = "auto"
    limits: Limits = field(default_factory=Limits)
    timeout_keep_alive: int = 5
    access_log: bool = False
    # `--forwarded-allow-ips`: the proxies whose X-Forwarded-For and X-Forwarded-Proto are
    # believed (uvicorn's list: addresses, networks, `*`); None: no one's.
    forwarded_allow_ips: str | None = None


def _raise_file_limit(wanted: int) -> None:
    """Each connection is a file descriptor: past the soft limit, accept() fails in a loop."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + 256
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve(factory: AppFactory, options: ServeOptions) -> None:
    """Run until stopped: as uvicorn.run does, but with our config and protocol."""
    _raise_file_limit(options.limits.max_connections)
    one = options.workers == 1
    if not one:
        load_config(factory.root)  # a bad config is one line here, not a traceback per worker
    config = GuardedConfig(
        factory() if one else factory,  # one process: load errors surface before we bind
        options.limits,
        factory=not one,
        host=options.host,
        port=options.port,
        workers=options.workers,
        http=_stack(options.http),
        timeout_keep_alive=options.timeout_keep_alive,
        log_level="info",
        access_log=options.access_log,
        # Only from the proxies named: the client's address (the sign-in limit, the access log)
        # and scheme (Secure cookies, the same-origin check) then come from their headers. Off,
        # every request skips uvicorn's middleware, and a forged header changes nothing.
        proxy_headers=options.forwarded_allow_ips is not None,
        forwarded_allow_ips=options.forwarded_allow_ips,
    )
    if one:
        uvicorn.Server(config).run()
    else:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
