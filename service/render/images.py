"""ImageUrls in rendered text: each source naming a file of `source_content/assets/` points at the
file as served (`/assets/<stem>.<hash>.<ext>`); one naming no file that may be served is shown as
its alt text, so a page never shows a broken image; an image elsewhere (`https://…`) is left as
written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from service.content.assets import asset_name
from service.content.parser import markdown

_MD = markdown()
_RENDERER = RendererHTML()  # what writes an alt attribute, for a page's own renderer is one

__all__ = ["ImageUrls", "place_all", "placed"]

# (source as written, URL it is served at), for each image of a page that names a file
ImageUrls = tuple[tuple[str, str], ...]


def placed(children: Sequence[Token], urls: Mapping[str, str]) -> list[Token]:
    """Inline tokens with their images placed (new tokens: those given are shared, never edited).

    >>> from service.content.inline import parse_text
    >>> md = parse_text("![A](a.png) ![B](b.png) ![C](https://c.example/c.png)")
    >>> [(t.type, t.attrGet("src") or t.content) for t in placed(md, {"a.png": "/assets/a.1.png"})]
    [('image', '/assets/a.1.png'), ('text', ' '), ('text', 'B'), ('text', ' '), ('image', 'https://c.example/c.png')]
    """
    out: list[Token] = []
    for token in children:
        if token.type != "image":
            out.append(token)
            continue
        src = str(token.attrGet("src") or "")
        url = urls.get(src)
        if url is not None:
            copy = Token(token.type, token.tag, 0, dict(token.attrs), content=token.content)
            copy.children, copy.meta = token.children, token.meta
            copy.attrSet("src", url)
            out.append(copy)
        elif asset_name(src) is None:
            out.append(token)
        else:  # its alt text, as markdown-it-py writes an alt attribute: plain text, no markup
            alt = _RENDERER.renderInlineAsText(token.children or [], _MD.options, {})
            out.append(Token("text", "", 0, content=alt))
    return out


def place_all(tokens: Sequence[Token], images: ImageUrls) -> None:
    """Place the images of a page's block tokens, copies made for this page (`html._copy`):
    their children are given new lists, never edited."""
    urls = dict(images)
    for token in tokens:
        if token.children and any(child.type == "image" for child in token.children):
            token.children = placed(token.children, urls)
