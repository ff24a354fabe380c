"""Failed sign-ins, counted so that they slow a guesser without ever locking a reviewer out.

There is no limit per account name from anywhere (with one, whoever reads a reviewer's name on a
patient page could keep them out). Failures are counted per (account, address) and per address
(`PAIR_LIMIT`, `ADDRESS_LIMIT` within `WINDOW`); a browser that signed in to an account before
carries a signed "known device" cookie for it (`DEVICE_COOKIE`, OWASP's device cookies), and its
tries are counted against that cookie alone (`DEVICE_LIMIT`), so a stranger's failures, from any
address, never hold up the reviewer's own browser. Keys are kept as keyed hashes (a password typed
into the name field is not written down), the oldest going first past `_MAX_KEYS`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from service.workspace.state import StateFolder

__all__ = [
    "ADDRESS_LIMIT",
    "DEVICE_AGE",
    "DEVICE_COOKIE",
    "DEVICE_LIMIT",
    "PAIR_LIMIT",
    "WINDOW",
    "Bucket",
    "Throttle",
]

PAIR_LIMIT = 5  # wrong passwords for one account from one address within WINDOW
ADDRESS_LIMIT = 20  # wrong passwords from one address within WINDOW, for any names
DEVICE_LIMIT = 10  # wrong passwords from one known browser within WINDOW
WINDOW = 15 * 60
DEVICE_COOKIE = "clinic_l10n_device"
DEVICE_AGE = 180 * 24 * 3600  # a known device is forgotten after half a year
_MAX_KEYS = 10_000  # entries kept per table: a spray of names and addresses stays bounded
_TABLES = ("pairs", "addresses", "devices")

Bucket = tuple[str, str, int]  # (table, key, limit)


class Throttle:
    """The failures of one state folder (`throttle.json`) and the key of its device cookies."""

    def __init__(self, state: StateFolder, clock: Callable[[], float]):
        self.state = state
        self.clock = clock

    def _mac(self, text: str) -> str:
        return hmac.new(self.state.key("device.key"), text.encode(), hashlib.sha256).hexdigest()

    def ref(self, account: str) -> str:
        """An opaque name for an account (or a name typed that is none), for the log and keys."""
        return self._mac(f"account\n{account}")[:16]

    # -- known devices ------------------------------------------------------------------------

    def device_cookie(self, account: str) -> str:
        """A new cookie that says: this browser signed in to `account`."""
        device, issued = secrets.token_urlsafe(12), int(self.clock())
        return f"{device}.{issued}.{self._device_mac(device, str(issued), account)}"

    def _device_mac(self, device: str, issued: str, account: str) -> str:
        return self._mac("\n".join(("device", device, issued, account)))

    def known_device(self, cookie: str | None, account: str) -> str | None:
        """The device's id when `cookie` is one of ours for `account` and not too old."""
        parts = (cookie or "").split(".")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            return None
        device, issued, mac = parts
        if not hmac.compare_digest(mac, self._device_mac(device, issued, account)):
            return None
        return device if self.clock() - int(issued) < DEVICE_AGE else None

    def buckets(self, account: str, address: str, device: str | None) -> list[Bucket]:
        """What one try counts against: its known device alone, else its (account, address)
        pair and its address."""
        if device is not None:
            return [("devices", self._mac(f"d\n{device}"), DEVICE_LIMIT)]
        return [
            ("pairs", self._mac(f"p\n{account}\n{address}"), PAIR_LIMIT),
            ("addresses", self._mac(f"a\n{address}"), ADDRESS_LIMIT),
        ]

    # -- counting -----------------------------------------------------------------------------

    def attempt(self, buckets: Sequence[Bucket]) -> int:
        """Seconds to wait before this try may be made; 0 when it may now, and then it is
        counted as failed until `succeeded` says otherwise (so concurrent tries cannot get
        past a limit)."""
        now = self.clock()
        with self.state.locked():
            data = self.state.read("throttle.json")
            found = []
            for table, key, limit in buckets:
                entries = data.setdefault(table, {})
                recent = [t for t in entries.get(key, []) if now - t < WINDOW]
                if len(recent) >= limit:
                    return max(1, int(recent[-limit] + WINDOW - now) + 1)
                found.append((entries, key, recent))
            for entries, key, recent in found:
                entries[key] = [*recent, now]
            _prune(data, now)
            self.state.write("throttle.json", data)
        return 0

    def succeeded(self, buckets: Sequence[Bucket]) -> None:
        """A right password: the pair's and the device's failures are forgotten, and this try
        was not one of the address's."""
        with self.state.locked():
            data = self.state.read("throttle.json")
            for table, key, _ in buckets:
                if table == "addresses":
                    tries = data.get(table, {}).get(key)
                    if tries:
                        tries.pop()
                else:
                    data.get(table, {}).pop(key, None)
            self.state.write("throttle.json", data)


def _prune(data: dict[str, Any], now: float) -> None:
    for stale in set(data) - set(_TABLES):  # an older version's tables (its keys were names)
        del data[stale]
    for table in _TABLES:
        entries = data.get(table, {})
        for key in list(entries):
            entries[key] = [t for t in entries[key] if now - t < WINDOW]
            if not entries[key]:
                del entries[key]
        if len(entries) > _MAX_KEYS:
            by_age = sorted(entries, key=lambda k: entries[k][-1])
            for key in by_age[: len(entries) - _MAX_KEYS]:
                del entries[key]
