"""The serving rule: which text a patient sees for each segment of a page, in one pure function.

Read `resolve` first. It opens no file; it takes the page, the locale chain, and the catalogs and
ledgers already loaded, and returns every segment with the locale it came from and its review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .checks import Unit, blocking
from .models import (
    SOURCE_LOCALE,
    FallbackPolicy,
    Ledger,
    LoadedCatalog,
    Page,
    ResolvedPage,
    Segment,
    ServedSegment,
)

__all__ = ["approved_text", "resolve", "reviewed_text"]


def approved_text(
    segment: Segment,
    locale: str,
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
) -> ServedSegment | None:
    """The segment's text in `locale` if, and only if, a ledger record matches it exactly.

    English needs a source approval (invariant 2). A translation needs a record whose hashes match
    both today's English and today's msgstr (invariants 1 and 3); fuzzy entries never count.
    """
    ledger = ledgers.get(locale)
    record = ledger.records.get(segment.source) if ledger else None
    if record is None:
        return None
    if locale == SOURCE_LOCALE:
        forms = segment.source_forms
    else:
        catalog = catalogs.get(locale)
        entry = catalog.entries.get(segment.source) if catalog else None
        if entry is None or not entry.translated or entry.msgid_plural != segment.source_plural:
            return None
        forms = entry.msgstr
    if not record.approves(segment.source_forms, forms):
        return None
    return ServedSegment(segment, forms, locale, fallback=False, review=record)


def reviewed_text(
    segment: Segment,
    locale: str,
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    terms: tuple[str, ...] = (),
) -> ServedSegment | None:
    """Approved, and passing every error-level check (invariant 6): a check added after the
    approval, or a protected term added to the config, still keeps a bad translation off the page."""
    found = approved_text(segment, locale, catalogs, ledgers)
    if found is None or locale == SOURCE_LOCALE:
        return found
    if blocking(Unit(segment.source_forms, found.forms, locale, terms)):
        return None
    return found


def resolve(
    page: Page,
    chain: Sequence[str],
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    terms: tuple[str, ...] = (),
) -> ResolvedPage:
    """Serve `page` for `chain[0]`, falling back along `chain` (which ends in English).

    - A segment whose English is not approved is withheld everywhere (invariant 2).
    - `fallback: segment`: each segment comes from the first locale of the chain that has it
      reviewed (invariant 4). `fallback: page`: the whole page comes from the first locale that
      has every segment reviewed.
    - Every served segment carries its locale and whether it is a fallback.
    """
    target = chain[0]
    source = [(seg, reviewed_text(seg, SOURCE_LOCALE, catalogs, ledgers)) for seg in page.segments]
    withheld = tuple(seg for seg, english in source if english is None)
    servable = [(seg, english) for seg, english in source if english is not None]

    def from_chain(seg: Segment, english: ServedSegment, locales: Sequence[str]) -> ServedSegment:
        for locale in locales:
            if locale == SOURCE_LOCALE:
                return english
            found = reviewed_text(seg, locale, catalogs, ledgers, terms)
            if found:
                return found
        return english

    if page.fallback is FallbackPolicy.PAGE:
        whole = next(
            (
                loc
                for loc in chain
                if loc == SOURCE_LOCALE
                or all(reviewed_text(seg, loc, catalogs, ledgers, terms) for seg, _ in servable)
            ),
            SOURCE_LOCALE,
        )
        served = [from_chain(seg, english, [whole]) for seg, english in servable]
    else:
        served = [from_chain(seg, english, chain) for seg, english in servable]

    marked = tuple(
        ServedSegment(s.segment, s.forms, s.locale, s.locale != target, s.review) for s in served
    )
    used = {s.locale for s in marked}
    best = next((loc for loc in chain if loc in used), target if not marked else SOURCE_LOCALE)
    return ResolvedPage(page, target, best, marked, withheld)
