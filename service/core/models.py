"""The plain data every stage passes around: segments, catalog entries, review records.

Frozen dataclasses and enums only; nothing here reads a file or imports a library of the pipeline.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from service.po.model import Key, Statistics

__all__ = [
    "SOURCE_LOCALE",
    "UI_DOMAIN",
    "CatalogEntry",
    "FallbackPolicy",
    "Key",
    "Ledger",
    "LoadedCatalog",
    "Page",
    "ResolvedPage",
    "ReviewRecord",
    "Role",
    "Segment",
    "SegmentType",
    "ServedSegment",
    "Target",
    "fingerprint",
    "person_key",
    "same_person",
    "word_count",
]

SOURCE_LOCALE = "en"
UI_DOMAIN = "ui"


class SegmentType(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list-item"
    BLOCKQUOTE = "blockquote"
    TABLE_CELL = "table-cell"
    IMAGE = "image"  # an image standing alone: its alt text is the message
    UI = "ui"


# A role a reviewer signs in, by its name as l10n.yaml declares it under `roles:` ("linguistic",
# "clinical", or a clinic's own, such as "pharmacist"): which roles exist and which text needs
# which is the config's policy (`service.core.policy`), not a fixed list.
Role = str


class FallbackPolicy(StrEnum):
    SEGMENT = "segment"  # each segment falls back along the chain on its own
    PAGE = "page"  # the whole page comes from one locale of the chain


def fingerprint(*parts: str) -> str:
    """The hash a review is bound to; plural forms are joined as in a .mo file.

    >>> fingerprint("Hola")[:12]
    'e633f4fc79ba'
    >>> fingerprint("a", "b") == fingerprint("a\\x00b")
    True
    """
    return _fingerprint(parts)


@functools.lru_cache(
    maxsize=65536
)  # each text is asked for by the serving rule, coverage and findings
def _fingerprint(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=4096)  # the serving rule asks for every record it looks at
def person_key(name: str) -> str:
    """A name as people are told apart: e-mail, case and spacing ignored.

    >>> person_key("Ana  EJEMPLO <ana@example.org>")
    'ana ejemplo'
    """
    return " ".join(re.sub(r"<[^>]*>", "", name).split()).casefold()


def same_person(a: str | None, b: str | None) -> bool:
    """
    >>> same_person("Ana Ejemplo <ana@example.org>", "ana  ejemplo")
    True
    """
    return bool(a) and bool(b) and person_key(a or "") == person_key(b or "")


def word_count(text: str) -> int:
    """Words as translators count them: runs separated by white space.

    >>> word_count("Take **one** dose.")
    3
    """
    return len(text.split())


@dataclass(frozen=True)
class Target:
    """Where a link or an image points, kept out of the msgid so that no translation can change it:
    a reference definition (`[label]: href "title"`, `label` normalised as markdown-it-py matches
    it), or the source of an image whose alt text is the message (no label)."""

    href: str
    title: str = ""
    label: str = ""


@dataclass(frozen=True)
class Segment:
    """One translatable unit of a page (or one message of the ui domain)."""

    id: str
    type: SegmentType
    source: str
    line: int
    critical: bool = False
    level: int = 0
    section: int = 0
    source_plural: str | None = None
    comment: str = ""
    context: str | None = None  # the msgctxt of its catalog entry (none for page text)
    references: tuple[Target, ...] = ()  # the reference definitions its text uses
    image: Target | None = None  # for an image alone: its source, fixed; `source` is its alt text

    @property
    def source_forms(self) -> tuple[str, ...]:
        return (self.source,) if self.source_plural is None else (self.source, self.source_plural)

    @property
    def key(self) -> Key:
        """Its catalog entry's key: (msgctxt, msgid), as gettext tells entries apart."""
        return (self.context, self.source)


@dataclass(frozen=True)
class Page:
    """A source page (or the ui domain): one gettext domain."""

    slug: str
    path: str
    segments: tuple[Segment, ...]
    fallback: FallbackPolicy = FallbackPolicy.SEGMENT
    body: str = ""
    author: str | None = None

    def segment(self, msgid: str, context: str | None = None) -> Segment | None:
        """The first segment with this catalog key (a page may use a message twice)."""
        return self._first_by_key.get((context, msgid))

    @functools.cached_property
    def _first_by_key(self) -> dict[Key, Segment]:
        first: dict[Key, Segment] = {}
        for s in self.segments:
            first.setdefault(s.key, s)
        return first


