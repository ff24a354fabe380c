"""Reviewers' accounts for the web workspace, kept in the state folder (`state.StateFolder`):
`accounts.json` (argon2 hashes of passwords, SHA-256 hashes of API tokens and of one-time reset
links), `sessions/` (`sessions.Sessions`), `throttle.json` (`throttle.Throttle`) and `device.key`
(the key of the known-device cookies). No secret is stored as such: a copy of the folder signs
nobody in.

A reviewer signs in with the `login` or `email` declared with them in l10n.yaml, or their full
name (`Policy.signing_in`); what is recorded and shown is always the declared name. A new
password (set by the reviewer, an administrator or a reset link) ends every session of theirs and
revokes their API token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.core.errors import AccountError
from service.core.files import signature_of
from service.core.models import person_key
from service.core.policy import Policy, Reviewer
from service.workspace.hashing import HashPool
from service.workspace.sessions import SESSION_IDLE, SESSION_MAX, Session, Sessions
from service.workspace.state import DEFAULT_STATE, STATE_ENV, StateFolder, state_dir
from service.workspace.throttle import ADDRESS_LIMIT, PAIR_LIMIT, WINDOW, Throttle

__all__ = [
    "ADDRESS_LIMIT",
    "DEFAULT_STATE",
    "MIN_PASSWORD",
    "PAIR_LIMIT",
    "RESET_VALID",
    "SESSION_IDLE",
    "SESSION_MAX",
    "STATE_ENV",
    "WINDOW",
    "Accounts",
    "Session",
    "SignIn",
    "state_dir",
]

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a sign-in form does not need more
RESET_VALID = 24 * 3600  # a reset link works once, within a day of being made
TOKEN_PREFIX = "cl10n_"
RESET_PREFIX = "reset_"
WRONG = "The name or the password is wrong."
_log = logging.getLogger("clinic_l10n.signin")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password may have at most {MAX_PASSWORD} characters")


@dataclass(frozen=True)
class SignIn:
    """A sign-in's outcome: the new session, its cookie and the browser's new known-device
    cookie, or why not (and, when throttled, the seconds to wait)."""

    session: Session | None = None
    cookie: str = ""
    device: str = ""
    refused: str = ""
    retry_after: int = 0


@dataclass
class Accounts:
    folder: Path
    clock: Callable[[], float] = time.time
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    _dummy: str = ""
    _cache: tuple[tuple[int, int, int], dict[str, object]] | None = None
    _dummy_lock: threading.Lock = field(default_factory=threading.Lock)
    pool: HashPool = field(default_factory=HashPool)  # where the server runs sign-ins

    def __post_init__(self) -> None:
        self.state = StateFolder(self.folder)
        self.sessions = Sessions(self.state, lambda: self.clock())
        self.throttle = Throttle(self.state, lambda: self.clock())

    def _entries(self) -> dict[str, dict[str, object]]:
        """accounts.json's reviewers, read again only when the file changed on disk."""
        path = self.folder / "accounts.json"
        try:
            sig = signature_of(path.stat())
        except FileNotFoundError:
            return {}
        if self._cache is None or self._cache[0] != sig:
            self._cache = (sig, self.state.read("accounts.json"))
        people = self._cache[1].get("reviewers", {})
        return people if isinstance(people, dict) else {}

    # -- passwords ----------------------------------------------------------------------------

    def set_password(self, name: str, password: str) -> None:
        """Store an argon2 hash of `password` for `name` (as declared), end their sessions and
        revoke their API token."""
        check_password(password)
        self._store(name, self.hasher.hash(password))

    def _store(self, name: str, hashed: str, reset: str | None = None) -> bool:
        """The new hash, unless `reset` (a reset link's hash) is given and no longer valid."""
        with self.state.locked():
            data = self.state.read("accounts.json")
            entry = data.setdefault("reviewers", {}).setdefault(person_key(name), {})
            if reset is not None and not self._reset_valid(entry, reset):
                return False
            for key in ("token_sha256", "token_created", "reset_sha256", "reset_expires"):
                entry.pop(key, None)
            entry.update(name=name, password=hashed, password_set=_iso(self.clock()))
            self.state.write("accounts.json", data)
            self.sessions.end_all_of(name)
        return True

    def verify(self, name: str | None, password: str) -> bool:
        """Whether `password` is `name`'s. As slow for an unknown name or an account without a
        password as for a wrong password, so timing does not tell which names exist."""
        entry = self._entries().get(person_key(name), {}) if name else {}
        found = entry.get("password") if isinstance(entry, dict) else None
        stored = found if isinstance(found, str) else None
        with self._dummy_lock:
            if not self._dummy:
                self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        try:
            ok = self.hasher.verify(stored or self._dummy, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return False
        if ok and stored and name and self.hasher.check_needs_rehash(stored):
            self._rehash(name, self.hasher.hash(password))
        return bool(ok and stored)

    def _rehash(self, name: str, hashed: str) -> None:
        with self.state.locked():
            data = self.state.read("accounts.json")
            data.setdefault("reviewers", {}).setdefault(person_key(name), {}).update(
                name=name, password=hashed
            )
            self.state.write("accounts.json", data)

    # -- one-time reset links -----------------------------------------------------------------

    def new_reset(self, name: str) -> str:
        """A reset link's secret for `name`, valid once within RESET_VALID (replacing any
        earlier one); only its hash is kept."""
        secret = RESET_PREFIX + secrets.token_urlsafe(32)
        with self.state.locked():
            data = self.state.read("accounts.json")
            entry = data.setdefault("reviewers", {}).setdefault(person_key(name), {})
            entry.update(name=name, reset_sha256=_sha256(secret))
            entry["reset_expires"] = self.clock() + RESET_VALID
            self.state.write("accounts.json", data)
        return secret

    def _reset_valid(self, entry: Mapping[str, object], wanted: str) -> bool:
        stored, expires = entry.get("reset_sha256"), entry.get("reset_expires")
        return (
            isinstance(stored, str)
            and isinstance(expires, int | float)
            and self.clock() < expires
            and hmac.compare_digest(stored, wanted)
        )

    def reset_owner(self, secret: str) -> str | None:
        """Whose reset link this is, while it is valid."""
        if not secret.startswith(RESET_PREFIX) or len(secret) > 100:
            return None
        wanted = _sha256(secret)
        for entry in self._entries().values():
            if isinstance(entry, dict) and self._reset_valid(entry, wanted):
                return str(entry["name"])
        return None

    def use_reset(self, secret: str, password: str) -> str | None:
        """Set the password through a reset link, which then stops working; whose it was
        (None: not valid, used or expired)."""
        check_password(password)
        name = self.reset_owner(secret)
        if name is None or not self._store(name, self.hasher.hash(password), _sha256(secret)):
            return None
        return name

    # -- API tokens ---------------------------------------------------------------------------

    def new_token(self, name: str) -> str:
        """A new API token for `name` (replacing any earlier one); only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.state.locked():
            data = self.state.read("accounts.json")
            entry = data.setdefault("reviewers", {}).setdefault(person_key(name), {})
            entry.update(name=name, token_sha256=_sha256(token), token_created=_iso(self.clock()))
            self.state.write("accounts.json", data)
        return token

    def revoke_token(self, name: str) -> bool:
        """Remove `name`'s token; whether there was one."""
        with self.state.locked():
            data = self.state.read("accounts.json")
            entry = data.get("reviewers", {}).get(person_key(name))
            if not entry or "token_sha256" not in entry:
                return False
            entry.pop("token_sha256")
            entry.pop("token_created", None)
            self.state.write("accounts.json", data)
        return True

    def token_owner(self, token: str) -> str | None:
        """The reviewer (as declared when the token was made) whose token this is."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        wanted = _sha256(token)
        for entry in self._entries().values():
            if isinstance(entry, dict) and hmac.compare_digest(
                str(entry.get("token_sha256", "")), wanted
            ):
                return str(entry["name"])
        return None

    # -- sessions (`sessions.Sessions`) -------------------------------------------------------

    def start_session(self, name: str) -> tuple[str, Session]:
        return self.sessions.start(name)

    def session(self, cookie: str) -> Session | None:
        return self.sessions.find(cookie)

    def end_session(self, cookie: str) -> None:
        self.sessions.end(cookie)

    # -- signing in ---------------------------------------------------------------------------

    @staticmethod
    def account(policy: Policy, typed: str) -> tuple[Reviewer | None, str]:
        """The reviewer a typed name means, and the key its failures are counted under (for a
        name that is nobody's, the name as typed, which is kept only as a keyed hash)."""
        declared = policy.signing_in(typed)
        return declared, person_key(declared.name) if declared else "?" + typed.casefold()[:200]

    def known_device(self, policy: Policy, typed: str, cookie: str | None) -> bool:
        """Whether this browser's device cookie says it signed in to that account before."""
        return self.throttle.known_device(cookie, self.account(policy, typed)[1]) is not None

    def sign_in(
        self, policy: Policy, typed: str, password: str, address: str, device: str | None = None
    ) -> SignIn:
        """Check a name (login, e-mail or full name) and password, throttled as `throttle`
        says; a session on success. The refusal never says whether the name exists, and the
        log names the account by an opaque reference only."""
        declared, account = self.account(policy, typed)
        ref = self.throttle.ref(account)
        known = self.throttle.known_device(device, account)
        buckets = self.throttle.buckets(account, address, known)
        wait = self.throttle.attempt(buckets)
        if wait:
            _log.info("sign-in throttled for account %s (%s s)", ref, wait)
            return SignIn(
                refused=f"Too many failed sign-ins; try again in {(wait + 59) // 60} minute(s).",
                retry_after=wait,
            )
        if not self.verify(declared.name if declared else None, password):
            _log.info("sign-in refused for %s", f"account {ref}" if declared else "an unknown name")
            return SignIn(refused=WRONG)
        assert declared is not None
        self.throttle.succeeded(buckets)
        cookie, session = self.start_session(declared.name)
        _log.info("sign-in accepted for account %s", ref)
        return SignIn(session, cookie, self.throttle.device_cookie(account))

    def change_password(self, name: str, current: str, new: str, address: str) -> str:
        """A signed-in reviewer's new password, given the current one (failures count as a
        sign-in's do); "" when done, else why not."""
        check_password(new)
        buckets = self.throttle.buckets(person_key(name), address, None)
        if self.throttle.attempt(buckets):
            return "Too many wrong passwords; try again later."
        if not self.verify(name, current):
            return "The current password is wrong."
        self.throttle.succeeded(buckets)
        self._store(name, self.hasher.hash(new))
        return ""
