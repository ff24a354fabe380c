"""A resolved page as compact JSON: what a page in one locale is made from once the serving rule
has run, kept in the build cache so that its bodies (JSON, HTML page, fragment, view) can be made
when first asked for, from exactly the state the record was made in, without loading a file.

A review is kept as what the bodies show of it: who translated, who reviewed, in which role and
when (the hashes it was checked against stay in its ledger; they were checked before the page was
resolved). So `decode(Encoder().encode(s))` is `s` with each review cut to those four fields
(tests/test_snapshot.py checks this on the shipped pages, the test tree and a generated tree).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.core.models import (
    FallbackPolicy,
    Page,
    ResolvedPage,
    ReviewRecord,
    Role,
    Segment,
    SegmentType,
    ServedSegment,
    Target,
)

__all__ = ["Encoder", "Snapshot", "UiStrings", "decode", "shown"]

# The ui strings as a page in one locale shows them: id -> (forms, locale, fell back).
UiStrings = Mapping[str, tuple[tuple[str, ...], str, bool]]


@dataclass(frozen=True)
class Snapshot:
    """A page resolved in its locale, the same page resolved in English (for its title and the
    English reviewers), the ui strings of the locale, and what of the config its bodies show:
    whether its translations are demonstration drafts, and the locales it offers."""

    resolved: ResolvedPage
    english: ResolvedPage
    ui: UiStrings
    demonstration: bool
    locales: tuple[str, ...]


_FORMAT = 1


def _target(t: Target | None) -> list[str] | None:
    return None if t is None else [t.href, t.title, t.label]


def _segment(s: Segment) -> list[Any]:
    return [
        s.id,
        s.type.value,
        s.source,
        s.line,
        s.critical,
        s.level,
        s.section,
        s.source_plural,
        s.comment,
        s.context,
        [_target(t) for t in s.references],
        _target(s.image),
    ]


Shown = tuple[str | None, str, str, str]  # what a body shows of a review: see `shown`


def shown(r: ReviewRecord) -> Shown:
    """What a page's bodies show of a review: its translator, reviewer, role and time."""
    return (r.translator, r.reviewer, r.role.value, r.reviewed_at)


def _resolved(r: ResolvedPage, index: Mapping[int, int], reviews: dict[Shown, int]) -> list[Any]:
    """`index`: each segment's place in the page, by identity; `reviews`: each review's place in
    the snapshot's table of them (a reviewer approves many segments at the same time)."""
    return [
        r.target,
        r.locale,
        [
            [
                index[id(s.segment)],
                list(s.forms),
                s.locale,
                s.fallback,
                [reviews.setdefault(shown(v), len(reviews)) for v in s.reviews],
            ]
            for s in r.served
        ],
        [index[id(s)] for s in r.withheld],
        list(r.held_sections),
    ]


def _text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Encoder:
    """Encodes the snapshots of pages of one loaded tree. What they share is encoded once: a
    page with its English (for all its locales) and the ui strings of a locale (for all pages)."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, bool, tuple[str, ...]], str] = {}
        self._uis: dict[str, str] = {}

    def _page(self, snapshot: Snapshot) -> str:
        page, english = snapshot.resolved.page, snapshot.english
        if english.page is not page:
            raise ValueError("a snapshot's two resolutions must be of the same page")
        index = {id(s): i for i, s in enumerate(page.segments)}
        reviews: dict[Shown, int] = {}
        return _text(
            [
                [page.slug, page.path, page.fallback.value, page.body, page.author],
                [_segment(s) for s in page.segments],
                _resolved(english, index, reviews),
                list(reviews),
                snapshot.demonstration,
                list(snapshot.locales),
            ]
        )

    def encode(self, snapshot: Snapshot) -> bytes:
        resolved = snapshot.resolved
        key = (resolved.page.slug, snapshot.demonstration, snapshot.locales)
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = self._page(snapshot)
        ui = self._uis.get(resolved.target)
        if ui is None:
            ui = self._uis[resolved.target] = _text(
                {k: [list(forms), loc, fell] for k, (forms, loc, fell) in snapshot.ui.items()}
            )
        index = {id(s): i for i, s in enumerate(resolved.page.segments)}
        reviews: dict[Shown, int] = {}
        own = _text([_resolved(resolved, index, reviews), list(reviews)])
        return f"[{_FORMAT},{page},{own},{ui}]".encode()


def _of_target(t: list[str] | None) -> Target | None:
    return None if t is None else Target(t[0], t[1], t[2])


def _of_segment(d: list[Any]) -> Segment:
    refs = tuple(Target(*t) for t in d[10])
    return Segment(
        d[0],
        SegmentType(d[1]),
        d[2],
        d[3],
        d[4],
        d[5],
        d[6],
        d[7],
        d[8],
        d[9],
        refs,
        _of_target(d[11]),
    )


def _of_review(d: list[Any]) -> ReviewRecord:
    """A review as a body shows it: the fields `shown` did not keep are empty."""
    translator, reviewer, role, at = d
    return ReviewRecord("", "", (), "", translator, reviewer, at, Role(role))


def _of_resolved(d: list[Any], page: Page, reviews: list[ReviewRecord]) -> ResolvedPage:
    segments = page.segments
    served = tuple(
        ServedSegment(segments[i], tuple(forms), loc, fell, tuple(reviews[r] for r in used))
        for i, forms, loc, fell, used in d[2]
    )
    return ResolvedPage(page, d[0], d[1], served, tuple(segments[i] for i in d[3]), tuple(d[4]))


def decode(raw: bytes) -> Snapshot:
    """The snapshot `Encoder.encode` wrote (ValueError for anything else)."""
    data = json.loads(raw)
    if not isinstance(data, list) or len(data) != 4 or data[0] != _FORMAT:
        raise ValueError("not a page snapshot of this version")
    (head, segments, english, shared, demonstration, locales), (own, reviews), ui = data[1:]
    slug, path, fallback, body, author = head
    page = Page(
        slug, path, tuple(_of_segment(s) for s in segments), FallbackPolicy(fallback), body, author
    )
    return Snapshot(
        _of_resolved(own, page, [_of_review(r) for r in reviews]),
        _of_resolved(english, page, [_of_review(r) for r in shared]),
        {k: (tuple(forms), loc, fell) for k, (forms, loc, fell) in ui.items()},
        bool(demonstration),
        tuple(locales),
    )
