"""One-defect mutations of real catalogs, to judge the parser and checker against GNU msgfmt.

`mutations(data)` takes a real file's bytes and yields (name, mutated bytes) pairs, each differing
from the original by one thing: a syntax error, a format string that no longer fits, a plural
form too many, a byte that does not decode, or a change that is valid and must stay so. Names read
`category/what`. Nothing here decides what is right: tests ask msgfmt about every mutation.
The targets are picked by fixed rules (the middle message, the first translated one…), so the same
file always gives the same mutations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from service.po.model import Entry, PoFile
from service.po.parse import parse

__all__ = ["CATEGORIES", "category", "mutations"]

CATEGORIES = (
    "syntax",
    "duplicate",
    "format",
    "newline",
    "plural",
    "header",
    "characters",
    "encoding",
    "structure",
)

_DIRECTIVES = {
    "python-format": re.compile(r"%(?:\([^)]*\))?[-+ #0]*[0-9]*(?:\.[0-9]+)?[sdirfxXoeEgGc]"),
    "python-brace-format": re.compile(r"\{[A-Za-z_0-9]*\}"),
    "c-format": re.compile(r"%[-+ #0]*[0-9]*(?:\.[0-9]+)?(?:l|ll|h|z)?[sdiuxXfgcp]"),
}


def category(name: str) -> str:
    return name.split("/", 1)[0]


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
    )


@dataclass
class _File:
    """The file as lines of text, with edits that keep the rest byte for byte."""

    lines: list[str]
    charset: str

    def block_end(self, start: int) -> int:
        """The index after the string lines that continue the keyword line at `start`."""
        end = start + 1
        while end < len(self.lines) and self.lines[end].lstrip().startswith('"'):
            end += 1
        return end

    def keyword_lines(self, entry: Entry, keyword: str) -> list[int]:
        """Indexes of the entry's lines starting with `keyword` (msgstr, msgstr[1], …)."""
        start, stop = entry.line - 1, len(self.lines)
        found = []
        for i in range(start, stop):
            line = self.lines[i]
            if i > start and (not line.strip() or line.startswith(("msgid ", "#", "msgctxt"))):
                break
            if line.startswith(keyword):
                found.append(i)
        return found

    def replaced(self, start: int, end: int, new: list[str]) -> bytes:
        return self.encode([*self.lines[:start], *new, *self.lines[end:]])

    def encode(self, lines: list[str]) -> bytes:
        return "\n".join(lines).encode(self.charset, "surrogateescape")


def _entry_text(f: _File, entry: Entry) -> list[str]:
    """The entry's keyword and string lines (no comments)."""
    start = entry.line - 1
    if entry.msgctxt is not None and start > 0 and f.lines[start - 1].startswith("msgctxt"):
        start -= 1
    end = f.block_end(max(f.keyword_lines(entry, "msgstr")))
    return f.lines[start:end]


