"""Everything the server sends, prepared once at load time: per page and locale, JSON and HTML bytes.

The request path then only negotiates a locale and looks bytes up. JSON bodies are kept as two halves
around `requested_locale`, the one field that depends on the request rather than on the content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from markupsafe import Markup
from pydantic import BaseModel

from .coverage import rows_as_json, served_share
from .findings import blocked, refused_records
from .locales import babel_locale, direction, native_name, to_gettext
from .models import SOURCE_LOCALE, Page, ResolvedPage, SegmentType, ServedSegment
from .render import UiText, article_html, inline_html, plural, render_template
from .schemas import (
    CoverageOut,
    HealthOut,
    LocaleOut,
    LocalesOut,
    PageOut,
    PagesOut,
    PageSummary,
    ReviewOut,
    SegmentOut,
)
from .store import Tree, load_tree
from .yamlfile import atomic_write

__all__ = ["Body", "JsonBody", "PreparedPage", "Settings", "Site", "build_site", "export_site"]

T = TypeVar("T")
_SENTINEL = "\x00requested\x00"
_SPLIT = json.dumps(_SENTINEL).encode()


@dataclass(frozen=True)
class Body:
    """Bytes to send and their ETag, both made once at load time."""

    data: bytes
    etag: str

    @classmethod
    def of(cls, data: bytes | str) -> Body:
        raw = data.encode() if isinstance(data, str) else data
        return cls(raw, f'"{hashlib.sha256(raw).hexdigest()[:20]}"')


@dataclass(frozen=True)
class Settings:
    root: Path
    max_age: int = 300


@dataclass(frozen=True)
class JsonBody:
    """A JSON document with `requested_locale` left open."""

    head: bytes
    tail: bytes
    digest: str

    @classmethod
    def of(cls, model: BaseModel) -> JsonBody:
        raw = model.model_dump_json().encode()
        head, _, tail = raw.partition(_SPLIT)
        return cls(head, tail, hashlib.sha256(raw).hexdigest()[:20])

    def render(self, requested: str | None) -> tuple[bytes, str]:
        value = json.dumps(requested).encode()
        # One join, not two concatenations: the request path allocates one body, not two.
        body = b"".join((self.head, value, self.tail))
        return body, f'"{self.digest}-{requested or "none"}"'


@dataclass(frozen=True)
class PreparedPage:
    json: JsonBody
    html: Body
    fragment: Body
    language: str


@dataclass
class Site:
    tree: Tree
    settings: Settings
    pages: dict[tuple[str, str], PreparedPage] = field(default_factory=dict)
    lists: dict[str, JsonBody] = field(default_factory=dict)
    locales: Body = Body(b"", "")
    coverage_json: Body = Body(b"", "")
    # The dashboard is rendered when first asked for, not on every reload: it lists every row
    # (7,000 at a thousand pages) and reviewers open it far less often than the tree changes.
    coverage_context: dict[str, object] = field(default_factory=dict)
    _coverage_html: Body | None = None

    def coverage_html(self) -> Body:
        """The coverage dashboard, rendered the first time it is asked for."""
        if self._coverage_html is None:
            self._coverage_html = Body.of(render_template("coverage.html", self.coverage_context))
        return self._coverage_html

    health: Body = Body(b"", "")
    index_html: Body = Body(b"", "")
    # What each part (a page in a locale, a coverage row, a page's findings) was made from, and
    # the part itself: the next reload reuses a part whose inputs are unchanged.
    made_from: dict[tuple[str, ...], tuple[object, ...]] = field(default_factory=dict)
    parts: dict[tuple[str, ...], object] = field(default_factory=dict)


def _segment_out(s: ServedSegment) -> SegmentOut:
    return SegmentOut(
        id=s.segment.id,
        type=s.segment.type.value,
        level=s.segment.level or None,
        critical=s.segment.critical,
        text=s.text,
        html=inline_html(s.text),
        locale=s.locale,
        fallback=s.fallback,
        section=s.segment.section,
        reviews=[
            ReviewOut(
                translator=r.translator,
                reviewer=r.reviewer,
                role=r.role.value,
                reviewed_at=r.reviewed_at,
            )
            for r in s.reviews
        ],
    )


def _of_type(resolved: ResolvedPage, kind: SegmentType) -> ServedSegment | None:
    return next((s for s in resolved.served if s.segment.type is kind), None)


def page_model(resolved: ResolvedPage) -> PageOut:
    slug, target = resolved.page.slug, resolved.target
    title = _of_type(resolved, SegmentType.TITLE)
    description = _of_type(resolved, SegmentType.DESCRIPTION)
    translated = [s for s in resolved.served if s.locale != SOURCE_LOCALE]
    return PageOut(
        slug=slug,
        requested_locale=_SENTINEL,
        target_locale=target,
        locale=resolved.locale,
        direction="rtl" if direction(target) == "rtl" else "ltr",
        fallback_policy="page" if resolved.page.fallback.value == "page" else "segment",
        title=title.text if title else None,
        description=description.text if description else None,
        complete=resolved.complete,
        withheld=len(resolved.withheld),
        fallback_segments=sum(s.fallback for s in resolved.served),
        english_url=f"/v1/pages/{slug}?locale=en",
        html_url=f"/pages/{slug}?locale={target}",
        translators=sorted({r.translator for s in translated for r in s.reviews if r.translator}),
        reviewers=sorted({r.reviewer for s in resolved.served for r in s.reviews}),
        last_reviewed_at=max(
            (r.reviewed_at for s in resolved.served for r in s.reviews), default=None
        ),
        held_sections=list(resolved.held_sections),
        segments=[_segment_out(s) for s in resolved.served],
    )


class _Ui:
    """The ui domain as served in one locale."""

    def __init__(self, tree: Tree, locale: str):
        self.resolved = tree.resolve(tree.ui, locale) if tree.ui else None

    def get(self, key: str, count: int | None = None) -> UiText | None:
        got = self.resolved.get(key) if self.resolved else None
        if got is None:
            return None
        text = got.text if count is None else plural(got, count)
        return UiText(text, got.locale if got.fallback else None)


def _languages(tree: Tree, slug: str | None, current: str) -> list[dict[str, object]]:
    return [
        {
            "tag": tag,
            "name": native_name(tag),
            "url": f"/pages/{slug}?locale={tag}" if slug else f"/?locale={tag}",
            "current": tag == current,
        }
        for tag in tree.config.all_locales
    ]


def _html(tree: Tree, resolved: ResolvedPage, ui: _Ui) -> tuple[Body, Body]:
    target, slug = resolved.target, resolved.page.slug
    label = ui.get("fallback-label")

    def mark(kind: SegmentType) -> UiText | None:
        s = _of_type(resolved, kind)
        return UiText(s.text, s.locale if s.fallback else None) if s else None

    # Only English fallbacks need the notice (pt-BR falling back to pt is still Portuguese), and the
    # description lives in <meta>, not on the page a patient reads.
    in_english = sum(
        s.fallback and s.locale == SOURCE_LOCALE
        for s in resolved.served
        if s.segment.type is not SegmentType.DESCRIPTION
    )
    notices = []
    if in_english:
        notices += [ui.get("fallback-notice"), ui.get("fallback-count", in_english)]
    if resolved.withheld:
        notices.append(ui.get("withheld-notice"))
    context = {
        "lang": target,
        "dir": direction(target),
        "slug": slug,
        "title": mark(SegmentType.TITLE),
        "notices": [n for n in notices if n],
        "body": Markup(
            article_html(resolved, label.text if label else "", ui.get("critical-in-english"))
        ),
    }
    fragment = render_template("article.html", context)
    document = render_template(
        "page.html",
        {
            **context,
            "description": mark(SegmentType.DESCRIPTION),
            "article": Markup(fragment),
            "languages": _languages(tree, slug, target),
            "language_label": ui.get("language") or UiText("Language", SOURCE_LOCALE),
            "read_in_english": ui.get("read-in-english") if target != SOURCE_LOCALE else None,
            "english_html_url": f"/pages/{slug}?locale=en",
        },
    )
    return Body.of(document), Body.of(fragment)


def _inputs(tree: Tree, domain: Page | None, locale: str) -> tuple[object, ...]:
    """What a domain's responses in `locale` are made from: the config, the page, and the catalog
    and ledger of every locale of its chain. A reload reuses unchanged files as the same objects,
    so the same objects (`is`) mean the same responses."""
    if domain is None:
        return (tree.config,)
    chain = tree.config.chain(locale) if locale != SOURCE_LOCALE else (SOURCE_LOCALE,)
    parts: list[object] = [tree.config, domain]
    for loc in dict.fromkeys((*chain, SOURCE_LOCALE)):
        parts += [tree.catalogs.get((loc, domain.slug)), tree.ledgers.get((loc, domain.slug))]
    return tuple(parts)


class _Reuse:
    """Makes each part of a site once per set of inputs: a part whose inputs are the very objects
    the previous site made it from is taken from the previous site."""

    def __init__(self, previous: Site | None, site: Site):
        self.previous, self.site = previous, site

    def __call__(
        self, key: tuple[str, ...], inputs: tuple[object, ...], make: Callable[[], T]
    ) -> T:
        self.site.made_from[key] = inputs
        old = self.previous.made_from.get(key) if self.previous is not None else None
        if (
            self.previous is not None
            and old is not None
            and len(old) == len(inputs)
            and all(a is b or (type(a) is str and a == b) for a, b in zip(old, inputs, strict=True))
        ):
            part = cast(T, self.previous.parts[key])
        else:
            part = make()
        self.site.parts[key] = part
        return part


def _findings(tree: Tree, domain: Page) -> tuple[list[str], list[str]]:
    """A domain's approvals kept off by a check, and those the review policy refuses."""
    return [str(p) for p in blocked(tree, [domain])], [
        str(p) for p in refused_records(tree, domain)
    ]


