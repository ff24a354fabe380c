"""Read a PO or POT file into the one model, as strictly as GNU msgfmt reads it.

This is the first stage of the catalog layer: bytes in, `PoFile` out, or a `CatalogError` naming the
file and the line msgfmt would name for the first error. The lexer follows gettext 0.21's po-lex.c
(escapes, backslash-newline splicing, `#~` and `#|`), the parser its po-gram-gen.y (including its
error precedence), and the comment readers its read-catalog-abstract.c.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path

from ..errors import CatalogError
from .model import Entry, Key, PoFile, Reference

__all__ = ["canonical_charset", "parse", "read"]

# Token kinds. Ints, not an enum: the lexer makes one per keyword and string of every file.
_COMMENT, _DOMAIN, _MSGID, _MSGID_PLURAL, _MSGSTR, _MSGCTXT = range(6)
_PREV_MSGID, _PREV_MSGID_PLURAL, _PREV_MSGCTXT, _STRING, _PREV_STRING = range(6, 11)
_NUMBER, _LBRACKET, _RBRACKET, _JUNK, _NAME, _ERROR, _EOF = range(11, 18)

_KEYWORDS = {
    "domain": _DOMAIN,
    "msgid": _MSGID,
    "msgid_plural": _MSGID_PLURAL,
    "msgstr": _MSGSTR,
    "msgctxt": _MSGCTXT,
}
_PREV_KEYWORDS = {
    "msgid": _PREV_MSGID,
    "msgid_plural": _PREV_MSGID_PLURAL,
    "msgctxt": _PREV_MSGCTXT,
}
_TOKEN_NAMES = {
    _COMMENT: "a comment",
    _DOMAIN: "'domain'",
    _MSGID: "'msgid'",
    _MSGID_PLURAL: "'msgid_plural'",
    _MSGSTR: "'msgstr'",
    _MSGCTXT: "'msgctxt'",
    _PREV_MSGID: "'#| msgid'",
    _PREV_MSGID_PLURAL: "'#| msgid_plural'",
    _PREV_MSGCTXT: "'#| msgctxt'",
    _STRING: "a string",
    _PREV_STRING: "a '#|' string",
    _NUMBER: "a number",
    _LBRACKET: "'['",
    _RBRACKET: "']'",
    _JUNK: "stray text",
    _NAME: "an unknown keyword",
    _EOF: "the end of the file",
}

# Characters a string may hold on the fast path: no escape, no quote, nothing gettext treats
# specially (NUL truncates, \x04 is the context separator, a surrogate is an undecodable byte).
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
_SIMPLE_ESCAPES = {
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
_FLAG_SEPARATORS = re.compile(r"[\n \t\r\f\v,]+")
_FILEPOS_SPLIT = re.compile(r"[ \t\n]+")
_FILEPOS_GLUED = re.compile(r"(.+):([0-9]+)\Z", re.S)
_SOLARIS = re.compile(
    r" [Ff]ile:[ \t]*(.*?)[ \t]*,[ \t]*line[ \t]*(?:number[ \t]*)?:([0-9]+)[ \t\n]*\Z", re.S
)

# gettext's portable charset names (po-charset.c) and the Python codec for each; the three
# without a Python codec are read byte by byte, as gettext does without iconv.
_CHARSETS = {
    name.upper(): (canonical, codec)
    for canonical, codec, aliases in [
        ("ASCII", "ascii", ("ANSI_X3.4-1968", "US-ASCII")),
        *[(f"ISO-8859-{n}", f"iso8859-{n}", (f"ISO_8859-{n}",)) for n in (1, 2, 3, 4, 5, 6, 7)],
        *[(f"ISO-8859-{n}", f"iso8859-{n}", (f"ISO_8859-{n}",)) for n in (8, 9, 13, 14, 15)],
        ("KOI8-R", "koi8-r", ()),
        ("KOI8-U", "koi8-u", ()),
        ("KOI8-T", "koi8-t", ()),
        *[(f"CP{n}", f"cp{n}", ()) for n in (850, 866, 874, 932, 949, 950)],
        *[(f"CP{n}", f"cp{n}", ()) for n in range(1250, 1258)],
        ("GB2312", "gb2312", ()),
        ("EUC-JP", "euc-jp", ()),
        ("EUC-KR", "euc-kr", ()),
        ("EUC-TW", "", ()),
        ("BIG5", "big5", ()),
        ("BIG5-HKSCS", "big5hkscs", ()),
        ("GBK", "gbk", ()),
        ("GB18030", "gb18030", ()),
        ("SHIFT_JIS", "shift_jis", ()),
        ("JOHAB", "johab", ()),
        ("TIS-620", "tis-620", ()),
        ("VISCII", "", ()),
        ("GEORGIAN-PS", "", ()),
        ("UTF-8", "utf-8", ()),
    ]
    for name in (canonical, *aliases)
}


def canonical_charset(name: str) -> str | None:
    """gettext's name for a charset it knows by a portable name (po_charset_canonicalize).

    >>> canonical_charset("utf-8"), canonical_charset("ISO_8859-1"), canonical_charset("latin1")
    ('UTF-8', 'ISO-8859-1', None)
    """
    found = _CHARSETS.get(name.upper())
    return found[0] if found else None


def read(path: Path, label: str = "") -> PoFile:
    """Parse the file at `path`; errors name `label` (default: the path itself)."""
    return parse(path.read_bytes(), label or str(path))


def parse(data: bytes, path: str = "") -> PoFile:
    """Parse a whole PO/POT file, or raise `CatalogError` at msgfmt's first error.

    >>> po = parse(b'msgid "a"\\nmsgstr "b\\\\tc"\\n')
    >>> po.entries[0].msgstr, po.entries[0].line, po.charset
    (('b\\tc',), 1, 'UTF-8')
    >>> parse(b'msgid "a"\\nmsgstr "b\\\\q"\\n', "x.po")
    Traceback (most recent call last):
    service.errors.CatalogError: x.po:2: invalid control sequence '\\q' in a string
    """
    return _parse_fast(data, path) or _parse_general(data, path)


def _parse_general(data: bytes, path: str) -> PoFile:
    # gettext reads bytes one by one until the header names the charset, then decodes the rest
    # in it. A first pass in that byte mode (Latin-1 is exactly it) stops at the header; the real
    # pass decodes the whole file in the header's charset and reports undecodable bytes only
    # after the header, where gettext starts decoding.
    header = _Parser(_split(data.decode("latin-1")), path).find_header()
    canonical, codec = _charset(header[0].encode("latin-1") if header else b"")
    if codec and header is not None:
        text = data.decode(codec, "surrogateescape")
        charset, decode_from = canonical, header[1]
    else:
        # No charset gettext decodes: byte mode throughout, so no byte is an error; hold the
        # text as UTF-8 when it is (POT files with charset=CHARSET), else byte for byte.
        try:
            text, charset = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            text, charset = data.decode("latin-1"), "ISO-8859-1"
        codec, decode_from = charset, _NEVER
    entries = _Parser(_split(text), path, decode_from, codec).entries()
    return PoFile(entries, path, charset)


def _charset(header: bytes) -> tuple[str, str]:
    """(gettext's name, Python's codec) for the header's charset=, as po_lex_charset_set finds
    it (anywhere in msgstr[0]); ("", "") when there is none gettext can decode."""
    at = header.find(b"charset=")
    if at < 0:
        return "", ""
    declared = re.split(rb"[ \t\n]", header[at + 8 :], maxsplit=1)[0]
    return _CHARSETS.get(declared.decode("latin-1").upper(), ("", ""))


def _parse_fast(data: bytes, path: str) -> PoFile | None:
    """The file read by the fast path, or None when it needs the general parser: the header must
    come first (entries before it would be read byte by byte) and the whole file decode."""
    m = _LIVE.match(data[:65536].decode("latin-1"))  # a header is never longer
    if m is None or m.group("ctxt") is not None or m.group("id") or m.group("idmore"):
        return None
    forms = m.group("forms")
    if forms is None:
        header = _unescape_simple(m.group("str") + "".join(_QUOTED.findall(m.group("strmore"))))
    else:
        header = _value(_FORM.findall(forms)[0][1])
    charset, codec = _charset(header.encode("latin-1"))
    if not codec:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    entries = _fast_entries(text)
    return None if entries is None else PoFile(entries, path, charset)


_NEVER = (1 << 62, 0)


_Lines = list[tuple[str, int, list[int] | None]]


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


_Token = tuple[int, object, int, bool]  # (kind, value, line, obsolete)


class _Parser:
    """gettext's grammar over gettext's tokens, raising at the first error in msgfmt's order.

    Lexer errors become ERROR tokens placed before the token they spoil, and raise when the
    parser reads that far: bison reads one token ahead before it reduces a message, so a bad
    token after an entry is reported before the entry's own errors, as msgfmt does.
    """

    def __init__(
        self, lines: _Lines, path: str, decode_from: tuple[int, int] = _NEVER, codec: str = ""
    ) -> None:
        self.lines = lines
        self.path = path
        self.codec = codec or "latin-1"
        # (logical line, column) from which gettext decodes the charset and so reports
        # undecodable bytes: just after the token it read ahead of the header's end.
        self.decode_from = decode_from
        self.next_line = 0
        self.buffer: list[_Token] = []
        self.cols: list[int] | None = None  # end column of each buffered token, on the first pass
        self.index = 0
        self.stop_at_header = False
        self.plural_counter = 0  # gettext's is global to the parse and reset only by msgid_plural
        self._reset_comments()

    def fail(self, message: str, line: int) -> CatalogError:
        return CatalogError(message, self.path, line)

    # --- lexer (po-lex.c) -------------------------------------------------------------------

    def token(self) -> _Token:
        """The next token, lexing further lines as needed; a lexer error raises here."""
        while self.index >= len(self.buffer):
            self.buffer.clear()
            if self.cols is not None:
                self.cols.clear()
            self.index = 0
            if self.next_line >= len(self.lines):
                last = self.lines[-1]
                self.buffer.append((_EOF, None, last[1] + len(last[2] or ()), False))
                break
            line, base, splices = self.lines[self.next_line]
            if splices is None and self.cols is None:
                self._lex(line, base)
            else:
                self._lex_general(line, base, splices)
            self.next_line += 1
        tok = self.buffer[self.index]
        self.index += 1
        if tok[0] == _ERROR:
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
                out.append((_STRING, m.group(1), base, False))
                return
        elif first == "m":
            m = _FAST_KEYWORD.match(s)
            if m:
                out.append((_KEYWORDS[m.group(1)], None, base, False))
                out.append((_STRING, m.group(2), base, False))
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
                kind = (_PREV_KEYWORDS if previous else _KEYWORDS).get(word, _NAME)
                if kind == _NAME:
                    out.append((_ERROR, f'keyword "{word}" unknown', at(i), False))
                    if cols is not None:
                        cols.append(i)
                out.append((kind, word, at(i), obsolete))
            elif m := _DIGITS.match(s, i):
                i = m.end()
                out.append((_NUMBER, int(m.group()), at(i), obsolete))
            elif c == "[" or c == "]":
                i += 1
                out.append((_LBRACKET if c == "[" else _RBRACKET, None, at(i), obsolete))
            else:
                if "\ud800" <= c <= "\udfff" and i >= signal_from:
                    out.append((_ERROR, "invalid multibyte sequence", at(i), False))
                    if cols is not None:
                        cols.append(i)
                i += 1
                out.append((_JUNK, c, at(i), obsolete))
            if cols is not None:
                while len(cols) < len(out):
                    cols.append(i)

    def _comment(self, s: str, i: int, line: int, obsolete: bool, signal: bool) -> None:
        text = s[i + 1 :]
        if text and "\ud800" <= text[0] <= "\udfff" and signal:
            # gettext stops reporting undecodable bytes only after the character after '#'.
            self.buffer.append((_ERROR, "invalid multibyte sequence", line, False))
        if _SURROGATE.search(text):
            text = _SURROGATE.sub("\ufffd", text)
        # A comment token ends after its newline: gettext places an error there on the next line.
        last = self.next_line + 1 >= len(self.lines)
        self.buffer.append((_COMMENT, text, line if last else line + 1, obsolete))

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
            out.append((_ERROR, message, at(col), False))
            return len(s)
        if not closed:
            if self.next_line + 1 >= len(self.lines):
                out.append((_ERROR, "end of file within a string", at(len(s)), False))
            else:
                out.append((_ERROR, "end of line within a string", at(len(s)) + 1, False))
            return len(s)
        if "\x00" in value:  # gettext's strings end at a NUL, whatever follows
            value = value[: value.index("\x00")]
        if "\x04" in value:
            out.append((_ERROR, "context separator <EOT> within a string", at(body_end), False))
        if _SURROGATE.search(value):
            value = _SURROGATE.sub("\ufffd", value)
        out.append((_PREV_STRING if prev else _STRING, value, at(body_end), obs))
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
                parts.append(_SIMPLE_ESCAPES[simple])
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

    # --- comments (read-catalog.c: they accumulate until the next message) -----------------

    def _reset_comments(self) -> None:
        self.comments: list[str] = []
        self.extracted: list[str] = []
        self.references: list[Reference] = []
        self.flags: tuple[str, ...] = ()

    def _take_comment(self, text: str) -> None:
        first = text[:1]
        if first == ".":
            self.extracted.append(text[2:] if text[1:2] == " " else text[1:])
        elif first == ":":
            for ref in _filepos(text[1:]):
                if ref not in self.references:
                    self.references.append(ref)
        elif first == "," or first == "!":
            # Every '#,' line sets all flags anew: the last one wins (po_parse_comment_special).
            self.flags = _flags(text[1:])
        else:
            m = _SOLARIS.match(text) if first == " " else None
            if m and "," not in m.group(1)[:0]:
                ref = (m.group(1), int(m.group(2)))
                if ref not in self.references:
                    self.references.append(ref)
            else:
                self.comments.append(text[1:] if first == " " else text)

    # --- grammar (po-gram-gen.y) ------------------------------------------------------------

    def find_header(self) -> tuple[str, tuple[int, int]] | None:
        """Parse up to the first header entry: its msgstr[0] and where gettext starts decoding."""
        self.stop_at_header = True
        self.cols = []
        try:
            self.entries()
        except _HeaderFound as found:
            return found.msgstr, found.where
        return None

    def entries(self) -> tuple[Entry, ...]:
        found: list[Entry] = []
        first_seen: dict[Key, int] = {}
        tok = self.token()
        while True:
            kind = tok[0]
            if kind == _COMMENT:
                self._take_comment(str(tok[1]))
                tok = self.token()
            elif kind in (_MSGID, _MSGCTXT, _PREV_MSGID, _PREV_MSGCTXT):
                entry, tok = self._message(tok)
                if entry is None:
                    continue
                key = entry.key
                if key in first_seen:
                    first = first_seen[key]
                    # gettext places the first definition at its msgstr keyword.
                    if found[first].msgstr_line != entry.line:
                        raise self.fail(
                            "duplicate message definition (first defined at line "
                            f"{found[first].msgstr_line})",
                            entry.line,
                        )
                    # On one line, gettext's two-part error prints only its first part and
                    # counts none (error_one_per_line); the first entry takes the second's
                    # flags, as default_add_message copies them.
                    found[first] = replace(found[first], flags=entry.flags)
                    continue
                first_seen[key] = len(found)
                found.append(entry)
            elif kind == _DOMAIN:
                string = self.token()
                if string[0] != _STRING:
                    raise self._syntax(string)
                # msgfmt -c rejects the directive, and the model has one domain per file.
                raise self.fail(f"'domain {string[1]}' directive not supported", string[2])
            elif kind == _EOF:
                return tuple(found)
            else:
                raise self._syntax(tok)

    def _syntax(self, tok: _Token) -> CatalogError:
        name = _TOKEN_NAMES.get(tok[0], "this")
        if tok[0] == _JUNK:
            name = f"stray text {str(tok[1])!r}"
        return self.fail(f"syntax error: unexpected {name}", tok[2])

    def _strings(self, first: _Token, kind: int) -> tuple[str, _Token]:
        """string_list: the concatenated value, and the token after it (read ahead, as bison does)."""
        if first[0] != kind:
            raise self._syntax(first)
        obsolete, parts = first[3], [str(first[1])]
        tok = self.token()
        while tok[0] == kind:
            if tok[3] != obsolete:
                raise self.fail("inconsistent use of #~", tok[2])
            parts.append(str(tok[1]))
            tok = self.token()
        return "".join(parts), tok

    def _same(self, obsolete: bool, tok: _Token) -> None:
        """check_obsolete: every part of a rule is under `#~`, or none is."""
        if tok[3] != obsolete:
            raise self.fail("inconsistent use of #~", tok[2])

    def _message(self, tok: _Token) -> tuple[Entry | None, _Token]:
        prev_ctxt = prev_id = prev_plural = None
        prev_obsolete: bool | None = None
        if tok[0] == _PREV_MSGCTXT or tok[0] == _PREV_MSGID:
            if tok[0] == _PREV_MSGCTXT:
                keyword, first = tok, self.token()
                prev_ctxt, tok = self._strings(first, _PREV_STRING)
                if tok[0] != _PREV_MSGID:
                    raise self._syntax(tok)
                self._same(keyword[3], first)
                self._same(keyword[3], tok)
            prev_obsolete, first = tok[3], self.token()
            prev_id, tok = self._strings(first, _PREV_STRING)
            if tok[0] == _PREV_MSGID_PLURAL:
                keyword, pfirst = tok, self.token()
                prev_plural, tok = self._strings(pfirst, _PREV_STRING)
                self._same(keyword[3], pfirst)
                self._same(prev_obsolete, first)
                self._same(prev_obsolete, keyword)
            else:
                self._same(prev_obsolete, first)
        msgctxt = None
        if tok[0] == _MSGCTXT:
            keyword, first = tok, self.token()
            msgctxt, tok = self._strings(first, _STRING)
            if tok[0] != _MSGID:
                raise self._syntax(tok)
            self._same(keyword[3], first)
            self._same(keyword[3], tok)
        elif tok[0] != _MSGID:
            raise self._syntax(tok)
        obsolete, line = tok[3], tok[2]
        if prev_obsolete is not None:
            self._same(prev_obsolete, tok)
        id_first = self.token()
        msgid, tok = self._strings(id_first, _STRING)
        msgid_plural = None
        if tok[0] == _MSGID_PLURAL:
            plural_kw, pfirst = tok, self.token()
            msgid_plural, tok = self._strings(pfirst, _STRING)
            self._same(plural_kw[3], pfirst)
            self.plural_counter = 0
            if tok[0] != _MSGSTR:
                self._same(obsolete, id_first)
                self._same(obsolete, plural_kw)
                raise self.fail("missing 'msgstr[]' section", line)
            bracket = self.token()
            if bracket[0] != _LBRACKET:
                raise self._syntax(bracket)
            forms_obsolete, forms, msgstr_line, tok = self._plural_forms(tok, bracket)
            self._same(obsolete, id_first)
            self._same(obsolete, plural_kw)
            self._same(obsolete, (0, None, msgstr_line, forms_obsolete))
            msgstr = forms
        elif tok[0] == _MSGSTR:
            msgstr_kw, after = tok, self.token()
            if after[0] == _LBRACKET:
                forms_obsolete, forms, msgstr_line, tok = self._plural_forms(msgstr_kw, after)
                self._same(obsolete, id_first)
                self._same(obsolete, (0, None, msgstr_line, forms_obsolete))
                raise self.fail("missing 'msgid_plural' section", line)
            value, tok = self._strings(after, _STRING)
            self._same(obsolete, id_first)
            self._same(obsolete, msgstr_kw)
            self._same(obsolete, after)
            msgstr, msgstr_line = (value,), msgstr_kw[2]
        else:
            self._same(obsolete, id_first)
            raise self.fail("missing 'msgstr' section", line)
        if msgctxt is None and msgid == "" and not obsolete and self.stop_at_header:
            # gettext switches to the header's charset after the token it has read ahead.
            assert self.cols is not None
            where = self.cols[self.index - 1] if self.index <= len(self.cols) else 0
            raise _HeaderFound(msgstr[0], self.next_line - 1, where)
        entry = Entry(
            msgid=msgid,
            msgstr=msgstr,
            msgctxt=msgctxt,
            msgid_plural=msgid_plural,
            comments=tuple(self.comments),
            extracted=tuple(self.extracted),
            references=tuple(self.references),
            flags=self.flags,
            previous_msgctxt=prev_ctxt,
            previous_msgid=prev_id,
            previous_msgid_plural=prev_plural,
            obsolete=obsolete,
            line=line,
            msgstr_line=msgstr_line,
        )
        self._reset_comments()
        return entry, tok

    def _plural_forms(
        self, tok: _Token, bracket: _Token
    ) -> tuple[bool, tuple[str, ...], int, _Token]:
        """pluralform_list from its first MSGSTR and '[': (obsolete, forms, line, next token)."""
        forms: list[str] = []
        list_obsolete, first_line = tok[3], tok[2]
        while True:
            msgstr_kw = tok
            number, close = self.token(), self.token()
            if number[0] != _NUMBER:
                raise self._syntax(number)
            if close[0] != _RBRACKET:
                raise self._syntax(close)
            first = self.token()
            value, tok = self._strings(first, _STRING)
            for part in (bracket, number, close, first):
                self._same(msgstr_kw[3], part)
            if number[1] != self.plural_counter:
                raise self.fail(
                    "first plural form has nonzero index"
                    if self.plural_counter == 0
                    else f"plural form has wrong index {number[1]} "
                    f"(expected {self.plural_counter})",
                    msgstr_kw[2],
                )
            self.plural_counter += 1
            if forms:
                self._same(list_obsolete, msgstr_kw)
            forms.append(value)
            if tok[0] != _MSGSTR:
                return list_obsolete, tuple(forms), first_line, tok
            bracket = self.token()
            if bracket[0] != _LBRACKET:
                raise self._syntax(bracket)


class _HeaderFound(Exception):
    def __init__(self, msgstr: str, line: int, col: int) -> None:
        super().__init__()
        self.msgstr = msgstr
        self.where = (line, col)


@lru_cache(maxsize=4096)
def _flags(text: str) -> tuple[str, ...]:
    """A `#,` line's flags in the order written; "range:" takes the next word with it."""
    words = [w for w in _FLAG_SEPARATORS.split(text) if w]
    if "range:" not in words:
        return tuple(words)
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "range:" and i + 1 < len(words):
            out.append(f"range: {words[i + 1]}")
            i += 2
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