def mutations(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Every one-defect mutation this file allows, in a fixed order."""
    po = parse(data)
    charset = "utf-8" if po.charset.upper() == "UTF-8" else po.charset
    f = _File(data.decode(charset, "surrogateescape").split("\n"), charset)
    messages = [e for e in po.messages() if len(f.keyword_lines(e, "msgstr")) >= 1]
    if not messages:
        return
    middle = messages[len(messages) // 2]
    translated = [e for e in messages if e.translated and not e.plural]
    yield from _syntax(f, middle)
    yield from _duplicates(f, middle)
    if translated:
        plain = next((e for e in translated if "\n" not in e.msgid + e.msgstr[0]), translated[0])
        yield from _newlines(f, plain)
        yield from _characters(f, plain, po.charset)
        yield from _structure(f, plain)
    yield from _formats(f, translated)
    yield from _plurals(f, po)
    yield from _header(f, po)
    yield from _encoding(f, data, middle, po.charset)


def _syntax(f: _File, e: Entry) -> Iterator[tuple[str, bytes]]:
    msgstr = f.keyword_lines(e, "msgstr")[0]
    line = f.lines[msgstr]
    yield "syntax/unterminated-string", f.replaced(msgstr, msgstr + 1, [line.rstrip()[:-1]])
    yield "syntax/bad-escape", f.replaced(msgstr, msgstr + 1, [line.replace('"', '"\\q', 1)])
    yield "syntax/unknown-keyword", f.replaced(msgstr, msgstr + 1, ["msgstrr" + line[6:]])
    yield "syntax/stray-text", f.replaced(e.line - 1, e.line - 1, ["<<<<<<< HEAD"])
    yield "syntax/text-after-string", f.replaced(msgstr, msgstr + 1, [line + " }"])
    end = f.block_end(msgstr)
    yield "syntax/missing-msgstr", f.replaced(msgstr, end, [])
    yield "syntax/obsolete-marker-in-live-entry", f.replaced(msgstr, msgstr + 1, ["#~ " + line])
    yield (
        "syntax/octal-escape-valid",
        f.replaced(msgstr, msgstr + 1, [line.replace('"', '"\\101', 1)]),
    )
    yield (
        "syntax/hex-escape-valid",
        f.replaced(msgstr, msgstr + 1, [line.replace('"', '"\\x41', 1)]),
    )
    # A backslash before a newline joins two lines anywhere, in gettext's lexer.
    spliced = line.replace('"', '"\\\n', 1)
    yield "syntax/backslash-newline-valid", f.replaced(msgstr, msgstr + 1, [spliced])


def _duplicates(f: _File, e: Entry) -> Iterator[tuple[str, bytes]]:
    text = _entry_text(f, e)
    tail = [*f.lines]
    while tail and not tail[-1]:
        tail.pop()
    yield "duplicate/entry", f.encode([*tail, "", *text, ""])
    yield "duplicate/obsolete", f.encode([*tail, "", *("#~ " + t for t in text), ""])
    body = [t for t in text if not t.startswith("msgctxt")]
    yield (
        "duplicate/with-other-msgctxt-valid",
        f.encode([*tail, "", 'msgctxt "mutation"', *body, ""]),
    )


def _set_msgstr(f: _File, e: Entry, value: str) -> bytes:
    start = f.keyword_lines(e, "msgstr")[0]
    return f.replaced(start, f.block_end(start), [f'msgstr "{_escape(value)}"'])


def _newlines(f: _File, e: Entry) -> Iterator[tuple[str, bytes]]:
    value = e.msgstr[0]
    yield "newline/msgstr-ends-with-newline", _set_msgstr(f, e, value + "\n")
    yield "newline/msgstr-starts-with-newline", _set_msgstr(f, e, "\n" + value)
    yield "newline/both-end-with-newline-valid", _set_msgid_and_msgstr(f, e, "\n")


def _set_msgid_and_msgstr(f: _File, e: Entry, suffix: str) -> bytes:
    msgid_end = f.block_end(e.line - 1)
    msgstr = f.keyword_lines(e, "msgstr")[0]
    new_id = [f'msgid "{_escape(e.msgid + suffix)}"']
    new_str = [f'msgstr "{_escape(e.msgstr[0] + suffix)}"']
    return f.encode(
        [
            *f.lines[: e.line - 1],
            *new_id,
            *f.lines[msgid_end:msgstr],
            *new_str,
            *f.lines[f.block_end(msgstr) :],
        ]
    )


def _characters(f: _File, e: Entry, charset: str) -> Iterator[tuple[str, bytes]]:
    value = e.msgstr[0]
    half = len(value) // 2
    chars = {
        "control-01": "\x01",
        "delete-7f": "\x7f",
        "raw-tab": "\t",
        "line-separator-u2028": "\u2028",
        "next-line-u0085": "\u0085",
        "file-separator-1c": "\x1c",
    }
    for name, char in chars.items():
        if char >= "\x80" and charset.upper() != "UTF-8":
            continue
        start = f.keyword_lines(e, "msgstr")[0]
        raw = value[:half].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        rest = value[half:].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        new = f'msgstr "{raw}{char}{rest}"'
        yield f"characters/{name}", f.replaced(start, f.block_end(start), [new])
    yield "characters/context-separator-raw", _set_msgstr_raw(f, e, "\x04")
    yield "characters/context-separator-escaped", _set_msgstr_raw(f, e, "\\004")
    yield "characters/nul-escape-truncates-valid", _set_msgstr_raw(f, e, "\\0")


def _set_msgstr_raw(f: _File, e: Entry, inserted: str) -> bytes:
    start = f.keyword_lines(e, "msgstr")[0]
    line = f.lines[start]
    return f.replaced(start, start + 1, [line.replace('"', '"' + inserted, 1)])


def _structure(f: _File, e: Entry) -> Iterator[tuple[str, bytes]]:
    """Valid shapes the fast path must read as the general parser does."""
    start = e.line - 1
    end = f.block_end(max(f.keyword_lines(e, "msgstr")))
    yield (
        "structure/obsolete-entry-valid",
        f.replaced(start, end, ["#~ " + t for t in f.lines[start:end]]),
    )
    previous = ['#| msgctxt "old"', '#| msgid "old text"', '#| "continued"']
    yield "structure/previous-msgid-valid", f.replaced(start, start, previous)
    yield "structure/fuzzy-line-valid", f.replaced(start, start, ["#, fuzzy"])
    yield "structure/flags-before-comment-valid", f.replaced(start, start, ["#, no-wrap", "# note"])
    yield (
        "structure/tokens-on-one-line-valid",
        f.replaced(start, end, [f'msgid "{_escape(e.msgid)}" msgstr "{_escape(e.msgstr[0])}"']),
    )
    yield "structure/solaris-reference-valid", f.replaced(start, start, ["# File: a.c, line: 3"])


def _formats(f: _File, translated: list[Entry]) -> Iterator[tuple[str, bytes]]:
    edits: dict[str, list[tuple[str, Callable[[str, re.Match[str]], str]]]] = {
        "python-format": [
            ("drop-directive", lambda s, m: s[: m.start()] + s[m.end() :]),
            ("add-directive", lambda s, m: s + " %d"),
            ("swap-type", lambda s, m: s[: m.start()] + "%d" + s[m.end() :]),
            ("rename-named-argument", lambda s, m: s.replace("%(", "%(renamed_", 1)),
            ("mapping-for-tuple", lambda s, m: s[: m.start()] + "%(x)s" + s[m.end() :]),
        ],
        "python-brace-format": [
            ("drop-argument", lambda s, m: s[: m.start()] + s[m.end() :]),
            ("rename-argument", lambda s, m: s[: m.start()] + "{renamed}" + s[m.end() :]),
            ("add-argument", lambda s, m: s + " {extra}"),
            ("unbalanced-brace", lambda s, m: s[: m.start()] + "{" + s[m.start() :]),
        ],
        "c-format": [
            ("drop-directive", lambda s, m: s[: m.start()] + s[m.end() :]),
            ("add-directive", lambda s, m: s + " %d"),
            ("swap-type", lambda s, m: s[: m.start()] + "%p" + s[m.end() :]),
        ],
    }
    for flag, kinds in edits.items():
        pattern = _DIRECTIVES[flag]
        found = [e for e in translated if flag in e.flags and pattern.search(e.msgstr[0])]
        named = [e for e in found if "%(" in e.msgstr[0]]
        for kind, edit in kinds:
            pool = named if kind == "rename-named-argument" else found
            if not pool:
                continue
            e = pool[0]
            m = pattern.search(e.msgstr[0])
            assert m is not None
            yield f"format/{flag}/{kind}", _set_msgstr(f, e, edit(e.msgstr[0], m))
        if found:
            yield (
                f"format/{flag}/not-checked-when-fuzzy-valid",
                f.replaced(found[0].line - 1, found[0].line - 1, ["#, fuzzy"]),
            )


def _plurals(f: _File, po: PoFile) -> Iterator[tuple[str, bytes]]:
    plural = next((e for e in po.messages() if e.plural), None)
    if plural is None:
        return
    forms = f.keyword_lines(plural, "msgstr[")
    plural_line = f.keyword_lines(plural, "msgid_plural")[0]
    yield "plural/missing-msgstr-forms", f.replaced(forms[0], f.block_end(forms[-1]), [])
    yield "plural/missing-msgid-plural", f.replaced(plural_line, f.block_end(plural_line), [])
    yield (
        "plural/plain-msgstr-on-plural-entry",
        f.replaced(forms[0], f.block_end(forms[-1]), ['msgstr "x"']),
    )
    if len(forms) > 1:
        second = f.lines[forms[1]].replace("msgstr[1]", "msgstr[2]", 1)
        yield "plural/wrong-index", f.replaced(forms[1], forms[1] + 1, [second])
    first = f.lines[forms[0]].replace("msgstr[0]", "msgstr[1]", 1)
    yield "plural/first-index-nonzero", f.replaced(forms[0], forms[0] + 1, [first])
    translated = next((e for e in po.messages() if e.plural and e.translated and not e.fuzzy), None)
    if translated is None:
        return
    forms = f.keyword_lines(translated, "msgstr[")
    if len(forms) > 1:
        yield "plural/too-few-forms", f.replaced(forms[-1], f.block_end(forms[-1]), [])
    extra = f'msgstr[{len(forms)}] "x"'
    end = f.block_end(forms[-1])
    yield "plural/too-many-forms", f.replaced(end, end, [extra])
    msgid_plural = translated.msgid_plural or ""
    yield (
        "plural/newline-in-one-form",
        f.replaced(
            forms[-1],
            f.block_end(forms[-1]),
            [f'msgstr[{len(forms) - 1}] "{_escape(msgid_plural)}\\n"'],
        ),
    )


def _header(f: _File, po: PoFile) -> Iterator[tuple[str, bytes]]:
    header = po.header
    if header is None:
        return

    def field_line(name: str) -> int | None:
        prefix = f'"{name}:'
        return next((i for i, t in enumerate(f.lines) if t.startswith(prefix)), None)

    date = field_line("PO-Revision-Date")
    if date is not None:
        for zone in ("+EDT", "-0400", "+0530"):
            value = f'"PO-Revision-Date: 2024-04-02 08:44{zone}\\n"'
            yield (
                f"header/revision-date-{zone[1:].lower()}-valid",
                f.replaced(date, date + 1, [value]),
            )
        yield "header/revision-date-missing-valid", f.replaced(date, date + 1, [])
    forms = field_line("Plural-Forms")
    if forms is None:
        return
    nplurals = int(re.search(r"nplurals=\s*([0-9]+)", f.lines[forms]).group(1))  # type: ignore[union-attr]
    variants = {
        "unbalanced": f"nplurals={nplurals}; plural=(n != 1;",
        "bad-nplurals": "nplurals=x; plural=(n != 1);",
        "value-too-large": f"nplurals={nplurals}; plural=n;",
        "division-by-zero": f"nplurals={nplurals}; plural=n/0;",
        "negative": f"nplurals={nplurals}; plural=n-2;",
        "more-forms": f"nplurals={nplurals + 1}; plural=n%{nplurals + 1};",
        "single-equals": f"nplurals={nplurals}; plural=n=1;",
    }
    for name, value in variants.items():
        yield (
            f"plural/plural-forms-{name}",
            f.replaced(forms, forms + 1, [f'"Plural-Forms: {value}\\n"']),
        )
    yield "plural/plural-forms-missing", f.replaced(forms, forms + 1, [])


def _encoding(f: _File, data: bytes, e: Entry, charset: str) -> Iterator[tuple[str, bytes]]:
    yield "encoding/byte-order-mark", b"\xef\xbb\xbf" + data
    yield "encoding/crlf-line-ends", data.replace(b"\n", b"\r\n")
    if charset.upper() == "UTF-8":
        msgstr = f.keyword_lines(e, "msgstr")[0]
        bad = f.lines[msgstr].replace('"', '"\udcff', 1)
        yield "encoding/invalid-utf8-in-string", f.replaced(msgstr, msgstr + 1, [bad])
        yield (
            "encoding/invalid-utf8-in-comment-valid",
            f.replaced(e.line - 1, e.line - 1, ["# comment \udcff"]),
        )
        yield (
            "encoding/latin1-charset-declared",
            data.replace(b"charset=UTF-8", b"charset=ISO-8859-1", 1),
        )
