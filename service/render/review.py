"""A page as its reviewers read it: the patient page's own tokens (headings, lists, tables with
their header cells, `::: critical` sections) with each segment's text swapped for what the
workspace shows of it (the English beside the translation, its status and controls), and a
segment's text rendered with each link's address written out and its images placed.

The workspace (`service.workspace.document`) says what goes in each segment's place; this module
only keeps the page's structure around it, with the renderer and parser the patient page uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from markdown_it.token import Token
from markupsafe import Markup

from service.content.pages import iter_blocks
from service.content.parser import CRITICAL, markdown
from service.core.models import Page, Segment, SegmentType
from service.render.html import _body_tokens, _boxed_tables, _close_of, _copy, _inline_tokens
from service.render.images import ImageUrls, placed

__all__ = ["Slot", "reviewed_html", "text_html"]


@dataclass(frozen=True)
class Slot:
    """What stands in a segment's place: `inline` (phrasing content, which a heading may hold)
    and `after` (flow content: findings, forms), put inside the segment's element, or after it
    for a heading."""

    inline: str
    after: str = ""


def _html(kind: str, html: str) -> Token:
    token = Token(kind, "", 0)
    token.content = html
    return token


def _addressed(children: list[Token]) -> list[Token]:
    """Inline tokens with each link's address written after its text, so that a reviewer reads
    where it goes (a patient's browser shows it only on hover)."""
    out: list[Token] = []
    opened: list[str] = []
    for token in children:
        out.append(token)
        if token.type == "link_open":
            opened.append(str(token.attrGet("href") or ""))
        elif token.type == "link_close" and opened:
            address = Markup(' <span class="address">(<code dir="ltr">{}</code>)</span>').format(
                opened.pop()
            )
            out.append(_html("html_inline", str(address)))
    return out


def text_html(text: str, segment: Segment, images: ImageUrls = ()) -> str:
    """One form of a segment (its English or a translation) as the patient page renders it, with
    the reference definitions and image of the English, its images placed, each link's address
    shown; raw HTML in it is escaped, never rendered.

    >>> seg = Segment("p1", SegmentType.PARAGRAPH, "x", 1)
    >>> text_html("See [the plan](https://example.org/plan).", seg)
    'See <a href="https://example.org/plan">the plan</a> <span class="address">(<code dir="ltr">https://example.org/plan</code>)</span>.'
    """
    md = markdown()
    tokens = _addressed(
        placed(_inline_tokens(text, segment.references, segment.image), dict(images))
    )
    return str(md.renderer.render(tokens, md.options, {}))


def reviewed_html(page: Page, slots: Mapping[str, Slot], critical_label: str) -> str:
    """The page body in its order with each segment (by id) replaced by its slot; a segment with
    no slot keeps its English. Each `::: critical` section starts with `critical_label`."""
    tokens = _copy(_body_tokens(page.body))
    heads = (SegmentType.TITLE, SegmentType.DESCRIPTION)
    body_segments = [s for s in page.segments if s.type not in heads]
    after: list[tuple[int, str]] = []
    for block, segment in zip(iter_blocks(tokens), body_segments, strict=True):
        slot = slots.get(segment.id)
        if slot is None:
            continue
        element = tokens[block.element]
        element.attrSet("id", f"text-{segment.id}")
        element.attrJoin("class", "reviewed")
        if element.type == "heading_open":
            tokens[block.inline].children = [_html("html_inline", slot.inline)]
            after.append((_close_of(tokens, block.element) + 1, slot.after))
            continue
        if element.type == "paragraph_open":  # a <p> may hold no form: a <div> holds both
            element.tag = "div"
            tokens[_close_of(tokens, block.element)].tag = "div"
        tokens[block.inline].children = [_html("html_inline", slot.inline + slot.after)]
    for i, token in enumerate(tokens):
        if token.type == f"container_{CRITICAL}_open":
            label = Markup('<p class="safety-label">{}</p>\n').format(critical_label)
            after.append((i + 1, str(label)))
    for at, html in sorted(after, key=lambda a: a[0], reverse=True):
        tokens.insert(at, _html("html_block", html))
    md = markdown()
    return str(md.renderer.render(_boxed_tables(tokens), md.options, {}))
