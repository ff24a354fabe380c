"""A ledger's history: append-only, hash-chained review events, and the approvals in force derived
from it. Pure: text in, events, approvals and problems out; `review` does the reading and locking.

`locales/<locale>/reviews/<page>.yaml` is a YAML list whose every item is one event written on one
line as canonical JSON (which YAML reads as a flow mapping), so a signature is one added line in a
diff and the bytes hashed are the bytes on disk. Each event carries `seq` (1, 2, 3…) and `prev`, the
SHA-256 of the event line before it (for the first, of a genesis string naming the locale and page).
Editing, removing, reordering or inserting an event breaks the chain, and `read_history` names the
line. Events cut off at the end are found only against a head recorded earlier (`audit verify
--since REV` compares with the file in git).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from service.core.errors import LedgerError
from service.core.models import Key, ReviewRecord, Role
from service.core.policy import ROLE_NAME

__all__ = [
    "HEADER",
    "History",
    "encode",
    "genesis",
    "line_hash",
    "read_history",
    "record_of",
]

# Every field an event may have, in the order they are written (the order is part of the hash).
FIELDS = (
    "seq",
    "prev",
    "at",
    "event",
    "locale",
    "page",
    "id",
    "msgctxt",
    "msgid",
    "msgstr",
    "source_sha256",
    "translation_sha256",
    "translator",
    "reviewer",
    "role",
    "meaning",
    "confirmed",
    "reason",
    "count",
)
_COMMON = {"seq", "prev", "at", "event", "locale", "page", "reviewer"}
_REQUIRED = {
    "import": _COMMON | {"reason", "count"},
    "approve": _COMMON
    | {"msgid", "msgstr", "source_sha256", "translation_sha256", "role", "meaning"},
    "revoke": _COMMON | {"msgid", "source_sha256", "translation_sha256", "role", "reason"},
    "return": _COMMON | {"msgid", "msgstr", "source_sha256", "translation_sha256", "reason"},
}
_OPTIONAL = {
    "import": set[str](),
    "approve": {"id", "msgctxt", "translator", "confirmed"},
    "revoke": {"id", "msgctxt"},
    "return": {"id", "msgctxt"},
}
_ALLOWED = {kind: _REQUIRED[kind] | _OPTIONAL[kind] for kind in _REQUIRED}
_HEX = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
# Characters JSON leaves raw that YAML would not read back as they are (C1 controls, line and
# paragraph separators, BOM, non-characters): written as \\u escapes, so the file stays YAML.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_OLD_FORMAT = re.compile(r"(locale|page|records)\s*:")
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_NOT_TEXT = frozenset(("seq", "count", "msgstr", "confirmed"))
_CHECK_ID = re.compile(r"[a-z][a-z0-9-]*")

HEADER = (
    "# Review history of {page} in {locale}: one signed event per line, oldest first.\n"
    "# Written by `clinic-l10n review`; append-only and hash-chained, checked by\n"
    "# `clinic-l10n audit verify`. An edited line voids the history of this page and locale.\n"
)


def genesis(locale: str, page: str) -> str:
    """What the first event's `prev` is: a history cannot be moved to another page or locale."""
    return line_hash(f"clinic-l10n review history\n{locale}\n{page}")


def line_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=256)
def _in_order(names: tuple[str, ...]) -> bool:
    """Whether these fields, in this order, are as `encode` writes them (known, in `FIELDS`
    order)."""
    return names == tuple(name for name in FIELDS if name in names)


def encode(event: Mapping[str, Any]) -> str:
    """One event as the JSON text that is written and hashed.

    >>> encode({"prev": "0" * 4, "seq": 1, "msgid": "Dose\\u2028"})
    '{"seq": 1, "prev": "0000", "msgid": "Dose\\\\u2028"}'
    """
    # an event read back from a ledger has its fields in order already (every start reads them all)
    in_order = isinstance(event, dict) and _in_order(tuple(event))
    text = _JSON.encode(event if in_order else {k: event[k] for k in FIELDS if k in event})
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _UNSAFE.search(text) else text


@dataclass(frozen=True)
class Event:
    line: int
    text: str  # the JSON as on disk: what the next event's `prev` hashes
    data: Mapping[str, Any]

    @property
    def seq(self) -> int:
        return int(self.data["seq"])

    @property
    def kind(self) -> str:
        return str(self.data["event"])


