"""Which locales a page is listed in: where the site advertises it (the language switcher, hreflang
alternates, the root index, the sitemap, the locale's list of pages). A page that shows a patient
too little in their language is still served when asked for, as English, but never advertised.

The rule, in one place: a page is listed in English always, and in another locale when at least
one of its parts is read there in a language other than English (`provenance.translated_parts`:
the locale or a non-English locale of its chain) and that share of its parts reaches the config's
`min_share`. Pure: it reads the records' counts, made when the page was resolved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from service.core.models import SOURCE_LOCALE
from service.site.index import Record

__all__ = ["advertised", "reaches"]


def reaches(translated: int, parts: int, min_share: float) -> bool:
    """Whether `translated` of `parts` is enough to list a page: more than none, and at least
    `min_share` of them, compared exactly (0.07 of 100 parts is 7, not 7.000000000000001).

    >>> reaches(7, 100, 0.07), reaches(6, 100, 0.07), reaches(0, 10, 0.0), reaches(1, 10, 0.0)
    (True, False, False, True)
    """
    if translated <= 0 or parts <= 0:
        return False
    return Fraction(translated, parts) >= Fraction(repr(min_share))


def advertised(
    records: Mapping[tuple[str, str], Record],
    served: Sequence[str],
    locales: Sequence[str],
    min_share: float,
) -> dict[str, tuple[str, ...]]:
    """The locales each page served is listed in, in `locales` order (English first)."""
    found: dict[str, tuple[str, ...]] = {}
    for slug in served:
        listed = []
        for loc in locales:
            entry = records[(slug, loc)].page
            if loc == SOURCE_LOCALE or (
                entry is not None and reaches(entry.translated, entry.parts, min_share)
            ):
                listed.append(loc)
        found[slug] = tuple(listed)
    return found
