"""Coverage: per locale and page, how much is translated, fuzzy, untranslated and reviewed.

Pure: counts come from loaded catalogs (with msgfmt's rules, so they equal `msgfmt --statistics`)
and from the same review rule the server uses, so "reviewed" means "would be served".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from .models import SOURCE_LOCALE, Ledger, LoadedCatalog, Page, word_count
from .policy import Policy
from .resolve import approved_text, reviewed_text

__all__ = ["CoverageRow", "coverage_rows", "rows_as_json"]


@dataclass(frozen=True)
class CoverageRow:
    locale: str
    page: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    reviewed: int
    blocked: int  # approved, but an error-level check keeps it off the page
    words: int
    translated_words: int
    reviewed_words: int
    reviewed_percent: float
    path: str | None
    error: str | None = None


def _percent(part: int, whole: int) -> float:
    """
    >>> _percent(5, 24)
    20.8
    """
    return round(100 * part / whole, 1) if whole else 100.0


def _row(
    page: Page,
    locale: str,
    catalogs: Mapping[str, LoadedCatalog],
    ledgers: Mapping[str, Ledger],
    path: str | None,
    error: str | None,
    policy: Policy,
    terms: tuple[str, ...],
) -> CoverageRow:
    distinct = {s.key: s for s in page.segments}
    english = [
        s
        for s in distinct.values()
        if reviewed_text(s, SOURCE_LOCALE, catalogs, ledgers, policy, author=page.author)
    ]
    reviewed = [
        s
        for s in english
        if reviewed_text(s, locale, catalogs, ledgers, policy, terms, page.author)
    ]
    approved = [
        s for s in english if approved_text(s, locale, catalogs, ledgers, policy, page.author)
    ]
    blocked = len(approved) - len(reviewed)
    words = sum(word_count(s.source) for s in distinct.values())
    reviewed_words = sum(word_count(s.source) for s in reviewed)
    catalog = catalogs.get(locale)
    if locale == SOURCE_LOCALE or catalog is None:
        done = len(distinct) if locale == SOURCE_LOCALE else 0
        return CoverageRow(
            locale=locale,
            page=page.slug,
            total=len(distinct),
            translated=done,
            fuzzy=0,
            untranslated=len(distinct) - done,
            reviewed=len(reviewed),
            blocked=blocked,
            words=words,
            translated_words=words if done else 0,
            reviewed_words=reviewed_words,
            reviewed_percent=_percent(len(reviewed), len(distinct)),
            path=path,
            error=error,
        )
    entries = list(catalog.entries.values())
    translated = [e for e in entries if e.translated]
    counts = catalog.counts
    return CoverageRow(
        locale=locale,
        page=page.slug,
        total=counts.total,
        translated=counts.translated,
        fuzzy=counts.fuzzy,
        untranslated=counts.untranslated,
        reviewed=len(reviewed),
        blocked=blocked,
        words=sum(word_count(e.msgid) for e in entries),
        translated_words=sum(word_count(e.msgid) for e in translated),
        reviewed_words=reviewed_words,
        reviewed_percent=_percent(len(reviewed), counts.total),
        path=catalog.path,
        error=error,
    )


def coverage_rows(
    pages: Sequence[Page],
    locales: Sequence[str],
    catalogs: Mapping[tuple[str, str], LoadedCatalog],
    ledgers: Mapping[tuple[str, str], Ledger],
    policy: Policy,
    paths: Mapping[tuple[str, str], str] | None = None,
    errors: Mapping[tuple[str, str], str] | None = None,
    terms: tuple[str, ...] = (),
) -> list[CoverageRow]:
    """One row per (locale, page), locales in the given order (English first), pages by slug."""
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
                    (paths or {}).get(key),
                    (errors or {}).get(key),
                    policy,
                    terms,
                )
            )
    return rows


def rows_as_json(rows: Sequence[CoverageRow]) -> dict[str, list[dict[str, object]]]:
    return {"rows": [asdict(r) for r in rows]}
