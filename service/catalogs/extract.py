"""Extraction: each source page (and the ui strings) → its own template, locales/templates/<slug>.pot.

One domain per page keeps fuzzy matching fast (it grows with the square of a catalog's size). The same
messages are offered to `pybabel extract` through the `clinic_markdown` extraction method.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from service.catalogs.catalog import TemplateMessage, template_text
from service.content.pages import parse_page
from service.core.config import Config
from service.core.errors import CatalogError
from service.core.files import CATALOG_MAX_BYTES, read_text
from service.core.models import Key, Page, Segment, SegmentType
from service.core.yamlfile import atomic_write

__all__ = [
    "babel_extract",
    "extract_all",
    "segment_comments",
    "segment_flags",
    "template_messages",
]


def _terms_in(text: str, terms: Collection[str]) -> list[str]:
    return [t for t in terms if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)]


def segment_comments(segment: Segment, terms: Collection[str] = ()) -> tuple[str, ...]:
    """What a translator sees above the msgid: what the segment is, and what must not change.

    >>> from service.core.models import SegmentType
    >>> segment_comments(Segment("p-1", SegmentType.PARAGRAPH, "Ask about FDA rules.", 3), ["FDA"])
    ('paragraph', 'Keep as written: FDA')
    """
    comments = [segment.comment or segment.type.value]
    kept = _terms_in(" ".join(segment.source_forms), terms)
    if kept:
        comments.append("Keep as written: " + ", ".join(kept))
    if segment.references:
        comments.append(_REFERENCES)
    return tuple(comments)


_REFERENCES = "Links: translate the text in [text][label]; keep each [label] as written"


_BRACE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})")
_PERCENT = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]")


def segment_flags(segment: Segment) -> tuple[str, ...]:
    """The format a ui message's placeholders really use, so `msgfmt -c` checks them. Page text
    is never a format string: "About 50% of patients" has no directive in it.

    >>> from service.core.models import SegmentType
    >>> segment_flags(Segment("n", SegmentType.UI, "{count} parts", 1))
    ('python-brace-format',)
    >>> segment_flags(Segment("p", SegmentType.PARAGRAPH, "About 50% of {all}", 1))
    ()
    """
    if segment.type is not SegmentType.UI:
        return ()
    text = " ".join(segment.source_forms)
    if _BRACE.search(text):
        return ("python-brace-format",)
    if _PERCENT.search(text):
        return ("python-format",)
    return ()


def template_messages(
    page: Page, location: str, terms: Collection[str] = ()
) -> list[TemplateMessage]:
    """One message per distinct entry (msgctxt, English text), in page order; repeats share it,
    and its references (`#: file:line`) name the line of each use in the source file."""
    merged: dict[Key, list[str]] = {}
    first: dict[Key, Segment] = {}
    lines: dict[Key, list[int]] = {}
    for seg in page.segments:
        notes = merged.setdefault(seg.key, [])
        notes += [c for c in segment_comments(seg, terms) if c not in notes]
        first.setdefault(seg.key, seg)
        lines.setdefault(seg.key, []).extend([seg.line] if seg.line > 0 else [])
    return [
        TemplateMessage(
            key[1],
            first[key].source_plural,
            tuple(notes),
            location,
            flags=segment_flags(first[key]),
            msgctxt=key[0],
            lines=tuple(dict.fromkeys(lines[key])),
        )
        for key, notes in merged.items()
    ]


def extract_all(config: Config, pages: list[Page], ui: Page | None) -> list[tuple[Path, bool]]:
    """Write every template; returns (path, changed) for each."""
    written = []
    for page in [*pages, *([ui] if ui else [])]:
        target = config.templates_dir / f"{page.slug}.pot"
        location = config.rel(page.path)
        shown = config.rel(target)
        previous = (
            read_text(target, shown, CatalogError, CATALOG_MAX_BYTES)
            if target.exists() or target.is_symlink()
            else None
        )
        text = template_text(
            page.slug, template_messages(page, location, config.do_not_translate), previous
        )
        written.append((target, atomic_write(target, text)))
    return written


def babel_extract(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extraction method for source pages: `[clinic_markdown: source_content/pages/**.md]`."""
    name = getattr(fileobj, "name", "page.md")
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    terms = [t.strip() for t in options.get("do_not_translate", "").split(",") if t.strip()]
    page = parse_page(text, Path(name))
    for seg in page.segments:
        yield seg.line, None, seg.source, list(segment_comments(seg, terms))