@lru_cache(maxsize=65536)
def _filepos(text: str) -> tuple[Reference, ...]:
    """The positions of a `#:` line as po_parse_comment_filepos reads them."""
    words = [w for w in _FILEPOS_SPLIT.split(text) if w]
    if not any(w[0] == ":" or w[-1] == ":" for w in words):
        out: list[Reference] = []
        for w in words:
            m = _FILEPOS_GLUED.match(w)
            out.append((m.group(1), int(m.group(2))) if m else (w, None))
        return tuple(out)
    return tuple(_filepos_spaced(text))


def _filepos_spaced(s: str) -> list[Reference]:
    """The general case, with `file : 12` and `file: 12` forms."""
    out: list[Reference] = []
    space = " \t\n"
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in space:
            i += 1
        if i >= n:
            break
        start = i
        while i < n and s[i] not in space:
            i += 1
        word = s[start:i]
        p = i
        while p < n and s[p] in space:
            p += 1
        if p < n and s[p] == ":":
            p += 1
            while p < n and s[p] in space:
                p += 1
            m = _DIGITS.match(s, p)
            if m and (m.end() == n or s[m.end()] in space):
                out.append((word, int(m.group())))
                i = m.end()
                continue
        if word.endswith(":"):
            m = _DIGITS.match(s, p)
            if m and (m.end() == n or s[m.end()] in space):
                out.append((word[:-1], int(m.group())))
                i = m.end()
                continue
        m = _FILEPOS_GLUED.match(word)
        out.append((m.group(1), int(m.group(2))) if m else (word, None))
    return out


