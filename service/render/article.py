"""What the article says around a page's body, in the patient's language: the one notice above it
(demonstration drafts, English shown), the "being updated" lines, and "About this page" (who
translated and reviewed it, and when, with the English version and its date).

`article_context` gives `article.html` everything it renders; the facts come from `provenance`,
the words from the `ui` strings as served (reviewed text only: a row or notice whose ui string is
not served is left out), dates and lists as CLDR writes them for the language of their label.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from babel.dates import format_date
from babel.lists import format_list
from markupsafe import Markup, escape

from service.core.locales import babel_locale
from service.core.models import SOURCE_LOCALE, ResolvedPage, SegmentType
from service.core.policy import RoleSpec
from service.render.html import UiText, article_html
from service.render.images import ImageUrls
from service.review.provenance import English, Provenance, english_shown, labelled

__all__ = [
    "NOTICE_KEYS",
    "NOTICE_PARTS",
    "Ui",
    "article_context",
    "local_date",
    "names_html",
    "notice",
    "role_marks",
]

# The ui string that says, in the one notice above a page, how much of it is shown in English.
NOTICE_KEYS = {
    English.ALL: "fallback-all",
    English.SOME: "fallback-some",
    English.SAFETY: "fallback-safety",
}
DEMONSTRATION = "demonstration-notice"
WITHHELD = "withheld-notice"  # only where withheld parts are left out, with no line in their place
# Every ui string the notice is made of (a snapshot keeps their English: `notice`).
NOTICE_PARTS = (DEMONSTRATION, *NOTICE_KEYS.values(), WITHHELD)


# The mark on each part a role signed, when its reviewers signed only some of the page's
# translations ("Clinical review: Dr. … (the parts marked †)"): typographic marks a reader of any
# script knows from footnotes, in the order roles are listed; a fifth role doubles the first.
MARKS = ("†", "‡", "§", "¶")
SCOPE_KEY = "review-scope"  # the ui string "the parts marked {mark}"
SCOPE_ENGLISH = "the parts marked {mark}"  # where the ui strings have none: never left unsaid


def role_marks(facts: Provenance) -> dict[str, str]:
    """The mark of each role that signed only some of the translations shown, by role.

    >>> role_marks(Provenance((), (("linguistic", ("A",)), ("clinical", ("B",))), None, (), None,
    ...     (("linguistic", ("p1", "p2")), ("clinical", ("p2",))), ("p1", "p2")))
    {'clinical': '†'}
    """
    partial = facts.partial()
    return {role: MARKS[i % len(MARKS)] * (i // len(MARKS) + 1) for i, role in enumerate(partial)}


def _segment_marks(facts: Provenance, marks: dict[str, str]) -> dict[str, str]:
    """Each translation shown that a role with a mark signed, with its marks."""
    found: dict[str, str] = {}
    for role, mark in marks.items():
        for segment_id in facts.signed_in(role):
            found[segment_id] = found.get(segment_id, "") + mark
    return found


def _scope(ui: Ui, mark: str, target: str) -> Markup:
    """ "(the parts marked †)", in the language of its ui string, marked when it fell back."""
    words = ui.get(SCOPE_KEY) or UiText(SCOPE_ENGLISH, SOURCE_LOCALE, SOURCE_LOCALE)
    attrs = words.own_attrs() if (words.locale or target) != target else Markup("")
    return Markup(' <span class="about-scope"{}>({})</span>').format(
        attrs, words.text.replace("{mark}", mark)
    )


class Ui(Protocol):
    """The ui strings as served in one locale."""

    def get(self, key: str, count: int | None = None) -> UiText | None: ...

    def english(self, key: str, count: int | None = None) -> UiText | None:
        """The string in English (for a notice the locale has not all reviewed)."""
        ...


def notice(ui: Ui, parts: Sequence[tuple[str, str, int | None]]) -> dict[str, Any] | None:
    """The one notice above a page: its sentences (`parts`: kind, ui string, count), in one
    language. In the patient's when every sentence is reviewed in one locale of theirs, else
    all in English: a notice half in one language and half in another is read with the wrong
    voice, and a part of it could be missed. A sentence not served (not approved even in
    English) is left out, as every ui string is."""
    said = [(kind, key, count) for kind, key, count in parts if ui.get(key, count)]
    # a string the locale lacks comes from the next locale of its chain, English last
    shown = [(kind, ui.get(key, count)) for kind, key, count in said]
    if len({text.locale for _, text in shown if text}) > 1:
        shown = [(kind, ui.english(key, count)) for kind, key, count in said]
    found = [(kind, text) for kind, text in shown if text is not None]
    if not found:
        return None
    return {"text": found[0][1], "parts": [{"kind": kind, "text": t.text} for kind, t in found]}


def _day(stamp: str) -> date:
    """The UTC day of a ledger time (`2026-11-26T22:13:56Z`)."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()


