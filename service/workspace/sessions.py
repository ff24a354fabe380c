"""Signed-in sessions: one owner-only file per session in the state folder's `sessions/`, named
by the SHA-256 of its cookie (a copy of the folder signs nobody in). A session ends after
`SESSION_IDLE` without a request, after `SESSION_MAX` whatever was done, on sign-out, and when
its reviewer's password changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.core.models import person_key
from service.workspace.state import StateFolder

__all__ = ["SESSION_IDLE", "SESSION_MAX", "Session", "Sessions"]

SESSION_IDLE = 30 * 60  # seconds without a request before a session ends
SESSION_MAX = 8 * 3600  # a working day: then the reviewer signs in again, whatever they did
_SEEN_EVERY = 60  # a session's last use is written at most once a minute
_COOKIE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Session:
    """A signed-in reviewer: who (as declared when they signed in), the CSRF token every POST
    must carry, and when it started and was last used (seconds since the epoch)."""

    reviewer: str
    csrf: str
    created: float
    seen: float

    def expires(self) -> float:
        return min(self.created + SESSION_MAX, self.seen + SESSION_IDLE)


class Sessions:
    def __init__(self, state: StateFolder, clock: Callable[[], float]):
        self.state = state
        self.clock = clock

    def _path(self, cookie: str) -> Path | None:
        if not _COOKIE.fullmatch(cookie):
            return None
        digest = hashlib.sha256(cookie.encode()).hexdigest()
        return self.state.folder / "sessions" / f"{digest}.json"

    def start(self, name: str) -> tuple[str, Session]:
        now = self.clock()
        cookie = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), now, now)
        path = self._path(cookie)
        assert path is not None
        with self.state.locked():
            self._sweep(now)
            self.state.write(f"sessions/{path.name}", session.__dict__)
        return cookie, session

    def find(self, cookie: str) -> Session | None:
        """The session of this cookie, if it has not expired (its last use is noted)."""
        path = self._path(cookie)
        if path is None:
            return None
        try:
            data = json.loads(path.read_bytes())
            found = Session(
                str(data["reviewer"]),
                str(data["csrf"]),
                float(data["created"]),
                float(data["seen"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        now = self.clock()
        if now >= found.expires():
            path.unlink(missing_ok=True)
            return None
        if now - found.seen >= _SEEN_EVERY:
            found = Session(found.reviewer, found.csrf, found.created, now)
            with self.state.locked():
                if path.exists():  # not signed out meanwhile
                    self.state.write(f"sessions/{path.name}", found.__dict__)
        return found

    def end(self, cookie: str) -> None:
        path = self._path(cookie)
        if path is not None:
            path.unlink(missing_ok=True)

    def _all(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        for path in (self.state.folder / "sessions").glob("*.json"):
            try:
                data = json.loads(path.read_bytes())
            except (OSError, ValueError):
                data = {}
            yield path, data if isinstance(data, dict) else {}

    def _sweep(self, now: float) -> None:
        for path, data in self._all():
            try:
                ended = now >= min(
                    float(data["created"]) + SESSION_MAX, float(data["seen"]) + SESSION_IDLE
                )
            except (KeyError, TypeError, ValueError):
                ended = True
            if ended:
                path.unlink(missing_ok=True)

    def end_all_of(self, name: str) -> None:
        """End every session of `name` (call it holding the folder's lock)."""
        for path, data in self._all():
            if person_key(str(data.get("reviewer", ""))) == person_key(name):
                path.unlink(missing_ok=True)