@dataclass(frozen=True)
class CatalogEntry:
    """A live catalog entry as the pipeline needs it; `errors` are what `msgfmt -c` finds wrong
    with it (a format or newline mismatch, a wrong number of plural forms), which keep it off
    the page like an error-level check."""

    msgid: str
    msgstr: tuple[str, ...]
    fuzzy: bool
    line: int
    msgid_plural: str | None = None
    msgctxt: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        """As `msgfmt --statistics` counts: msgstr[0] not empty and not fuzzy (an empty later
        plural form is an error finding, not a different count)."""
        return bool(self.msgstr) and self.msgstr[0] != "" and not self.fuzzy


@dataclass(frozen=True)
class LoadedCatalog:
    path: str
    locale: str
    domain: str
    entries: Mapping[Key, CatalogEntry]
    last_translator: str | None = None
    counts: Statistics = field(default_factory=Statistics)  # msgfmt --statistics


@dataclass(frozen=True)
class ReviewRecord:
    """One approval in force: this translation, of this English, by this reviewer, in this role.
    `line` and `seq` place the approve event in its ledger's history."""

    msgid: str
    source_sha256: str
    msgstr: tuple[str, ...]
    translation_sha256: str
    translator: str | None
    reviewer: str
    reviewed_at: str
    role: Role = "linguistic"
    line: int = 0
    msgctxt: str | None = None
    segment_id: str | None = None
    meaning: str = ""
    seq: int = 0
    confirmed: tuple[str, ...] = ()  # the confirm-level check ids the reviewer confirmed

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    def approves(self, source_forms: tuple[str, ...], msgstr: tuple[str, ...]) -> bool:
        return self.source_sha256 == fingerprint(
            *source_forms
        ) and self.translation_sha256 == fingerprint(*msgstr)


@dataclass(frozen=True)
class Ledger:
    """Approvals in force for one page in one locale, derived from its verified history: at most one
    record per entry (msgctxt, msgid) and role. `head` is the hash of the history's last event
    (empty for no history) and `events` how many there are."""

    path: str
    locale: str
    domain: str
    records: Mapping[tuple[Key, Role], ReviewRecord] = field(default_factory=dict)
    head: str = ""
    events: int = 0

    def for_key(self, key: Key) -> tuple[ReviewRecord, ...]:
        """The records in force for one entry, one per role, in the history's order."""
        return self._by_key.get(key, ())

    @functools.cached_property
    def _by_key(self) -> dict[Key, tuple[ReviewRecord, ...]]:
        found: dict[Key, list[ReviewRecord]] = {}
        for (key, _), record in self.records.items():
            found.setdefault(key, []).append(record)
        return {key: tuple(records) for key, records in found.items()}

    def of_translation(self, translation_sha256: str) -> tuple[ReviewRecord, ...]:
        """The records in force that approve this translation, of whatever English."""
        return self._by_translation.get(translation_sha256, ())

    @functools.cached_property
    def _by_translation(self) -> dict[str, tuple[ReviewRecord, ...]]:
        found: dict[str, list[ReviewRecord]] = {}
        for record in self.records.values():
            found.setdefault(record.translation_sha256, []).append(record)
        return {sha: tuple(records) for sha, records in found.items()}

    def approving(
        self, key: Key, source_forms: tuple[str, ...], forms: tuple[str, ...]
    ) -> tuple[ReviewRecord, ...]:
        """The records that approve exactly this text against exactly this English."""
        return tuple(r for r in self.for_key(key) if r.approves(source_forms, forms))


@dataclass(frozen=True)
class ServedSegment:
    segment: Segment
    forms: tuple[str, ...]
    locale: str
    fallback: bool
    reviews: tuple[ReviewRecord, ...]

    @property
    def text(self) -> str:
        return self.forms[0]


@dataclass(frozen=True)
class ResolvedPage:
    page: Page
    target: str
    locale: str
    served: tuple[ServedSegment, ...]
    withheld: tuple[Segment, ...]
    held_sections: tuple[
        int, ...
    ] = ()  # critical sections shown in English because one part was not reviewed

    @property
    def complete(self) -> bool:
        return not self.withheld and all(s.locale == self.target for s in self.served)

    def get(self, segment_id: str) -> ServedSegment | None:
        return next((s for s in self.served if s.segment.id == segment_id), None)