# --- the fast path ------------------------------------------------------------------------
# Nearly every real file is laid out the one way msgcat, msgmerge, Babel and Poedit write it.
# For those, one regular expression per entry does what the lexer and the grammar above do, in C.
# Anything else (an error, escapes beyond the simple ones, splices, several tokens on a line,
# undecodable bytes) makes it give up, and the general parser reads the file instead.

_CH = r'[^"\\\n\x00\x04]'
_Q = rf'"{_CH}*(?:\\[ntbrfva\\"]{_CH}*)*"'  # the unrolled loop: far faster in `re`
_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def _strings_after(prefix: str) -> str:
    return rf"{_Q}[ \t]*\n(?:{prefix}{_Q}[ \t]*\n)*"


def _entry_pattern(p: str, prev: str) -> re.Pattern[str]:
    s = _strings_after(p)
    ps = _strings_after(prev)
    body = rf'{_CH}*(?:\\[ntbrfva\\"]{_CH}*)*'
    # msgid and msgstr capture their first string's body apart from any continuation lines:
    # most are one line long and need no more work.
    return re.compile(
        rf"""(?:[ \t]*\n)*
        (?P<com>(?:\#(?:[^~|\n][^\n]*)?\n)*)
        (?:(?:{prev}msgctxt[ \t]*(?P<pctxt>{ps}))?
           {prev}msgid[ \t]*(?P<pid>{ps})
           (?:{prev}msgid_plural[ \t]*(?P<ppl>{ps}))?)?
        (?:{p}msgctxt[ \t]*(?P<ctxt>{s}))?
        (?P<idkw>{p}msgid)[ \t]*"(?P<id>{body})"[ \t]*\n(?P<idmore>(?:{p}{_Q}[ \t]*\n)*)
        (?:{p}msgid_plural[ \t]*(?P<pl>{s})
           (?P<forms>(?:{p}msgstr\[[0-9]+\][ \t]*{s})+)
          |(?P<strkw>{p}msgstr)[ \t]*"(?P<str>{body})"[ \t]*\n(?P<strmore>(?:{p}{_Q}[ \t]*\n)*))""",
        re.X,
    )


