"""The review stage's write path: approvals bound to the exact English and the exact translation by
SHA-256, kept as a signed history per page and locale (`locales/<locale>/reviews/<page>.yaml`, see
`history`); locale `en` holds source approvals.

Planning is pure. Every change to review state goes through `ledgers.write_events`, which holds a
lock on the ledger's folder while it reads the history, decides and appends, so concurrent
reviewers never undo each other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from service.core.config import Config
from service.core.errors import ReviewError
from service.core.models import (
    SOURCE_LOCALE,
    Ledger,
    LoadedCatalog,
    Page,
    Role,
    Segment,
    fingerprint,
    text_sha256,
)
from service.core.policy import Policy, standing
from service.core.terminology import NO_TERMINOLOGY, Terminology
from service.quality.checks import Unit, blocking
from service.review.confirming import kinds, to_confirm
from service.review.ledgers import utc_now, write_events
from service.review.readiness import (
    ALL,
    ALREADY_APPROVED,
    NO_CATALOG,
    NOT_TRANSLATED,
    Selection,
    approvable,
    may_sign,
    select,
    text_translator,
    translator_of,
)
from service.review.waiting import Shown, TextChanged, changed_since

__all__ = [
    "NEEDS_CONFIRMATION",
    "ONE_AT_A_TIME",
    "Decision",
    "Refused",
    "approve",
    "plan_approvals",
    "plan_revocations",
    "revoke",
]


ONE_AT_A_TIME = "a confirmation that the meaning is kept is given for one text at a time"
NEEDS_CONFIRMATION = (
    "needs your confirmation that the meaning is kept (tick it in the workspace, or "
    "`review approve --confirm-meaning` with --id or --msgid)"
)


class Refused(ReviewError):
    """The policy does not let this reviewer do this here (not declared for the locale or role)."""


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
        return self.reason in (NOT_TRANSLATED, NO_CATALOG)

    @property
    def already(self) -> bool:
        return self.reason == ALREADY_APPROVED


def _approve_event(
    seg: Segment,
    locale: str,
    domain: str,
    forms: tuple[str, ...],
    translator: str | None,
    reviewer: str,
    role: Role,
    now: str,
    meaning: str,
    confirmed: frozenset[str],
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
        "translation_sha256": text_sha256(seg, locale, forms),
        **({"translator": translator} if translator else {}),
        "reviewer": reviewer,
        "role": role,
        "meaning": meaning,
        **({"confirmed": sorted(confirmed)} if confirmed else {}),
    }


def plan_approvals(
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    ledger: Ledger,
    policy: Policy,
    reviewer: str,
    role: Role,
    selection: Selection = ALL,
    terms: tuple[str, ...] = (),
    now: str = "",
    terminology: Terminology = NO_TERMINOLOGY,
    confirm: bool = False,
) -> list[Decision]:
    """What `review approve` would do, segment by segment; nothing is written here. Who may
    approve is `policy.judge`, the rule the server applies to every record it serves. A text
    with confirm-level findings is approved only with `confirm` (the reviewer says the meaning
    is kept), and its event records the kinds confirmed."""
    translator = translator_of(page, locale, catalog)
    declared = policy.find(reviewer)
    name = declared.name if declared else " ".join(reviewer.split())
    decisions = []
    for seg in select(page, selection):
        forms, why = approvable(seg, locale, catalog)
        why = why or ledger.sent_back(seg.key, forms)
        held = to_confirm(seg, locale, forms, ledger, catalog) if not why else ()
        needs = kinds(held)
        if not why:
            why = may_sign(
                seg, locale, forms, ledger, policy, reviewer, role, translator, now, needs
            )
        if not why and locale != SOURCE_LOCALE:
            findings = blocking(Unit.of(seg, forms, locale, terms, terminology))
            why = "; ".join(f"check {f.check}: {f.message}" for f in findings)
        if not why and held and not confirm:
            listed = "; ".join(f"{f.check}: {f.message}" for f in held)
            why = f"{NEEDS_CONFIRMATION} ({listed})"
        if why:
            decisions.append(Decision(seg, forms, None, why))
            continue
        meaning = policy.meaning(role, locale)
        author = text_translator(seg, locale, forms, ledger, translator)  # what the event records
        event = _approve_event(
            seg, locale, page.slug, forms, author, name, role, now, meaning, needs
        )
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
            "role": r.role,
            "reason": " ".join(reason.split()),
        }
        for r in gone
    ]


def approve(
    config: Config,
    page: Page,
    locale: str,
    catalog: LoadedCatalog | None,
    reviewer: str,
    role: Role,
    selection: Selection = ALL,
    shown: Sequence[Shown] = (),
    confirm: bool = False,
) -> list[Decision]:
    """Approve what is ready among the selected segments, as one signed event per text, decided
    against the history as it is at the moment of writing (under the ledger's lock).

    With `shown`, the approval is of exactly those segments and bound to the texts the reviewer
    saw: if any English or translation is no longer that text (`page` and `catalog` are what is
    on disk now), nothing is written and `TextChanged` says which and how. `confirm` (the
    meaning is kept) is said of one text at a time."""
    why = standing(config.policy, reviewer, role, locale)
    if why:
        raise Refused(why)
    if confirm and not (len(shown) == 1 or (not shown and selection.one)):
        raise ReviewError(ONE_AT_A_TIME)
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
            config.terminology,
            confirm,
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
