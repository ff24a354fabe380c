"""What waits for a reviewer, and whether it is still what they were shown: the pending texts of a
page in a locale with what they lack, what the checks say and how each differs from what was
approved before, and the texts that changed since a reviewer saw them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.core.errors import ReviewError
from service.core.models import (
    SOURCE_LOCALE,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Segment,
    fingerprint,
    text_sha256,
)
from service.core.policy import Policy
from service.core.terminology import NO_TERMINOLOGY, Terminology
from service.quality.checks import Finding, Unit, run_checks
from service.review.confirming import kinds, unchanged
from service.review.history import History, record_of
from service.review.readiness import Lacking, approvable, lacking, translator_of

__all__ = [
    "Change",
    "PendingItem",
    "Shown",
    "TextChanged",
    "changed_since",
    "diff_words",
    "pending",
    "word_diff",
]


def diff_words(old: str, new: str) -> list[tuple[str, str]]:
    """Runs of words kept (`=`), removed (`-`) and added (`+`), oldest first.

    >>> diff_words("Take one 56 mg dose.", "Take one 84 mg dose.")
    [('=', 'Take one'), ('-', '56'), ('+', '84'), ('=', 'mg dose.')]
    """
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out


def word_diff(old: str, new: str) -> str:
    """Words removed and added, as `git diff --word-diff=plain` shows them.

    >>> word_diff("Take one 56 mg dose.", "Take one 84 mg dose.")
    'Take one [-56-]{+84+} mg dose.'
    """
    out: list[str] = []
    previous = "="
    for op, words in diff_words(old, new):
        shown = words if op == "=" else f"[-{words}-]" if op == "-" else f"{{+{words}+}}"
        if op == "+" and previous == "-":  # a replacement reads as one token
            out[-1] += shown
        else:
            out.append(shown)
        previous = op
    return " ".join(out)


@dataclass(frozen=True)
class PendingItem:
    """One text that waits for a review: what it lacks, what the checks say, and how it differs
    from what was approved before (empty when it was never approved)."""

    segment: Segment
    forms: tuple[str, ...]
    lacking: str
    findings: tuple[Finding, ...] = ()
    english_diff: str = ""
    translation_diff: str = ""
    approved_before: ReviewRecord | None = field(default=None, compare=False)
    lack: Lacking | None = field(default=None, compare=False)


def _approved_before(
    seg: Segment,
    locale: str,
    forms: tuple[str, ...],
    approvals: Sequence[ReviewRecord],
    on_page: set[Any],
) -> ReviewRecord | None:
    """The last approval of this text's earlier version: of the same English with another
    translation, else of the English it replaced (the most similar text no longer on the page)."""
    source, translation = fingerprint(*seg.source_forms), text_sha256(seg, locale, forms)
    same = [r for r in approvals if r.key == seg.key and (r.translation_sha256 != translation)]
    if same:
        return same[-1]
    best, score = None, 0.6
    for r in approvals:
        if r.key in on_page or r.source_sha256 == source:
            continue
        ratio = difflib.SequenceMatcher(None, r.msgid, seg.source, autojunk=False).ratio()
        if ratio >= score:
            best, score = r, ratio
    return best


def pending(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger | None,
    policy: Policy,
    terms: tuple[str, ...] = (),
    history: History | None = None,
    terminology: Terminology = NO_TERMINOLOGY,
) -> tuple[list[PendingItem], list[tuple[Segment, str]]]:
    """What awaits a reviewer, and what is not ready (and why)."""
    translator = translator_of(page, locale, catalog)
    on_page = {s.key for s in page.segments}
    events = history.events if history is not None else ()
    approvals = [record_of(e) for e in events if e.kind == "approve"]  # read once per page
    ready, unready = [], []
    for seg in {s.key: s for s in page.segments}.values():
        forms, why = approvable(seg, locale, catalog)
        if not why and ledger is not None:
            why = ledger.sent_back(seg.key, forms)
        if why:
            unready.append((seg, why))
            continue
        findings = (
            (
                *run_checks(Unit.of(seg, forms, locale, terms, terminology)),
                *unchanged(seg, locale, forms, ledger, catalog),
            )
            if locale != SOURCE_LOCALE
            else ()
        )
        lack = lacking(seg, locale, forms, ledger, policy, translator, kinds(findings))
        if lack is None:
            continue
        before = _approved_before(seg, locale, forms, approvals, on_page)
        english = translation = ""
        if before is not None:
            if before.msgid != seg.source:
                english = word_diff(before.msgid, seg.source)
            if locale != SOURCE_LOCALE and before.msgstr != forms:
                translation = word_diff(" / ".join(before.msgstr), " / ".join(forms))
        ready.append(
            PendingItem(seg, forms, str(lack), findings, english, translation, before, lack)
        )
    return ready, unready


@dataclass(frozen=True)
class Shown:
    """What a reviewer was shown of one segment: its id and the SHA-256 of its English and of its
    translation (for `en`, of the English again), as `pending` gives them."""

    segment_id: str
    source_sha256: str
    translation_sha256: str


@dataclass(frozen=True)
class Change:
    """How a segment differs from what was shown: the segment now (None: no longer on the page),
    its text now (empty when there is none to approve), and why, in words."""

    shown: Shown
    segment: Segment | None
    forms: tuple[str, ...]
    why: str


class TextChanged(ReviewError):
    """An approval bound to text that is no longer the text on disk: nothing was written."""

    def __init__(self, changes: Sequence[Change]):
        listed = "; ".join(f"{c.shown.segment_id}: {c.why}" for c in changes)
        super().__init__(f"the text changed since it was shown ({listed})")
        self.changes = tuple(changes)


def changed_since(
    page: Page, locale: str, catalog: LoadedCatalog | None, shown: Sequence[Shown]
) -> list[Change]:
    """The shown segments whose English or translation is not, or no longer, what was shown."""
    by_id = {s.id: s for s in page.segments}
    changes = []
    for item in shown:
        seg = by_id.get(item.segment_id)
        if seg is None:
            why = "its English changed or it was removed from the page"
            changes.append(Change(item, None, (), why))
            continue
        forms, why = approvable(seg, locale, catalog)
        if fingerprint(*seg.source_forms) != item.source_sha256:
            changes.append(Change(item, seg, forms, "the English changed"))
        elif why:
            changes.append(Change(item, seg, (), why))
        elif text_sha256(seg, locale, forms) != item.translation_sha256:
            changes.append(Change(item, seg, forms, "the translation changed"))
    return changes
