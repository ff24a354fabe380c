"""The review queue of the web workspace: what waits for one reviewer, and what keeps a page
from being served whole.

What waits on a page in a locale (`pending.read_page_queue`) is worked out once per page and
locale and kept while none of its three files (the page, its catalog and its ledger) has changed
(time, size, inode) and the config is the same; each reviewer's share of it is kept the same way.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from service import review
from service.core.config import Config
from service.core.errors import L10nError
from service.core.files import signature
from service.core.models import SOURCE_LOCALE, UI_DOMAIN, Ledger, Page, Role
from service.core.policy import Reviewer
from service.review.confirming import kinds
from service.site.store import load_tree
from service.workspace.pending import (
    Item,
    PageQueue,
    Status,
    domain_path,
    load_domain,
    locales_of,
    read_page_queue,
    slugs_of,
)

__all__ = [
    "Blockers",
    "Hints",
    "Mine",
    "Queue",
    "QueueCache",
    "blockers",
    "build",
]

_log = logging.getLogger("clinic_l10n.queue")
_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(frozen=True)
class Mine:
    """An item as one reviewer sees it: the roles they may sign it in now."""

    item: Item
    roles: tuple[Role, ...]


ReviewerItems = tuple[tuple[Mine, ...], int]  # a reviewer's items of one page, and how many not


class Hints(Protocol):
    """What the site in service already knows, so that the queue reads no file it need not:
    the pages, a key per page and locale that changes whenever one of its files does, and
    whether its coverage row leaves nothing to review (translated = approved + blocked)."""

    def slugs(self) -> Sequence[str]: ...

    def key(self, slug: str, locale: str) -> str | None: ...

    def idle(self, slug: str, locale: str) -> bool: ...


@dataclass
class QueueCache:
    """What waits per (locale, page), and each reviewer's share of it, kept while the page, the
    catalog and the ledger they were read from are unchanged on disk and the config is equal."""

    pages: dict[tuple[str, str], tuple[tuple[object, ...], PageQueue]] = field(default_factory=dict)
    mine: dict[tuple[str, str, str], tuple[tuple[object, ...], ReviewerItems]] = field(
        default_factory=dict
    )
    _config: Config | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def same_config(self, config: Config) -> Config:
        """`config`, or the equal one seen before (so what is kept compares configs by
        identity)."""
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

    def _kept(
        self,
        table: dict[_K, tuple[tuple[object, ...], _V]],
        key: _K,
        inputs: tuple[object, ...],
        make: Callable[[], _V],
    ) -> _V:
        """What `table` keeps under `key` if it was made from `inputs`, else made again."""
        with self._lock:
            found = table.get(key)
        if found is not None and _same(found[0], inputs):
            return found[1]
        made = make()
        with self._lock:
            table[key] = (inputs, made)
        return made

    def page_queue(
        self,
        config: Config,
        slug: str,
        locale: str,
        page: Page | None = None,
        key: str | None = None,
    ) -> PageQueue:
        config = self.same_config(config)
        inputs = self._inputs(config, slug, locale, key)
        made = partial(read_page_queue, config, slug, locale, page)
        return self._kept(self.pages, (locale, slug), inputs, made)

    def for_reviewer(
        self, config: Config, who: Reviewer, slug: str, locale: str, key: str | None = None
    ) -> ReviewerItems:
        """The items of one page in one locale that `who` may sign, and how many they may not."""
        config = self.same_config(config)
        inputs = (*self._inputs(config, slug, locale, key), who)
        made = partial(self._share, config, who, slug, locale, key)
        return self._kept(self.mine, (who.name, locale, slug), inputs, made)

    def _share(
        self, config: Config, who: Reviewer, slug: str, locale: str, key: str | None
    ) -> ReviewerItems:
        waiting = self.page_queue(config, slug, locale, key=key)
        items: list[Mine] = []
        hidden = 0
        for item in waiting.items:
            roles = _signable(config, waiting, who, item)
            if roles:
                items.append(Mine(item, roles))
            elif who.roles & set(item.lack.roles):
                hidden += 1
        return tuple(items), hidden

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
                    self.page_queue(
                        config, slug, locale, page, hints.key(slug, locale) if hints else None
                    )
                except Exception:  # a request asks again, and answers for itself
                    _log.debug("queue of %s in %s not worked out ahead", slug, locale)


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    return (
        len(old) == len(new)
        and old[0] is new[0]
        and all(a is b or a == b for a, b in zip(old[1:], new[1:], strict=True))
    )


def _signable(config: Config, waiting: PageQueue, who: Reviewer, item: Item) -> tuple[Role, ...]:
    """The roles `who` may sign `item` in now (`review.may_sign`, the rule `approve` applies)."""
    ledger = waiting.ledger or Ledger(
        config.rel(config.ledger_path(item.locale, item.page)), item.locale, item.page
    )
    return tuple(
        role
        for role in config.policy.role_names
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
            needs=kinds(item.findings),
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
    match: Callable[[Item], bool] | None = None,
) -> Queue:
    """What waits for `who`: texts in their locales that need a role they hold and that they may
    sign (failing ones included, so they see why a text cannot be approved yet); with `match`,
    only the texts it finds (`search.Search`)."""
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
            mine += [m for m in items if match(m.item)] if match else items
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
    waiting = cache.page_queue(config, slug, locale)
    if domain is None:
        error = waiting.error or "; ".join(str(e) for e in tree.errors) or f"no page {slug!r}"
        return Blockers(0, 0, 0, 0, 0, (), 0, (), error)
    row = tree.coverage_rows([domain], [locale], {})[0]
    resolved = tree.resolve(domain, locale)
    reasons = Counter(why for _, why in waiting.unready)
    return Blockers(
        total=row.total,
        served=row.served,
        approved=row.approved,
        blocked=row.blocked,
        waiting=len(waiting.items),
        not_ready=tuple(sorted(reasons.items())),
        withheld=len(resolved.withheld),
        held=tuple(waiting.headings.get(n, f"section {n}") for n in resolved.held_sections),
        error=waiting.error,
    )
