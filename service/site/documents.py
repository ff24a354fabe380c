"""A page's bodies, made from its snapshot when first asked for: its JSON (`page_model`), its
HTML document with the server's links, its fragment (the article with its own styles, to embed) and
its view, which publishing renders again with the links of a release's static site
(`release.static`). `records` makes the snapshots.
"""

from __future__ import annotations

from service.core.locales import direction
from service.core.models import SOURCE_LOCALE, ResolvedPage, SegmentType, ServedSegment
from service.render.article import article_context
from service.render.assets import embed
from service.render.document import encode_view, render_document
from service.render.html import UiText, inline_html, plural, render_template
from service.render.images import ImageUrls
from service.render.links import SERVER
from service.review.provenance import Provenance, english_shown, provenance, shown_language
from service.site.bodies import REQUESTED
from service.site.schemas import (
    PageOut,
    ProvenanceOut,
    ReviewOut,
    SegmentOut,
    WithheldSegmentOut,
)
from service.site.snapshot import Snapshot, UiStrings
from service.site.store import Tree

__all__ = ["LocaleUi", "bodies", "chrome", "of_type", "page_model"]


def _segment_out(s: ServedSegment, images: ImageUrls) -> SegmentOut:
    return SegmentOut(
        id=s.segment.id,
        type=s.segment.type.value,
        level=s.segment.level or None,
        critical=s.segment.critical,
        text=s.text,
        html=inline_html(s.text, s.segment, images),
        locale=s.locale,
        fallback=s.fallback,
        section=s.segment.section,
        reviews=[
            ReviewOut(
                translator=r.translator,
                reviewer=r.reviewer,
                role=r.role,
                reviewed_at=r.reviewed_at,
            )
            for r in s.reviews
        ],
    )


def of_type(resolved: ResolvedPage, kind: SegmentType) -> ServedSegment | None:
    """The first segment of type `kind` served (a page's title, its description)."""
    return next((s for s in resolved.served if s.segment.type is kind), None)


def _segments_out(
    resolved: ResolvedPage, images: ImageUrls
) -> list[SegmentOut | WithheldSegmentOut]:
    """Every segment of the page in its order: served ones with their text, withheld ones
    without (so that a site rendering the JSON keeps the structure)."""
    served = {s.segment.id: s for s in resolved.served}
    out: list[SegmentOut | WithheldSegmentOut] = []
    for seg in resolved.page.segments:
        got = served.get(seg.id)
        if got is not None:
            out.append(_segment_out(got, images))
        else:
            out.append(
                WithheldSegmentOut(
                    id=seg.id,
                    type=seg.type.value,
                    level=seg.level or None,
                    critical=seg.critical,
                    section=seg.section,
                )
            )
    return out


def page_model(
    resolved: ResolvedPage, facts: Provenance, demonstration: bool, images: ImageUrls = ()
) -> PageOut:
    """The page as JSON; `facts`: its `provenance`; `demonstration`: the config's flag;
    `images`: where its images are served (`images.placed`)."""
    slug, target = resolved.page.slug, resolved.target
    title = of_type(resolved, SegmentType.TITLE)
    description = of_type(resolved, SegmentType.DESCRIPTION)
    translated = [s for s in resolved.served if s.locale != SOURCE_LOCALE]
    return PageOut(
        slug=slug,
        requested_locale=REQUESTED,
        target_locale=target,
        locale=resolved.locale,
        direction="rtl" if direction(target) == "rtl" else "ltr",
        fallback_policy="page" if resolved.page.fallback.value == "page" else "segment",
        title=title.text if title else None,
        description=description.text if description else None,
        complete=resolved.complete,
        withheld=len(resolved.withheld),
        fallback_segments=sum(s.fallback for s in resolved.served),
        english_shown=english_shown(resolved)[0].value,
        english_url=f"/v1/pages/{slug}?locale=en",
        english_html_url=_english_html_url(slug),
        html_url=SERVER.page(slug, target),
        translators=sorted({r.translator for s in translated for r in s.reviews if r.translator}),
        reviewers=sorted({r.reviewer for s in resolved.served for r in s.reviews}),
        last_reviewed_at=max(
            (r.reviewed_at for s in resolved.served for r in s.reviews), default=None
        ),
        held_sections=list(resolved.held_sections),
        provenance=ProvenanceOut(
            translators=list(facts.translators),
            reviewers_by_role={role: list(names) for role, names in facts.by_role},
            segments_by_role={role: list(facts.signed_in(role)) for role, _ in facts.by_role},
            translated_segments=list(facts.translated),
            linguistic_reviewers=list(facts.reviewers("linguistic")),
            clinical_reviewers=list(facts.reviewers("clinical")),
            translation_reviewed_at=facts.translation_reviewed_at,
            english_reviewers=list(facts.english_reviewers),
            english_reviewed_at=facts.english_reviewed_at,
            demonstration=demonstration and bool(translated),
        ),
        segments=_segments_out(resolved, images),
    )


