"""The one Markdown parser every stage uses: markdown-it-py's CommonMark preset, raw HTML off, tables
and the `::: critical` container, and an author's HTML comments recognised and dropped.

Raw HTML stays off so a catalog cannot inject markup; an HTML comment is the one piece of HTML an
author writes on purpose (an internal note), so it is recognised as markdown-it-py recognises it with
HTML on, and rendered as nothing: never shown to a patient, never a message to translate. Links,
images and code spans also note where they sit in the text, which `inline` needs to write msgids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.html_re import comment as _COMMENT_PATTERN
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline, backtick, image, link
from mdit_py_plugins.container import container_plugin

__all__ = ["CRITICAL", "HTML_COMMENT", "LinkForm", "markdown"]

CRITICAL = "critical"
HTML_COMMENT = "comment"  # the token type of a dropped comment, inline or a whole block
_COMMENT = re.compile(_COMMENT_PATTERN)


def _comments_only(text: str) -> bool:
    """Nothing but closed HTML comments and white space (what may be dropped as a block).

    >>> _comments_only("<!-- a -->  <!-- b\\n -->"), _comments_only("<!-- a -->*bar*")
    (True, False)
    """
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return True
        found = _COMMENT.match(text, pos)
        if not found:
            return False
        pos = found.end()


def _comment_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """An HTML block of comments alone (CommonMark's HTML block type 2, `<!--` to the line holding
    `-->`), dropped. A comment left open, or followed by text on its last line, is not dropped
    whole: the paragraph keeps the text and the inline rule drops the closed comments in it."""
    if state.is_code_block(start):
        return False
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("<!--", pos):
        return False
    line = start
    while "-->" not in state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]:
        line += 1
        if line >= end or (state.sCount[line] < state.blkIndent and not state.isEmpty(line)):
            return False  # not closed in this container: left for the reader to see
    if not _comments_only(state.getLines(start, line + 1, state.blkIndent, True)):
        return False
    if silent:
        return True
    state.line = line + 1
    token = state.push(HTML_COMMENT, "", 0)
    token.map = [start, line + 1]
    return True


def _comment_inline(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if not state.src.startswith("<!--", pos):
        return False
    # As markdown-it-py's own html_inline: no regex run where no `-->` can follow (linear time).
    short = state.src.startswith(("<!-->", "<!--->"), pos)
    if not short and state.html_terminator_last("-->") < pos + 4:
        return False
    found = _COMMENT.match(state.src, pos, state.posMax)
    if not found:
        return False
    if not silent:
        token = state.push(HTML_COMMENT, "", 0)
        token.meta["span"] = (pos, found.end())
    state.pos = found.end()
    return True


class LinkForm:
    """How a link or image was written, noted in `token.meta["form"]`."""

    INLINE = "inline"  # [text](url)
    FULL = "full"  # [text][label]
    COLLAPSED = "collapsed"  # [text][]
    SHORTCUT = "shortcut"  # [text]


def _noting(kind: str, rule: Callable[[StateInline, bool], bool]) -> Callable[..., bool]:
    """markdown-it-py's rule for `kind` (link, image, backticks), unchanged, that also notes on its
    token where it sits in the text (`span`); on a link or an image also where its text is
    (`text`), how it was written (`form`) and, for a reference, the label it was matched by
    (`label`, normalised as markdown-it-py matches it)."""
    bang = 1 if kind == "image" else 0
    types = {"link": "link_open", "image": "image", "backticks": "code_inline"}

    def noted(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if silent:
            return True
        token = next((t for t in state.tokens[count:] if t.type == types[kind]), None)
        end, src = state.pos, state.src
        if token is None:
            return True  # backticks with no closing run: text
        token.meta["span"] = (start, end)
        if kind == "backticks":
            return True
        label_end = state.md.helpers.parseLinkLabel(state, start + bang, not bang)
        after = label_end + 1
        text = src[start + bang + 1 : label_end]
        if end == after:
            form, label = LinkForm.SHORTCUT, text
        elif src[after] == "(":
            form, label = LinkForm.INLINE, ""
        elif end == after + 2:
            form, label = LinkForm.COLLAPSED, text
        else:
            form, label = LinkForm.FULL, src[after + 1 : end - 1]
        token.meta.update(
            text=(start + bang + 1, label_end),
            form=form,
            label=normalizeReference(label) if label else "",
        )
        return True

    return noted


def _nothing(*_: Any) -> str:
    return ""


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The parser and renderer of every page, segment and check; raw HTML is off so a catalog
    cannot inject markup."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table").use(container_plugin, CRITICAL)
    alt: Sequence[str] = ["paragraph", "reference", "blockquote"]  # what html_block may interrupt
    md.block.ruler.before("html_block", HTML_COMMENT, _comment_block, {"alt": list(alt)})
    md.inline.ruler.before("html_inline", HTML_COMMENT, _comment_inline)
    md.inline.ruler.at("link", _noting("link", link))
    md.inline.ruler.at("image", _noting("image", image))
    md.inline.ruler.at("backticks", _noting("backticks", backtick))
    md.add_render_rule(HTML_COMMENT, _nothing)
    return md