def local_date(stamp: str, locale: str) -> Markup:
    """A ledger time as a `<time>` holding the day as CLDR writes it in `locale` (long form: a
    month name reads the same to everyone, where 11/12 does not).

    >>> str(local_date("2026-11-26T22:13:56Z", "es"))
    '<time datetime="2026-11-26">26 de noviembre de 2026</time>'
    """
    day = _day(stamp)
    shown = format_date(day, format="long", locale=babel_locale(locale))
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), shown)


def names_html(names: tuple[str, ...], locale: str) -> Markup:
    """People's names joined as CLDR joins a list in `locale`, each isolated (`<bdi>`), so that a
    Latin name reads right inside right-to-left text.

    >>> str(names_html(("A", "B"), "es"))
    '<bdi>A</bdi> y <bdi>B</bdi>'
    """
    marks = [f"\x00{i}\x00" for i in range(len(names))]
    joined = str(escape(format_list(marks, locale=babel_locale(locale))))
    for mark, name in zip(marks, names, strict=True):
        joined = joined.replace(mark, str(Markup("<bdi>{}</bdi>").format(name)))
    return Markup(joined)


def _rows(
    facts: Provenance,
    ui: Ui,
    roles: Sequence[RoleSpec],
    target: str,
    english_url: str,
    english_title: str,
) -> list[dict[str, Any]]:
    """The rows of "About this page": a label (a ui string) and its value, in the label's language.
    A role's row is labelled by the ui string `<role>-review`, else by the role's label in
    l10n.yaml, in English: who reviewed a page is never left out for want of a word."""
    labels = {r.name: UiText(r.label, SOURCE_LOCALE, SOURCE_LOCALE) for r in roles}
    marks = role_marks(facts)
    wanted: list[tuple[str, Any]] = [
        ("translated-by", facts.translators),
        *((f"{role}-review", names) for role, names in facts.by_role),
        ("translation-date", facts.translation_reviewed_at),
        ("english-version", english_url if target != SOURCE_LOCALE else None),
        ("english-reviewers", facts.english_reviewers),
        ("english-date", facts.english_reviewed_at),
    ]
    rows = []
    for key, fact in wanted:
        label = ui.get(key) or labels.get(key.removesuffix("-review"))
        if not fact or label is None:
            continue
        locale = label.locale or target
        if key == "english-version":
            value = Markup('<a href="{}" hreflang="en" lang="en" dir="ltr">{}</a>').format(
                fact, english_title
            )
        elif isinstance(fact, tuple):
            value = names_html(fact, locale)
            mark = marks.get(key.removesuffix("-review")) if key.endswith("-review") else None
            if mark:
                value += _scope(ui, mark, target)
        else:
            value = local_date(fact, locale)
        rows.append({"key": key, "label": label, "value": value})
    return rows


def article_context(
    resolved: ResolvedPage,
    english: ResolvedPage,
    facts: Provenance,
    ui: Ui,
    demonstration: bool,
    english_url: str,
    roles: Sequence[RoleSpec],
    images: ImageUrls = (),
) -> dict[str, Any]:
    """What `article.html` renders for `resolved` (`english`: the same page in English, whose
    title "About this page" links; `facts`: its `provenance`): title, notice, body, and "About
    this page"; `roles`: the policy's, in the order "About this page" lists them); `images`:
    where its images are served (`images.placed`)."""
    target = resolved.target
    case, count = english_shown(resolved)
    all_english = case is English.ALL
    label = ui.get("fallback-label")
    marked = labelled(resolved)
    withheld_line = ui.get("withheld-placeholder")

    title = next((s for s in resolved.served if s.segment.type is SegmentType.TITLE), None)
    title_withheld = title is None and any(s.type is SegmentType.TITLE for s in resolved.withheld)
    # One notice: that the translations are drafts, and how much is English. A part withheld
    # while its English is reviewed says so in its place ("being updated"), as an English part
    # carries its label, unless that line is not served and the part is left out: then the
    # notice says it. The reviewers' marks are explained under "About this page".
    parts: list[tuple[str, str, int | None]] = []
    translated = any(s.locale != SOURCE_LOCALE for s in resolved.served)
    if demonstration and translated:
        parts.append(("demonstration", DEMONSTRATION, None))
    if case is not English.NONE:
        parts.append(("english", NOTICE_KEYS[case], count if case is English.SOME else None))
    if resolved.withheld and withheld_line is None:
        parts.append(("withheld", WITHHELD, None))

    english_title = next(
        (s.text for s in english.served if s.segment.type is SegmentType.TITLE),
        resolved.page.slug,
    )
    return {
        "title": UiText(title.text, title.locale if title.fallback else None, title.locale)
        if title
        else None,
        "title_label": label if title and title.segment.id in marked else None,
        "title_withheld": withheld_line if title_withheld else None,
        "notice": notice(ui, parts),
        "body": Markup(
            article_html(
                resolved,
                label,
                marked,
                None if all_english else ui.get("critical-in-english"),
                withheld_line,
                _segment_marks(facts, role_marks(facts)),
                images,
            )
        ),
        "about_heading": ui.get("about-heading"),
        "about": _rows(facts, ui, roles, target, english_url, english_title),
    }
