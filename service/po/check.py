"""What `msgfmt -c` finds in a catalog beyond its syntax, as pure functions over a PoFile.

Ported from gettext 0.21 (msgfmt.c, msgl-check.c, po-charset.c): which entries are checked
(translated, not fuzzy, the header even when fuzzy; obsolete ones never), the Plural-Forms
checks, the newline and format-string checks of each pair, and the header's warnings. Problems
come in the order msgfmt prints them, so the first one names the line msgfmt names first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import formats, plural
from .errors import PoError
from .flags import read_flags
from .model import Entry, PoFile
from .parse import canonical_charset, declared_charset, parse

__all__ = ["Problem", "check", "check_bytes"]

_Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding; line 0 when msgfmt names no line (charset and missing-header notes)."""

    path: str
    line: int
    severity: _Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


def check_bytes(data: bytes, path: str) -> list[Problem]:
    """Parse and check: a parse error is the one problem, as msgfmt stops at it."""
    try:
        po = parse(data, path)
    except PoError as e:
        return [Problem(path, e.line or 0, "error", e.message)]
    return check(po)


# check_header_entry: the fields msgfmt -c wants, with the value a fresh template has.
_HEADER_FIELDS = (
    ("Project-Id-Version", "PACKAGE VERSION"),
    ("PO-Revision-Date", "YEAR-MO-DA HO:MI+ZONE"),
    ("Last-Translator", "FULL NAME <EMAIL@ADDRESS>"),
    ("Language-Team", "LANGUAGE <LL@li.org>"),
    ("MIME-Version", None),
    ("Content-Type", "text/plain; charset=CHARSET"),
    ("Content-Transfer-Encoding", "ENCODING"),
    ("Language", ""),
)


def check(po: PoFile) -> list[Problem]:
    """Everything `msgfmt -c` reports for a file that parses, in msgfmt's order."""
    problems = _Problems(po.path)
    header = po.header
    _check_charset(po, header, problems)
    if header is None or header.msgstr[0] == "":
        problems.error(0, "PO file header missing or invalid")
        return problems.found
    # msgfmt drops untranslated and fuzzy entries before it checks (not the fuzzy header).
    kept = [
        e for e in po.entries if not e.obsolete and e.msgstr[0] and (e.is_header or not e.fuzzy)
    ]
    distribution = _check_plural(kept, problems)
    for entry in kept:
        if entry.is_header:
            _check_header_fields(entry, problems)
        if entry.msgid:
            _check_pair(entry, distribution, problems)
    return problems.found


class _Problems:
    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.found.append(Problem(self.path, line, "error", message))

    def warning(self, line: int, message: str) -> None:
        self.found.append(Problem(self.path, line, "warning", message))

    def pair(self, line1: int, message1: str, line2: int, message2: str) -> None:
        """An error told at two places. On one line msgfmt prints only the first half and,
        by its one-error-per-line rule, counts no error at all."""
        if line1 == line2:
            self.warning(line1, message1)
        else:
            self.error(line1, f"{message1} ({message2}, line {line2})")


def _check_charset(po: PoFile, header: Entry | None, problems: _Problems) -> None:
    if header is None:
        return
    pot = po.path.endswith(".pot")
    declared = declared_charset(header.msgstr[0])
    if declared is None:
        if not pot:
            problems.warning(0, "Charset missing in header")
        return
    if canonical_charset(declared) is None and not (pot and declared == "CHARSET"):
        problems.warning(0, f'Charset "{declared}" is not a portable encoding name')


def _check_plural(kept: list[Entry], problems: _Problems) -> plural.Distribution | None:
    """Plural-Forms against the plural entries; the distribution the format checks use, or
    None after an error (msgfmt then has none either)."""
    plurals = [e for e in kept if e.plural]
    header = next((e for e in kept if e.is_header), None)
    before = len(problems.found)
    if header is None:
        if plurals:
            problems.error(
                plurals[0].msgstr_line,
                "message catalog has plural form translations, but lacks a header entry with "
                '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;"',
            )
            return None
        return plural.GERMANIC
    text = header.msgstr[0]
    at_plural, at_nplurals = text.find("plural="), text.find("nplurals=")
    for found, what in ((at_plural, "plural=EXPRESSION"), (at_nplurals, "nplurals=INTEGER")):
        if found < 0 and plurals:
            problems.pair(
                plurals[0].msgstr_line,
                "message catalog has plural form translations",
                header.msgstr_line,
                f'but header entry lacks a "{what}" attribute',
            )
    if at_plural < 0 or at_nplurals < 0:
        return plural.GERMANIC if len(problems.found) == before else None
    nplurals = plural.nplurals(text)
    if nplurals is None:
        problems.error(header.msgstr_line, "invalid nplurals value")
        nplurals = 0
    try:
        formula = plural.compile_plural(text[at_plural + 7 :])
    except plural.PluralFormsError:
        problems.error(header.msgstr_line, "invalid plural expression")
        return None
    if len(problems.found) > before:
        return None
    try:
        distribution = plural.distribution(formula, nplurals)
    except plural.PluralFormsError as e:
        problems.error(header.msgstr_line, str(e))
        return None
    if plurals:
        counts = [len(e.msgstr) for e in plurals]
        fewest, most = min(counts), max(counts)
        if fewest < nplurals:
            entry = plurals[counts.index(fewest)]
            problems.pair(
                header.msgstr_line,
                f"nplurals = {nplurals}",
                entry.msgstr_line,
                f"but some messages have only {fewest} plural form{'s' * (fewest != 1)}",
            )
            return None
        if most > nplurals:
            entry = plurals[counts.index(most)]
            problems.pair(
                header.msgstr_line,
                f"nplurals = {nplurals}",
                entry.msgstr_line,
                f"but some messages have {most} plural form{'s' * (most != 1)}",
            )
            return None
    return distribution


def _check_header_fields(header: Entry, problems: _Problems) -> None:
    lines = header.msgstr[0].split("\n")
    for field, default in _HEADER_FIELDS:
        line = next((ln for ln in lines if ln.startswith(field + ":")), None)
        if line is None:
            problems.warning(header.msgstr_line, f"header field '{field}' missing in header")
            continue
        value = line[len(field) + 1 :]
        value = value[1:] if value.startswith(" ") else value
        if default is not None and value == default:
            problems.warning(
                header.msgstr_line, f"header field '{field}' still has the initial default value"
            )


def _check_pair(entry: Entry, distribution: plural.Distribution | None, p: _Problems) -> None:
    msgid, line = entry.msgid, entry.msgstr_line  # gettext places a message at its msgstr
    others = ([("msgid_plural", entry.msgid_plural)] if entry.msgid_plural is not None else []) + [
        (f"msgstr[{j}]" if entry.plural else "msgstr", s) for j, s in enumerate(entry.msgstr)
    ]
    for test, at in (("begin", slice(None, 1)), ("end", slice(-1, None))):
        for name, other in others:
            if (other[at] == "\n") != (msgid[at] == "\n"):
                p.error(line, f"'msgid' and '{name}' entries do not both {test} with '\\n'")
    _check_formats(entry, distribution, p)


def _check_formats(entry: Entry, dist: plural.Distribution | None, p: _Problems) -> None:
    flags = read_flags(entry.flags)
    for language, value in flags.formats:
        # msgfmt checks what is declared a format string or possibly one.
        if value in ("yes", "possible") and language in formats.CHECKED:
            for message in formats.problems(
                language, entry.msgid, entry.msgid_plural, entry.msgstr, flags.range, dist
            ):
                p.error(entry.msgstr_line, message)
