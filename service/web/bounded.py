"""Request bodies with a bound on time and size, on every route of the app (`create_app` adds it
as the innermost middleware but one, around the routes).

The connection guard (`server`) bounds the time a request head takes; this bounds the body,
which a route reads through `receive()`: the whole body must arrive within `body_timeout` seconds
of the request's start, and hold at most `max_body_bytes`, or the request is answered `408` or
`413` with `Connection: close` (the connection is closed, whatever the client still sends) and
the route, which is still reading, is told the client left. A body declared longer than the bound
(`Content-Length`) is refused before the route runs.

A client that leaves mid-body (the route reads `http.disconnect`, and Starlette raises
`ClientDisconnect`) ends its request quietly: there is no one to answer and nothing to log but a
line at debug level (each dropped connection used to log a traceback).
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.limits import DEFAULT_LIMITS, Limits

__all__ = ["BoundedBodies", "closing_answer"]

_log = logging.getLogger("clinic_l10n")

_DISCONNECT: Message = {"type": "http.disconnect"}


def closing_answer(status: int, text: str) -> tuple[Message, Message]:
    """The start and body messages of a plain-text answer that closes the connection.

    >>> start, body = closing_answer(413, "too large")
    >>> start["status"], dict(start["headers"])[b"connection"], body["body"]
    (413, b'close', b'too large\\n')
    """
    data = f"{text}\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(data)).encode("latin-1")),
        (b"connection", b"close"),
        (b"cache-control", b"no-store"),
    ]
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": data},
    )


def _declared(scope: Scope) -> int | None:
    """The request's Content-Length, or None without a valid one."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BoundedBodies:
    """`BoundedBodies(app, limits)`: the ASGI middleware (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limits: Limits = DEFAULT_LIMITS) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.max_body_bytes
        declared = _declared(scope)
        if declared is not None and declared > limit:
            for message in closing_answer(413, f"the body is over {limit} bytes"):
                await send(message)
            return
        await _Request(self.app, self.limits, scope, receive, send).run()


class _Request:
    """One request's reading of its body, and whether it was answered here."""

    def __init__(
        self, app: ASGIApp, limits: Limits, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.app, self.limits, self.scope = app, limits, scope
        self._receive, self._send = receive, send
        loop = asyncio.get_running_loop()
        self.loop, self.deadline = loop, loop.time() + limits.body_timeout
        self.size = 0
        self.started = False  # the route began its answer
        self.refused = False  # answered here (408, 413): the route's answer is dropped
        self.gone = False  # the client left, as the server said
        self.complete = False  # the whole body was received

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except ClientDisconnect:
            if not (self.gone or self.refused):
                raise
            _log.debug("request body not received: %s", self.scope.get("client"))

    async def receive(self) -> Message:
        if self.refused:
            return _DISCONNECT
        if self.complete:  # the body is in: what follows (a disconnect) is not bounded here
            message = await self._receive()
            self.gone = self.gone or message["type"] == "http.disconnect"
            return message
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            return await self.refuse(408, "the request body was not received in time")
        if message["type"] == "http.disconnect":
            self.gone = True
        elif message["type"] == "http.request":
            self.complete = not message.get("more_body", False)
            self.size += len(message.get("body", b""))
            if self.size > self.limits.max_body_bytes:
                return await self.refuse(
                    413, f"the body is over {self.limits.max_body_bytes} bytes"
                )
        return message

    async def refuse(self, status: int, text: str) -> Message:
        """Answer here and tell the route the client left; a route that has begun its answer
        (none reads its body after that) finishes it."""
        if self.started:
            self.gone = True
            return _DISCONNECT
        self.refused = self.started = True
        for message in closing_answer(status, text):
            await self._send(message)
        return _DISCONNECT

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
