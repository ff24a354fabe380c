"""The fast path: files laid out the one way msgcat, msgmerge, Babel and Poedit write them.

For those, one regular expression per entry does what `service.po.lexer` and `service.po.grammar`
do, in C. Anything else (an error, escapes beyond the simple ones, splices, several tokens on a
line, undecodable bytes) makes it give up with None, and `service.po.parse` uses the general
reader instead; tests/test_po_parse.py holds the two to each other on every corpus file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from functools import lru_cache

from .comments import filepos, solaris_filepos
from .flags import split_flags
from .lexer import SIMPLE_ESCAPES
from .model import Entry, Key, Reference

__all__ = ["fast_entries", "fast_header"]

_CH = r'[^"\\\n\x00\x04]'
_BODY = rf'{_CH}*(?:\\[ntbrfva\\"]{_CH}*)*'  # the unrolled loop: far faster in `re`
_Q = rf'"{_BODY}"'
_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def _strings_after(prefix: str) -> str:
    return rf"{_Q}[ \t]*\n(?:{prefix}{_Q}[ \t]*\n)*"


def _entry_pattern(p: str, prev: str) -> re.Pattern[str]:
    s = _strings_after(p)
    ps = _strings_after(prev)
    # msgid and msgstr capture their first string's body apart from any continuation lines:
    # most are one line long and need no more work.
    return re.compile(
        rf"""(?:[ \t]*\n)*
        (?P<com>(?:\#(?:[^~|\n][^\n]*)?\n)*)
        (?:(?:{prev}msgctxt[ \t]*(?P<pctxt>{ps}))?
           {prev}msgid[ \t]*(?P<pid>{ps})
           (?:{prev}msgid_plural[ \t]*(?P<ppl>{ps}))?)?
        (?:{p}msgctxt[ \t]*(?P<ctxt>{s}))?
        (?P<idkw>{p}msgid)[ \t]*"(?P<id>{_BODY})"[ \t]*\n(?P<idmore>(?:{p}{_Q}[ \t]*\n)*)
        (?:{p}msgid_plural[ \t]*(?P<pl>{s})
           (?P<forms>(?:{p}msgstr\[[0-9]+\][ \t]*{s})+)
          |(?P<strkw>{p}msgstr)[ \t]*"(?P<str>{_BODY})"[ \t]*\n(?P<strmore>(?:{p}{_Q}[ \t]*\n)*))""",
        re.X,
    )


_LIVE = _entry_pattern("", r"\#\|[ \t]*")
_OBSOLETE = _entry_pattern(r"\#~[ \t]*", r"\#~\|[ \t]*")
# The commonest entry of all, tried first: comments, a one-line msgid, a one-line msgstr.
_SIMPLE = re.compile(
    rf'(?:[ \t]*\n)*((?:\#(?:[^~|\n][^\n]*)?\n)*)msgid[ \t]*"({_BODY})"[ \t]*\n'
    rf'msgstr[ \t]*"({_BODY})"[ \t]*\n(?![ \t]*")'
)
_FORM = re.compile(rf"msgstr\[([0-9]+)\][ \t]*({_strings_after('(?:#~[ ]*)?')})")
_UNESCAPE = re.compile(r"\\(.)")
_TAIL = re.compile(r"(?:[ \t]*\n|\#(?:[^~|\n][^\n]*)?\n)*\Z")


def fast_header(start: str) -> str | None:
    """The header's msgstr[0] if `start` (the file's first bytes, read as Latin-1) opens with it,
    laid out canonically; None when only the general reader can tell."""
    m = _LIVE.match(start)
    if m is None or m.group("ctxt") is not None or m.group("id") or m.group("idmore"):
        return None
    forms = m.group("forms")
    if forms is None:
        return _unescape_simple(m.group("str") + "".join(_QUOTED.findall(m.group("strmore"))))
    return _value(_FORM.findall(forms)[0][1])


def _joined(block: str) -> str:
    """The bodies of a block of whole string lines (`"…"\\n` each), still escaped.

    Lines as msgcat writes them, with nothing after the closing quote, are split where one ends
    and the next begins (a body cannot hold a raw newline); any other block is read string by
    string.

    >>> _joined('"Take "\\n"one dose."\\n')
    'Take one dose.'
    """
    parts = block[1:-2].split('"\n"')
    if block[0] == '"' and len(parts) == block.count("\n") and block.endswith('"\n'):
        return "".join(parts)
    return "".join(_QUOTED.findall(block))


def _value(block: str) -> str:
    """The value of a fast-path string list: quotes, line ends and simple escapes undone."""
    value = _joined(block)
    return _unescape_simple(value) if "\\" in value else value


def _unescape_simple(value: str) -> str:
    if "\\\\" not in value:
        # Then every backslash starts an escape, and replacing one never makes another.
        value = value.replace("\\n", "\n").replace('\\"', '"')
        if "\\" not in value:
            return value
    return _UNESCAPE.sub(lambda m: SIMPLE_ESCAPES[m.group(1)], value)


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


def fast_entries(text: str) -> tuple[Entry, ...] | None:
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
    joined, unescape = _joined, _unescape_simple
    while True:
        m = simple(text, pos)
        if m is not None:
            com, msgid, msgstr0 = m.groups()
            block = _comment_block(com) if com else _NO_COMMENTS
            if block is None:
                return None
            comments, extracted, references, flags = block
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
        block = _comment_block(com) if com else _NO_COMMENTS
        if block is None:
            return None
        comments, extracted, references, flags = block
        idkw = m.start(6)
        msgid_line = line + count("\n", pos, idkw)
        msgctxt = None if ctxt is None else value(ctxt)
        if more:
            msgid += joined(more)
        if "\\" in msgid:
            msgid = unescape(msgid)
        if forms is None:
            if more0:
                msgstr0 += joined(more0)
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
_NO_COMMENTS: _CommentBlock = ((), (), (), ())


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
            for ref in filepos(c[2:]):
                if ref not in references:
                    references.append(ref)
        elif first == ",":
            flags = split_flags(c[2:])
        elif first == ".":
            extracted.append(c[3:] if c[2:3] == " " else c[2:])
        elif first == "!" or (first == " " and solaris_filepos(c[1:]) is not None):
            return None
        else:
            comments.append(c[2:] if first == " " else c[1:])
    return tuple(comments), tuple(extracted), tuple(references), flags
