"""The document view of one page in one locale (`/review/document`): the page in its order as the
patient page renders it (`render.review`), each text's English beside its translation with its
status, findings and the controls the reviewer may use on it, and the page's counts as coverage
gives them: the site in service's row (rebuilt before any approval's answer leaves), else
`queue.blockers`. The texts are read from the page's files at each request, as the queue's are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from service.content.assets import Found, asset_name, assets_dir, find_image, served_name, variants
from service.core.config import Config
from service.core.models import (
    SOURCE_LOCALE,
    UI_DOMAIN,
    Ledger,
    LoadedCatalog,
    Page,
    ReviewRecord,
    Segment,
)
from service.core.models import SegmentType as Kind
from service.core.policy import Reviewer
from service.render.images import ImageUrls
from service.render.links import SERVER
from service.render.review import Slot, reviewed_html, text_html
from service.review import ledgers
from service.site.coverage import CoverageRow
from service.site.images import image_sources
from service.workspace import views
from service.workspace.pending import Item, PageQueue, load_domain, load_domain_catalog
from service.workspace.queue import QueueCache, blockers
from service.workspace.schemas import PendingItemOut

__all__ = ["CRITICAL_LABEL", "Counts", "DocText", "body_html", "document_context", "image_urls"]

CRITICAL_LABEL = "Safety-critical section (::: critical)"


@dataclass(frozen=True)
class DocText:
    """One text of the page as the document view shows it."""

    segment: Segment
    status: str  # "approved", "waiting", "failing", "partial", "changed", "new", "not ready"
    english_html: list[str]
    translation_html: list[str]
    item: PendingItemOut | None  # waits for a review: with the roles the reader may sign it in
    why: str = ""  # why it is not ready for review
    approvals: tuple[ReviewRecord, ...] = ()  # in force, of exactly this text


def image_urls(config: Config, page: Page, locale: str, served: frozenset[str]) -> ImageUrls:
    """Where each image of `page` is served in `locale`: the file along the locale's chain that
    the site in service serves (`served`, its served names); one it does not serve is left out
    (and shows as its alt text, as on the patient page)."""
    folder = assets_dir(config.root)
    chain = config.chain(locale) if locale != SOURCE_LOCALE else ()
    tags = [tag for tag in chain if tag != SOURCE_LOCALE]
    urls = []
    for _, src in image_sources(page):
        name = asset_name(src)
        if not isinstance(name, str):
            continue
        for each in variants(name, tags):
            got = find_image(folder, each)
            if isinstance(got, Found):
                name_served = served_name(got.name, got.data)
                if name_served in served:
                    urls.append((src, SERVER.asset(name_served)))
                break
    return tuple(urls)


def _forms(segment: Segment, locale: str, catalog: LoadedCatalog | None) -> tuple[str, ...]:
    if locale == SOURCE_LOCALE:
        return segment.source_forms
    entry = catalog.entries.get(segment.key) if catalog else None
    return entry.msgstr if entry is not None and entry.translated else ()


@dataclass(frozen=True)
class _Page:
    """What the view reads of one page in one locale."""

    config: Config
    locale: str
    page: Page
    catalog: LoadedCatalog | None
    ledger: Ledger
    english_images: ImageUrls
    images: ImageUrls

    def html(self, forms: tuple[str, ...], segment: Segment, english: bool) -> list[str]:
        urls = self.english_images if english else self.images
        return [text_html(f, segment, urls) for f in forms]

    def approvals(self, segment: Segment, forms: tuple[str, ...]) -> tuple[ReviewRecord, ...]:
        found = (self.ledger.records.get((segment.key, r)) for r in self.config.policy.role_names)
        return tuple(r for r in found if r and forms and r.approves(segment, self.locale, forms))


def _read(config: Config, slug: str, locale: str, served: frozenset[str]) -> _Page:
    page = load_domain(config, slug)
    path = config.ledger_path(locale, slug)
    ledger = ledgers.load_ledger(path, locale, slug, config.rel(path))
    return _Page(
        config,
        locale,
        page,
        load_domain_catalog(config, slug, locale),
        ledger,
        image_urls(config, page, SOURCE_LOCALE, served),
        image_urls(config, page, locale, served),
    )


def _texts(
    read: _Page, cache: QueueCache, who: Reviewer, slug: str, key: str | None, waiting: PageQueue
) -> tuple[list[DocText], list[PendingItemOut]]:
    config, locale = read.config, read.locale
    items: dict[str, Item] = {i.segment.id: i for i in waiting.items}
    # by the site's key, as the queue asks (`queue.build`): the reviewer's share is kept once
    shares = cache.for_reviewer(config, who, slug, locale, key)[0] if who.covers(locale) else ()
    mine = {m.item.segment.id: m.roles for m in shares}
    unready = {s.id: why for s, why in waiting.unready}
    texts, signable = [], []
    for seg in read.page.segments:
        item = items.get(seg.id)
        forms = item.forms if item else _forms(seg, locale, read.catalog)
        out = views.item_out(item, mine.get(seg.id, ()), config.policy) if item else None
        if out is not None and out.your_roles:
            signable.append(out)
        status = out.status if out else "not ready" if seg.id in unready else "approved"
        texts.append(
            DocText(
                seg,
                status,
                read.html(seg.source_forms, seg, True),
                read.html(forms, seg, False) if locale != SOURCE_LOCALE else [],
                out,
                unready.get(seg.id, ""),
                read.approvals(seg, forms) if out is None else (),
            )
        )
    return texts, signable


@dataclass(frozen=True)
class Counts:
    """The page in the locale as coverage counts it, and how many of its texts wait for anyone."""

    total: int
    served: int
    approved: int
    waiting: int
    error: str = ""


def _page_counts(
    config: Config,
    cache: QueueCache,
    slug: str,
    locale: str,
    row: CoverageRow | None,
    waiting: int,
) -> Counts:
    if row is not None:
        return Counts(row.total, row.served, row.approved, waiting, row.error or "")
    found = blockers(config, cache, slug, locale)
    return Counts(found.total, found.served, found.approved, found.waiting, found.error)


def document_context(
    config: Config,
    cache: QueueCache,
    who: Reviewer,
    slug: str,
    locale: str,
    served: frozenset[str],
    row: CoverageRow | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """What `review_document.html` renders of `slug` in `locale` for `who`: the texts by id, the
    page's counts, and the page's and each section's bulk approvals (by section number);
    `served`: the image names the site in service serves; `row`: its coverage of the page in
    the locale, when it serves the tree (else the counts are read from the files), and `key`
    its key for it (`queue.Hints.key`)."""
    read = _read(config, slug, locale, served)
    # what waits on the page, worked out once (by the site's key, as the queue asks for it)
    queue = cache.page_queue(config, slug, locale, read.page, key)
    texts, signable = _texts(read, cache, who, slug, key, queue)
    title = next((t for t in texts if t.segment.type is Kind.TITLE), None)
    heads = [t for t in texts if t.segment.type in (Kind.TITLE, Kind.DESCRIPTION)]
    sections: dict[int, list[PendingItemOut]] = {}
    for out in signable:
        sections.setdefault(out.section, []).append(out)
    headings = queue.headings
    return {
        "page": read.page,
        "texts": {t.segment.id: t for t in texts},
        "heads": heads,
        "title_text": title.segment.source if title else slug,
        "blockers": _page_counts(config, cache, slug, locale, row, len(queue.items)),
        "counts": _counts(texts),
        "page_bulk": views.bulk(signable, config.policy.role_names),
        "section_bulk": {
            n: views.bulk(members, config.policy.role_names) for n, members in sections.items()
        },
        "headings": headings,
        "critical_label": CRITICAL_LABEL,
    }


def _counts(texts: list[DocText]) -> dict[str, int]:
    found: dict[str, int] = {}
    for t in texts:
        found[t.status] = found.get(t.status, 0) + 1
    return found


def body_html(page: Page, slots: dict[str, Slot], label: str) -> str:
    """The page's body with each text in its slot (`render.review.reviewed_html`); the ui
    strings, which have no body, one after another."""
    if page.slug == UI_DOMAIN:
        each = '<div class="reviewed" id="text-{}">{}{}</div>\n'
        return "".join(
            Markup(each).format(s.id, Markup(slots[s.id].inline), Markup(slots[s.id].after))
            for s in page.segments
            if s.id in slots
        )
    return reviewed_html(page, slots, label)
