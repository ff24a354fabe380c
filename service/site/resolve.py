"""The serving rule: which text a patient sees for each segment of a page, in one pure function.

Read `resolve` first. It opens no file; it takes the page, the locale chain, and the catalogs and
ledgers already loaded, and returns every segment with the locale it came from and its reviews.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from service.core.models import (
    SOURCE_LOCALE,
    FallbackPolicy,
    Ledger,
    LoadedCatalog,
    Page,
    ResolvedPage,
    Segment,
    ServedSegment,
)
from service.core.policy import Policy, judge
from service.core.terminology import NO_TERMINOLOGY, Terminology
from service.quality.checks import Unit, blocking
from service.review.confirming import confirms, kinds, to_confirm

__all__ = ["approved_text", "resolve", "reviewed_text"]


def approved_text(
    segment: Segment,
    locale: str,
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    policy: Policy,
    author: str | None = None,
) -> ServedSegment | None:
    """The segment's text in `locale` if, and only if, ledger records match it exactly and the
    policy lets them count.

    English needs a source approval (invariant 2). A translation needs records whose hashes match
    both today's English and today's msgstr (invariants 1 and 3); fuzzy entries never count. A
    record counts only if `policy.judge` says its reviewer may approve this text (declared, in
    that role and locale, not its translator or author, two people for safety text: invariant 5);
    a translation's translator is the one the ledger recorded for that exact text
    (`Ledger.translator`), not whoever saved the catalog last. For a translation with
    confirm-level findings, a record counts only if it confirms each kind of them.
    """
    ledger = ledgers.get(locale)
    if ledger is None:
        return None
    catalog = catalogs.get(locale)
    if locale == SOURCE_LOCALE:
        forms, translator = segment.source_forms, author
    else:
        entry = catalog.entries.get(segment.key) if catalog else None
        if entry is None or not entry.translated or entry.msgid_plural != segment.source_plural:
            return None
        header = catalog.last_translator if catalog else None
        forms, translator = entry.msgstr, ledger.translator(segment.key, entry.msgstr, header)
    matching = ledger.approving(segment, forms)
    if matching and locale != SOURCE_LOCALE:
        needs = kinds(to_confirm(segment, locale, forms, ledger, catalog))
        matching = tuple(r for r in matching if confirms(r, needs))
    reviews = judge(policy, matching, segment, locale, translator).counting
    if not reviews:
        return None
    return ServedSegment(segment, forms, locale, fallback=False, reviews=reviews)


def reviewed_text(
    segment: Segment,
    locale: str,
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    policy: Policy,
    terms: tuple[str, ...] = (),
    author: str | None = None,
    terminology: Terminology = NO_TERMINOLOGY,
) -> ServedSegment | None:
    """Approved, and passing every error-level check (invariant 6) and `msgfmt -c` (a format or
    newline mismatch, the wrong number of plural forms): a check added after the approval, or a
    protected term added to the config, still keeps a bad translation off the page."""
    found = approved_text(segment, locale, catalogs, ledgers, policy, author)
    if found is None or locale == SOURCE_LOCALE:
        return found
    if catalogs[locale].entries[segment.key].errors:
        return None
    if blocking(Unit.of(segment, found.forms, locale, terms, terminology)):
        return None
    return found


def resolve(
    page: Page,
    chain: Sequence[str],
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    policy: Policy,
    terms: tuple[str, ...] = (),
    known: dict[tuple[str, str], ServedSegment | None] | None = None,
    terminology: Terminology = NO_TERMINOLOGY,
) -> ResolvedPage:
    """Serve `page` for `chain[0]`, falling back along `chain` (which ends in English).

    `known`: what the rule answered for (segment id, locale) so far, shared by calls for the same
    page over the same catalogs and ledgers (English is asked for in every locale).

    - A segment whose English is not approved is withheld everywhere (invariant 2).
    - `fallback: segment`: each segment comes from the first locale of the chain that has it
      reviewed (invariant 4). `fallback: page`: the whole page comes from the first locale that
      has every segment reviewed.
    - A section (heading to heading) that holds a critical segment is served whole from the first
      locale that has all of it reviewed; usually that means English, with a notice. Safety text
      never mixes languages or drops a sentence (fail closed).
    - Every served segment carries its locale and whether it is a fallback.
    """
    target = chain[0]
    known = {} if known is None else known

    def reviewed(seg: Segment, locale: str) -> ServedSegment | None:
        """The rule, asked once per segment and locale (sections and the chain ask again)."""
        key = (seg.id, locale)
        if key not in known:
            known[key] = reviewed_text(
                seg, locale, catalogs, ledgers, policy, terms, page.author, terminology
            )
        return known[key]

    source = [(seg, reviewed(seg, SOURCE_LOCALE)) for seg in page.segments]
    withheld = tuple(seg for seg, english in source if english is None)
    english = {seg.id: found for seg, found in source if found is not None}
    servable = [seg for seg, found in source if found is not None]

    def whole(segments: Sequence[Segment]) -> str:
        """The first locale of the chain that has every one of `segments` reviewed."""
        return next(
            loc
            for loc in chain
            if loc == SOURCE_LOCALE or all(reviewed(seg, loc) for seg in segments)
        )

    def from_chain(seg: Segment, locales: Sequence[str]) -> ServedSegment:
        for locale in locales:
            found = english[seg.id] if locale == SOURCE_LOCALE else reviewed(seg, locale)
            if found:
                return found
        return english[seg.id]

    chosen: dict[str, tuple[str, ...]]
    if page.fallback is FallbackPolicy.PAGE:
        chosen = {seg.id: (whole(servable),) for seg in servable}
    else:
        chosen = {seg.id: tuple(chain) for seg in servable}
    held: list[int] = []
    critical = {seg.section for seg in servable if seg.critical}
    for section in sorted(critical if page.fallback is FallbackPolicy.SEGMENT else ()):
        members = [seg for seg in servable if seg.section == section]
        locale = whole(members)
        for seg in members:
            chosen[seg.id] = (locale,)
        if locale == SOURCE_LOCALE != target:
            held.append(section)
    served = [from_chain(seg, chosen[seg.id]) for seg in servable]

    marked = tuple(
        ServedSegment(s.segment, s.forms, s.locale, s.locale != target, s.reviews) for s in served
    )
    used = {s.locale for s in marked}
    best = next((loc for loc in chain if loc in used), target if not marked else SOURCE_LOCALE)
    return ResolvedPage(page, target, best, marked, withheld, tuple(held))
