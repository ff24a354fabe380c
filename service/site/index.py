"""What the build cache's `index.json` holds: the *record* of each page (or the ui strings) in each
locale, by key, and where the last good version of each input file is kept.

Records are written and read by field name (`codec`): a record whose fields are not `Record`'s (nor
its parts' theirs) is treated as absent, and made again; an index of another `INDEX_VERSION` is not
read at all. Neither is ever misread, whatever key led to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from service.site.codec import Table
from service.site.coverage import CoverageRow
from service.site.findings import FileFinding

__all__ = [
    "INDEX_VERSION",
    "ImageEntry",
    "PageEntry",
    "Record",
    "Ref",
    "find_good",
    "find_record",
    "index_bytes",
    "read_index",
    "read_record",
]

INDEX_VERSION = 4  # of index.json and its records: a new one makes every key new


class Ref(NamedTuple):
    """Bytes in a pack, checked against their SHA-256 when read."""

    pack: str
    offset: int
    size: int
    sha256: str


@dataclass(frozen=True)
class ImageEntry:
    """An image a page shows: the name it is served under (`content.assets.served_name`), its
    media type, and its bytes, kept in the pack of the page's snapshot."""

    name: str
    media_type: str
    data: Ref


@dataclass(frozen=True)
class PageEntry:
    """A page served in a locale: its snapshot (what its bodies are made from, when first asked
    for), and what lists and health show of it."""

    state: Ref
    title: str | None
    title_locale: str
    complete: bool
    withheld: int  # English segments awaiting approval, not served
    translated: int  # parts read in a language other than English (`translated_parts`)
    parts: int  # of the page, withheld ones included: listed or not (`listing`)
    # of the withheld, the drafts: a wording no approval of was ever revoked (new, or waiting for
    # its reviews); a page with drafts keeps its published version (`service.release.publish`)
    drafts: int = 0
    images: tuple[ImageEntry, ...] = ()  # the images its bodies show, in this locale


@dataclass(frozen=True)
class Record:
    """What a page (or the ui strings) in one locale was made into, from the files its key names."""

    key: str
    slug: str
    locale: str
    errors: tuple[str, ...]  # the load errors of its files, as health shows them
    load: tuple[FileFinding, ...]  # the same, as `check` reports them
    page: PageEntry | None = None  # None: the ui strings, or a page whose file did not load
    chrome: str | None = None  # the ui strings of a document's header (ui only; for an export)
    rows: tuple[CoverageRow, ...] = ()
    rows_json: tuple[str, ...] = ()  # the same rows as `CoverageOut` writes them
    blocked: tuple[str, ...] = ()  # approvals an error-level check keeps off the page
    refused: tuple[str, ...] = ()  # approvals the review policy does not count
    problems: tuple[FileFinding, ...] = ()  # everything else `check` reports
    # the ledger it was made with: its path, last event's hash and number of events (a release
    # records them: `audit verify` then sees an event appended or edited after it)
    ledger_path: str = ""
    ledger_head: str = ""
    ledger_events: int = 0


_RECORD = Table(Record, named=True)


def read_record(data: object) -> Record | None:
    """The record an index holds as `data`, or None when its fields are not a `Record`'s."""
    try:
        return _RECORD.of_obj(data)
    except (ValueError, TypeError, KeyError):
        return None


def _ref(data: object) -> Ref | None:
    if not isinstance(data, list) or len(data) != len(Ref._fields):
        return None
    return Ref(*data)


def read_index(raw: bytes) -> tuple[dict[str, Any], dict[str, Ref]]:
    """The records in `raw` (as written, read by `read_record` when asked for) by key, and the
    last good versions by path; both empty when `raw` is not an index of this version."""
    try:
        found = json.loads(raw)
    except ValueError:
        return {}, {}
    if not isinstance(found, dict) or found.get("version") != INDEX_VERSION:
        return {}, {}
    records, good = found.get("records"), found.get("good")
    good = good if isinstance(good, dict) else {}
    kept = {path: ref for path, data in good.items() if (ref := _ref(data)) is not None}
    return (records if isinstance(records, dict) else {}), kept


def index_bytes(records: Iterable[Record], good: Mapping[str, Ref], code: str) -> bytes:
    """index.json for `records` and the last good versions `good`; `code`: the code that made
    them (`keys.code_version`), for a reader to see. Written a record at a time (never the whole
    index as objects at once), keys sorted at every level."""
    by_key = {r.key: r for r in records}
    parts = [f"{_json(key)}: {_json(_RECORD.obj(by_key[key]))}".encode() for key in sorted(by_key)]
    head = f'{{"code": {_json(code)}, "good": {_json(good)}, "records": {{'.encode()
    return head + b", ".join(parts) + f'}}, "version": {INDEX_VERSION}}}'.encode()


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


# What follows a record as `index_bytes` writes them: the next record's key, or the index's end.
_AFTER = re.compile(rb', "[0-9a-f]{64}": \{|\}, "version": [0-9]+\}$')


def _ours(raw: bytes) -> bool:
    return raw.startswith(b'{"code": ') and raw.endswith(
        f'}}, "version": {INDEX_VERSION}}}'.encode()
    )


def find_good(raw: bytes, paths: Iterable[str]) -> dict[str, Ref]:
    """Where the last good version of each of `paths` is kept, as an index `index_bytes` wrote
    says, read alone (not the other paths', nor the records); none when `raw` is not such an
    index of this version."""
    end = raw.find(b', "records": {')
    if not _ours(raw) or end < 0:
        return {}
    found = {}
    for path in paths:
        needle = f"{_json(path)}: [".encode()
        at = raw.find(needle, 0, end)
        if at < 0:
            continue
        start = at + len(needle) - 1
        try:
            ref = _ref(json.loads(raw[start : raw.index(b"]", start) + 1]))
        except ValueError:
            continue
        if ref is not None:
            found[path] = ref
    return found


def find_record(raw: bytes, key: str) -> Any | None:
    """The record filed under `key` (as `read_index` gives it) in an index as `index_bytes`
    wrote it, read alone: found by its key (a SHA-256 in hex, which as `"KEY": {` starts nothing
    else in an index), checked to be the record of that key; None when it is not there."""
    at = raw.find(f'"{key}": {{'.encode())
    if at < 0 or not _ours(raw):
        return None
    start = at + len(key) + 4
    after = _AFTER.search(raw, start)
    if after is None:
        return None
    try:
        found = json.loads(raw[start : after.start()])
    except ValueError:
        return None
    return found if isinstance(found, dict) and found.get("key") == key else None
