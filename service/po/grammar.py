"""The general reader: gettext 0.21's po-gram-gen.y over the tokens of `service.po.lexer`.

It reads any file msgfmt reads and raises the first error msgfmt reports, at msgfmt's line and in
its order. `service.po.parse` uses it to find the header's charset and when the fast path declines.
"""

from __future__ import annotations

from dataclasses import replace

from .comments import filepos, solaris_filepos
from .errors import PoError
from .flags import split_flags
from .lexer import (
    COMMENT,
    DOMAIN,
    EOF,
    JUNK,
    LBRACKET,
    MSGCTXT,
    MSGID,
    MSGID_PLURAL,
    MSGSTR,
    NAME,
    NEVER,
    NUMBER,
    PREV_MSGCTXT,
    PREV_MSGID,
    PREV_MSGID_PLURAL,
    PREV_STRING,
    RBRACKET,
    STRING,
    Lexer,
    Token,
)
from .model import Entry, Key, Reference

__all__ = ["entries", "find_header"]

_TOKEN_NAMES = {
    COMMENT: "a comment",
    DOMAIN: "'domain'",
    MSGID: "'msgid'",
    MSGID_PLURAL: "'msgid_plural'",
    MSGSTR: "'msgstr'",
    MSGCTXT: "'msgctxt'",
    PREV_MSGID: "'#| msgid'",
    PREV_MSGID_PLURAL: "'#| msgid_plural'",
    PREV_MSGCTXT: "'#| msgctxt'",
    STRING: "a string",
    PREV_STRING: "a '#|' string",
    NUMBER: "a number",
    LBRACKET: "'['",
    RBRACKET: "']'",
    JUNK: "stray text",
    NAME: "an unknown keyword",
    EOF: "the end of the file",
}


def find_header(text: str, path: str) -> tuple[str, tuple[int, int]] | None:
    """The first header entry's msgstr[0] and the (logical line, column) from which gettext
    decodes in its charset; None if the file has no header, PoError if an error comes first."""
    parser = _Parser(text, path)
    parser.stop_at_header = True
    parser.cols = []
    try:
        parser.entries()
    except _HeaderFound as found:
        return found.msgstr, found.where
    return None


def entries(
    text: str, path: str, decode_from: tuple[int, int] = NEVER, codec: str = ""
) -> tuple[Entry, ...]:
    """The entries of `text`, or PoError at msgfmt's first error; undecodable bytes (held
    as surrogates) are errors from `decode_from` on, and `\\x` escapes above 0x7F are bytes of
    `codec`."""
    return _Parser(text, path, decode_from, codec).entries()


class _HeaderFound(Exception):
    def __init__(self, msgstr: str, line: int, col: int) -> None:
        super().__init__()
        self.msgstr = msgstr
        self.where = (line, col)


