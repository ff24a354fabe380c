"""The text a patient reads, for the checks that read numbers and units.

A msgid or its translation is Markdown: `&half;` shows as ½, `**2**` as 2, and `[o más](hasta 84 mg)`
(a space in the destination: not a link) shows every character. The checks read what is shown, so
the text is parsed as the page parses it and only the targets of parsed links and images are cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it.token import Token

from service.content.inline import PLAIN, parse_text
from service.core.models import Target

__all__ = ["seen_of", "seen_text"]

_BREAKS = ("softbreak", "hardbreak")


def seen_text(text: str, references: Sequence[Target] = ()) -> str:
    """The text as shown: entities decoded, markup gone, link text, image alt text and titles kept,
    targets cut; an autolink's text is its target, so it is cut too. A text with no markup
    character is returned as it is, unparsed.

    >>> seen_text("Take &half; tablet, [see](https://x.example/p2) or <https://x.example/3>.")
    'Take ½ tablet, see or .'
    >>> seen_text("[o más](hasta 84 mg si lo tolera)")
    '[o más](hasta 84 mg si lo tolera)'
    """
    if PLAIN.fullmatch(text):
        return text
    return _seen(text, tuple(references))


@lru_cache(maxsize=32768)
def _seen(text: str, references: tuple[Target, ...]) -> str:
    return seen_of(parse_text(text, references))


def seen_of(tokens: Sequence[Token]) -> str:
    """What a patient reads of parsed inline tokens (see `seen_text`)."""
    return "".join(_pieces(tokens))


def _pieces(tokens: Sequence[Token]) -> list[str]:
    out: list[str] = []
    autolink = False
    for token in tokens:
        if token.type == "link_open":
            autolink = token.markup == "autolink"
            out.append(_title(token))
        elif token.type == "link_close":
            autolink = False
        elif autolink:
            continue
        elif token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in _BREAKS or token.type == "html_inline":
            out.append(" ")
        elif token.type == "image":
            out.extend(_pieces(token.children or ()))
            out.append(_title(token))
    return out


def _title(token: Token) -> str:
    """A link's or an image's title, which the patient reads as a tooltip, set apart by spaces."""
    title = token.attrGet("title")
    return f" {title} " if title else ""
