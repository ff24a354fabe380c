"""Resolved pages → HTML: the article (from the page's own Markdown tokens) and whole documents.

The article keeps the source's structure: each segment's inline token is swapped for the reviewed
text, a fallback element gets `lang` (and `dir`) of the locale it came from and, where asked, a
visible label in the patient's language; a withheld one keeps its place with a "being updated" line;
a table is put in a box that scrolls sideways.
"""

from __future__ import annotations

import gettext
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from markdown_it.token import Token
from markupsafe import Markup

from service.content.inline import parse_text, render_text
from service.content.pages import iter_blocks
from service.content.parser import markdown
from service.core.locales import direction, plural_rule
from service.core.models import ResolvedPage, Segment, SegmentType, Target
from service.quality.characters import reveal
from service.render.images import ImageUrls, place_all, placed
from service.render.links import SERVER
from service.review.provenance import shown_language

__all__ = ["TABLE_BOX", "UiText", "article_html", "inline_html", "plural", "render_template"]

# A table wider than a phone scrolls sideways in a box of its own, not the page; the box takes
# keyboard focus so that it can be scrolled without a pointer (Safari focuses no scroller itself).
TABLE_BOX = ('<div class="table-scroll" tabindex="0">\n', "</div>\n")


def inline_html(text: str, segment: Segment | None = None, images: ImageUrls | None = None) -> str:
    """A segment's text (the English or a translation of it) → HTML, with the link targets and the
    image source of the English; raw HTML in a translation is escaped, never rendered. With
    `images`, its images are placed as a page shows them (`images.placed`).

    >>> inline_html("Take **one** <script>x</script>")
    'Take <strong>one</strong> &lt;script&gt;x&lt;/script&gt;'
    """
    if segment is None:
        return _inline_html(text, (), None, images)
    return _inline_html(text, segment.references, segment.image, images)


@lru_cache(maxsize=32768)  # the same text is served in many pages and locales
def _inline_html(
    text: str, references: tuple[Target, ...], image: Target | None, images: ImageUrls | None
) -> str:
    if images is None:
        return render_text(text, references, image)
    md = markdown()
    tokens = placed(_inline_tokens(text, references, image), dict(images))
    return str(md.renderer.render(tokens, md.options, {}))


@lru_cache(maxsize=32768)
def _inline_tokens(text: str, references: tuple[Target, ...], image: Target | None) -> list[Token]:
    """A segment's inline tokens: the renderer only reads them, so one parse serves every page and
    locale that shows the text (English fallbacks are shown in many)."""
    return parse_text(text, references, image)


@lru_cache(maxsize=64)
def _plural_index(locale: str) -> Any:
    return gettext.c2py(plural_rule(locale)[1])


def plural(forms: Sequence[str], locale: str, n: int) -> str:
    """The plural form for `n` under the CLDR rule of `locale`, the locale the forms came from."""
    index = int(_plural_index(locale)(n))
    return forms[min(index, len(forms) - 1)].replace("{count}", str(n))


@dataclass(frozen=True)
class UiText:
    """A ui string as served: its text, when it fell back the locale to mark it with (`lang`),
    and the locale it came from in any case (`locale`; empty: the page's own)."""

    text: str
    lang: str | None
    locale: str = ""

    def attrs(self) -> Markup:
        """`lang` and `dir` where it differs from the page around it (it fell back)."""
        if not self.lang:
            return Markup("")
        return Markup(' lang="{}" dir="{}"').format(self.lang, direction(self.lang))

    def own_attrs(self) -> Markup:
        """`lang` and `dir` always: for text inside an element of another language."""
        return Markup(' lang="{}" dir="{}"').format(self.locale, direction(self.locale))


def _close_of(tokens: list[Token], start: int) -> int:
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting
        if depth == 0:
            return i
    return len(tokens) - 1


def _html_block(html: str) -> Token:
    token = Token("html_block", "", 0)
    token.content = html
    return token


def _notice(text: UiText) -> Token:
    return _html_block(
        str(
            Markup('<p class="notice critical-notice" role="note"{}>{}</p>\n').format(
                text.attrs(), text.text
            )
        )
    )


def _boxed_tables(tokens: list[Token]) -> list[Token]:
    """`tokens` with each table in its TABLE_BOX."""
    out = []
    for tok in tokens:
        if tok.type == "table_open":
            out.append(_html_block(TABLE_BOX[0]))
        out.append(tok)
        if tok.type == "table_close":
            out.append(_html_block(TABLE_BOX[1]))
    return out