def _prepare(tree: Tree, page: Page, locale: str, ui: _Ui) -> tuple[ResolvedPage, PreparedPage]:
    res = tree.resolve(page, locale)
    html, fragment = _html(tree, res, ui)
    return res, PreparedPage(JsonBody.of(page_model(res)), html, fragment, locale)


def build_site(settings: Settings, tree: Tree | None = None, previous: Site | None = None) -> Site:
    """Load the tree (unless given) and prepare every response; with `previous` (the site in
    service, built from the tree `tree` was reloaded from), only what changed is made again."""
    tree = tree or load_tree(settings.root)
    site = Site(tree, settings)
    reuse = _Reuse(previous, site)
    all_locales = tree.config.all_locales
    ui = {
        loc: reuse(("ui", loc), _inputs(tree, tree.ui, loc), partial(_Ui, tree, loc))
        for loc in all_locales
    }
    resolved: dict[tuple[str, str], ResolvedPage] = {}
    for slug, page in tree.pages.items():
        for loc in all_locales:
            made_from = _inputs(tree, page, loc) + _inputs(tree, tree.ui, loc)
            res, prepared = reuse(
                ("page", slug, loc), made_from, partial(_prepare, tree, page, loc, ui[loc])
            )
            resolved[(slug, loc)] = res
            site.pages[(slug, loc)] = prepared
    for loc in all_locales:
        summaries = []
        for slug in sorted(tree.pages):
            res = resolved[(slug, loc)]
            title = _of_type(res, SegmentType.TITLE)
            summaries.append(
                PageSummary(
                    slug=slug,
                    title=title.text if title else None,
                    title_locale=title.locale if title else SOURCE_LOCALE,
                    complete=res.complete,
                    url=f"/v1/pages/{slug}?locale={loc}",
                    html_url=f"/pages/{slug}?locale={loc}",
                )
            )
        site.lists[loc] = JsonBody.of(
            PagesOut(requested_locale=_SENTINEL, target_locale=loc, pages=summaries)
        )
    by_locale = {(loc, slug): res for (slug, loc), res in resolved.items()}
    for loc in all_locales:  # the ui domain, resolved once per locale above
        ui_page = ui[loc].resolved
        if tree.ui is not None and ui_page is not None:
            by_locale[(loc, tree.ui.slug)] = ui_page
    rows = []
    for loc in all_locales:
        for domain in sorted(tree.domains, key=lambda d: d.slug):
            made_from = (*_inputs(tree, domain, loc), tree.broken.get((loc, domain.slug)))
            rows += reuse(
                ("row", loc, domain.slug),
                made_from,
                partial(tree.coverage_rows, [domain], [loc], by_locale),
            )
    site.locales = Body.of(
        LocalesOut(
            locales=[
                LocaleOut(
                    tag=loc,
                    gettext=to_gettext(loc),
                    name=native_name(loc),
                    english_name=babel_locale(loc).english_name or loc,
                    direction="rtl" if direction(loc) == "rtl" else "ltr",
                    chain=list(tree.config.chain(loc)) if loc != SOURCE_LOCALE else [SOURCE_LOCALE],
                    reviewed_share=served_share(rows, loc, tree.pages),
                )
                for loc in tree.config.all_locales
            ]
        ).model_dump_json()
    )
    site.coverage_json = Body.of(CoverageOut.model_validate(rows_as_json(rows)).model_dump_json())
    errors = [str(e) for e in tree.errors]
    held_back, refused = [], []
    for domain in tree.domains:
        made_from = tuple(
            x
            for loc in all_locales
            for x in (tree.catalogs.get((loc, domain.slug)), tree.ledgers.get((loc, domain.slug)))
        )
        found = reuse(
            ("findings", domain.slug),
            (tree.config, domain, *made_from),
            partial(_findings, tree, domain),
        )
        held_back += found[0]
        refused += found[1]
    site.coverage_context = {
        "rows": rows,
        "errors": errors,
        "blocked": held_back,
        "names": {loc: native_name(loc) for loc in tree.config.all_locales},
    }
    withheld = sum(len(resolved[(slug, SOURCE_LOCALE)].withheld) for slug in tree.pages)
    health = HealthOut(
        status="degraded" if errors or held_back or refused else "ok",
        errors=errors,
        blocked=held_back,
        refused=refused,
        withheld=withheld,
    )
    site.health = Body.of(health.model_dump_json())
    site.index_html = Body.of(
        render_template(
            "index.html",
            {
                "pages": [
                    {
                        "slug": s,
                        "title": getattr(
                            _of_type(resolved[(s, SOURCE_LOCALE)], SegmentType.TITLE), "text", s
                        ),
                    }
                    for s in sorted(tree.pages)
                ],
                "languages": _languages(tree, None, SOURCE_LOCALE),
            },
        )
    )
    return site


def export_site(settings: Settings, out: Path) -> list[Path]:
    """Write every page in every locale as static JSON and HTML (reviewed text only), and the
    coverage rows, under `out`; returns the files written."""
    site = build_site(settings)
    written = []
    for (slug, locale), prepared in site.pages.items():
        files = {
            out / locale / f"{slug}.json": prepared.json.render(None)[0],
            out / locale / f"{slug}.html": prepared.html.data,
        }
        for path, data in files.items():
            atomic_write(path, data)
            written.append(path)
    atomic_write(out / "coverage.json", site.coverage_json.data)
    return [*written, out / "coverage.json"]
