"""Source pages → segments: the first stage of the pipeline.

A page is Markdown with YAML front matter. Each block-level unit (title, heading, paragraph, list item,
table cell, block quote, an image alone) is one segment; inline Markdown stays inside it, written as
`inline.message` says. A block with no word in it (numbers, symbols, code) and an HTML comment are
no segment. Authors mark safety statements by wrapping them in a `::: critical` container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from markdown_it.token import Token

from service.content.inline import has_words, message
from service.content.parser import CRITICAL, markdown
from service.content.tables import cell_places
from service.core.errors import ContentError
from service.core.files import PAGE_MAX_BYTES, YAML_MAX_BYTES, read_text
from service.core.limits import MAX_TEXT
from service.core.models import (
    UI_DOMAIN,
    FallbackPolicy,
    Key,
    Page,
    Segment,
    SegmentType,
    fingerprint,
    own_targets,
)
from service.core.yamlfile import LineDict, load_yaml

__all__ = [
    "Block",
    "iter_blocks",
    "load_page",
    "load_pages",
    "load_ui",
    "page_files",
    "page_slugs",
    "parse_page",
]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT_KEYS = {"slug", "title", "description", "fallback", "author"}
_ID_PREFIX = {
    SegmentType.TITLE: "title",
    SegmentType.DESCRIPTION: "description",
    SegmentType.HEADING: "h",
    SegmentType.PARAGRAPH: "p",
    SegmentType.LIST_ITEM: "li",
    SegmentType.BLOCKQUOTE: "quote",
    SegmentType.TABLE_CELL: "cell",
    SegmentType.IMAGE: "img",
    SegmentType.UI: "ui",
}


@dataclass(frozen=True)
class Block:
    """Where a segment sits in the token stream: its inline token and the element that carries it."""

    inline: int
    element: int
    type: SegmentType
    level: int
    critical: bool
    section: int
    line: int
    table: int = 0  # which table of the page (from 1); 0 outside a table


def iter_blocks(tokens: list[Token]) -> Iterator[Block]:
    """Every translatable inline token, in document order, with what it is. A block with no word
    to translate (numbers, symbols, code) is no segment: it stays as in the English, as code does."""
    stack: list[int] = []
    section = table = 0
    for i, tok in enumerate(tokens):
        if tok.nesting == 1:
            stack.append(i)
            if tok.type == "heading_open":
                section += 1
            elif tok.type == "table_open":
                table += 1
        elif tok.nesting == -1:
            stack.pop()
        if tok.type != "inline" or not has_words(tok.children or []):
            continue
        kinds = [tokens[j].type for j in stack]
        parent = tokens[stack[-1]]
        element = stack[-1]
        level = 0
        if "th_open" in kinds or "td_open" in kinds:
            kind = SegmentType.TABLE_CELL
        elif parent.type == "heading_open":
            kind, level = SegmentType.HEADING, int(parent.tag[1:])
        elif "list_item_open" in kinds:
            kind = SegmentType.LIST_ITEM
            if parent.hidden:  # tight list: the <p> is not rendered, the <li> carries the segment
                element = max(j for j in stack if tokens[j].type == "list_item_open")
        elif "blockquote_open" in kinds:
            kind = SegmentType.BLOCKQUOTE
        else:
            kind = SegmentType.PARAGRAPH
        critical = f"container_{CRITICAL}_open" in kinds
        line = (tok.map[0] + 1) if tok.map else 0
        in_table = table if kind is SegmentType.TABLE_CELL else 0
        yield Block(i, element, kind, level, critical, section, line, in_table)


def _describe(kind: SegmentType, level: int, critical: bool, where: str = "") -> str:
    """What a segment is, for its extracted comment; `where` says which table cell (its headers)
    or which image (its file) it is."""
    what = {
        SegmentType.TITLE: "page title",
        SegmentType.DESCRIPTION: "page description (search results, link previews)",
        SegmentType.HEADING: f"heading (level {level})",
        SegmentType.PARAGRAPH: "paragraph",
        SegmentType.LIST_ITEM: "list item",
        SegmentType.BLOCKQUOTE: "block quote",
        SegmentType.TABLE_CELL: "table cell",
        SegmentType.IMAGE: "image description (alt text)",
        SegmentType.UI: "site text",
    }[kind]
    what += f" — {where}" if where else ""
    if kind is SegmentType.IMAGE:
        what += "; the image itself stays as in the English"
    return f"{what}; SAFETY-CRITICAL: translate exactly, keep every warning" if critical else what


def _image_file(href: str) -> str:
    """The file name an image's source ends in (`img/inhaler-spacer.png?v=2` → inhaler-spacer.png).

    >>> _image_file("img/inhaler-spacer.png?v=2"), _image_file("https://a.example/x/")
    ('inhaler-spacer.png', 'https://a.example/x/')
    """
    name = href.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name if name and not href.split("?", 1)[0].endswith("/") else href


def _with_ids(raw: list[Segment]) -> tuple[Segment, ...]:
    """Ids from the text, so they survive reordering and rebuilds; repeats get a suffix."""
    seen: dict[str, int] = {}
    out = []
    for seg in raw:
        base = f"{_ID_PREFIX[seg.type]}-{fingerprint(*seg.source_forms)[:8]}"
        seen[base] = seen.get(base, 0) + 1
        ident = base if seen[base] == 1 else f"{base}-{seen[base]}"
        out.append(Segment(**{**seg.__dict__, "id": ident}))
    return _shared(out)


def _shared(segments: list[Segment]) -> tuple[Segment, ...]:
    """Segments of one catalog entry that bind different targets (a title that is also an
    image's alt text) each bind all of them: the entry is approved once, for every use, and a
    change to any of its targets voids that approval (`bound_targets`)."""
    targets: dict[Key, set[str]] = {}
    for seg in segments:
        targets.setdefault(seg.key, set()).update(own_targets(seg))
    return tuple(
        replace(seg, shares=tuple(sorted(targets[seg.key] - set(own_targets(seg)))))
        if targets[seg.key] - set(own_targets(seg))
        else seg
        for seg in segments
    )


def _front_matter(text: str, path: Path) -> tuple[LineDict, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError("page must start with YAML front matter ('---')", path, 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise ContentError("front matter is not closed with '---'", path, 1) from None
    data = load_yaml("\n".join(lines[1:end]), path, ContentError, line_offset=1)
    if not isinstance(data, LineDict):
        raise ContentError("front matter must be a mapping", path, 2)
    return data, "\n".join(lines[end + 1 :]), end + 2


def _text_field(data: LineDict, key: str, path: Path, required: bool) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"front matter needs '{key}' as text", path, data.line_of(key))
    return " ".join(value.split())


def parse_page(text: str, path: Path, default: FallbackPolicy = FallbackPolicy.SEGMENT) -> Page:
    """A page's text → its segments; `path` is only for messages and ids of origin."""
    data, body, body_line = _front_matter(text, path)
    unknown = sorted(set(data) - _FRONT_KEYS)
    if unknown:
        raise ContentError(
            f"unknown front matter key {unknown[0]!r}", path, data.line_of(unknown[0])
        )
    slug = _text_field(data, "slug", path, True) or ""
    if not _SLUG.match(slug) or slug == UI_DOMAIN:
        raise ContentError(
            f"slug {slug!r} must be lowercase words joined by '-'", path, data.line_of("slug")
        )
    if slug != path.stem:
        raise ContentError(
            f"slug {slug!r} does not match the file name {path.name!r}", path, data.line_of("slug")
        )
    raw_policy = data.get("fallback", default.value)
    try:
        policy = FallbackPolicy(raw_policy)
    except ValueError:
        raise ContentError(
            f"fallback must be 'segment' or 'page', got {raw_policy!r}",
            path,
            data.line_of("fallback"),
        ) from None

    raw: list[Segment] = []
    for key, kind in (("title", SegmentType.TITLE), ("description", SegmentType.DESCRIPTION)):
        value = _text_field(data, key, path, key == "title")
        if value:
            raw.append(
                Segment("", kind, value, data.line_of(key), comment=_describe(kind, 0, False))
            )
    env: dict[str, Any] = {}
    tokens = markdown().parse(body, env)
    cells = cell_places(tokens)
    for block in iter_blocks(tokens):
        inline = tokens[block.inline]
        msg = message(inline.content, inline.children or [], env)
        kind = SegmentType.IMAGE if msg.image else block.type
        where = _image_file(msg.image.href) if msg.image else cells.get(block.inline, "")
        raw.append(
            Segment(
                "",
                kind,
                msg.text,
                block.line + body_line - 1,
                critical=block.critical,
                level=block.level,
                section=block.section,
                comment=_describe(kind, block.level, block.critical, where),
                references=msg.references,
                image=msg.image,
                table=block.table,
            )
        )
    for seg in raw:
        if len(seg.source) > MAX_TEXT:
            raise ContentError(
                f"a text of {len(seg.source):,} characters: over the bound of {MAX_TEXT:,} "
                "(split it into paragraphs)",
                path,
                seg.line,
            )
    return Page(
        slug=slug,
        path=str(path),
        segments=_with_ids(raw),
        fallback=policy,
        body=body,
        author=_text_field(data, "author", path, False),
        body_line=body_line,
    )


def load_page(path: Path, default: FallbackPolicy = FallbackPolicy.SEGMENT) -> Page:
    return parse_page(read_text(path, str(path), ContentError, PAGE_MAX_BYTES), path, default)


def page_files(pages_dir: Path) -> list[Path]:
    """The one page discovery: every Markdown file of the pages folder, in name order (a file
    named for the ui domain, `ui.md`, is one too, and fails to load as a page)."""
    return sorted(pages_dir.glob("*.md"))


def page_slugs(pages_dir: Path) -> list[str]:
    """The slugs of `page_files` (a page's slug is its file name), the ui domain's name left out."""
    return [p.stem for p in page_files(pages_dir) if p.stem != UI_DOMAIN]


def load_pages(pages_dir: Path, default: FallbackPolicy) -> tuple[list[Page], list[ContentError]]:
    """Every page that parses, and an error for each that does not (the rest keep serving)."""
    pages, errors = [], []
    for path in page_files(pages_dir):
        try:
            pages.append(load_page(path, default))
        except ContentError as exc:
            errors.append(exc)
    return pages, errors


def _ui_message(key: str, value: Any, path: Path | str, line: int) -> Segment:
    if not isinstance(value, LineDict) or not isinstance(value.get("text"), str):
        raise ContentError(f"ui message {key!r} needs 'text'", path, line)
    plural = value.get("plural")
    if plural is not None and not isinstance(plural, str):
        raise ContentError(
            f"ui message {key!r}: 'plural' must be text", path, value.line_of("plural")
        )
    note = value.get("comment", "")
    comment = f"ui: {key}" + (f"; {note}" if note else "")
    return Segment(key, SegmentType.UI, value["text"], line, source_plural=plural, comment=comment)


def load_ui(path: Path, label: str = "") -> Page:
    """The site's own strings (source_content/ui.yaml) as the `ui` domain; ids are the keys.
    Errors name `label` (default: the path)."""
    shown = label or str(path)
    data = load_yaml(read_text(path, shown, ContentError, YAML_MAX_BYTES), shown, ContentError)
    messages = data.get("messages") if isinstance(data, LineDict) else None
    if not isinstance(messages, LineDict):
        raise ContentError("expected 'messages:' mapping keys to {text, plural, comment}", shown, 1)
    segments = tuple(_ui_message(k, v, shown, messages.line_of(k)) for k, v in messages.items())
    sources = [s.source for s in segments]
    dupe = next((s for s in segments if sources.count(s.source) > 1), None)
    if dupe:
        raise ContentError(f"ui message {dupe.id!r} repeats another's text", shown, dupe.line)
    return Page(slug=UI_DOMAIN, path=str(path), segments=segments)