_LIVE = _entry_pattern("", r"\#\|[ \t]*")
_OBSOLETE = _entry_pattern(r"\#~[ \t]*", r"\#~\|[ \t]*")
# The commonest entry of all, tried first: comments, a one-line msgid, a one-line msgstr.
_BODY = rf'{_CH}*(?:\\[ntbrfva\\"]{_CH}*)*'
_SIMPLE = re.compile(
    rf'(?:[ \t]*\n)*((?:\#(?:[^~|\n][^\n]*)?\n)*)msgid[ \t]*"({_BODY})"[ \t]*\n'
    rf'msgstr[ \t]*"({_BODY})"[ \t]*\n(?![ \t]*")'
)
_FORM = re.compile(rf"msgstr\[([0-9]+)\][ \t]*({_strings_after('(?:#~[ ]*)?')})")
_UNESCAPE = re.compile(r"\\(.)")
_TAIL = re.compile(r"(?:[ \t]*\n|\#(?:[^~|\n][^\n]*)?\n)*\Z")


def _value(block: str) -> str:
    """The value of a fast-path string list: quotes, line ends and simple escapes undone."""
    value = "".join(_QUOTED.findall(block))
    return _unescape_simple(value) if "\\" in value else value


def _unescape_simple(value: str) -> str:
    if "\\\\" not in value:
        # Then every backslash starts an escape, and replacing one never makes another.
        value = value.replace("\\n", "\n").replace('\\"', '"')
        if "\\" not in value:
            return value
    return _UNESCAPE.sub(lambda m: _SIMPLE_ESCAPES[m.group(1)], value)