@lru_cache(maxsize=8)
def _body_tokens(body: str) -> tuple[Token, ...]:
    """A page body's block tokens, parsed once for all its locales (they are built one after
    another). Never changed: `article_html` edits copies."""
    return tuple(markdown().parse(body))


def _copy(tokens: tuple[Token, ...]) -> list[Token]:
    """Copies of a page's parsed tokens (shared by every locale of the page) that `article_html`
    and the renderer may edit: attributes (the container renderer adds its class) and which
    children; the children themselves are replaced, never edited, so they are shared."""
    # Token's own constructor, field by field: a sixth of what copy.copy costs per token.
    return [
        Token(
            t.type,
            t.tag,
            t.nesting,
            dict(t.attrs),
            t.map,
            t.level,
            t.children,
            t.content,
            t.markup,
            t.info,
            t.meta,
            t.block,
            t.hidden,
        )
        for t in tokens
    ]


def _html_inline(html: Markup) -> Token:
    token = Token("html_inline", "", 0)
    token.content = str(html)
    return token


def article_html(
    resolved: ResolvedPage,
    label: UiText | None = None,
    labelled: Collection[str] = (),
    held_notice: UiText | None = None,
    withheld_line: UiText | None = None,
    marks: Mapping[str, str] | None = None,
    images: ImageUrls = (),
) -> str:
    """The page body as HTML, segment by segment as resolved, its images placed (`place_all`).
    Each segment of `labelled` (English shown on a page in another language) starts with `label`,
    marked with its own language. A withheld segment keeps its element (a heading stays a heading)
    with `withheld_line` in place of its text, or, without that line, is left out. Under the
    heading of a safety section held in English goes `held_notice`. A segment of `marks` (its id:
    its marks) ends with them: the parts a role signed, when it signed only some ("About this
    page" says which role each mark stands for)."""
    tokens = _copy(_body_tokens(resolved.page.body))
    heads = (SegmentType.TITLE, SegmentType.DESCRIPTION)
    body_segments = [s for s in resolved.page.segments if s.type not in heads]
    served = {s.segment.id: s for s in resolved.served}
    page_dir = direction(shown_language(resolved))
    edits: list[tuple[int, int, Token | None]] = []  # (start, end, insert) applied from the back
    noticed: set[int] = set()
    marker = (
        _html_inline(
            Markup('<span class="fallback-label"{}>{}</span> ').format(
                label.own_attrs(), label.text
            )
        )
        if label
        else None
    )
    for block, segment in zip(iter_blocks(tokens), body_segments, strict=True):
        element = tokens[block.element]
        element.attrSet("id", segment.id)
        if (
            held_notice
            and segment.section in resolved.held_sections
            and segment.section not in noticed
        ):
            noticed.add(segment.section)
            at = (
                _close_of(tokens, block.element) + 1
                if segment.type is SegmentType.HEADING
                else block.element
            )
            edits.append((at, at - 1, _notice(held_notice)))
        got = served.get(segment.id)
        if got is None:
            if withheld_line is None:
                edits.append((block.element, _close_of(tokens, block.element), None))
                continue
            element.attrJoin("class", "withheld")
            if withheld_line.lang:
                element.attrSet("lang", withheld_line.lang)
                if direction(withheld_line.lang) != page_dir:
                    element.attrSet("dir", direction(withheld_line.lang))
            tokens[block.inline].children = [_html_inline(Markup("{}").format(withheld_line.text))]
            continue
        children = _inline_tokens(got.text, segment.references, segment.image)
        if got.fallback:
            element.attrSet("lang", got.locale)
            if direction(got.locale) != page_dir:
                element.attrSet("dir", direction(got.locale))
            element.attrJoin("class", "fallback")
            if marker is not None and segment.id in labelled:
                children = [marker, *children]
        if marks and segment.id in marks:
            mark = Markup('<sup class="review-mark">{}</sup>').format(marks[segment.id])
            children = [*children, _html_inline(mark)]
        tokens[block.inline].children = children
    for start, end, insert in sorted(edits, key=lambda e: e[0], reverse=True):
        if insert is None:
            del tokens[start : end + 1]
        else:
            tokens.insert(start, insert)
    place_all(tokens, images)
    return str(markdown().renderer.render(_boxed_tables(tokens), markdown().options, {}))


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("service", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    # _style.html links the server's stylesheet unless the context names another (an export's)
    env.globals["stylesheet"] = SERVER.stylesheet
    env.filters["reveal"] = reveal  # invisible and bidi control characters shown by name
    return env


def render_template(name: str, context: Mapping[str, Any]) -> str:
    return _env().get_template(name).render(**context)
