"""The plain data every stage passes around: segments, catalog entries, review records.

Frozen dataclasses and enums only; nothing here reads a file or imports a library of the pipeline.
"""

from __future__ import annotations

import functools
import hashlib
import json
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
    "bound_targets",
    "fingerprint",
    "own_targets",
    "person_key",
    "text_sha256",
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
    """A name as a declared reviewer or an account is looked up by: e-mail, case and spacing
    ignored (whether two names are one person is `identity.same_person`'s question).

    >>> person_key("Ana  EJEMPLO <ana@example.org>")
    'ana ejemplo'
    """
    return " ".join(re.sub(r"<[^>]*>", "", name).split()).casefold()


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
    table: int = 0  # which table of its page holds it (from 1); 0 outside a table
    doses: bool = False  # its English, or a cell of its table, holds a dose: `quality.clinical`
    # The targets the page's other segments with its catalog entry bind (a title that is also an
    # image's alt text): one entry is approved once, for all its uses (`bound_targets`).
    shares: tuple[str, ...] = ()

    @property
    def source_forms(self) -> tuple[str, ...]:
        return (self.source,) if self.source_plural is None else (self.source, self.source_plural)

    @property
    def key(self) -> Key:
        """Its catalog entry's key: (msgctxt, msgid), as gettext tells entries apart."""
        return (self.context, self.source)


def text_sha256(segment: Segment, locale: str, forms: tuple[str, ...]) -> str:
    """The hash an approval in `locale` binds as the text it approves (`translation_sha256`).

    A reference link's target is kept out of its text (`Target`), so for English it is bound
    here: the definitions the segment uses (`[faq]: https://…`), and an image's source, are part
    of what the English approval approves. Changing one voids the English approvals of the
    segments that use it, and their translations then wait for the English (invariant 2); a
    translation's own hash is its text alone. Text with no reference link or image hashes as
    `fingerprint(*forms)`, as every approval made before did, so those stay in force.

    >>> plain = Segment("p", SegmentType.PARAGRAPH, "See [faq].", 1)
    >>> linked = Segment("p", SegmentType.PARAGRAPH, "See [faq].", 1,
    ...                  references=(Target("https://a.example/", label="faq"),))
    >>> text_sha256(plain, "en", ("See [faq].",)) == fingerprint("See [faq].")
    True
    >>> text_sha256(linked, "en", ("See [faq].",)) == fingerprint("See [faq].")
    False
    >>> text_sha256(linked, "es", ("Vea [faq].",)) == fingerprint("Vea [faq].")
    True
    """
    targets = bound_targets(segment) if locale == SOURCE_LOCALE else ()
    return fingerprint(*forms, *(f"\x01{t}" for t in targets))


def bound_targets(segment: Segment) -> tuple[str, ...]:
    """The link and image targets an English approval of `segment` binds (`text_sha256`), as a
    reviewer is shown them.

    >>> bound_targets(Segment("p", SegmentType.PARAGRAPH, "See [faq].", 1,
    ...                       references=(Target("https://a.example/", "FAQ", "faq"),)))
    ('[faq]: <https://a.example/> "FAQ"',)
    """
    own = own_targets(segment)
    # every use of one entry binds the same targets, in one order
    return tuple(sorted({*own, *segment.shares})) if segment.shares else own


def own_targets(segment: Segment) -> tuple[str, ...]:
    """The link and image targets of `segment` itself (`bound_targets` adds what it shares)."""
    link = tuple(f"[{t.label}]: <{t.href}> {json.dumps(t.title)}" for t in segment.references)
    image = segment.image
    return (*link, f"image: <{image.href}> {json.dumps(image.title)}") if image else link


@dataclass(frozen=True)
class Page:
    """A source page (or the ui domain): one gettext domain."""

    slug: str
    path: str
    segments: tuple[Segment, ...]
    fallback: FallbackPolicy = FallbackPolicy.SEGMENT
    body: str = ""
    author: str | None = None
    body_line: int = 1  # the line of its file the body starts on

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
    # Why the translation was not kept when the catalog was read (longer than `limits.text_bound`
    # allows): msgstr is then empty, and the text is not served.
    refused: str = ""

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
    singular: int = 0  # the msgstr index the catalog's Plural-Forms selects for n=1


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

    def approves(self, segment: Segment, locale: str, forms: tuple[str, ...]) -> bool:
        """Whether this record approves `forms` in `locale` against `segment`'s English today."""
        return self.source_sha256 == fingerprint(
            *segment.source_forms
        ) and self.translation_sha256 == text_sha256(segment, locale, forms)


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
    # (entry, translation_sha256) -> the translator the first approval of that exact text recorded
    translators: Mapping[tuple[Key, str], str] = field(default_factory=dict)
    # (entry, translation_sha256) of every text an approval of was revoked: a decision, where a
    # text never approved is a draft waiting for review (`service.release`)
    revoked: frozenset[tuple[Key, str]] = frozenset()
    # (entry, translation_sha256) -> (reviewer, at, comment) of the texts sent back to their
    # translator: not approvable until the translation changes (`review send-back`)
    returned: Mapping[tuple[Key, str], tuple[str, str, str]] = field(default_factory=dict)

    def sent_back(self, key: Key, forms: tuple[str, ...]) -> str:
        """Why this exact translation waits for its translator ("" when it was not sent back)."""
        found = self.returned.get((key, fingerprint(*forms))) if self.returned else None
        if found is None:
            return ""
        who, at, comment = found
        return f"sent back to the translator by {who} on {at[:10]}: {comment}"

    def translator(self, key: Key, forms: tuple[str, ...], header: str | None) -> str | None:
        """Whose this exact translation is, for four eyes: the translator recorded by the first
        approve event of it in the history (the catalog's Last-Translator when it first met a
        reviewer), else `header` (the catalog's Last-Translator now). So a reviewer who later
        saves the catalog, which makes her its Last-Translator, keeps her approvals of texts she
        did not change, while a text she changed is hers. What it cannot know: who wrote a text
        that someone else saved before its first approval (that person is taken as its
        translator), or a translator recorded falsely in an event written by hand."""
        if not self.translators:
            return header
        return self.translators.get((key, fingerprint(*forms)), header)

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

    def approving(self, segment: Segment, forms: tuple[str, ...]) -> tuple[ReviewRecord, ...]:
        """The records that approve exactly this text against exactly this English."""
        return tuple(
            r for r in self.for_key(segment.key) if r.approves(segment, self.locale, forms)
        )


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
