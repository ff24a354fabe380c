"""The review queue of the web workspace: what waits for one reviewer, and the approvals and
revocations they sign there.

The queue is read from the tree in service (`review.pending`, made once per page and locale and
kept while its page, catalog and ledger are the same objects, as the site keeps its responses).
Approving and revoking read the config, the page and the catalog as they are on disk at that
moment and write through `review.approve` / `review.revoke`, the CLI's functions: one write path,
one lock, one policy.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from . import review
from .catalogs import read_catalog
from .checks import Finding, Severity
from .config import Config, load_config
from .content import load_page, load_ui
from .errors import L10nError, ReviewError
from .history import History
from .models import (
    SOURCE_LOCALE,
    UI_DOMAIN,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Role,
    Segment,
    SegmentType,
    fingerprint,
)
from .policy import Reviewer
from .store import Tree

__all__ = [
    "Blockers",
    "Item",
    "Mine",
    "Queue",
    "QueueCache",
    "Status",
    "approve",
    "blockers",
    "fresh",
    "history",
    "revoke",
]


log = logging.getLogger("clinic_l10n.queue")


class Status(StrEnum):
    NEW = "new"  # never approved
    CHANGED = "changed"  # approved before; its English or translation changed since
    PARTIAL = "partial"  # safety text with one of its two roles approved
    FAILING = "failing"  # an error-level check fails: the translator must fix it first


STATUS_LABELS = {
    Status.NEW: "never approved",
    Status.CHANGED: "changed since it was approved",
    Status.PARTIAL: "one of its two reviews done",
    Status.FAILING: "a check fails",
}


@dataclass(frozen=True)
class Item:
    """One text that waits for a review, as everyone sees it."""

    locale: str
    page: str
    segment: Segment
    forms: tuple[str, ...]
    lack: review.Lacking
    findings: tuple[Finding, ...]
    before: ReviewRecord | None
    translator: str | None

    @property
    def source_sha256(self) -> str:
        return fingerprint(*self.segment.source_forms)

    @property
    def translation_sha256(self) -> str:
        return fingerprint(*self.forms)

    @cached_property  # asked for every item of every request: counts per status
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @cached_property
    def status(self) -> Status:
        if self.failing:
            return Status.FAILING
        if self.lack.have:
            return Status.PARTIAL
        return Status.CHANGED if self.before is not None else Status.NEW

    def english_diff(self) -> list[tuple[str, str]]:
        """The English against the English approved before (empty when it is the same)."""
        if self.before is None or self.before.msgid == self.segment.source:
            return []
        return review.diff_words(self.before.msgid, self.segment.source)

    def translation_diff(self) -> list[tuple[str, str]]:
        if self.before is None or self.locale == SOURCE_LOCALE or self.before.msgstr == self.forms:
            return []
        return review.diff_words(" / ".join(self.before.msgstr), " / ".join(self.forms))


@dataclass(frozen=True)
class Mine:
    """An item as one reviewer sees it: the roles they may sign it in now."""

    item: Item
    roles: tuple[Role, ...]


ReviewerItems = tuple[
    tuple["Mine", ...], int
]  # a reviewer's items of one page, and how many are not theirs


@dataclass(frozen=True)
class Entry:
    """One page in one locale: what waits for a review and what is not ready yet (and why)."""

    items: tuple[Item, ...]
    unready: tuple[tuple[Segment, str], ...]


@dataclass
class QueueCache:
    """What waits per (locale, page), and what of it waits for each reviewer, each kept while its
    inputs are the same objects (a reload gives an unchanged file's catalog or ledger back as the
    very same object, and a reviewer as declared in an unchanged config)."""

    entries: dict[tuple[str, str], tuple[tuple[object, ...], Entry]] = field(default_factory=dict)
    mine: dict[tuple[str, str, str], tuple[tuple[object, ...], ReviewerItems]] = field(
        default_factory=dict
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @staticmethod
    def _inputs(tree: Tree, domain: Page, locale: str) -> tuple[object, ...]:
        key = (locale, domain.slug)
        return (tree.config, domain, tree.catalogs.get(key), tree.ledgers.get(key))

    def entry(self, tree: Tree, domain: Page, locale: str) -> Entry:
        key = (locale, domain.slug)
        inputs = self._inputs(tree, domain, locale)
        with self._lock:
            found = self.entries.get(key)
        if found is not None and _same(found[0], inputs):
            return found[1]
        made = _entry(tree.config, domain, locale, tree.catalogs.get(key), tree.ledgers.get(key))
        with self._lock:
            self.entries[key] = (inputs, made)
        return made

    def for_reviewer(self, tree: Tree, who: Reviewer, domain: Page, locale: str) -> ReviewerItems:
        """The items of one page in one locale that `who` may sign, and how many they may not."""
        key = (who.name, locale, domain.slug)
        inputs = (*self._inputs(tree, domain, locale), who)
        with self._lock:
            found = self.mine.get(key)
        if found is not None and _same(found[0], inputs):
            return found[1]
        items: list[Mine] = []
        hidden = 0
        for item in self.entry(tree, domain, locale).items:
            roles = signable(tree, who, item)
            if roles:
                items.append(Mine(item, roles))
            elif who.roles & item.lack.roles:
                hidden += 1
        made = (tuple(items), hidden)
        with self._lock:
            self.mine[key] = (inputs, made)
        return made

    def warm(self, tree: Tree) -> None:
        """Work out every page in every locale ahead of the first request (a thousand pages take
        seconds), as the server starts."""
        for locale in tree.config.all_locales:
            for domain in tree.domains:
                try:
                    self.entry(tree, domain, locale)
                except Exception:  # a request asks again, and answers for itself
                    log.debug("queue of %s in %s not worked out ahead", domain.slug, locale)


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


def _entry(
    config: Config, domain: Page, locale: str, catalog: LoadedCatalog | None, ledger: Ledger | None
) -> Entry:
    def ask(history: History | None) -> tuple[list[review.PendingItem], list[tuple[Segment, str]]]:
        return review.pending(
            domain, locale, catalog, ledger, config.policy, config.do_not_translate, history
        )

    ready, unready = ask(None)
    if ready and ledger is not None:  # the history is read only where a diff may be shown
        path = config.ledger_path(locale, domain.slug)
        try:
            history = review.load_history(path, locale, domain.slug, config.rel(path))
        except L10nError:  # changed since it was loaded, and unreadable now: no diffs, then
            history = None
        ready, unready = ask(history)
    translator = review.translator_of(domain, locale, catalog)
    items = tuple(
        Item(
            locale,
            domain.slug,
            p.segment,
            p.forms,
            p.lack or review.Lacking(frozenset(Role), True),
            p.findings,
            p.approved_before,
            translator,
        )
        for p in ready
    )
    return Entry(items, tuple(unready))


def _empty(config: Config, locale: str, slug: str) -> Ledger:
    return Ledger(config.rel(config.ledger_path(locale, slug)), locale, slug)


def signable(tree: Tree, who: Reviewer, item: Item) -> tuple[Role, ...]:
    """The roles `who` may sign `item` in now (`review.may_sign`, the rule `approve` applies)."""
    ledger = tree.ledgers.get((item.locale, item.page)) or _empty(
        tree.config, item.locale, item.page
    )
    return tuple(
        role
        for role in Role
        if role in who.roles
        and role in item.lack.roles
        and not review.may_sign(
            item.segment,
            item.locale,
            item.forms,
            ledger,
            tree.config.policy,
            who.name,
            role,
            item.translator,
        )
    )


@dataclass(frozen=True)
class Queue:
    """One reviewer's queue, filtered and cut to one page of results."""

    items: tuple[Mine, ...]
    total: int
    offset: int
    limit: int
    counts: dict[str, int]
    hidden: int  # texts in their locales they may not sign (their own translation, say)
    pages: tuple[str, ...]  # the pages that have something in the queue, for the filter


