"""A block's inline Markdown → the msgid a translator sees; a msgid (or its translation) → tokens.

The msgid holds what a translator can translate and nothing a patient would not read: continuation
lines are joined with one space, HTML comments are gone, a shortcut or collapsed reference link
(`[guide]`, `[guide][]`) is written in full (`[guide][guide]`) so its text can be translated without
losing its target, and an image that stands alone is its alt text. What the msgid leaves out comes
back from the English when a text is parsed: the reference definitions it uses and the image's source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from service.content.parser import HTML_COMMENT, LinkForm, markdown
from service.core.models import Target

__all__ = ["PLAIN", "Message", "has_words", "join_lines", "message", "parse_text", "render_text"]

Env = Mapping[str, Any]


def _tokens(text: str, env: Env) -> list[Token]:
    return markdown().parseInline(text, dict(env))[0].children or []


def join_lines(content: str) -> str:
    """One line per segment: a soft break becomes one space (the white space around it goes, as
    markdown-it-py drops it), a hard break stays; outside code, a run of spaces is one.

    >>> join_lines("Take it  \\n   with water,\\n   daily.  Ask.")
    'Take it  \\nwith water, daily. Ask.'
    >>> join_lines("Run `a  b`\\n  now,  not  `c  d`.")
    'Run `a  b` now, not `c  d`.'
    """
    lines = content.split("\n")
    out = lines[0]
    for prev, line in pairwise(lines):
        hard = prev.endswith("  ") or prev.endswith("\\")
        out = out if hard else out.rstrip(" \t")
        out += ("\n" if hard else " ") + line.lstrip(" \t")
    if not _RUN.search(out):
        return out
    code = [t.meta["span"] for t in _tokens(out, {}) if t.type == "code_inline"]

    def one_space(run: re.Match[str]) -> str:
        inside = any(start <= run.start() < end for start, end in code)
        return run.group() if inside else " "

    return _RUN.sub(one_space, out)


_RUN = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")  # not before a line end: that is a hard break


def has_words(tokens: Sequence[Token]) -> bool:
    """Whether inline tokens hold a letter outside code: a cell of numbers, a symbol or code alone
    has nothing to translate and stays as in the English.

    >>> has_words(parse_text("56 mg"))
    True
    >>> has_words(parse_text("1,000 | `--dry-run` | 25 %"))
    False
    """
    for token in tokens:
        if token.type == "text" and any(ch.isalpha() for ch in token.content):
            return True
        if token.children and has_words(token.children):
            return True
    return False


def _env(references: Sequence[Target]) -> dict[str, Any]:
    return {"references": {t.label: {"href": t.href, "title": t.title} for t in references}}


def parse_text(
    text: str, references: Sequence[Target] = (), image: Target | None = None
) -> list[Token]:
    return _parse_text(text, tuple(references), image)


# Every stage that reads a text (checks, the article, the JSON's `html`) asks here, so a text is
# parsed once however many stages and locales show it; callers only read the tokens. Bounded: a
# page's texts are checked and rendered together, so the cache need not hold a whole tree.
@lru_cache(maxsize=32768)
def _parse_text(text: str, references: tuple[Target, ...], image: Target | None) -> list[Token]:
    """A segment's text as inline tokens, its reference links resolved with `references` and, for
    an image alone, the image around it.

    >>> [t.type for t in parse_text("See [the guide][g].", (Target("/g", "", "G"),))]
    ['text', 'link_open', 'text', 'link_close', 'text']
    """
    if image is None and text and PLAIN.fullmatch(text):
        return [Token("text", "", 0, content=text)]  # what markdown-it gives, without the parse
    children = _tokens(text, _env(references))
    if image is None:
        return children
    token = Token("image", "img", 0, attrs={"src": image.href, "alt": ""}, content=text)
    if image.title:
        token.attrSet("title", image.title)
    token.children = children
    return [token]


# A text with none of these characters has no inline markup (no emphasis, code, link, image,
# autolink, entity, escape or line break in the project's CommonMark settings): one text token.
PLAIN = re.compile(r"[^*_`\[\]<>!&\\~\n]*")


def render_text(text: str, references: Sequence[Target] = (), image: Target | None = None) -> str:
    """A segment's text as inline HTML; raw HTML in a translation is escaped, never rendered.

    >>> render_text("Take **one** <script>x</script>")
    'Take <strong>one</strong> &lt;script&gt;x&lt;/script&gt;'
    >>> render_text("a diagram", image=Target("d.png"))
    '<img src="d.png" alt="a diagram" />'
    """
    md = markdown()
    return str(md.renderer.render(parse_text(text, references, image), md.options, {}))


_SPACES = re.compile(r"\s+")


def _shown(tokens: Sequence[Token], env: Env) -> str:
    """What a reader sees of inline tokens: their HTML, white space runs counted as one."""
    md = markdown()
    return _SPACES.sub(" ", md.renderer.render(tokens, md.options, dict(env))).strip()


def _alt(tokens: Sequence[Token], env: Env) -> str:
    """An image's alt text as the renderer writes it."""
    md = markdown()
    assert isinstance(md.renderer, RendererHTML)
    return _SPACES.sub(" ", md.renderer.renderInlineAsText(tokens, md.options, dict(env))).strip()