class _Parser(Lexer):
    """gettext's grammar over gettext's tokens, raising at the first error in msgfmt's order."""

    def __init__(
        self, text: str, path: str, decode_from: tuple[int, int] = NEVER, codec: str = ""
    ) -> None:
        super().__init__(text, path, decode_from, codec)
        self.stop_at_header = False
        self.plural_counter = 0  # gettext's is global to the parse and reset only by msgid_plural
        self._reset_comments()

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
            for ref in filepos(text[1:]):
                if ref not in self.references:
                    self.references.append(ref)
        elif first == "," or first == "!":
            # Every '#,' line sets all flags anew: the last one wins (po_parse_comment_special).
            self.flags = split_flags(text[1:])
        else:
            solaris = solaris_filepos(text) if first == " " else None
            if solaris is not None:
                if solaris not in self.references:
                    self.references.append(solaris)
            else:
                self.comments.append(text[1:] if first == " " else text)

    # --- grammar (po-gram-gen.y) ------------------------------------------------------------

    def entries(self) -> tuple[Entry, ...]:
        found: list[Entry] = []
        first_seen: dict[Key, int] = {}
        tok = self.token()
        while True:
            kind = tok[0]
            if kind == COMMENT:
                self._take_comment(str(tok[1]))
                tok = self.token()
            elif kind in (MSGID, MSGCTXT, PREV_MSGID, PREV_MSGCTXT):
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
            elif kind == DOMAIN:
                string = self.token()
                if string[0] != STRING:
                    raise self._syntax(string)
                # msgfmt -c rejects the directive, and the model has one domain per file.
                raise self.fail(f"'domain {string[1]}' directive not supported", string[2])
            elif kind == EOF:
                return tuple(found)
            else:
                raise self._syntax(tok)

    def _syntax(self, tok: Token) -> PoError:
        name = _TOKEN_NAMES.get(tok[0], "this")
        if tok[0] == JUNK:
            name = f"stray text {str(tok[1])!r}"
        return self.fail(f"syntax error: unexpected {name}", tok[2])

    def _strings(self, first: Token, kind: int) -> tuple[str, Token]:
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

    def _same(self, obsolete: bool, tok: Token) -> None:
        """check_obsolete: every part of a rule is under `#~`, or none is."""
        if tok[3] != obsolete:
            raise self.fail("inconsistent use of #~", tok[2])

    def _message(self, tok: Token) -> tuple[Entry | None, Token]:
        prev_ctxt, prev_id, prev_plural, prev_obsolete, tok = self._previous(tok)
        msgctxt, tok = self._context(tok)
        obsolete, line = tok[3], tok[2]
        if prev_obsolete is not None:
            self._same(prev_obsolete, tok)
        id_first = self.token()
        msgid, tok = self._strings(id_first, STRING)
        msgid_plural, msgstr, msgstr_line, tok = self._translations(tok, obsolete, id_first, line)
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

    def _previous(
        self, tok: Token
    ) -> tuple[str | None, str | None, str | None, bool | None, Token]:
        """The `#|` previous msgctxt, msgid and msgid_plural, if any, and whether they are under
        `#~` (None: there are none), then the next token."""
        prev_ctxt = prev_id = prev_plural = None
        if tok[0] != PREV_MSGCTXT and tok[0] != PREV_MSGID:
            return None, None, None, None, tok
        if tok[0] == PREV_MSGCTXT:
            keyword, first = tok, self.token()
            prev_ctxt, tok = self._strings(first, PREV_STRING)
            if tok[0] != PREV_MSGID:
                raise self._syntax(tok)
            self._same(keyword[3], first)
            self._same(keyword[3], tok)
        prev_obsolete, first = tok[3], self.token()
        prev_id, tok = self._strings(first, PREV_STRING)
        if tok[0] == PREV_MSGID_PLURAL:
            keyword, pfirst = tok, self.token()
            prev_plural, tok = self._strings(pfirst, PREV_STRING)
            self._same(keyword[3], pfirst)
            self._same(prev_obsolete, first)
            self._same(prev_obsolete, keyword)
        else:
            self._same(prev_obsolete, first)
        return prev_ctxt, prev_id, prev_plural, prev_obsolete, tok

    def _context(self, tok: Token) -> tuple[str | None, Token]:
        """The msgctxt, if any; the token after it must be MSGID."""
        msgctxt = None
        if tok[0] == MSGCTXT:
            keyword, first = tok, self.token()
            msgctxt, tok = self._strings(first, STRING)
            if tok[0] != MSGID:
                raise self._syntax(tok)
            self._same(keyword[3], first)
            self._same(keyword[3], tok)
        elif tok[0] != MSGID:
            raise self._syntax(tok)
        return msgctxt, tok

    def _translations(
        self, tok: Token, obsolete: bool, id_first: Token, line: int
    ) -> tuple[str | None, tuple[str, ...], int, Token]:
        """What follows the msgid: msgid_plural (or None), the msgstr forms, the line of the
        first msgstr, and the next token."""
        msgid_plural = None
        if tok[0] == MSGID_PLURAL:
            plural_kw, pfirst = tok, self.token()
            msgid_plural, tok = self._strings(pfirst, STRING)
            self._same(plural_kw[3], pfirst)
            self.plural_counter = 0
            if tok[0] != MSGSTR:
                self._same(obsolete, id_first)
                self._same(obsolete, plural_kw)
                raise self.fail("missing 'msgstr[]' section", line)
            bracket = self.token()
            if bracket[0] != LBRACKET:
                raise self._syntax(bracket)
            forms_obsolete, forms, msgstr_line, tok = self._plural_forms(tok, bracket)
            self._same(obsolete, id_first)
            self._same(obsolete, plural_kw)
            self._same(obsolete, (0, None, msgstr_line, forms_obsolete))
            return msgid_plural, forms, msgstr_line, tok
        if tok[0] == MSGSTR:
            msgstr_kw, after = tok, self.token()
            if after[0] == LBRACKET:
                forms_obsolete, forms, msgstr_line, tok = self._plural_forms(msgstr_kw, after)
                self._same(obsolete, id_first)
                self._same(obsolete, (0, None, msgstr_line, forms_obsolete))
                raise self.fail("missing 'msgid_plural' section", line)
            value, tok = self._strings(after, STRING)
            self._same(obsolete, id_first)
            self._same(obsolete, msgstr_kw)
            self._same(obsolete, after)
            return None, (value,), msgstr_kw[2], tok
        self._same(obsolete, id_first)
        raise self.fail("missing 'msgstr' section", line)

    def _plural_forms(self, tok: Token, bracket: Token) -> tuple[bool, tuple[str, ...], int, Token]:
        """pluralform_list from its first MSGSTR and '[': (obsolete, forms, line, next token)."""
        forms: list[str] = []
        list_obsolete, first_line = tok[3], tok[2]
        while True:
            msgstr_kw = tok
            number, close = self.token(), self.token()
            if number[0] != NUMBER:
                raise self._syntax(number)
            if close[0] != RBRACKET:
                raise self._syntax(close)
            first = self.token()
            value, tok = self._strings(first, STRING)
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
            if tok[0] != MSGSTR:
                return list_obsolete, tuple(forms), first_line, tok
            bracket = self.token()
            if bracket[0] != LBRACKET:
                raise self._syntax(bracket)