@dataclass(frozen=True)
class History:
    """A ledger file read and verified: its events, what they leave in force, what is wrong."""

    path: str
    locale: str
    page: str
    events: tuple[Event, ...] = ()
    records: Mapping[tuple[Key, Role], ReviewRecord] = field(default_factory=dict)
    problems: tuple[LedgerError, ...] = ()
    translators: Mapping[tuple[Key, str], str] = field(default_factory=dict)  # `Ledger.translator`
    revoked: frozenset[tuple[Key, str]] = frozenset()  # `Ledger.revoked`
    returned: Mapping[tuple[Key, str], tuple[str, str, str]] = field(default_factory=dict)

    @property
    def head(self) -> str:
        """The hash the next event will chain to ("" for an empty history)."""
        return line_hash(self.events[-1].text) if self.events else ""

    def next_link(self) -> tuple[int, str]:
        """(seq, prev) for the next event."""
        if not self.events:
            return 1, genesis(self.locale, self.page)
        return self.events[-1].seq + 1, self.head


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"field {key!r} appears twice")
        out[key] = value
    return out


def _decode(text: str) -> tuple[dict[str, Any], bool]:
    """The event's fields, and whether `text` is their canonical encoding. Read by the C decoder;
    a text that is not canonical (which a duplicated field never is) is read again, field by field,
    to name a duplicate."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("an event is a JSON object")
    if encode(data) == text:
        return data, True
    return json.loads(text, object_pairs_hook=_no_duplicates), False


def _check_ids(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(c, str) and _CHECK_ID.fullmatch(c) for c in value)
        and value == sorted(set(value))
    )


def _shape(data: Mapping[str, Any]) -> str:
    """Why the event's fields are not what its kind needs ("" when they are)."""
    kind = data.get("event")
    if not isinstance(kind, str) or kind not in _REQUIRED:
        return f"'event' must be one of {', '.join(sorted(_REQUIRED))}"
    fields = data.keys()
    if not fields >= _REQUIRED[kind]:
        return f"{kind} event without {min(_REQUIRED[kind] - fields)!r}"
    if not fields <= _ALLOWED[kind]:
        return f"{kind} event with unknown field {min(fields - _ALLOWED[kind])!r}"
    if not isinstance(data["seq"], int) or isinstance(data["seq"], bool) or data["seq"] < 1:
        return "'seq' must be a whole number from 1"
    if kind == "import" and (not isinstance(data["count"], int) or data["count"] < 0):
        return "'count' must be a whole number"
    for name in ("prev", "source_sha256", "translation_sha256"):
        if name in data and not (isinstance(data[name], str) and _HEX.fullmatch(data[name])):
            return f"{name!r} must be a SHA-256 in hex"
    if not (isinstance(data["at"], str) and _TIME.fullmatch(data["at"])):
        return "'at' must be a UTC time like 2026-01-31T09:00:00Z"
    for name, value in data.items():
        if name in _NOT_TEXT:
            continue
        if not isinstance(value, str) or (not value and name != "msgctxt"):
            return f"{name!r} must be non-empty text"
    msgstr = data.get("msgstr", "")
    forms = msgstr if isinstance(msgstr, list) else [msgstr]
    if not forms or not all(isinstance(f, str) for f in forms):
        return "'msgstr' must be text or a list of texts"
    if "confirmed" in data and not _check_ids(data["confirmed"]):
        return "'confirmed' must be a sorted list of check ids, each once"
    if "role" in data and not ROLE_NAME.fullmatch(data["role"]):  # whether it counts: the policy's
        return "'role' must be a role's name (lower-case letters, digits and '-')"
    return ""


def record_of(event: Event) -> ReviewRecord:
    """The approval an approve event records."""
    d = event.data
    msgstr = d["msgstr"]
    return ReviewRecord(
        msgid=d["msgid"],
        source_sha256=d["source_sha256"],
        msgstr=tuple(msgstr) if isinstance(msgstr, list) else (msgstr,),
        translation_sha256=d["translation_sha256"],
        translator=d.get("translator"),
        reviewer=d["reviewer"],
        reviewed_at=d["at"],
        role=d["role"],
        line=event.line,
        msgctxt=d.get("msgctxt"),
        segment_id=d.get("id"),
        meaning=d["meaning"],
        seq=d["seq"],
        confirmed=tuple(d.get("confirmed", ())),
    )