def _edits(content: str, children: Sequence[Token]) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) in `content`: comments out, short reference forms written in full.
    Tokens inside an image's alt text count in the alt text, not here."""
    for token in children:
        span = token.meta.get("span")
        if span is None:
            continue
        start, end = span
        if token.type == HTML_COMMENT:
            if start == 0 or content[start - 1] in " \t\n":
                while end < len(content) and content[end] in " \t":
                    end += 1  # no run of spaces where the comment was
            yield start, end, ""
        elif token.meta.get("form") in (LinkForm.SHORTCUT, LinkForm.COLLAPSED):
            text = content[slice(*token.meta["text"])]
            bang = "!" if token.type == "image" else ""
            yield start, end, f"{bang}[{text}][{text}]"


def _rewritten(content: str, children: Sequence[Token]) -> str:
    out, at = [], 0
    for start, end, replacement in sorted(_edits(content, children)):
        if start < at:
            continue  # inside an edit already made (a comment in a link's text)
        out += [content[at:start], replacement]
        at = end
    return "".join([*out, content[at:]]).strip()


def _used(tokens: Sequence[Token], env: Env) -> Iterator[Target]:
    """The reference definitions that links and images among `tokens` were resolved with."""
    for token in tokens:
        label = token.meta.get("label")
        if label:
            ref = env["references"][label]
            yield Target(ref["href"], ref.get("title") or "", label)
        if token.children:
            yield from _used(token.children, env)


@dataclass(frozen=True)
class Message:
    """A block's msgid, and what it leaves out: the definitions its reference links use, and the
    source of an image that stands alone (then `text` is its alt text)."""

    text: str
    references: tuple[Target, ...] = ()
    image: Target | None = None


def message(content: str, children: Sequence[Token], env: Env) -> Message:
    """The msgid of a block whose inline source is `content` (parsed as `children` with the page's
    `env`). Each simplification is kept only if the text still reads as the English does, so the
    msgid never changes what a patient sees: the source as written is the last resort."""
    env = {"references": {}, **env}
    text, tokens, want = content, list(children), ""
    for candidate in _candidates(content, children):
        if candidate == content:
            break
        parsed = _tokens(candidate, env)
        want = want or _shown(children, env)
        if _shown(parsed, env) == want:
            text, tokens = candidate, parsed
            break
    image = None
    if len(tokens) == 1 and tokens[0].type == "image":
        alt = join_lines(text[slice(*tokens[0].meta["text"])]).strip()
        alt_tokens = _tokens(alt, env)
        if _alt(alt_tokens, env) == _alt(tokens[0].children or [], env):
            src, title = tokens[0].attrGet("src"), tokens[0].attrGet("title")
            image, text, tokens = Target(str(src or ""), str(title or "")), alt, alt_tokens
    return Message(text, tuple(dict.fromkeys(_used(tokens, env))), image)


def _candidates(content: str, children: Sequence[Token]) -> Iterator[str]:
    """The msgids to try, best first: comments out and references in full, lines joined; then the
    lines joined alone."""
    yield join_lines(_rewritten(content, children))
    yield join_lines(content)