# Entry's generated __init__ sets each of its 14 frozen slots through object.__setattr__, which
# is a third of the fast path's time; setting the slots directly does the same in half of it.
# If the model gains or reorders fields, the plain constructor is used instead.
_ENTRY_FIELDS = (
    "msgid",
    "msgstr",
    "msgctxt",
    "msgid_plural",
    "comments",
    "extracted",
    "references",
    "flags",
    "previous_msgctxt",
    "previous_msgid",
    "previous_msgid_plural",
    "obsolete",
    "line",
    "msgstr_line",
)


def _slot_constructor() -> Callable[..., Entry]:
    setters = [getattr(Entry, name).__set__ for name in _ENTRY_FIELDS]
    (s_id, s_str, s_ctxt, s_plural, s_com, s_ext, s_ref, s_flags) = setters[:8]
    (s_pctxt, s_pid, s_pplural, s_obsolete, s_line, s_strline) = setters[8:]
    new = object.__new__

    def make(
        msgid: str,
        msgstr: tuple[str, ...],
        msgctxt: str | None,
        msgid_plural: str | None,
        comments: tuple[str, ...],
        extracted: tuple[str, ...],
        references: tuple[Reference, ...],
        flags: tuple[str, ...],
        previous_msgctxt: str | None,
        previous_msgid: str | None,
        previous_msgid_plural: str | None,
        obsolete: bool,
        line: int,
        msgstr_line: int,
    ) -> Entry:
        entry: Entry = new(Entry)
        s_id(entry, msgid)
        s_str(entry, msgstr)
        s_ctxt(entry, msgctxt)
        s_plural(entry, msgid_plural)
        s_com(entry, comments)
        s_ext(entry, extracted)
        s_ref(entry, references)
        s_flags(entry, flags)
        s_pctxt(entry, previous_msgctxt)
        s_pid(entry, previous_msgid)
        s_pplural(entry, previous_msgid_plural)
        s_obsolete(entry, obsolete)
        s_line(entry, line)
        s_strline(entry, msgstr_line)
        return entry

    return make


