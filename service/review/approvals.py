"""The review stage: approvals bound to the exact English and the exact translation by SHA-256,
kept as a signed history per page and locale (`locales/<locale>/reviews/<page>.yaml`, see
`history`); locale `en` holds source approvals.

Planning is pure. Every change to review state goes through `ledgers.write_events`, which holds a
lock on the ledger's folder while it reads the history, decides and appends, so concurrent
reviewers never undo each other.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from service.core.config import Config
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
)
from service.core.policy import Policy, approvals_needed, judge, meaning, standing
from service.quality.checks import Finding, Unit, blocking, run_checks
from service.review.history import History, record_of
from service.review.ledgers import utc_now, write_events

__all__ = [
    "Change",
    "Decision",
    "Lacking",
    "PendingItem",
    "Refused",
    "Selection",
    "Shown",
    "TextChanged",
    "approvable",
    "approve",
    "changed_since",
    "diff_words",
    "lacking",
    "may_sign",
    "missing_roles",
    "pending",
    "plan_approvals",
    "plan_revocations",
    "revoke",
    "word_diff",
]


class Refused(ReviewError):
    """The policy does not let this reviewer do this here (not declared for the locale or role)."""


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


def select(page: Page, selection: Selection) -> list[Segment]:
    """The distinct segments picked; naming one the page does not have is an error."""
    picked = list({s.key: s for s in page.segments if selection.picks(s)}.values())
    if selection.one and not picked:
        raise ReviewError(f"page {page.slug!r} has no {selection.describe()}")
    return picked


@dataclass(frozen=True)
class Decision:
    segment: Segment
    forms: tuple[str, ...]
    event: Mapping[str, Any] | None
    reason: str = ""

    @property
    def approved(self) -> bool:
        return self.event is not None

    @property
    def waiting_for_translation(self) -> bool:
        """Nothing for a reviewer to do yet: the translator has not translated it."""
        return self.reason in ("not translated", _NO_CATALOG)

    @property
    def already(self) -> bool:
        return self.reason == _ALREADY


_ALREADY = "already approved"
_NO_CATALOG = "no catalog for this locale; run `clinic-l10n update`"


def approvable(
    segment: Segment, locale: str, catalog: LoadedCatalog | None
) -> tuple[tuple[str, ...], str]:
    """The text a reviewer would approve for this segment, or why there is none."""
    if locale == SOURCE_LOCALE:
        return segment.source_forms, ""
    if catalog is None:
        return (), _NO_CATALOG
    entry = catalog.entries.get(segment.key)
    if entry is None or entry.msgid_plural != segment.source_plural:
        return (), "not in the catalog; run `clinic-l10n update`"
    if entry.fuzzy:
        return (), "fuzzy: the translator must confirm it first"
    if not entry.translated:
        return (), "not translated"
    if entry.errors:
        return (), "msgfmt -c rejects it: " + "; ".join(entry.errors)
    return entry.msgstr, ""


def translator_of(page: Page, locale: str, catalog: LoadedCatalog | None) -> str | None:
    """Whose text it is, for four eyes: the page's author for English, else Last-Translator."""
    if locale == SOURCE_LOCALE:
        return page.author
    return catalog.last_translator if catalog else None


@dataclass(frozen=True)
class Lacking:
    """What approval a text still lacks: one of `roles` when `any_role` (text that is not
    safety-critical needs one review, in any role), else every role in `roles`; `have` are the
    approvals of this exact text that count toward it (one role of safety text, say)."""

    roles: frozenset[Role]
    any_role: bool
    have: tuple[ReviewRecord, ...] = ()

    def __str__(self) -> str:
        if self.any_role:
            return "a review"
        lacking = [r.value for r in Role if r in self.roles]
        return " and ".join(lacking) + " review" if lacking else "a second reviewer"


def lacking(
    segment: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger | None,
    policy: Policy,
    translator: str | None,
) -> Lacking | None:
    """What approval the text still lacks (None when it is fully approved), by `policy.judge`."""
    current = ledger.approving(segment.key, segment.source_forms, forms) if ledger else ()
    verdict = judge(policy, current, segment, locale, translator)
    if verdict.counting:
        return None
    refused = {r.seq for r, _ in verdict.refused}
    valid = tuple(r for r in current if r.seq not in refused)
    needed = approvals_needed(segment, locale)
    if not needed:
        return Lacking(frozenset(Role), True, valid)
    have = {r.role for r in valid}
    return Lacking(frozenset(r for r in needed if r not in have), False, valid)


