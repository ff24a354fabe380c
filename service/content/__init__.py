"""Source pages to segments: the Markdown parser, a block's inline text (its msgid, and a text
parsed back) and the page loader (the one page discovery)."""

from service.content.inline import parse_text, render_text
from service.content.pages import (
    iter_blocks,
    load_page,
    load_pages,
    load_ui,
    page_files,
    page_slugs,
    parse_page,
)
from service.content.parser import markdown

__all__ = [
    "iter_blocks",
    "load_page",
    "load_pages",
    "load_ui",
    "markdown",
    "page_files",
    "page_slugs",
    "parse_page",
    "parse_text",
    "render_text",
]