def domains_of(tree: Tree) -> dict[str, Page]:
    return {d.slug: d for d in tree.domains}


def locales_of(tree: Tree, who: Reviewer) -> tuple[str, ...]:
    """The locales `who` may approve, in the config's order (English first)."""
    return tuple(loc for loc in tree.config.all_locales if who.covers(loc))


def build(
    tree: Tree,
    cache: QueueCache,
    who: Reviewer,
    locale: str | None = None,
    page: str | None = None,
    status: Status | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Queue:
    """What waits for `who`: texts in their locales that need a role they hold and that they may
    sign (failing ones included, so they see why a text cannot be approved yet)."""
    domains = domains_of(tree)
    chosen = [domains[page]] if page is not None and page in domains else []
    if page is None:
        chosen = sorted(domains.values(), key=lambda d: (d.slug == UI_DOMAIN, d.slug))
    mine: list[Mine] = []
    hidden = 0
    for loc in locales_of(tree, who):
        if locale is not None and loc != locale:
            continue
        for domain in chosen:
            items, not_theirs = cache.for_reviewer(tree, who, domain, loc)
            mine += items
            hidden += not_theirs
    counts = Counter(m.item.status.value for m in mine)
    pages = tuple(dict.fromkeys(m.item.page for m in mine))
    if status is not None:
        mine = [m for m in mine if m.item.status is status]
    window = tuple(mine[offset : offset + limit])
    return Queue(window, len(mine), offset, limit, dict(counts), hidden, pages)


@dataclass(frozen=True)
class Blockers:
    """What keeps a page in a locale from being served whole: counts as coverage gives them, the
    texts not ready for review (and why), and the safety sections held in English."""

    total: int
    served: int
    approved: int
    blocked: int
    waiting: int
    not_ready: tuple[tuple[str, int], ...]
    withheld: int  # English segments not approved: shown in no locale
    held: tuple[str, ...]  # headings of safety sections held in English


def blockers(tree: Tree, cache: QueueCache, slug: str, locale: str) -> Blockers | None:
    domain = domains_of(tree).get(slug)
    if domain is None:
        return None
    row = tree.coverage_rows([domain], [locale], {})[0]
    resolved = tree.resolve(domain, locale)
    entry = cache.entry(tree, domain, locale)
    reasons = Counter(why for _, why in entry.unready)
    headings = {s.section: s.source for s in domain.segments if s.type is SegmentType.HEADING}
    return Blockers(
        total=row.total,
        served=row.served,
        approved=row.approved,
        blocked=row.blocked,
        waiting=len(entry.items),
        not_ready=tuple(sorted(reasons.items())),
        withheld=len(resolved.withheld),
        held=tuple(headings.get(n, f"section {n}") for n in resolved.held_sections),
    )


def fresh(
    root: Path, tree: Tree, slug: str, locale: str
) -> tuple[Config, Page, LoadedCatalog | None]:
    """The config, the page and its catalog as they are on disk now (what an approval is checked
    against); a file that does not load refuses the approval rather than guess."""
    try:
        config = load_config(root)
        known = domains_of(tree).get(slug)
        if known is None:
            raise ReviewError(f"no page {slug!r}")
        path = Path(known.path)
        page = (
            load_ui(path, config.rel(path))
            if slug == UI_DOMAIN
            else load_page(path, config.fallback)
        )
        catalog_path = config.catalog_path(locale, slug)
        catalog = (
            read_catalog(catalog_path, slug, locale, config.rel(catalog_path))
            if locale != SOURCE_LOCALE and catalog_path.exists()
            else None
        )
    except ReviewError:
        raise
    except L10nError as exc:
        raise ReviewError(f"cannot review while this is broken: {exc}") from exc
    return config, page, catalog


def approve(
    root: Path,
    tree: Tree,
    reviewer: str,
    locale: str,
    slug: str,
    role: Role,
    shown: Sequence[review.Shown],
) -> list[review.Decision]:
    """Sign the shown texts in `role`, bound to their SHA-256s (`review.TextChanged` when one is
    no longer what is on disk; `review.Refused` when the reviewer may not approve here)."""
    config, page, catalog = fresh(root, tree, slug, locale)
    return review.approve(config, page, locale, catalog, reviewer, role, shown=shown)


def revoke(
    root: Path,
    tree: Tree,
    reviewer: str,
    locale: str,
    slug: str,
    segment_id: str,
    role: Role,
    reason: str,
) -> list[str]:
    """Revoke one role's approval of one segment, with the reviewer's reason."""
    config, page, _ = fresh(root, tree, slug, locale)
    return review.revoke(
        config, page, locale, reviewer, reason, review.Selection(segment_id=segment_id), role
    )


@dataclass(frozen=True)
class Approval:
    """An approval in force, as the history page lists it: revocable when its English is on the
    page (`segment_id`); `current` when it approves the text there now (else it is stale: the
    English or the translation changed, and it is not served)."""

    record: ReviewRecord
    segment_id: str | None
    current: bool


def history(tree: Tree, slug: str, locale: str) -> tuple[History, tuple[Approval, ...]]:
    """A page's review history in `locale` (read from disk now), and the approvals in force."""
    config = tree.config
    path = config.ledger_path(locale, slug)
    found = review.load_history(path, locale, slug, config.rel(path))
    domain = domains_of(tree).get(slug)
    segments = {s.key: s for s in domain.segments} if domain else {}
    catalog = tree.catalogs.get((locale, slug))

    def current(record: ReviewRecord) -> bool:
        seg = segments.get(record.key)
        forms = review.approvable(seg, locale, catalog)[0] if seg else ()
        return bool(seg and forms and record.approves(seg.source_forms, forms))

    approvals = tuple(
        Approval(r, segments[r.key].id if r.key in segments else None, current(r))
        for r in sorted(found.records.values(), key=lambda r: r.seq)
    )
    return found, approvals


def events_as_dicts(history_: History) -> list[dict[str, Any]]:
    """Newest first, as the history page shows them."""
    return [dict(e.data, line=e.line) for e in reversed(history_.events)]
