"""What waits for a review on one page in one locale, read from its files on disk: each text with
its status, findings and the approval it had before, what is not ready for review yet (and why),
and the page's headings. `queue` keeps these per page and locale and cuts each reviewer's share
from them; `signing` reads the same files again at the moment a reviewer signs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from service import review
from service.catalogs.catalog import read_catalog
from service.content.pages import load_ui, page_slugs
from service.core.config import Config
from service.core.errors import L10nError
from service.core.models import (
    SOURCE_LOCALE,
    UI_DOMAIN,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Segment,
    SegmentType,
    fingerprint,
    text_sha256,
)
from service.core.policy import Reviewer
from service.quality.checks import Finding, Severity
from service.review import ledgers
from service.review.readiness import text_translator
from service.site.store import read_page

__all__ = [
    "STATUS_LABELS",
    "Item",
    "PageQueue",
    "Status",
    "domain_path",
    "load_domain",
    "load_domain_catalog",
    "locales_of",
    "read_page_queue",
    "slugs_of",
]


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
    translator: str | None  # whose this exact text is (`text_translator`)

    @property
    def source_sha256(self) -> str:
        return fingerprint(*self.segment.source_forms)

    @property
    def translation_sha256(self) -> str:
        return text_sha256(self.segment, self.locale, self.forms)

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
class PageQueue:
    """One page in one locale: what waits for a review, what is not ready yet (and why), the
    page's section headings, its ledger while something waits (what `may_sign` asks), or why
    none of it could be read."""

    items: tuple[Item, ...] = ()
    unready: tuple[tuple[Segment, str], ...] = ()
    headings: Mapping[int, str] = field(default_factory=dict)
    ledger: Ledger | None = None
    error: str = ""
    title: str = ""  # the page's title in English (what the queue's search reads)


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
    return read_page(path, config.fallback)


def load_domain_catalog(config: Config, slug: str, locale: str) -> LoadedCatalog | None:
    """The page's catalog in `locale`; None for English, or when there is none yet."""
    path = config.catalog_path(locale, slug)
    if locale == SOURCE_LOCALE or not (path.exists() or path.is_symlink()):
        return None
    return read_catalog(path, slug, locale, config.rel(path))


def read_page_queue(config: Config, slug: str, locale: str, page: Page | None) -> PageQueue:
    """What waits on the page `slug` in `locale` (`page`, when given, is that page loaded)."""
    try:
        domain = page or load_domain(config, slug)
        catalog = load_domain_catalog(config, slug, locale)
        path = config.ledger_path(locale, slug)
        history = ledgers.load_history(path, locale, slug, config.rel(path))
        ledger = ledgers.ledger_of(history) if history.events else None
    except L10nError as exc:  # the page is not reviewable while it is broken
        return PageQueue(error=str(exc))
    ready, unready = review.pending(
        domain,
        locale,
        catalog,
        ledger,
        config.policy,
        config.do_not_translate,
        history,
        config.terminology,
    )
    translator = review.translator_of(domain, locale, catalog)
    items = tuple(
        Item(
            locale,
            slug,
            p.segment,
            p.forms,
            p.lack or review.Lacking(config.policy.role_names, True),
            p.findings,
            p.approved_before,
            text_translator(p.segment, locale, p.forms, ledger, translator),
        )
        for p in ready
    )
    headings = {s.section: s.source for s in domain.segments if s.type is SegmentType.HEADING}
    title = next((s.source for s in domain.segments if s.type is SegmentType.TITLE), "")
    return PageQueue(items, tuple(unready), headings, ledger if items else None, title=title)