def _english_html_url(slug: str) -> str:
    """The English page on this server (a release's static site points it at its own file)."""
    return SERVER.page(slug, SOURCE_LOCALE)


class LocaleUi:
    """The ui strings as served in one locale (`strings`: see `snapshot.UiStrings`), shown in a
    document in `lang` (default: that locale): a string in another language is marked with its
    own (a Vietnamese notice on a page shown all in English)."""

    def __init__(
        self,
        strings: UiStrings,
        resolved: ResolvedPage | None = None,
        lang: str | None = None,
        english: UiStrings | None = None,
    ):
        self.strings, self.resolved, self.lang = strings, resolved, lang
        self.english_strings = english or {}

    @classmethod
    def of(cls, tree: Tree, locale: str) -> LocaleUi:
        resolved = tree.resolve(tree.ui, locale) if tree.ui else None
        served = resolved.served if resolved else ()
        return cls({s.segment.id: (s.forms, s.locale, s.fallback) for s in served}, resolved)

    def get(self, key: str, count: int | None = None) -> UiText | None:
        got = self.strings.get(key)
        if got is None:
            return None
        return self._text(got, count)

    def english(self, key: str, count: int | None = None) -> UiText | None:
        """The string in English, of those the snapshot keeps (`article.NOTICE_PARTS`)."""
        got = self.english_strings.get(key)
        return None if got is None else self._text(got, count)

    def _text(self, got: tuple[tuple[str, ...], str, bool], count: int | None) -> UiText:
        forms, locale, fell = got
        text = forms[0] if count is None else plural(forms, locale, count)
        other = fell if self.lang is None else locale != self.lang
        return UiText(text, locale if other else None, locale)


def chrome(ui: LocaleUi, target: str) -> dict[str, UiText | None]:
    """The ui strings of a document's header in `target`."""
    return {
        "language_label": ui.get("language") or UiText("Language", SOURCE_LOCALE),
        "read_in_english": ui.get("read-in-english") if target != SOURCE_LOCALE else None,
    }


def bodies(snapshot: Snapshot, listed: tuple[str, ...]) -> dict[str, bytes]:
    """The bodies of a page in a locale, made from its snapshot: its JSON, its document (with the
    server's links to the locales it is `listed` in), its fragment (the article with its own
    styles, to embed) and its view (`document`), which a release's static site is rendered from
    with its own links (`release.static`; the view is not kept). A page
    shown all in English is in English (`lang`), whichever locale it was asked in."""
    resolved, english = snapshot.resolved, snapshot.english
    target, slug, lang = resolved.target, resolved.page.slug, shown_language(resolved)
    ui = LocaleUi(snapshot.ui, lang=lang, english=snapshot.english_ui)
    facts = provenance(resolved, english, [r.name for r in snapshot.roles])
    description = of_type(resolved, SegmentType.DESCRIPTION)
    images = tuple((src, SERVER.asset(name)) for src, name in snapshot.images)
    context = {
        "lang": lang,
        "dir": direction(lang),
        "slug": slug,
        **article_context(
            resolved,
            english,
            facts,
            ui,
            snapshot.demonstration,
            _english_html_url(slug),
            snapshot.roles,
            images,
        ),
    }
    article = render_template("article.html", context)
    view = {
        "lang": lang,
        "locale": target,
        "dir": context["dir"],
        "slug": slug,
        "title": context["title"],
        # the description lives in <meta>, not on the page a patient reads
        "description": UiText(description.text, None) if description else None,
        **chrome(ui, lang),
    }
    document = render_document(view, article, SERVER, listed)
    return {
        "json": page_model(resolved, facts, snapshot.demonstration, images)
        .model_dump_json()
        .encode(),
        "html": document.encode(),
        "fragment": embed(article).encode(),
        "view": encode_view(view),
    }
