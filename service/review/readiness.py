"""Whether a text is ready for a reviewer, and what approval it still lacks: the questions
`review approve`, `review pending`, the workspace's queue and `check` all ask, answered here once.
Pure: a page, a catalog and a ledger in, answers out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from service.core.errors import ReviewError
from service.core.models import (
    SOURCE_LOCALE,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Role,
    Segment,
    fingerprint,
    text_sha256,
)
from service.core.policy import Policy, judge
from service.review.confirming import confirms

__all__ = [
    "ALL",
    "ALREADY_APPROVED",
    "NOT_TRANSLATED",
    "NO_CATALOG",
    "Lacking",
    "Selection",
    "approvable",
    "lacking",
    "may_sign",
    "select",
    "text_translator",
    "translator_of",
]

ALREADY_APPROVED = "already approved"
NOT_TRANSLATED = "not translated"
NO_CATALOG = "no catalog for this locale; run `clinic-l10n update`"


@dataclass(frozen=True)
class Selection:
    """Which segments a command is about: one by its English text or its id, or all of them."""

    msgid: str | None = None
    segment_id: str | None = None
    segment_ids: tuple[str, ...] = ()  # several segments by id (a section, a page, as shown)

    def picks(self, seg: Segment) -> bool:
        if self.segment_id is not None:
            return seg.id == self.segment_id
        if self.segment_ids:
            return seg.id in self.segment_ids
        return self.msgid is None or seg.source == self.msgid

    @property
    def one(self) -> bool:
        return self.msgid is not None or self.segment_id is not None

    def describe(self) -> str:
        if self.segment_id is not None:
            return f"segment id {self.segment_id!r}"
        if self.segment_ids:
            return f"segment ids {', '.join(self.segment_ids)}"
        return f"English text {(self.msgid or '')[:60]!r}"


ALL = Selection()  # every segment of the page


def select(page: Page, selection: Selection) -> list[Segment]:
    """The distinct segments picked; naming one the page does not have is an error."""
    picked = list({s.key: s for s in page.segments if selection.picks(s)}.values())
    if selection.one and not picked:
        raise ReviewError(f"page {page.slug!r} has no {selection.describe()}")
    return picked


def approvable(
    segment: Segment, locale: str, catalog: LoadedCatalog | None
) -> tuple[tuple[str, ...], str]:
    """The text a reviewer would approve for this segment, or why there is none."""
    if locale == SOURCE_LOCALE:
        return segment.source_forms, ""
    if catalog is None:
        return (), NO_CATALOG
    entry = catalog.entries.get(segment.key)
    if entry is None or entry.msgid_plural != segment.source_plural:
        return (), "not in the catalog; run `clinic-l10n update`"
    if entry.refused:
        return (), entry.refused
    if entry.fuzzy:
        return (), "fuzzy: the translator must confirm it first"
    if not entry.translated:
        return (), NOT_TRANSLATED
    if entry.errors:
        return (), "msgfmt -c rejects it: " + "; ".join(entry.errors)
    return entry.msgstr, ""


def translator_of(page: Page, locale: str, catalog: LoadedCatalog | None) -> str | None:
    """Whose the page's texts are, for four eyes: the page's author for English, else the
    catalog's Last-Translator (for one exact translation the ledger's record comes first:
    `text_translator`)."""
    if locale == SOURCE_LOCALE:
        return page.author
    return catalog.last_translator if catalog else None


def text_translator(
    seg: Segment, locale: str, forms: tuple[str, ...], ledger: Ledger | None, translator: str | None
) -> str | None:
    """Whose this exact text is, for four eyes: for a translation, the translator the ledger
    recorded when it was first approved (`Ledger.translator`), else `translator` (the catalog's
    Last-Translator); for English, `translator` (the page's author)."""
    if locale == SOURCE_LOCALE or ledger is None:
        return translator
    return ledger.translator(seg.key, forms, translator)


@dataclass(frozen=True)
class Lacking:
    """What approval a text still lacks: one of `roles` when `any_role` (the policy asks one review
    in any role), else every role in `roles` (in the policy's order, each from another person);
    `have` are the approvals of this exact text that count toward it (one role of safety text)."""

    roles: tuple[Role, ...]
    any_role: bool
    have: tuple[ReviewRecord, ...] = ()

    def __str__(self) -> str:
        if self.any_role:
            return "a review"
        return " and ".join(self.roles) + " review" if self.roles else "a second reviewer"


def lacking(
    segment: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger | None,
    policy: Policy,
    translator: str | None,
    needs: Collection[str] = (),
) -> Lacking | None:
    """What approval the text still lacks (None when it is fully approved), by `policy.judge`;
    an approval that does not confirm the kinds of finding in `needs` does not count."""
    found = ledger.approving(segment, forms) if ledger else ()
    current = tuple(r for r in found if confirms(r, needs))
    translator = text_translator(segment, locale, forms, ledger, translator)
    verdict = judge(policy, current, segment, locale, translator)
    if verdict.counting:
        return None
    refused = {r.seq for r, _ in verdict.refused}
    valid = tuple(r for r in current if r.seq not in refused)
    needed = policy.needed(segment, locale)
    if not needed:
        return Lacking(policy.role_names, True, valid)
    have = {r.role for r in valid}
    return Lacking(tuple(r for r in needed if r not in have), False, valid)


def may_sign(
    seg: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger,
    policy: Policy,
    reviewer: str,
    role: Role,
    translator: str | None,
    now: str = "",
    needs: Collection[str] = (),
) -> str:
    """Why `reviewer` may not sign this exact text in `role` ("" when they may): already approved
    in that role by a record that counts (with a confirmation of the kinds in `needs`), or what
    `policy.judge` refuses (not declared for the locale or role, the text's translator by
    `text_translator`, another role of the same text already theirs). A record in that role that
    the policy refuses (written by hand, or by someone no longer declared) does not stand in the
    way of one that counts. The checks are asked separately."""
    translator = text_translator(seg, locale, forms, ledger, translator)
    others = [r for r in ledger.approving(seg, forms) if r.role != role]
    existing = ledger.records.get((seg.key, role))
    if existing and existing.approves(seg, locale, forms) and confirms(existing, needs):
        refused = judge(policy, [*others, existing], seg, locale, translator).refused
        if all(r is not existing for r, _ in refused):
            return ALREADY_APPROVED
    declared = policy.find(reviewer)
    candidate = ReviewRecord(
        msgid=seg.source,
        source_sha256=fingerprint(*seg.source_forms),
        msgstr=forms,
        translation_sha256=text_sha256(seg, locale, forms),
        translator=translator,
        reviewer=declared.name if declared else " ".join(reviewer.split()),
        reviewed_at=now,
        role=role,
        seq=ledger.events + 1,
    )
    verdict = judge(policy, [*others, candidate], seg, locale, translator)
    return next((w for r, w in verdict.refused if r is candidate), "")
