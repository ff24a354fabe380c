"""Who stands behind a served page, and how much of it is in English: pure facts of resolved pages.

The JSON page and the HTML page a patient reads both state these, from the one function here that
works each out, so the two never disagree. Nothing here opens a file or renders markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.core.models import (
    SOURCE_LOCALE,
    ResolvedPage,
    ReviewRecord,
    Role,
    SegmentType,
    ServedSegment,
)

__all__ = [
    "English",
    "Provenance",
    "display_name",
    "english_shown",
    "labelled",
    "provenance",
    "shown_language",
    "translated_parts",
]


class English(StrEnum):
    """How much of a page in another locale is shown in English, which picks the one notice above it."""

    NONE = "none"  # nothing (or the page is English)
    SOME = "some"  # some parts, besides any safety section held in English
    SAFETY = "safety"  # only safety sections, each held whole in English
    ALL = "all"  # every part: `fallback: page` falling back, or a locale with nothing reviewed


def _shown(resolved: ResolvedPage) -> list[ServedSegment]:
    """What the patient reads on the page: the description lives in <meta>."""
    return [s for s in resolved.served if s.segment.type is not SegmentType.DESCRIPTION]


def _in_english(s: ServedSegment) -> bool:
    # pt-BR falling back to pt is still Portuguese: only English is announced as English.
    return s.fallback and s.locale == SOURCE_LOCALE


def english_shown(resolved: ResolvedPage) -> tuple[English, int]:
    """Which case the page is in, and how many of its parts (segments on the page) are English.

    A segment of a safety section held in English counts as part of that section: the page is in
    the SAFETY case only when every English part belongs to such a section."""
    shown = _shown(resolved)
    english = [s for s in shown if _in_english(s)]
    if not english:
        return English.NONE, 0
    if len(english) == len(shown):
        return English.ALL, len(english)
    held = set(resolved.held_sections)
    if all(s.segment.section in held for s in english):
        return English.SAFETY, len(english)
    return English.SOME, len(english)


def shown_language(resolved: ResolvedPage) -> str:
    """The language of the page as a whole (its document's `lang`): English when every part is
    shown in English, however it is asked for; else the locale asked for."""
    if english_shown(resolved)[0] is English.ALL:
        return SOURCE_LOCALE
    return resolved.target


def translated_parts(resolved: ResolvedPage) -> tuple[int, int]:
    """How many parts of the page (its segments but the description, withheld ones included) a
    patient asking for `resolved.target` reads in a language other than English (the target or
    another locale of its chain: pt-BR served from pt is Portuguese), and how many parts it has.
    None translated is `English.ALL` (or nothing shown at all); the share decides whether the page
    is listed in that locale (`site.listing`)."""
    parts = sum(s.type is not SegmentType.DESCRIPTION for s in resolved.page.segments)
    return sum(s.locale != SOURCE_LOCALE for s in _shown(resolved)), parts


def labelled(resolved: ResolvedPage) -> frozenset[str]:
    """The ids of the segments that carry a visible "Shown in English" label: each English part
    that no other notice covers. On an all-English page the one notice above it says it all; a
    safety section held in English has its own notice under its heading; an image's alt text is
    not seen."""
    case, _ = english_shown(resolved)
    if case is English.ALL:
        return frozenset()
    held = set(resolved.held_sections)
    return frozenset(
        s.segment.id
        for s in _shown(resolved)
        if _in_english(s)
        and s.segment.section not in held
        and s.segment.type is not SegmentType.IMAGE
    )


_EMAIL = re.compile(r"\s*<[^>]*>")


def display_name(name: str) -> str:
    """A person as a patient is shown them: the e-mail a catalog header carries left out.

    >>> display_name("Lucía Ficticia (fictional) <lucia@translators.example>")
    'Lucía Ficticia (fictional)'
    """
    return " ".join(_EMAIL.sub("", name).split())


@dataclass(frozen=True)
class Provenance:
    """Who translated and reviewed what a page shows, and when (UTC, ISO 8601)."""

    translators: tuple[str, ...]  # of the translations shown, as their approvals recorded
    by_role: tuple[tuple[Role, tuple[str, ...]], ...]  # reviewers of those translations, per role
    translation_reviewed_at: str | None  # the latest approval of a translation shown
    english_reviewers: tuple[str, ...]  # who approved the English page (the source)
    english_reviewed_at: str | None  # the latest approval of the English page as served
    # The translations shown that each role of `by_role` signed (segment ids, in page order).
    signed: tuple[tuple[Role, tuple[str, ...]], ...] = ()
    translated: tuple[str, ...] = ()  # every translation shown (segment ids, in page order)

    def reviewers(self, role: Role) -> tuple[str, ...]:
        """The reviewers of the translations shown who signed in `role`."""
        return next((names for r, names in self.by_role if r == role), ())

    def signed_in(self, role: Role) -> tuple[str, ...]:
        """The translations shown (segment ids) that a reviewer signed in `role`."""
        return next((ids for r, ids in self.signed if r == role), ())

    def partial(self) -> tuple[Role, ...]:
        """The roles of `by_role` whose reviewers signed only some of the translations shown: a
        page must say which (a clinician who signed the doses did not review the rest)."""
        return tuple(r for r, _ in self.by_role if len(self.signed_in(r)) < len(self.translated))


def _names(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({display_name(n) for n in names if n}, key=str.casefold))


def provenance(resolved: ResolvedPage, english: ResolvedPage, roles: Sequence[Role]) -> Provenance:
    """The provenance of `resolved`; `english` is the same page resolved in English, whose
    approvals stand behind every English part and every translation (each was reviewed against
    the English served today). `roles`: the policy's roles, in the order a page lists them.

    A role is named for the translations shown that someone signed in it (`signed`), never for
    the page as a whole unless they signed all of it: under the policy a clinician signs the
    safety-critical text (warnings, doses), and other text needs one review in any role."""
    shown = [s for s in _shown(resolved) if s.locale != SOURCE_LOCALE]
    reviews: list[ReviewRecord] = [
        r for s in resolved.served if s.locale != SOURCE_LOCALE for r in s.reviews
    ]
    source = [r for s in english.served for r in s.reviews]
    signed = [*roles, *sorted({r.role for r in reviews} - set(roles))]
    on_page = [r for s in shown for r in s.reviews]  # a role is named for the text it signed
    by_role = ((role, _names(r.reviewer for r in on_page if r.role == role)) for role in signed)
    return Provenance(
        translators=_names(r.translator for r in reviews),
        by_role=tuple((role, names) for role, names in by_role if names),
        translation_reviewed_at=max((r.reviewed_at for r in reviews), default=None),
        english_reviewers=_names(r.reviewer for r in source),
        english_reviewed_at=max((r.reviewed_at for r in source), default=None),
        signed=tuple(
            (role, tuple(s.segment.id for s in shown if any(r.role == role for r in s.reviews)))
            for role in signed
        ),
        translated=tuple(s.segment.id for s in shown),
    )
