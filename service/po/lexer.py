"""The general reader's lexer: gettext 0.21's po-lex.c, text in, tokens out.

`service.po.grammar` reads these tokens; the fast path (`service.po.fastparse`) never does. Escapes,
backslash-newline splicing, `#~` and `#|`, and the line and column of each error are gettext's.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from .errors import PoError

__all__ = [
    "BACKSLASH_SECOND",
    "COMMENT",
    "DOMAIN",
    "EOF",
    "ERROR",
    "JUNK",
    "LBRACKET",
    "MSGCTXT",
    "MSGID",
    "MSGID_PLURAL",
    "MSGSTR",
    "NAME",
    "NEVER",
    "NUMBER",
    "PREV_MSGCTXT",
    "PREV_MSGID",
    "PREV_MSGID_PLURAL",
    "PREV_STRING",
    "RBRACKET",
    "SIMPLE_ESCAPES",
    "STRING",
    "Lexer",
    "Token",
]

# Token kinds. Ints, not an enum: the lexer makes one per keyword and string of every file.
COMMENT, DOMAIN, MSGID, MSGID_PLURAL, MSGSTR, MSGCTXT = range(6)
PREV_MSGID, PREV_MSGID_PLURAL, PREV_MSGCTXT, STRING, PREV_STRING = range(6, 11)
NUMBER, LBRACKET, RBRACKET, JUNK, NAME, ERROR, EOF = range(11, 18)

_KEYWORDS = {
    "domain": DOMAIN,
    "msgid": MSGID,
    "msgid_plural": MSGID_PLURAL,
    "msgstr": MSGSTR,
    "msgctxt": MSGCTXT,
}
_PREV_KEYWORDS = {
    "msgid": PREV_MSGID,
    "msgid_plural": PREV_MSGID_PLURAL,
    "msgctxt": PREV_MSGCTXT,
}

# Characters a string may hold on the lexer's per-line fast path: no escape, no quote, nothing
# gettext treats specially (NUL truncates, \x04 is the context separator, a surrogate is an
# undecodable byte).
_PLAIN = r'[^"\\\x00\x04\ud800-\udfff]*'
_WS = "[ \\t\\r\\f\\v]*"
_FAST_STRING = re.compile(rf'"({_PLAIN})"{_WS}\Z')
_FAST_KEYWORD = re.compile(rf'(msgid|msgstr|msgctxt|msgid_plural)[ \t]*"({_PLAIN})"{_WS}\Z')
_SPACE = re.compile(_WS)
_NAME_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_DIGITS = re.compile(r"[0-9]+")
_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*', re.S)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:([ntbrfva\\\"])|([0-7]{1,3})|x([0-9A-Fa-f]+)|(.|\Z))", re.S)
SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "b": "\b",
    "r": "\r",
    "f": "\f",
    "v": "\v",
    "a": "\a",
    "\\": "\\",
    '"': '"',
}

# The codecs of gettext's charsets in which the second byte of a character may be 0x5C, the byte
# of a backslash (Big5's 功 is A5 5C): before the header names the charset, gettext reads such a
# byte as a backslash, and before a newline it joins two lines (lex_getc).
BACKSLASH_SECOND = frozenset(
    ["big5", "big5hkscs", "cp932", "cp950", "gbk", "gb18030", "shift_jis", "johab"]
)

# A (logical line, column) that is never reached: no byte is reported as undecodable.
NEVER = (1 << 62, 0)

_Lines = list[tuple[str, int, list[int] | None]]
Token = tuple[int, object, int, bool]  # (kind, value, line, obsolete)


def _split(text: str) -> _Lines:
    """Logical lines as (text, first physical line, splice columns): a backslash before a newline
    joins two lines anywhere in the file, as gettext's lex_getc does (only `\\n` ends a line)."""
    if "\\\n" not in text:
        return [(line, n, None) for n, line in enumerate(text.split("\n"), 1)]
    out: _Lines = []
    physical = text.split("\n")
    n, count = 0, len(physical)
    while n < count:
        line, start, splices = physical[n], n + 1, None
        n += 1
        while line.endswith("\\") and n < count:
            line = line[:-1]
            splices = splices or []
            splices.append(len(line))
            line += physical[n]
            n += 1
        out.append((line, start, splices))
    return out