class _Reader:
    """Walks the lines once: checks each event's form, its place in the chain and what it does."""

    def __init__(self, path: str, locale: str, page: str):
        self.path, self.locale, self.page = path, locale, page
        self.events: list[Event] = []
        self.records: dict[tuple[Key, Role], ReviewRecord] = {}
        self.translators: dict[tuple[Key, str], str] = {}  # exact text -> its first recorded
        self.revoked: set[tuple[Key, str]] = set()  # exact texts an approval of was revoked
        self.returned: dict[tuple[Key, str], tuple[str, str, str]] = {}  # `Ledger.returned`
        self.problems: list[LedgerError] = []
        self.expected, self.prev = 1, genesis(locale, page)
        self.prev_line = 0
        self.stopped = False
        self.followers: dict[str, int] = {}  # prev hash -> line of the event that chains to it

    def problem(self, message: str, line: int) -> None:
        if not any(p.line == line for p in self.problems):
            self.problems.append(LedgerError(message, self.path, line))

    def line(self, number: int, raw: str) -> None:
        if self.stopped:
            return
        text = raw[:-1] if raw.endswith("\r") else raw
        if not text.strip() or text.lstrip().startswith("#"):
            return
        if not text.startswith("- {"):
            if not self.events and not self.problems and _OLD_FORMAT.match(text):
                self.problem(
                    "a ledger without a history (the format before signed events); "
                    "run `clinic-l10n audit import` to start its history",
                    number,
                )
                self.stopped = True
            else:
                self.problem("not a review event: each line is '- {…}', one JSON object", number)
            self.prev = line_hash(text)
            return
        body = text[2:]
        try:
            data, canonical = _decode(body)
        except json.JSONDecodeError as exc:
            self.problem(f"not a review event: {exc.msg} at column {exc.colno + 2}", number)
            self.prev, self.prev_line, self.expected = line_hash(body), number, self.expected + 1
            return
        except RecursionError:
            self.problem("not a review event: nested too deep", number)
            self.prev, self.prev_line, self.expected = line_hash(body), number, self.expected + 1
            return
        except ValueError as exc:
            self.problem(f"not a review event: {exc}", number)
            self.prev, self.prev_line, self.expected = line_hash(body), number, self.expected + 1
            return
        why = _shape(data)
        if why:
            self.problem(why, number)
            self.prev, self.prev_line = line_hash(body), number
            self.expected = data["seq"] + 1 if isinstance(data.get("seq"), int) else self.expected
            return
        event = Event(number, body, data)
        self.chain(event, canonical)
        self.followers.setdefault(data["prev"], number)
        self.apply(event)
        self.events.append(event)
        self.prev, self.prev_line, self.expected = line_hash(body), number, event.seq + 1

    def chain(self, event: Event, canonical: bool) -> None:
        seq, n = event.seq, event.line
        if (event.data["locale"], event.data["page"]) != (self.locale, self.page):
            self.problem(
                f"event {seq} belongs to {event.data['page']} in {event.data['locale']}, "
                f"not to this history ({self.page} in {self.locale})",
                n,
            )
        elif seq > self.expected:
            gone = f"{self.expected}" if seq == self.expected + 1 else f"{self.expected}–{seq - 1}"
            self.problem(
                f"event {seq} where event {self.expected} should be: event(s) {gone} removed "
                "or moved",
                n,
            )
        elif seq < self.expected:
            twin = self.followers.get(event.data["prev"])
            if twin is not None:
                self.problem(
                    f"this event and the one at line {twin} both follow event {seq - 1}: "
                    "one of them was inserted",
                    n,
                )
            else:
                self.problem(
                    f"event {seq} after event {self.expected - 1}: events reordered or one "
                    "inserted",
                    n,
                )
        elif event.data["prev"] != self.prev:
            if self.prev_line:
                self.problem(
                    f"event {seq - 1} was edited: it no longer matches the hash event {seq} "
                    f"(line {n}) recorded for it",
                    self.prev_line,
                )
            else:
                self.problem(f"event {seq} does not start this history's chain", n)
        if not canonical:
            self.problem(f"event {seq} is not as clinic-l10n writes it: edited by hand", n)
        if event.kind == "import" and seq != 1:
            self.problem("an import event can only open a history", n)

    def apply(self, event: Event) -> None:
        if event.kind == "import":
            return
        d = event.data
        if event.kind == "return":
            entry = (d.get("msgctxt"), d["msgid"])
            self.returned[(entry, d["translation_sha256"])] = (d["reviewer"], d["at"], d["reason"])
            return
        key = ((d.get("msgctxt"), d["msgid"]), d["role"])
        if event.kind == "approve":
            self.records[key] = record_of(event)
            if "translator" in d:  # whose text: the first approval of it says (revoked or not)
                self.translators.setdefault((key[0], d["translation_sha256"]), d["translator"])
            return
        current = self.records.get(key)
        hashes = (d["source_sha256"], d["translation_sha256"])
        if current is None or (current.source_sha256, current.translation_sha256) != hashes:
            self.problem(f"event {event.seq} revokes an approval that is not in force", event.line)
            return
        del self.records[key]
        self.revoked.add((key[0], d["translation_sha256"]))


def read_history(text: str, path: str, locale: str, page: str) -> History:
    """Read and verify one ledger's history; `problems` lists every break, each at its line."""
    reader = _Reader(path, locale, page)
    for number, raw in enumerate(text.split("\n"), start=1):
        reader.line(number, raw)
    return History(
        path,
        locale,
        page,
        tuple(reader.events),
        reader.records,
        tuple(reader.problems),
        reader.translators,
        frozenset(reader.revoked),
        reader.returned,
    )