def missing_roles(
    segment: Segment,
    locale: str,
    forms: tuple[str, ...],
    ledger: Ledger | None,
    policy: Policy,
    translator: str | None,
) -> str:
    """What approval the text still lacks, in words ("" when it is fully approved)."""
    found = lacking(segment, locale, forms, ledger, policy, translator)
    return "" if found is None else str(found)


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
) -> str:
    """Why `reviewer` may not sign this exact text in `role` ("" when they may): already approved
    in that role, or what `policy.judge` refuses (not declared for the locale or role, the text's
    translator, the other role of safety text already theirs). The checks are asked separately."""
    existing = ledger.records.get((seg.key, role))
    if existing and existing.approves(seg.source_forms, forms):
        return _ALREADY
    declared = policy.find(reviewer)
    candidate = ReviewRecord(
        msgid=seg.source,
        source_sha256=fingerprint(*seg.source_forms),
        msgstr=forms,
        translation_sha256=fingerprint(*forms),
        translator=translator,
        reviewer=declared.name if declared else " ".join(reviewer.split()),
        reviewed_at=now,
        role=role,
        seq=ledger.events + 1,
    )
    others = [r for r in ledger.approving(seg.key, seg.source_forms, forms) if r.role != role]
    verdict = judge(policy, [*others, candidate], seg, locale, translator)
    return next((w for r, w in verdict.refused if r is candidate), "")


def _approve_event(
    seg: Segment,
    locale: str,
    domain: str,
    forms: tuple[str, ...],
    translator: str | None,
    reviewer: str,
    role: Role,
    now: str,
) -> dict[str, Any]:
    return {
        "at": now,
        "event": "approve",
        "locale": locale,
        "page": domain,
        "id": seg.id,
        **({"msgctxt": seg.context} if seg.context is not None else {}),
        "msgid": seg.source,
        "msgstr": forms[0] if len(forms) == 1 else list(forms),
        "source_sha256": fingerprint(*seg.source_forms),
        "translation_sha256": fingerprint(*forms),
        **({"translator": translator} if translator else {}),
        "reviewer": reviewer,
        "role": role.value,
        "meaning": meaning(role, locale),
    }


def plan_approvals(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger,
    policy: Policy,
    reviewer: str,
    role: Role,
    selection: Selection = Selection(),
    terms: tuple[str, ...] = (),
    now: str = "",
) -> list[Decision]:
    """What `review approve` would do, segment by segment; nothing is written here. Who may
    approve is `policy.judge`, the rule the server applies to every record it serves."""
    translator = translator_of(page, locale, catalog)
    declared = policy.find(reviewer)
    name = declared.name if declared else " ".join(reviewer.split())
    decisions = []
    for seg in select(page, selection):
        forms, why = approvable(seg, locale, catalog)
        if not why:
            why = may_sign(seg, locale, forms, ledger, policy, reviewer, role, translator, now)
        if not why and locale != SOURCE_LOCALE:
            findings = blocking(Unit.of(seg, forms, locale, terms))
            why = "; ".join(f"check {f.check}: {f.message}" for f in findings)
        if why:
            decisions.append(Decision(seg, forms, None, why))
            continue
        event = _approve_event(seg, locale, page.slug, forms, translator, name, role, now)
        decisions.append(Decision(seg, forms, event))
    return decisions


