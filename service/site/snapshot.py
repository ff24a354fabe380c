"""A resolved page as compact JSON: what a page in one locale is made from once the serving rule
has run, kept in the build cache so that its bodies (JSON, HTML page, fragment, view) can be made
when first asked for, from exactly the state the record was made in, without loading a file.

Every object is a row of its fields (`codec.Table`), their names written once per snapshot, in its
`tables`; a segment a resolved page serves or withholds is its place in the page, and a review its
place in a table of the reviews the snapshot shows. A snapshot of another `SNAPSHOT_VERSION`, or
whose tables name other fields than these classes have, is refused (ValueError): it is made again.

A review is kept as what the bodies show of it (`ReviewShown`: the hashes it was checked against
stay in its ledger; they were checked before the page was resolved). So
`decode(Encoder().encode(s))` is `s` with each review cut to those fields (tests/test_snapshot.py
checks this on the shipped pages, the test tree and a generated tree).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from service.core.models import Page, ResolvedPage, ReviewRecord, Role, Segment
from service.core.policy import RoleSpec
from service.site.codec import Convert, Table

__all__ = [
    "SNAPSHOT_VERSION",
    "TABLES",
    "Encoder",
    "ReviewShown",
    "Snapshot",
    "UiStrings",
    "decode",
    "shown",
]

SNAPSHOT_VERSION = 4  # of a snapshot's layout: a new one makes every key new

# The ui strings as a page in one locale shows them: id -> (forms, locale, fell back).
UiStrings = Mapping[str, tuple[tuple[str, ...], str, bool]]


@dataclass(frozen=True)
class Snapshot:
    """A page resolved in its locale, the same page resolved in English (for its title and the
    English reviewers), the ui strings of the locale, and what of the config its bodies show:
    whether its translations are demonstration drafts, the locales enabled (its document links
    those it is listed in: `listing`), and the policy's roles (in order, with their labels:
    "About this page" lists reviewers by role); the English of the notice's sentences, for a
    notice the locale has not all reviewed; and the served name of each image source of the page
    that names a file (`site.images`)."""

    resolved: ResolvedPage
    english: ResolvedPage
    ui: UiStrings
    demonstration: bool
    locales: tuple[str, ...]
    roles: tuple[RoleSpec, ...]
    english_ui: UiStrings = field(default_factory=dict)
    images: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReviewShown:
    """What a page's bodies show of a review; each field is the `ReviewRecord` field of its name."""

    translator: str | None
    reviewer: str
    role: Role
    reviewed_at: str


_SHOWN = tuple(f.name for f in fields(ReviewShown))
if not set(_SHOWN) <= {f.name for f in fields(ReviewRecord)}:
    raise TypeError("ReviewShown names a field that ReviewRecord does not have")
_shown_values = attrgetter(*_SHOWN)
_EMPTY = ReviewRecord("", "", (), "", None, "", "")
_BLANK = {f.name: getattr(_EMPTY, f.name) for f in fields(ReviewRecord) if f.name not in _SHOWN}


def shown(review: ReviewRecord) -> ReviewShown:
    return ReviewShown(*_shown_values(review))


class _Writing:
    """What the rows of a resolved page point into: its page's segments (by identity), and the
    reviews written so far (each shown once, however many segments it approves)."""

    def __init__(self, index: Mapping[int, int]):
        self.index = index
        self.reviews: dict[tuple[Any, ...], int] = {}


def _write_review(review: ReviewRecord, writing: _Writing) -> int:
    reviews = writing.reviews
    return reviews.setdefault(_shown_values(review), len(reviews))


class _Reading:
    def __init__(self, page: Page, reviews: list[ReviewRecord]):
        self.page, self.segments, self.reviews = page, page.segments, reviews


_POINTERS: dict[type, tuple[Convert, Convert]] = {
    Page: (lambda page, w: None, lambda _, r: r.page),
    Segment: (lambda segment, w: w.index[id(segment)], lambda at, r: r.segments[at]),
    ReviewRecord: (_write_review, lambda at, r: r.reviews[at]),
}
_PAGE = Table(Page)
_RESOLVED = Table(ResolvedPage, _POINTERS)
_REVIEW = Table(ReviewShown)
_ROLE = Table(RoleSpec)
TABLES = {**_PAGE.tables(), **_RESOLVED.tables(), **_REVIEW.tables(), **_ROLE.tables()}
_KEYS = {"version", "tables", "page", "english", "english_reviews", "demonstration", "locales"}
_KEYS |= {"roles", "images"}
_KEYS |= {"resolved", "reviews", "ui", "english_ui"}


