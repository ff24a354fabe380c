"""Coverage: per locale and page, how much is translated, fuzzy, untranslated, approved and served.

Pure: counts come from loaded catalogs (with msgfmt's rules, so they equal `msgfmt --statistics`),
from the review rule (`approved`, `blocked`) and from pages already resolved by the serving rule
(`served`), so the table can never claim a patient gets text the page does not show.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from service.core.models import (
    SOURCE_LOCALE,
    Key,
    Ledger,
    LoadedCatalog,
    Page,
    ResolvedPage,
    Segment,
    word_count,
)
from service.core.policy import Policy
from service.core.terminology import NO_TERMINOLOGY, Terminology
from service.site.resolve import approved_text, reviewed_text

__all__ = ["CoverageRow", "coverage_rows", "rows_as_json", "served_keys", "served_share"]


@dataclass(frozen=True)
class CoverageRow:
    locale: str
    page: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    approved: int  # the ledger and the error-level checks allow it (English approved too)
    served: int  # what the serving rule shows a patient asking for `locale`, in `locale`
    held: int  # approved, but served from another locale: with its critical section, or the page
    blocked: int  # the ledger approves it, but an error-level check keeps it off the page
    words: int
    translated_words: int
    served_words: int
    served_percent: float
    path: str | None
    error: str | None = None


def _percent(part: int, whole: int) -> float:
    """
    >>> _percent(5, 24)
    20.8
    """
    return round(100 * part / whole, 1) if whole else 100.0


def served_keys(resolved: ResolvedPage) -> frozenset[Key]:
    """The messages a patient asking for `resolved.target` gets in that locale: every place the
    page uses the message is served in the target locale (a message used twice, once held in
    English, is not served)."""
    target = resolved.target
    shown = {s.segment.key for s in resolved.served if s.locale == target}
    elsewhere = {s.segment.key for s in resolved.served if s.locale != target}
    return frozenset(shown - elsewhere)


def _row(
    page: Page,
    locale: str,
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    resolved: ResolvedPage,
    path: str | None,
    error: str | None,
    policy: Policy,
    terms: tuple[str, ...],
    known: Mapping[tuple[str, str], object] | None = None,
    terminology: Terminology = NO_TERMINOLOGY,
) -> CoverageRow:
    known = known or {}

    def reviewed(s: Segment, loc: str) -> bool:
        if (s.id, loc) in known:  # the serving rule's answer for the same files
            return known[(s.id, loc)] is not None
        found = reviewed_text(s, loc, catalogs, ledgers, policy, terms, page.author, terminology)
        return found is not None

    distinct = {s.key: s for s in page.segments}
    english = [s for s in distinct.values() if reviewed(s, SOURCE_LOCALE)]
    approved = [s for s in english if reviewed(s, locale)]
    # approved in the ledger but kept off the page by a check (what is served is approved)
    blocked = [
        s
        for s in english
        if not reviewed(s, locale)
        and approved_text(s, locale, catalogs, ledgers, policy, page.author)
    ]
    served = [distinct[k] for k in served_keys(resolved) if k in distinct]
    catalog = catalogs.get(locale)
    if locale == SOURCE_LOCALE or catalog is None:
        done = len(distinct) if locale == SOURCE_LOCALE else 0
        total, translated, fuzzy, untranslated = len(distinct), done, 0, len(distinct) - done
        words = sum(word_count(s.source) for s in distinct.values())
        translated_words = words if done else 0
    else:
        counts = catalog.counts
        total, translated, fuzzy = counts.total, counts.translated, counts.fuzzy
        untranslated = counts.untranslated
        entries = catalog.entries.values()
        words = sum(word_count(e.msgid) for e in entries)
        translated_words = sum(word_count(e.msgid) for e in entries if e.translated)
        path = catalog.path
    return CoverageRow(
        locale=locale,
        page=page.slug,
        total=total,
        translated=translated,
        fuzzy=fuzzy,
        untranslated=untranslated,
        approved=len(approved),
        served=len(served),
        held=len(approved) - len(served),
        blocked=len(blocked),
        words=words,
        translated_words=translated_words,
        served_words=sum(word_count(s.source) for s in served),
        served_percent=_percent(len(served), total),
        path=path,
        error=error,
    )


def coverage_rows(
    pages: Sequence[Page],
    locales: Sequence[str],
    catalogs: Mapping[tuple[str, str], LoadedCatalog],
    ledgers: Mapping[tuple[str, str], Ledger],
    policy: Policy,
    resolved: Mapping[tuple[str, str], ResolvedPage],
    paths: Mapping[tuple[str, str], str] | None = None,
    errors: Mapping[tuple[str, str], str] | None = None,
    terms: tuple[str, ...] = (),
    known: Mapping[str, Mapping[tuple[str, str], object]] | None = None,
    terminology: Terminology = NO_TERMINOLOGY,
) -> list[CoverageRow]:
    """One row per (locale, page), locales in the given order (English first), pages by slug.

    `resolved[(locale, slug)]` is the page as the serving rule serves it to a patient asking for
    `locale`; `served` is read from it, never worked out again here. `known[slug]`: what the
    serving rule answered for (segment id, locale) over the same files, if it was asked.
    """
    rows = []
    for locale in locales:
        for page in sorted(pages, key=lambda p: p.slug):
            key = (locale, page.slug)
            by_locale_c = {locale: catalogs[key]} if key in catalogs else {}
            by_locale_l = {
                loc: ledgers[(loc, page.slug)]
                for loc in {locale, SOURCE_LOCALE}
                if (loc, page.slug) in ledgers
            }
            rows.append(
                _row(
                    page,
                    locale,
                    by_locale_c,
                    by_locale_l,
                    resolved[key],
                    (paths or {}).get(key),
                    (errors or {}).get(key),
                    policy,
                    terms,
                    (known or {}).get(page.slug),
                    terminology,
                )
            )
    return rows


def served_share(rows: Sequence[CoverageRow], locale: str, pages: Collection[str]) -> float:
    """Share of the messages of `pages` that a patient asking for `locale` is served in it: the
    `served` column summed over the total column (the "reviewed share" of `/v1/locales` until a
    release counts it: `served.release_shares`).

    >>> row = CoverageRow("pt", "a", 24, 12, 0, 12, 12, 7, 5, 0, 300, 150, 90, 29.2, None)
    >>> served_share([row, row], "pt", {"a"})
    0.2917
    """
    mine = [r for r in rows if r.locale == locale and r.page in pages]
    total = sum(r.total for r in mine)
    return round(sum(r.served for r in mine) / total, 4) if total else 0.0


def rows_as_json(rows: Sequence[CoverageRow]) -> dict[str, list[dict[str, object]]]:
    return {"rows": [dict(r.__dict__) for r in rows]}  # flat: no need for asdict's deep copy