class Lexer:
    """gettext's tokens of `text`, one logical line at a time.

    Lexer errors become ERROR tokens placed before the token they spoil, and raise only when the
    grammar reads that far: bison reads one token ahead before it reduces a message, so a bad
    token after an entry is reported before the entry's own errors, as msgfmt does.
    """

    def __init__(
        self, text: str, path: str, decode_from: tuple[int, int] = NEVER, codec: str = ""
    ) -> None:
        self.lines = _split(text)
        self.path = path
        self.codec = codec or "latin-1"
        # (logical line, column) from which gettext decodes the charset and so reports
        # undecodable bytes: just after the token it read ahead of the header's end.
        self.decode_from = decode_from
        self.next_line = 0
        self.buffer: list[Token] = []
        self.cols: list[int] | None = None  # end column of each buffered token, on the first pass
        self.index = 0

    def fail(self, message: str, line: int) -> PoError:
        return PoError(message, self.path, line)

    def token(self) -> Token:
        """The next token, lexing further lines as needed; a lexer error raises here."""
        while self.index >= len(self.buffer):
            self.buffer.clear()
            if self.cols is not None:
                self.cols.clear()
            self.index = 0
            if self.next_line >= len(self.lines):
                last = self.lines[-1]
                self.buffer.append((EOF, None, last[1] + len(last[2] or ()), False))
                break
            line, base, splices = self.lines[self.next_line]
            if splices is None and self.cols is None:
                self._lex(line, base)
            else:
                self._lex_general(line, base, splices)
            self.next_line += 1
        tok = self.buffer[self.index]
        self.index += 1
        if tok[0] == ERROR:
            raise self.fail(str(tok[1]), tok[2])
        return tok

    def _signal_from(self) -> int:
        """The column of the current line from which undecodable bytes are errors."""
        line, col = self.decode_from
        return 0 if self.next_line > line else col if self.next_line == line else 1 << 62

    def _lex(self, s: str, base: int) -> None:
        """Fast paths for the three shapes nearly every line has, else the general lexer."""
        out = self.buffer
        first = s[:1]
        if first == '"':
            m = _FAST_STRING.match(s)
            if m:
                out.append((STRING, m.group(1), base, False))
                return
        elif first == "m":
            m = _FAST_KEYWORD.match(s)
            if m:
                out.append((_KEYWORDS[m.group(1)], None, base, False))
                out.append((STRING, m.group(2), base, False))
                return
        elif first == "#" and s[1:2] not in ("~", "|"):
            self._comment(s, 0, base, False, self._signal_from() == 0)
            return
        self._lex_general(s, base, None)

    def _lex_general(self, s: str, base: int, splices: list[int] | None) -> None:
        def at(col: int) -> int:
            return base + bisect_right(splices, col) if splices else base

        out, cols = self.buffer, self.cols
        signal_from = self._signal_from()
        obsolete = previous = False
        i, n = 0, len(s)
        while True:
            i = _SPACE.match(s, i).end()  # type: ignore[union-attr]
            if i >= n:
                return
            c = s[i]
            if c == "#":
                if s[i + 1 : i + 2] == "~":
                    obsolete = True
                    i += 2
                    if s[i : i + 1] == "|":
                        previous = True
                        i += 1
                    continue
                if s[i + 1 : i + 2] == "|":
                    previous = True
                    i += 2
                    continue
                self._comment(s, i, at(n), obsolete, i >= signal_from)
                i = n
            elif c == '"':
                i = self._string(s, i, at, i >= signal_from, obsolete, previous)
            elif m := _NAME_RE.match(s, i):
                word, i = m.group(), m.end()
                kind = (_PREV_KEYWORDS if previous else _KEYWORDS).get(word, NAME)
                if kind == NAME:
                    out.append((ERROR, f'keyword "{word}" unknown', at(i), False))
                    if cols is not None:
                        cols.append(i)
                out.append((kind, word, at(i), obsolete))
            elif m := _DIGITS.match(s, i):
                i = m.end()
                out.append((NUMBER, int(m.group()), at(i), obsolete))
            elif c == "[" or c == "]":
                i += 1
                out.append((LBRACKET if c == "[" else RBRACKET, None, at(i), obsolete))
            else:
                if "\ud800" <= c <= "\udfff" and i >= signal_from:
                    out.append((ERROR, "invalid multibyte sequence", at(i), False))
                    if cols is not None:
                        cols.append(i)
                i += 1
                out.append((JUNK, c, at(i), obsolete))
            if cols is not None:
                while len(cols) < len(out):
                    cols.append(i)

    def _comment(self, s: str, i: int, line: int, obsolete: bool, signal: bool) -> None:
        text = s[i + 1 :]
        if text and "\ud800" <= text[0] <= "\udfff" and signal:
            # gettext stops reporting undecodable bytes only after the character after '#'.
            self.buffer.append((ERROR, "invalid multibyte sequence", line, False))
        # Before the header's charset gettext reads bytes and msgcat writes them back as read;
        # in a charset whose second bytes include "\\", the first byte of a character split by
        # a line join is kept so (parse.py), the rest shown as U+FFFD.
        if _SURROGATE.search(text) and (signal or self.codec not in BACKSLASH_SECOND):
            text = _SURROGATE.sub("\ufffd", text)
        # A comment token ends after its newline: gettext places an error there on the next line.
        last = self.next_line + 1 >= len(self.lines)
        self.buffer.append((COMMENT, text, line if last else line + 1, obsolete))

    def _string(
        self, s: str, i: int, at: Callable[[int], int], signal: bool, obs: bool, prev: bool
    ) -> int:
        """Lex the string starting at s[i] == '"'; returns the index after it."""
        out = self.buffer
        body_end = _STRING_BODY.match(s, i + 1).end()  # type: ignore[union-attr]
        body = s[i + 1 : body_end]
        closed = body_end < len(s)  # then s[body_end] == '"'
        errors: list[tuple[int, str]] = []  # (column, message): the earliest is gettext's first
        if signal and (m := _SURROGATE.search(body)):
            errors.append((i + 1 + m.start(), "invalid multibyte sequence"))
        value = body
        if "\\" in body:
            value, bad = self._unescape(body)
            if bad is not None:
                col, seq = bad
                # gettext reports it at the character after the backslash.
                errors.append((i + 2 + col, f"invalid control sequence '{seq}' in a string"))
        if errors:
            col, message = min(errors)
            out.append((ERROR, message, at(col), False))
            return len(s)
        if not closed:
            if self.next_line + 1 >= len(self.lines):
                out.append((ERROR, "end of file within a string", at(len(s)), False))
            else:
                out.append((ERROR, "end of line within a string", at(len(s)) + 1, False))
            return len(s)
        if "\x00" in value:  # gettext's strings end at a NUL, whatever follows
            value = value[: value.index("\x00")]
        if "\x04" in value:
            out.append((ERROR, "context separator <EOT> within a string", at(body_end), False))
        if _SURROGATE.search(value):
            value = _SURROGATE.sub("\ufffd", value)
        out.append((PREV_STRING if prev else STRING, value, at(body_end), obs))
        return body_end + 1

    def _unescape(self, body: str) -> tuple[str, tuple[int, str] | None]:
        """The string's value and the first invalid escape (column in body, text), if any."""
        parts: list[str | bytes] = []
        pos = 0
        high = False
        for m in _ESCAPE.finditer(body):
            parts.append(body[pos : m.start()])
            pos = m.end()
            simple, octal, hexa, other = m.groups()
            if simple is not None:
                parts.append(SIMPLE_ESCAPES[simple])
                continue
            if other is not None:
                return "", (m.start(), "\\" + other)
            code = int(octal, 8) if octal is not None else int(hexa, 16)
            code &= 0xFF  # gettext stores the value in one byte
            if code < 0x80:
                parts.append(chr(code))
            else:
                parts.append(bytes((code,)))
                high = True
        parts.append(body[pos:])
        if not high:
            return "".join(p for p in parts if isinstance(p, str)), None
        # Escapes above 0x7F are bytes of the file's charset: join them with the text around
        # them and decode the lot (a byte that decodes to nothing becomes U+FFFD).
        raw = b"".join(
            p if isinstance(p, bytes) else p.encode(self.codec, "surrogateescape") for p in parts
        )
        return raw.decode(self.codec, "replace"), None