def _text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


_HEAD = _text({"version": SNAPSHOT_VERSION, "tables": TABLES})[:-1]  # left open for the rest
_TABLES_READ = json.loads(_text(TABLES))  # as `decode` finds them


def _resolved(resolved: ResolvedPage, index: Mapping[int, int]) -> tuple[str, str]:
    """A resolved page, and the table of the reviews it shows."""
    writing = _Writing(index)
    row = _text(_RESOLVED.row(resolved, writing))
    return row, _text([_REVIEW.values_row(values) for values in writing.reviews])


class Encoder:
    """Encodes the snapshots of pages of one loaded tree. What they share is encoded once: a
    page with its English (for all its locales) and the ui strings of a locale (for all pages)."""

    def __init__(self) -> None:
        self._pages: dict[tuple[Any, ...], tuple[Page, str, dict[int, int]]] = {}
        self._uis: dict[str, str] = {}
        self._english: dict[tuple[Any, ...], str] = {}

    def _page(self, snapshot: Snapshot) -> tuple[Page, str, dict[int, int]]:
        page, english = snapshot.resolved.page, snapshot.english
        if english.page is not page:
            raise ValueError("a snapshot's two resolutions must be of the same page")
        index = {id(s): i for i, s in enumerate(page.segments)}
        row, reviews = _resolved(english, index)
        text = (
            f'"page":{_text(_PAGE.row(page))},"english":{row},"english_reviews":{reviews},'
            f'"demonstration":{_text(snapshot.demonstration)},'
            f'"locales":{_text(list(snapshot.locales))},'
            f'"roles":{_text([_ROLE.row(r) for r in snapshot.roles])}'
        )
        return page, text, index

    def encode(self, snapshot: Snapshot) -> bytes:
        resolved = snapshot.resolved
        key = (resolved.page.slug, snapshot.demonstration, snapshot.locales, snapshot.roles)
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = self._page(snapshot)
        ui = self._uis.get(resolved.target)
        if ui is None:
            ui = self._uis[resolved.target] = _strings(snapshot.ui)
        english_key = tuple(sorted(snapshot.english_ui.items()))
        english = self._english.get(english_key)
        if english is None:
            english = self._english[english_key] = _strings(snapshot.english_ui)
        shared, text, index = page
        if resolved.page is not shared:
            raise ValueError("the snapshots of one page must be of the same page object")
        row, reviews = _resolved(resolved, index)
        images = _text([list(pair) for pair in snapshot.images])
        return (
            f'{_HEAD},{text},"resolved":{row},"reviews":{reviews},"ui":{ui},'
            f'"english_ui":{english},"images":{images}}}'
        ).encode()


def _strings(strings: UiStrings) -> str:
    return _text({k: [list(forms), loc, fell] for k, (forms, loc, fell) in strings.items()})


def _read_strings(data: Any) -> UiStrings:
    return {k: (tuple(forms), loc, fell) for k, (forms, loc, fell) in data.items()}


def decode(raw: bytes) -> Snapshot:
    """The snapshot `Encoder.encode` wrote (ValueError for anything else)."""
    data = json.loads(raw)
    if not isinstance(data, dict) or data.keys() != _KEYS or data["version"] != SNAPSHOT_VERSION:
        raise ValueError("not a page snapshot of this version")
    if data["tables"] != _TABLES_READ:
        raise ValueError("a page snapshot of other fields than these")
    try:
        page = _PAGE.of_row(data["page"])
        return Snapshot(
            _of_resolved(data["resolved"], data["reviews"], page),
            _of_resolved(data["english"], data["english_reviews"], page),
            _read_strings(data["ui"]),
            bool(data["demonstration"]),
            tuple(data["locales"]),
            tuple(_ROLE.of_row(r) for r in data["roles"]),
            _read_strings(data["english_ui"]),
            tuple((str(src), str(name)) for src, name in data["images"]),
        )
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a page snapshot: {exc!r}") from exc


def _of_resolved(row: Any, reviews: Any, page: Page) -> ResolvedPage:
    if not isinstance(reviews, list):
        raise ValueError("not a table of reviews")
    records = [_of_review(_REVIEW.of_row(r)) for r in reviews]
    return _RESOLVED.of_row(row, _Reading(page, records))


def _of_review(review: ReviewShown) -> ReviewRecord:
    """A review as a body shows it: the fields `shown` does not keep are as `_EMPTY`'s."""
    return ReviewRecord(**_BLANK, **vars(review))
