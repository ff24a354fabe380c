"""What a reviewer must confirm before an approval of a text counts: the confirm-level checks'
findings on it, and a translation left unchanged while its English changed. One rule, asked by the
serving rule, `review approve`, `review pending` and the workspace alike.

An approval confirms by naming, in its event, the kinds of finding it confirmed (`confirmed`); it
is bound to the exact text like every approval. An approval counts toward a text that needs a
confirmation only if it confirms every kind the text needs now (a confirm-level check added after
the approval holds the text again until a reviewer confirms that too), so each role the policy
asks for must confirm: the clinical reviewer of a flipped negation as much as the linguist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from service.core.models import (
    SOURCE_LOCALE,
    Ledger,
    LoadedCatalog,
    ReviewRecord,
    Segment,
    fingerprint,
)
from service.quality.checks import Finding, Severity, Unit
from service.quality.confirm import confirming

__all__ = ["UNCHANGED", "confirms", "earlier", "kinds", "to_confirm", "unchanged"]

UNCHANGED = "unchanged-translation"


def earlier(
    segment: Segment, forms: tuple[str, ...], ledger: Ledger | None, catalog: LoadedCatalog | None
) -> tuple[ReviewRecord, ...]:
    """Approvals in force of this exact translation of an English that is no longer the catalog's:
    the English changed and the translation did not (a translator cleared `fuzzy` without editing).
    An English still live in the catalog is another message with the same translation ("Yes" and
    "Yes."), not an earlier version of this one."""
    if ledger is None or not forms:
        return ()
    approved = ledger.of_translation(fingerprint(*forms))
    if not approved:  # most translations: no approval of the text at all
        return ()
    source = fingerprint(*segment.source_forms)
    live = catalog.entries if catalog is not None else {}
    return tuple(
        r
        for r in approved
        if r.source_sha256 != source and (r.key == segment.key or r.key not in live)
    )


def unchanged(
    segment: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger | None,
    catalog: LoadedCatalog | None,
) -> tuple[Finding, ...]:
    """The `unchanged-translation` finding, when `earlier` finds an approval."""
    if locale == SOURCE_LOCALE:
        return ()
    found = earlier(segment, forms, ledger, catalog)
    if not found:
        return ()
    last = max(found, key=lambda r: r.seq)
    message = (
        f"the translation is the one {last.reviewer} approved on {last.reviewed_at} for an earlier "
        f"English ({last.msgid[:60]!r}); the English changed since, the translation did not"
    )
    return (Finding(UNCHANGED, Severity.CONFIRM, message),)


def to_confirm(
    segment: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger | None,
    catalog: LoadedCatalog | None,
) -> tuple[Finding, ...]:
    """Every finding a reviewer must confirm on this text (none for English)."""
    if locale == SOURCE_LOCALE or not forms:
        return ()
    return (
        *confirming(Unit.of(segment, forms, locale)),
        *unchanged(segment, locale, forms, ledger, catalog),
    )


def kinds(findings: Iterable[Finding]) -> frozenset[str]:
    """The kinds (check ids) of the confirm-level findings among `findings`."""
    return frozenset(f.check for f in findings if f.severity is Severity.CONFIRM)


def confirms(record: ReviewRecord, needs: Collection[str]) -> bool:
    """Whether `record` confirmed every kind of finding in `needs`."""
    return not needs or set(needs) <= set(record.confirmed)
