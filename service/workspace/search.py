"""The queue's search: texts waiting for review found by words of their English or translation,
by a glossary term written in any language (`terminology:` in l10n.yaml), or by their page's
title or slug. Case and compatibility forms are ignored (NFKC, then case folding), as a reader
typing `ml` means `mL`."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from service.core.terminology import Terminology
from service.workspace.pending import Item

__all__ = ["MAX_QUERY", "Search", "folded"]

MAX_QUERY = 200  # characters of a query


@lru_cache(maxsize=65536)  # the texts of the queue, searched again at every request
def folded(text: str) -> str:
    """`text` as the search compares it.

    >>> folded("Ｓalbutamol 5 ML")
    'salbutamol 5 ml'
    """
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Search:
    """One query: its words, and the glossary terms it names (each as the forms that term takes
    in English and in every locale)."""

    query: str
    terms: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (English, (locale, form))

    @classmethod
    def of(cls, query: str, terminology: Terminology) -> Search:
        words = folded(" ".join(query.split()))[:MAX_QUERY]
        named = []
        for term in terminology.terms:
            forms = tuple((loc, folded(f)) for loc, each in term.forms for f in each)
            if words in (folded(term.english), *(f for _, f in forms)):
                named.append((folded(term.english), forms))
        return cls(words, tuple(named))

    def matches(self, item: Item, title: Callable[[str, str], str]) -> bool:
        """Whether `item` is found: `title(slug, locale)` gives its page's title."""
        if not self.query:
            return True
        english = folded(" ".join(item.segment.source_forms))
        translation = folded(" ".join(item.forms))
        if self.query in english or self.query in translation or self.query in folded(item.page):
            return True
        if self.query in folded(title(item.page, item.locale)):
            return True
        return any(
            term in english or any(f in translation for loc, f in forms if loc == item.locale)
            for term, forms in self.terms
        )
