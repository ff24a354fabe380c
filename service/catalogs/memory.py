"""Translation memory: the translations approved under the serving rule, as `update` reuses them.

What goes in is decided above this layer (`service.release.memory` asks the serving rule, so a
draft, a fuzzy entry, a withdrawn text or a translation an error-level check refuses today never
gets in); this module holds the records and looks them up by their exact English.

Several records with the same English: one of the page being filled comes first, then the most
recently approved, then the page's name and the segment id in code-point order, so the same
memory always gives the same choice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from service.core.models import Target

__all__ = ["Memory", "Remembered"]


@dataclass(frozen=True)
class Remembered:
    """One approved translation: its English (and SHA-256), its forms, where and by whom."""

    locale: str
    page: str  # the domain: a page's slug, or "ui"
    segment: str  # the segment id on that page
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstr: tuple[str, ...]
    source_sha256: str
    reviewers: tuple[str, ...]  # every approval that counts, in the ledger's order
    at: str  # the latest of their times (ISO 8601, UTC)
    references: tuple[Target, ...] = ()  # the link definitions the English uses on its page
    singular: int = 0  # the msgstr index its catalog's Plural-Forms selects for n=1
    # An earlier wording: approved, but its English is no longer on its page. Shown to the
    # translator in comments only; never pre-filled, never exported.
    earlier: bool = False

    @property
    def where(self) -> str:
        """Page, locale, reviewers and date, as a translator comment names them."""
        who = " and ".join(self.reviewers)
        return f"page {self.page} ({self.locale}), approved by {who} on {self.at[:10]}"


@dataclass(frozen=True)
class Memory:
    """Records by (locale, msgid, msgid_plural) (earlier wordings left out), and by (locale,
    page)."""

    records: tuple[Remembered, ...] = ()
    _exact: dict[tuple[str, str, str | None], list[Remembered]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _pages: dict[tuple[str, str], list[Remembered]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, records: Iterable[Remembered]) -> Memory:
        ordered = tuple(sorted(records, key=lambda r: (r.locale, r.page, r.segment, r.msgid)))
        exact: dict[tuple[str, str, str | None], list[Remembered]] = defaultdict(list)
        pages: dict[tuple[str, str], list[Remembered]] = defaultdict(list)
        for r in ordered:
            if not r.earlier:
                exact[(r.locale, r.msgid, r.msgid_plural)].append(r)
            pages[(r.locale, r.page)].append(r)
        for same in exact.values():  # the latest first; stable: in page and segment order else
            same.sort(key=lambda r: r.at, reverse=True)
        return cls(ordered, dict(exact), dict(pages))

    def __len__(self) -> int:
        return len(self.records)

    def exact(
        self, locale: str, msgid: str, msgid_plural: str | None, page: str
    ) -> list[Remembered]:
        """The records of this English in `locale`, best first (see the module's docstring)."""
        found = self._exact.get((locale, msgid, msgid_plural), [])
        return sorted(found, key=lambda r: r.page != page)  # stable: this page's own first

    def of_page(self, locale: str, page: str) -> Sequence[Remembered]:
        """The records approved on one page in one locale, earlier wordings too."""
        return self._pages.get((locale, page), ())

    @property
    def served(self) -> tuple[Remembered, ...]:
        """The records the serving rule shows today (not the earlier wordings)."""
        return tuple(r for r in self.records if not r.earlier)
