"""Reviewers' accounts for the web workspace, kept in a state folder outside the content tree.

The folder (default `ROOT/.clinic-l10n/`, which git ignores through a `.gitignore` of its own;
`--state DIR` or `CLINIC_L10N_STATE` move it) holds `accounts.json` (argon2 hashes of passwords,
SHA-256 hashes of API tokens), `sessions/` (one file per session, named by the hash of its cookie)
and `throttle.json` (recent failed sign-ins). No secret is stored as such: a copy of the folder
signs nobody in. Every change is made under an flock on the folder and written atomically, so any
number of server workers and CLI runs can share it.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.core.errors import AccountError
from service.core.files import signature_of
from service.core.models import person_key
from service.core.policy import Policy
from service.core.yamlfile import atomic_write

__all__ = [
    "ACCOUNT_LIMIT",
    "ADDRESS_LIMIT",
    "DEFAULT_STATE",
    "MIN_PASSWORD",
    "SESSION_IDLE",
    "SESSION_MAX",
    "STATE_ENV",
    "WINDOW",
    "Accounts",
    "Session",
    "SignIn",
    "state_dir",
]

STATE_ENV = "CLINIC_L10N_STATE"
DEFAULT_STATE = ".clinic-l10n"
SESSION_IDLE = 30 * 60  # seconds without a request before a session ends
SESSION_MAX = 8 * 3600  # a working day: then the reviewer signs in again, whatever they did
ACCOUNT_LIMIT = 5  # wrong passwords for one account name within WINDOW, from anywhere
ADDRESS_LIMIT = 20  # wrong passwords from one address within WINDOW, for any names
WINDOW = 15 * 60
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a sign-in form does not need more
_SEEN_EVERY = 60  # a session's last use is written at most once a minute
_MAX_KEYS = 10_000  # throttle entries kept (the oldest go first): a spray of names stays bounded
_COOKIE = re.compile(r"[A-Za-z0-9_-]{43}")
TOKEN_PREFIX = "cl10n_"


def state_dir(root: Path, given: str | os.PathLike[str] | None = None) -> Path:
    """--state, else $CLINIC_L10N_STATE, else `.clinic-l10n` in the content tree."""
    chosen = given or os.environ.get(STATE_ENV)
    return Path(chosen).resolve() if chosen else root / DEFAULT_STATE


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


@dataclass(frozen=True)
class SignIn:
    """A sign-in's outcome: the new session and its cookie, or why not (and, when throttled, the
    seconds to wait)."""

    session: Session | None = None
    cookie: str = ""
    refused: str = ""
    retry_after: int = 0


@dataclass
class Accounts:
    folder: Path
    clock: Callable[[], float] = time.time
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    _dummy: str = ""
    _cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None
    _hashing: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(2))

    # -- the folder ---------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the folder (created 0700, ignoring itself in git)."""
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, "# clinic-l10n's state (accounts, sessions): never committed\n*\n")
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self, name: str) -> dict[str, Any]:
        path = self.folder / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AccountError(f"not JSON: {exc}", path) from None
        if not isinstance(data, dict):
            raise AccountError("expected a JSON object", path, 1)
        return data

    def _write(self, name: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        atomic_write(self.folder / name, text)

    def _accounts(self) -> dict[str, Any]:
        """accounts.json, read again only when it changed on disk (each API call reads it)."""
        path = self.folder / "accounts.json"
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return {}
        sig = signature_of(st)
        if self._cache is None or self._cache[0] != sig:
            self._cache = (sig, self._read("accounts.json"))
        return self._cache[1]

    # -- passwords ----------------------------------------------------------------------------

    def set_password(self, name: str, password: str) -> None:
        """Store an argon2 hash of `password` for `name` (as declared) and end their sessions."""
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
        if len(password) > MAX_PASSWORD:
            raise AccountError(f"a password may have at most {MAX_PASSWORD} characters")
        hashed = self.hasher.hash(password)
        with self._locked():
            data = self._read("accounts.json")
            people = data.setdefault("reviewers", {})
            entry = people.setdefault(person_key(name), {})
            entry.update(name=name, password=hashed, password_set=_iso(self.clock()))
            self._write("accounts.json", data)
            self._end_sessions_of(name)

    def verify(self, name: str | None, password: str) -> bool:
        """Whether `password` is `name`'s. As slow for an unknown name or an account without a
        password as for a wrong password, so timing does not tell which names exist."""
        entry = self._accounts().get("reviewers", {}).get(person_key(name), {}) if name else {}
        stored = entry.get("password") if isinstance(entry, dict) else None
        if not self._dummy:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        with self._hashing:  # argon2 takes 64 MiB a time: a burst of sign-ins waits its turn
            try:
                ok = self.hasher.verify(stored or self._dummy, password[:MAX_PASSWORD])
            except (VerificationError, InvalidHashError):
                return False
            if ok and stored and name and self.hasher.check_needs_rehash(stored):
                self.set_password_hash(name, self.hasher.hash(password))
        return bool(ok and stored)

    def set_password_hash(self, name: str, hashed: str) -> None:
        with self._locked():
            data = self._read("accounts.json")
            data.setdefault("reviewers", {}).setdefault(person_key(name), {}).update(
                name=name, password=hashed
            )
            self._write("accounts.json", data)

    # -- API tokens ---------------------------------------------------------------------------

    def new_token(self, name: str) -> str:
        """A new API token for `name` (replacing any earlier one); only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._locked():
            data = self._read("accounts.json")
            entry = data.setdefault("reviewers", {}).setdefault(person_key(name), {})
            entry.update(name=name, token_sha256=_sha256(token), token_created=_iso(self.clock()))
            self._write("accounts.json", data)
        return token

    def revoke_token(self, name: str) -> bool:
        """Remove `name`'s token; whether there was one."""
        with self._locked():
            data = self._read("accounts.json")
            entry = data.get("reviewers", {}).get(person_key(name))
            if not entry or "token_sha256" not in entry:
                return False
            entry.pop("token_sha256")
            entry.pop("token_created", None)
            self._write("accounts.json", data)
        return True

    def token_owner(self, token: str) -> str | None:
        """The reviewer (as declared when the token was made) whose token this is."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        wanted = _sha256(token)
        for entry in self._accounts().get("reviewers", {}).values():
            if isinstance(entry, dict) and hmac.compare_digest(
                str(entry.get("token_sha256", "")), wanted
            ):
                return str(entry["name"])
        return None

    # -- sessions -----------------------------------------------------------------------------

    def _session_path(self, cookie: str) -> Path | None:
        if not _COOKIE.fullmatch(cookie):
            return None
        return self.folder / "sessions" / f"{_sha256(cookie)}.json"

    def start_session(self, name: str) -> tuple[str, Session]:
        now = self.clock()
        cookie = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), now, now)
        path = self._session_path(cookie)
        assert path is not None
        with self._locked():
            self._sweep(now)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            self._write(f"sessions/{path.name}", session.__dict__)
        return cookie, session

    def session(self, cookie: str) -> Session | None:
        """The session of this cookie, if it has not expired (its last use is noted)."""
        path = self._session_path(cookie)
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
            with self._locked():
                if path.exists():  # not signed out meanwhile
                    self._write(f"sessions/{path.name}", found.__dict__)
        return found

    def end_session(self, cookie: str) -> None:
        path = self._session_path(cookie)
        if path is not None:
            path.unlink(missing_ok=True)

    def _sessions(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        for path in (self.folder / "sessions").glob("*.json"):
            try:
                data = json.loads(path.read_bytes())
            except (OSError, ValueError):
                data = {}
            yield path, data if isinstance(data, dict) else {}

    def _sweep(self, now: float) -> None:
        for path, data in self._sessions():
            try:
                ended = now >= min(
                    float(data["created"]) + SESSION_MAX, float(data["seen"]) + SESSION_IDLE
                )
            except (KeyError, TypeError, ValueError):
                ended = True
            if ended:
                path.unlink(missing_ok=True)

    def _end_sessions_of(self, name: str) -> None:
        for path, data in self._sessions():
            if person_key(str(data.get("reviewer", ""))) == person_key(name):
                path.unlink(missing_ok=True)

    # -- failed sign-ins ----------------------------------------------------------------------

    def _attempt(self, account: str, address: str) -> int:
        """Seconds to wait before `account` or `address` may try again; 0 when they may now, and
        then the attempt is counted as failed until `_succeeded` says otherwise (so concurrent
        tries cannot get past the limit)."""
        now = self.clock()
        with self._locked():
            data = self._read("throttle.json")
            tables = []
            for table, key, limit in (
                ("accounts", account, ACCOUNT_LIMIT),
                ("addresses", address, ADDRESS_LIMIT),
            ):
                entries = data.setdefault(table, {})
                recent = [t for t in entries.get(key, []) if now - t < WINDOW]
                if len(recent) >= limit:
                    return max(1, int(recent[-limit] + WINDOW - now) + 1)
                tables.append((entries, key, recent))
            for entries, key, recent in tables:
                entries[key] = [*recent, now]
            self._prune(data, now)
            self._write("throttle.json", data)
        return 0

    def _succeeded(self, account: str, address: str) -> None:
        """A right password: the account's failures are forgotten, and this try was not one."""
        with self._locked():
            data = self._read("throttle.json")
            data.get("accounts", {}).pop(account, None)
            tries = data.get("addresses", {}).get(address)
            if tries:
                tries.pop()
            self._write("throttle.json", data)

    @staticmethod
    def _prune(data: dict[str, Any], now: float) -> None:
        for table in ("accounts", "addresses"):
            entries = data.get(table, {})
            for key in list(entries):
                entries[key] = [t for t in entries[key] if now - t < WINDOW]
                if not entries[key]:
                    del entries[key]
            if len(entries) > _MAX_KEYS:
                by_age = sorted(entries, key=lambda k: entries[k][-1])
                for key in by_age[: len(entries) - _MAX_KEYS]:
                    del entries[key]

    def sign_in(self, policy: Policy, name: str, password: str, address: str) -> SignIn:
        """Check a name and password, throttled per account name and per address; a session on
        success. The refusal never says whether the name exists."""
        account = person_key(name)[:200]
        wait = self._attempt(account, address)
        if wait:
            minutes = (wait + 59) // 60
            return SignIn(
                refused=f"Too many failed sign-ins; try again in {minutes} minute(s).",
                retry_after=wait,
            )
        declared = policy.find(name)
        if not self.verify(declared.name if declared else None, password):
            return SignIn(refused="The name or the password is wrong.")
        assert declared is not None
        self._succeeded(account, address)
        cookie, session = self.start_session(declared.name)
        return SignIn(session, cookie)