def plan_revocations(
    page: Page,
    locale: str,
    ledger: Ledger,
    policy: Policy,
    reviewer: str,
    reason: str,
    selection: Selection,
    role: Role | None = None,
    now: str = "",
) -> list[dict[str, Any]]:
    """The revoke events for the approvals in force of one text (of one role, or all of them).
    Any reviewer declared for the locale may revoke: stopping text being served never waits."""
    who = policy.find(reviewer)
    if who is None or not who.covers(locale):
        raise Refused(f"{reviewer!r} is not declared under 'reviewers:' for {locale}")
    if not reason.strip():
        raise ReviewError("a revocation needs a --reason")
    keys = {s.key for s in page.segments if selection.segment_id == s.id}
    gone = [
        r
        for (key, r_role), r in sorted(ledger.records.items(), key=lambda kv: kv[1].seq)
        if (key in keys or (selection.msgid is not None and r.msgid == selection.msgid))
        and role in (None, r_role)
    ]
    if not gone:
        raise ReviewError(f"no approval in force for {selection.describe()}", ledger.path)
    return [
        {
            "at": now,
            "event": "revoke",
            "locale": locale,
            "page": page.slug,
            **({"id": r.segment_id} if r.segment_id else {}),
            **({"msgctxt": r.msgctxt} if r.msgctxt is not None else {}),
            "msgid": r.msgid,
            "source_sha256": r.source_sha256,
            "translation_sha256": r.translation_sha256,
            "reviewer": who.name,
            "role": r.role.value,
            "reason": " ".join(reason.split()),
        }
        for r in gone
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
    seg: Segment, forms: tuple[str, ...], approvals: Sequence[ReviewRecord], on_page: set[Any]
) -> ReviewRecord | None:
    """The last approval of this text's earlier version: of the same English with another
    translation, else of the English it replaced (the most similar text no longer on the page)."""
    source, translation = fingerprint(*seg.source_forms), fingerprint(*forms)
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
) -> tuple[list[PendingItem], list[tuple[Segment, str]]]:
    """What awaits a reviewer, and what is not ready (and why)."""
    translator = translator_of(page, locale, catalog)
    on_page = {s.key for s in page.segments}
    events = history.events if history is not None else ()
    approvals = [record_of(e) for e in events if e.kind == "approve"]  # read once per page
    ready, unready = [], []
    for seg in {s.key: s for s in page.segments}.values():
        forms, why = approvable(seg, locale, catalog)
        if why:
            unready.append((seg, why))
            continue
        lack = lacking(seg, locale, forms, ledger, policy, translator)
        if lack is None:
            continue
        findings = (
            tuple(run_checks(Unit.of(seg, forms, locale, terms))) if locale != SOURCE_LOCALE else ()
        )
        before = _approved_before(seg, forms, approvals, on_page)
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
        elif fingerprint(*forms) != item.translation_sha256:
            changes.append(Change(item, seg, forms, "the translation changed"))
    return changes


def approve(
    config: Config,
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    reviewer: str,
    role: Role,
    selection: Selection = Selection(),
    shown: Sequence[Shown] = (),
) -> list[Decision]:
    """Approve what is ready among the selected segments, as one signed event per text, decided
    against the history as it is at the moment of writing (under the ledger's lock).

    With `shown`, the approval is of exactly those segments and bound to the texts the reviewer
    saw: if any English or translation is no longer that text (`page` and `catalog` are what is
    on disk now), nothing is written and `TextChanged` says which and how."""
    why = standing(config.policy, reviewer, role, locale)
    if why:
        raise Refused(why)
    if shown:
        selection = Selection(segment_ids=tuple(s.segment_id for s in shown))
    path = config.ledger_path(locale, page.slug)
    decisions: list[Decision] = []

    def plan(ledger: Ledger) -> list[Mapping[str, Any]]:
        changes = changed_since(page, locale, catalog, shown)
        if changes:
            raise TextChanged(changes)
        decisions[:] = plan_approvals(
            page,
            locale,
            catalog,
            ledger,
            config.policy,
            reviewer,
            role,
            selection,
            config.do_not_translate,
            utc_now(),
        )
        return [d.event for d in decisions if d.event is not None]

    recorded = iter(write_events(path, locale, page.slug, plan, config.rel(path)))
    # Each approval as written: with its place in the history (seq, prev).
    return [
        replace(d, event=json.loads(next(recorded))) if d.event is not None else d
        for d in decisions
    ]


def revoke(
    config: Config,
    page: Page,
    locale: str,
    reviewer: str,
    reason: str,
    selection: Selection,
    role: Role | None = None,
) -> list[str]:
    """Revoke the approvals in force of one text (one role's, or all), with who and why."""
    path = config.ledger_path(locale, page.slug)

    def plan(ledger: Ledger) -> list[dict[str, Any]]:
        return plan_revocations(
            page, locale, ledger, config.policy, reviewer, reason, selection, role, utc_now()
        )

    return write_events(path, locale, page.slug, plan, config.rel(path))
