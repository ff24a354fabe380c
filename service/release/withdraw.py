"""Withdrawal: text taken off a published page at once, without waiting for a review.

A withdrawal changes the page's snapshot as it was published, not the content tree: a segment
withdrawn in every locale (`--segment` alone, or with `--locale en`) is withheld everywhere, as an
English wording waiting for approval is; a segment withdrawn in one locale is shown in reviewed
English there, marked as such; a page withdrawn in one locale is shown all in English there; a page
withdrawn in every locale is not served at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from service.core.models import SOURCE_LOCALE, ResolvedPage, ServedSegment
from service.release.store import Withdrawal
from service.site.snapshot import Snapshot

__all__ = ["in_force", "removes_page", "stops", "without"]


def in_force(withdrawals: Sequence[Withdrawal]) -> list[Withdrawal]:
    """The withdrawals not lifted since."""
    lifted = {w.lifts for w in withdrawals if w.lifts is not None}
    return [w for w in withdrawals if w.lifts is None and w.number not in lifted]


def removes_page(withdrawals: Sequence[Withdrawal], slug: str) -> bool:
    """Whether the page is withdrawn in every locale."""
    return any(w.page == slug and w.locale is None and w.segment is None for w in withdrawals)


def _effect(w: Withdrawal, target: str) -> str:
    """What `w` does to its page in `target`: "withhold" its segment everywhere, show the page
    or the segment "in English" there, or nothing (""). A page withdrawn in every locale is
    `removes_page`'s; a page withdrawal for `en` alone changes no locale's page."""
    if w.segment is not None and w.locale in (None, SOURCE_LOCALE):
        return "withhold"
    if w.locale == target and target != SOURCE_LOCALE:
        return "in English"
    return ""


def stops(withdrawals: Sequence[Withdrawal], page: str, locale: str, segment: str | None) -> bool:
    """Whether `withdrawals` (in force) take `segment` (None: the whole page) of `page` off in
    `locale`, withheld or shown in English, as `without` and `removes_page` apply them."""
    if removes_page(withdrawals, page):
        return True
    return any(
        w.page == page
        and _effect(w, locale) != ""
        and w.segment in (None, segment)  # a page's withdrawal, or this segment's
        for w in withdrawals
    )


def _withhold(resolved: ResolvedPage, segment: str) -> ResolvedPage:
    gone = [s.segment for s in resolved.served if s.segment.id == segment]
    if not gone:
        return resolved
    served = tuple(s for s in resolved.served if s.segment.id != segment)
    return replace(resolved, served=served, withheld=(*resolved.withheld, *gone))


def _in_english(resolved: ResolvedPage, english: ResolvedPage, segment: str | None) -> ResolvedPage:
    """`resolved` with `segment` (None: every segment) as English serves it, marked a fallback."""
    shown = {s.segment.id: s for s in english.served}
    served: list[ServedSegment] = []
    for s in resolved.served:
        if (segment is None or s.segment.id == segment) and s.locale != SOURCE_LOCALE:
            found = shown.get(s.segment.id)
            if found is None:
                continue
            s = ServedSegment(found.segment, found.forms, SOURCE_LOCALE, True, found.reviews)
        served.append(s)
    used = {s.locale for s in served}
    best = resolved.target if resolved.target in used else SOURCE_LOCALE
    return replace(resolved, served=tuple(served), locale=best)


def without(snapshot: Snapshot, withdrawals: Sequence[Withdrawal]) -> Snapshot:
    """The snapshot of a page in one locale with `withdrawals` (of this page) applied."""
    resolved, english = snapshot.resolved, snapshot.english
    target = resolved.target
    for w in withdrawals:
        effect = _effect(w, target)
        if effect == "withhold" and w.segment is not None:
            resolved, english = _withhold(resolved, w.segment), _withhold(english, w.segment)
        elif effect == "in English":
            resolved = _in_english(resolved, english, w.segment)
    return replace(snapshot, resolved=resolved, english=english)