_new_entry: Callable[..., Entry] = (
    _slot_constructor()
    if tuple(f.name for f in fields(Entry)) == _ENTRY_FIELDS and hasattr(Entry, "__slots__")
    else Entry
)


def _fast_entries(text: str) -> tuple[Entry, ...] | None:
    """The entries of `text` (decoded strictly, so without undecodable bytes), or None."""
    if "\\\n" in text:
        return None
    if not text.endswith("\n"):
        text += "\n"
    found: list[Entry] = []
    seen: set[Key] = set()
    pos, line = 0, 1
    count, live, obsolete_re, value = text.count, _LIVE.match, _OBSOLETE.match, _value
    add, new_entry, simple = seen.add, _new_entry, _SIMPLE.match
    quoted, unescape = _QUOTED.findall, _unescape_simple
    while True:
        m = simple(text, pos)
        if m is not None:
            com, msgid, msgstr0 = m.groups()
            if com:
                block = _comment_block(com)
                if block is None:
                    return None
                comments, extracted, references, flags = block
            else:
                comments = extracted = references = flags = ()
            if "\\" in msgid:
                msgid = unescape(msgid)
            if "\\" in msgstr0:
                msgstr0 = unescape(msgstr0)
            add((None, msgid))
            msgid_line = line + count("\n", pos, m.start(2))
            found.append(
                new_entry(
                    msgid,
                    (msgstr0,),
                    None,
                    None,
                    comments,
                    extracted,
                    references,
                    flags,
                    None,
                    None,
                    None,
                    False,
                    msgid_line,
                    msgid_line + 1,
                )
            )
            line = msgid_line + 2
            pos = m.end()
            continue
        obsolete = False
        m = live(text, pos)
        if m is None:
            m = obsolete_re(text, pos)
            if m is None:
                # A duplicate key (fewer keys than entries) is an error for the general parser.
                complete = _TAIL.match(text, pos) and len(seen) == len(found)
                return tuple(found) if complete else None
            obsolete = True
        com, pctxt, pid, ppl, ctxt, _, msgid, more, pl, forms, _, msgstr0, more0 = m.groups()
        if com:
            block = _comment_block(com)
            if block is None:
                return None
            comments, extracted, references, flags = block
        else:
            comments = extracted = references = flags = ()
        idkw = m.start(6)
        msgid_line = line + count("\n", pos, idkw)
        msgctxt = None if ctxt is None else value(ctxt)
        if more:
            msgid += "".join(quoted(more))
        if "\\" in msgid:
            msgid = unescape(msgid)
        if forms is None:
            if more0:
                msgstr0 += "".join(quoted(more0))
            if "\\" in msgstr0:
                msgstr0 = unescape(msgstr0)
            msgstr: tuple[str, ...] = (msgstr0,)
            msgid_plural = None
            strkw = m.start(11)
            # Mostly msgstr is on the line after a one-line msgid: no need to count.
            msgstr_line = msgid_line + (
                1 if strkw == m.start(8) and not more else count("\n", idkw, strkw)
            )
        else:
            msgid_plural = value(pl)
            values = []
            for n, (index, form) in enumerate(_FORM.findall(forms)):
                if int(index) != n:
                    return None
                values.append(value(form))
            msgstr = tuple(values)
            msgstr_line = msgid_line + count("\n", idkw, m.start(10))
        add((msgctxt, msgid))
        found.append(
            new_entry(
                msgid,
                msgstr,
                msgctxt,
                msgid_plural,
                comments,
                extracted,
                references,
                flags,
                None if pctxt is None else value(pctxt),
                None if pid is None else value(pid),
                None if ppl is None else value(ppl),
                obsolete,
                msgid_line,
                msgstr_line,
            )
        )
        end = m.end()
        line = msgstr_line + 1 if forms is None and not more0 else line + count("\n", pos, end)
        pos = end


_CommentBlock = tuple[tuple[str, ...], tuple[str, ...], tuple[Reference, ...], tuple[str, ...]]


@lru_cache(maxsize=65536)
def _comment_block(block: str) -> _CommentBlock | None:
    """The comment lines before an entry, sorted as read-catalog.c does, or None if unusual."""
    comments: list[str] = []
    extracted: list[str] = []
    references: list[Reference] = []
    flags: tuple[str, ...] = ()
    for c in block[:-1].split("\n"):
        first = c[1:2]
        if first == ":":
            for ref in _filepos(c[2:]):
                if ref not in references:
                    references.append(ref)
        elif first == ",":
            flags = _flags(c[2:])
        elif first == ".":
            extracted.append(c[3:] if c[2:3] == " " else c[2:])
        elif first == "!" or (first == " " and _SOLARIS.match(c[1:])):
            return None
        else:
            comments.append(c[2:] if first == " " else c[1:])
    return tuple(comments), tuple(extracted), tuple(references), flags
