"""The review queue of the web workspace: what waits for one reviewer, and the approvals and
revocations they sign there.

The queue is read from the files as they are on disk (`review.pending` on a page, its catalog and
its ledger in one locale), worked out once per page and locale and kept while none of the three
files has changed (time, size, inode) and the config is the same; each reviewer's share of it is
kept the same way. Approving and revoking read the config, the page and the catalog as they are
at that moment and write through `review.approve` / `review.revoke`, the CLI's functions: one
write path, one lock, one policy.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from service.catalogs.catalog import read_catalog
from service.content.pages import load_page, load_ui, page_slugs
from service.core.config import Config, load_config
from service.core.errors import L10nError, ReviewError
from service.core.files import signature
from service.core.models import (
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
from service.core.policy import Reviewer
from service.quality.checks import Finding, Severity
from service.review import approvals as review
from service.review import ledgers
from service.review.history import History
from service.site.store import load_tree

__all__ = [
    "STATUS_LABELS",
    "Blockers",
    "Hints",
    "Item",
    "Mine",
    "Queue",
    "QueueCache",
    "Status",
    "approve",
    "blockers",
    "build",
    "fresh",
    "history",
    "locales_of",
    "revoke",
    "slugs_of",
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


@dataclass(frozen=True)
class Entry:
    """One page in one locale: what waits for a review, what is not ready yet (and why), the
    page's section headings, its ledger while something waits (what `may_sign` asks), or why
    none of it could be read."""

    items: tuple[Item, ...] = ()
    unready: tuple[tuple[Segment, str], ...] = ()
    headings: Mapping[int, str] = field(default_factory=dict)
    ledger: Ledger | None = None
    error: str = ""


ReviewerItems = tuple[tuple[Mine, ...], int]  # a reviewer's items of one page, and how many not


class Hints(Protocol):
    """What the site in service already knows, so that the queue reads no file it need not:
    the pages, a key per page and locale that changes whenever one of its files does, and
    whether its coverage row leaves nothing to review (translated = approved + blocked)."""

    def slugs(self) -> Sequence[str]: ...

    def key(self, slug: str, locale: str) -> str | None: ...

    def idle(self, slug: str, locale: str) -> bool: ...


def domain_path(config: Config, slug: str) -> Path:
    return config.ui_source if slug == UI_DOMAIN else config.pages_dir / f"{slug}.md"


def slugs_of(config: Config) -> list[str]:
    """The pages by slug (which is a page's file name), the ui strings last."""
    found = page_slugs(config.pages_dir)
    return [*found, *([UI_DOMAIN] if config.ui_source.exists() else [])]


def locales_of(config: Config, who: Reviewer) -> tuple[str, ...]:
    """The locales `who` may approve, in the config's order (English first)."""
    return tuple(loc for loc in config.all_locales if who.covers(loc))


def load_domain(config: Config, slug: str) -> Page:
    path = domain_path(config, slug)
    if slug == UI_DOMAIN:
        return load_ui(path, config.rel(path))
    return load_page(path, config.fallback)


def _catalog(config: Config, slug: str, locale: str) -> LoadedCatalog | None:
    path = config.catalog_path(locale, slug)
    if locale == SOURCE_LOCALE or not (path.exists() or path.is_symlink()):
        return None
    return read_catalog(path, slug, locale, config.rel(path))


def _entry(config: Config, slug: str, locale: str, page: Page | None) -> Entry:
    try:
        domain = page or load_domain(config, slug)
        catalog = _catalog(config, slug, locale)
        path = config.ledger_path(locale, slug)
        history = ledgers.load_history(path, locale, slug, config.rel(path))
        ledger = ledgers.ledger_of(history) if history.events else None
    except L10nError as exc:  # the page is not reviewable while it is broken
        return Entry(error=str(exc))
    ready, unready = review.pending(
        domain, locale, catalog, ledger, config.policy, config.do_not_translate, history
    )
    translator = review.translator_of(domain, locale, catalog)
    items = tuple(
        Item(
            locale,
            slug,
            p.segment,
            p.forms,
            p.lack or review.Lacking(frozenset(Role), True),
            p.findings,
            p.approved_before,
            translator,
        )
        for p in ready
    )
    headings = {s.section: s.source for s in domain.segments if s.type is SegmentType.HEADING}
    return Entry(items, tuple(unready), headings, ledger if items else None)


@dataclass
class QueueCache:
    """Entries per (locale, page), and each reviewer's share of them, kept while the page, the
    catalog and the ledger they were read from are unchanged on disk and the config is equal."""

    entries: dict[tuple[str, str], tuple[tuple[object, ...], Entry]] = field(default_factory=dict)
    mine: dict[tuple[str, str, str], tuple[tuple[object, ...], ReviewerItems]] = field(
        default_factory=dict
    )
    _config: Config | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def same_config(self, config: Config) -> Config:
        """`config`, or the equal one seen before (so entries compare configs by identity)."""
        with self._lock:
            if self._config is None or self._config != config:
                self._config = config
            return self._config

    def _inputs(
        self, config: Config, slug: str, locale: str, key: str | None
    ) -> tuple[object, ...]:
        if key is not None:  # the site's key for the page in the locale: a hash of its files
            return (config, key)
        return (
            config,
            signature(domain_path(config, slug)),
            signature(config.catalog_path(locale, slug)) if locale != SOURCE_LOCALE else None,
            signature(config.ledger_path(locale, slug)),
        )

    def entry(
        self,
        config: Config,
        slug: str,
        locale: str,
        page: Page | None = None,
        key: str | None = None,
    ) -> Entry:
        config = self.same_config(config)
        inputs = self._inputs(config, slug, locale, key)
        with self._lock:
            found = self.entries.get((locale, slug))
        if found is not None and _same(found[0], inputs):
            return found[1]
        made = _entry(config, slug, locale, page)
        with self._lock:
            self.entries[(locale, slug)] = (inputs, made)
        return made

    def for_reviewer(
        self, config: Config, who: Reviewer, slug: str, locale: str, key: str | None = None
    ) -> ReviewerItems:
        """The items of one page in one locale that `who` may sign, and how many they may not."""
        config = self.same_config(config)
        inputs = (*self._inputs(config, slug, locale, key), who)
        with self._lock:
            found = self.mine.get((who.name, locale, slug))
        if found is not None and _same(found[0], inputs):
            return found[1]
        entry = self.entry(config, slug, locale, key=key)
        items: list[Mine] = []
        hidden = 0
        for item in entry.items:
            roles = signable(config, entry, who, item)
            if roles:
                items.append(Mine(item, roles))
            elif who.roles & item.lack.roles:
                hidden += 1
        made = (tuple(items), hidden)
        with self._lock:
            self.mine[(who.name, locale, slug)] = (inputs, made)
        return made

    def warm(self, config: Config, hints: Hints | None = None) -> None:
        """Work out every page in every locale where something may wait, ahead of the first
        request (each page read once)."""
        for slug in hints.slugs() if hints else slugs_of(config):
            locales = [loc for loc in config.all_locales if not (hints and hints.idle(slug, loc))]
            try:
                page = load_domain(config, slug) if locales else None
            except L10nError:
                continue
            for locale in locales:
                try:
                    self.entry(
                        config, slug, locale, page, hints.key(slug, locale) if hints else None
                    )
                except Exception:  # a request asks again, and answers for itself
                    log.debug("queue of %s in %s not worked out ahead", slug, locale)


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    return (
        len(old) == len(new)
        and old[0] is new[0]
        and all(a is b or a == b for a, b in zip(old[1:], new[1:], strict=True))
    )


def signable(config: Config, entry: Entry, who: Reviewer, item: Item) -> tuple[Role, ...]:
    """The roles `who` may sign `item` in now (`review.may_sign`, the rule `approve` applies)."""
    ledger = entry.ledger or Ledger(
        config.rel(config.ledger_path(item.locale, item.page)), item.locale, item.page
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
            config.policy,
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


def build(
    config: Config,
    cache: QueueCache,
    who: Reviewer,
    locale: str | None = None,
    page: str | None = None,
    status: Status | None = None,
    offset: int = 0,
    limit: int = 50,
    hints: Hints | None = None,
) -> Queue:
    """What waits for `who`: texts in their locales that need a role they hold and that they may
    sign (failing ones included, so they see why a text cannot be approved yet)."""
    slugs = [page] if page is not None else hints.slugs() if hints else slugs_of(config)
    mine: list[Mine] = []
    hidden = 0
    for loc in locales_of(config, who):
        if locale is not None and loc != locale:
            continue
        for slug in slugs:
            if hints is not None and hints.idle(slug, loc):
                continue
            key = hints.key(slug, loc) if hints else None
            items, not_theirs = cache.for_reviewer(config, who, slug, loc, key)
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
    error: str = ""


def blockers(config: Config, cache: QueueCache, slug: str, locale: str) -> Blockers:
    """Read from the page's files now, by the serving rule and coverage themselves."""
    tree = load_tree(config, only={slug})
    domain = tree.ui if slug == UI_DOMAIN else tree.pages.get(slug)
    entry = cache.entry(config, slug, locale)
    if domain is None:
        error = entry.error or "; ".join(str(e) for e in tree.errors) or f"no page {slug!r}"
        return Blockers(0, 0, 0, 0, 0, (), 0, (), error)
    row = tree.coverage_rows([domain], [locale], {})[0]
    resolved = tree.resolve(domain, locale)
    reasons = Counter(why for _, why in entry.unready)
    return Blockers(
        total=row.total,
        served=row.served,
        approved=row.approved,
        blocked=row.blocked,
        waiting=len(entry.items),
        not_ready=tuple(sorted(reasons.items())),
        withheld=len(resolved.withheld),
        held=tuple(entry.headings.get(n, f"section {n}") for n in resolved.held_sections),
        error=entry.error,
    )


def fresh(root: Path, slug: str, locale: str) -> tuple[Config, Page, LoadedCatalog | None]:
    """The config, the page and its catalog as they are on disk now (what an approval is checked
    against); a file that does not load refuses the approval rather than guess."""
    try:
        config = load_config(root)
        if slug not in slugs_of(config):
            raise ReviewError(f"no page {slug!r}")
        return config, load_domain(config, slug), _catalog(config, slug, locale)
    except ReviewError:
        raise
    except L10nError as exc:
        raise ReviewError(f"cannot review while this is broken: {exc}") from exc


def approve(
    root: Path, reviewer: str, locale: str, slug: str, role: Role, shown: Sequence[review.Shown]
) -> list[review.Decision]:
    """Sign the shown texts in `role`, bound to their SHA-256s (`review.TextChanged` when one is
    no longer what is on disk; `review.Refused` when the reviewer may not approve here)."""
    config, page, catalog = fresh(root, slug, locale)
    return review.approve(config, page, locale, catalog, reviewer, role, shown=shown)


def revoke(
    root: Path, reviewer: str, locale: str, slug: str, segment_id: str, role: Role, reason: str
) -> list[str]:
    """Revoke one role's approval of one segment, with the reviewer's reason."""
    config, page, _ = fresh(root, slug, locale)
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


def history(root: Path, slug: str, locale: str) -> tuple[History, tuple[Approval, ...]]:
    """A page's review history in `locale` (read from disk now), and the approvals in force."""
    config, page, catalog = fresh(root, slug, locale)
    path = config.ledger_path(locale, slug)
    found = ledgers.load_history(path, locale, slug, config.rel(path))
    segments = {s.key: s for s in page.segments}

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
