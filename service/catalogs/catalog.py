"""Gettext catalogs for the pipeline: the project's one user of the PO layer (`service.po`).

Every stage reads, writes, merges and counts catalogs through here, and so through one parser and
one writer that agree with GNU gettext: `update` is `msgmerge --previous` then `msgcat --width=79`,
counts are `msgfmt --statistics`, and what `msgfmt -c` rejects in an entry keeps that entry off
the page. The `po …` commands offer the same functions on any gettext file.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

from service.catalogs.veto import ClinicVeto
from service.core import files
from service.core.errors import CatalogError
from service.core.limits import MAX_TEXT, TEXT_GROWTH, text_bound
from service.core.locales import babel_locale, from_gettext, plural_rule, to_gettext
from service.core.models import CatalogEntry, LoadedCatalog
from service.po import Entry, PoFile, Statistics
from service.po.check import Problem, check, check_bytes
from service.po.errors import PoError
from service.po.merge import merge
from service.po.mo import write_mo
from service.po.parse import parse
from service.po.plural import form_for
from service.po.write import write

__all__ = [
    "Problem",
    "TemplateMessage",
    "compile_catalog",
    "format_file",
    "init_catalog",
    "merge_files",
    "merged_catalog",
    "read_catalog",
    "read_catalog_bytes",
    "read_po",
    "statistics",
    "template_text",
    "too_long",
    "verify_file",
]

_PROJECT = "l10n@clinic.example"
_A = ParamSpec("_A")
_R = TypeVar("_R")


@dataclass(frozen=True)
class TemplateMessage:
    """One message of a template as extraction produces it."""

    msgid: str
    msgid_plural: str | None
    comments: tuple[str, ...]
    location: str
    flags: tuple[str, ...] = ()
    msgctxt: str | None = None
    lines: tuple[int, ...] = ()  # where in `location` each use starts (1-based); none: no line

    @property
    def references(self) -> tuple[tuple[str, int | None], ...]:
        """`#: location:line` for each use, as xgettext writes them (`#: location` with no line)."""
        return tuple((self.location, line) for line in self.lines) or ((self.location, None),)


def _catalog_errors(function: Callable[_A, _R]) -> Callable[_A, _R]:
    """The edge between `service.po` and the pipeline: a `PoError` leaves as a `CatalogError`,
    with its path and line."""

    @functools.wraps(function)
    def wrapper(*args: _A.args, **kwargs: _A.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except PoError as exc:
            raise CatalogError(exc.message, exc.path, exc.line) from exc

    return wrapper


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def read_catalog_bytes(path: Path, label: str = "") -> bytes:
    """A catalog or template file's bytes, through `files.read_bytes`: a directory, FIFO, device,
    unreadable or oversized file where a catalog should be is a CatalogError at once (line 1)."""
    return files.read_bytes(path, label or str(path), CatalogError, files.CATALOG_MAX_BYTES)


@_catalog_errors
def read_po(path: Path, label: str = "") -> PoFile:
    """Any gettext file, parsed; errors name `label` (default: the path) and a 1-based line."""
    return parse(read_catalog_bytes(path, label), label or str(path))


def _translator(po: PoFile) -> str | None:
    name = (po.header_field("Last-Translator") or "").strip()
    return None if not name or name.startswith("FULL NAME") else name


def _entry_errors(po: PoFile, problems: Sequence[Problem]) -> dict[int, tuple[str, ...]]:
    """`msgfmt -c` errors by the line of the entry they belong to; a header or file-level error
    (a bad Plural-Forms, say) makes the whole catalog a load error, as msgfmt rejects the file."""
    live = sorted((e.line, e) for e in po.entries if not e.obsolete)
    lines = [line for line, _ in live]
    found: dict[int, list[str]] = {}
    for problem in problems:
        if problem.severity != "error":
            continue
        at = bisect.bisect_right(lines, problem.line) - 1
        owner = live[at][1] if at >= 0 else None
        if owner is None or owner.is_header:
            raise CatalogError(problem.message, po.path, problem.line or 1)
        found.setdefault(owner.line, []).append(problem.message)
    return {line: tuple(messages) for line, messages in found.items()}


@_catalog_errors
def loaded(po: PoFile, domain: str, locale: str | None = None) -> LoadedCatalog:
    """What the pipeline keeps of a parsed catalog. `locale` is BCP 47; None reads `Language`."""
    errors = _entry_errors(po, check(po))
    entries = {}
    for e in po.messages():
        refused = too_long(e)
        entries[e.key] = CatalogEntry(
            msgid=e.msgid,
            msgstr=tuple("" for _ in e.msgstr) if refused else e.msgstr,
            fuzzy=e.fuzzy,
            line=e.line,
            msgid_plural=e.msgid_plural,
            msgctxt=e.msgctxt,
            errors=errors.get(e.line, ()),
            refused=refused,
        )
    language = po.header_field("Language") or ""
    return LoadedCatalog(
        path=po.path,
        locale=locale or (from_gettext(language) if language else ""),
        domain=domain,
        entries=entries,
        last_translator=_translator(po),
        counts=po.statistics(),
        singular=form_for(po.header.msgstr[0] if po.header else "", 1),
    )


def too_long(entry: Entry) -> str:
    """Why `entry` is too long to keep (its msgid over MAX_TEXT characters, or a translation over
    `text_bound` of its English), or "" when it is not. Such a translation is dropped at load (not
    served, not held in memory); `check` reports the reason at the entry's line.

    >>> too_long(Entry("Use 2 sprays.", ("x" * 10_000,))), too_long(Entry("Hi", ("x" * 10_001,)))[:40]
    ('', 'the translation is 10,001 characters lon')
    """
    if len(entry.msgid) > MAX_TEXT or len(entry.msgid_plural or "") > MAX_TEXT:
        return f"the msgid is {len(entry.msgid):,} characters long, over the bound of {MAX_TEXT:,}"
    english = max(entry.msgid, entry.msgid_plural or "", key=len)
    longest = max(map(len, entry.msgstr), default=0)
    bound = text_bound(english)
    if longest > bound:
        return (
            f"the translation is {longest:,} characters long, over the bound of {bound:,} "
            f"({MAX_TEXT:,}, or {TEXT_GROWTH} times its English): not served"
        )
    return ""


def read_catalog(
    path: Path, domain: str, locale: str | None = None, label: str = ""
) -> LoadedCatalog:
    return loaded(read_po(path, label), domain, locale)


def _header_text(fields: Sequence[tuple[str, str]]) -> str:
    return "".join(f"{name}: {value}\n" for name, value in fields)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M%z")


def _template(domain: str, messages: Sequence[TemplateMessage], created: str) -> PoFile:
    fields = [
        ("Project-Id-Version", f"clinic-l10n {domain}"),
        ("Report-Msgid-Bugs-To", _PROJECT),
        ("POT-Creation-Date", created),
        ("PO-Revision-Date", "YEAR-MO-DA HO:MI+ZONE"),
        ("Last-Translator", "FULL NAME <EMAIL@ADDRESS>"),
        ("Language-Team", "LANGUAGE <LL@li.org>"),
        ("Language", ""),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    if any(m.msgid_plural is not None for m in messages):
        fields.append(("Plural-Forms", "nplurals=INTEGER; plural=EXPRESSION;"))
    header = Entry(
        "",
        (_header_text(fields),),
        comments=(
            f"Template of the {domain!r} domain, extracted from the English source.",
            "Written by `clinic-l10n extract`; edit the source, not this file.",
        ),
        flags=("fuzzy",),
    )
    entries = [
        Entry(
            m.msgid,
            ("", "") if m.msgid_plural is not None else ("",),
            msgctxt=m.msgctxt,
            msgid_plural=m.msgid_plural,
            extracted=m.comments,
            references=m.references,
            flags=m.flags,
        )
        for m in messages
    ]
    return PoFile((header, *entries), f"{domain}.pot")


@_catalog_errors
def template_text(domain: str, messages: list[TemplateMessage], previous: str | None) -> str:
    """A .pot's text. The creation date moves only when the messages do, so reruns write nothing."""
    try:
        kept = parse(_bytes(previous), "").header_field("POT-Creation-Date") if previous else None
    except PoError:
        kept = None
    if kept:
        text = write(_template(domain, messages, kept)).decode("utf-8")
        if text == previous:
            return text
    now = _stamp(datetime.now(UTC).replace(second=0, microsecond=0))
    return write(_template(domain, messages, now)).decode("utf-8")


@_catalog_errors
def init_catalog(template: PoFile, domain: str, locale: str) -> PoFile:
    """A new, empty catalog for `locale` from a template (as msginit makes one), with the CLDR
    Plural-Forms of the locale and every message untranslated (`write` gives its bytes)."""
    created = template.header_field("POT-Creation-Date") or ""
    name = babel_locale(locale).english_name
    nplurals, expr = plural_rule(locale)
    fields = [
        ("Project-Id-Version", template.header_field("Project-Id-Version") or domain),
        ("Report-Msgid-Bugs-To", template.header_field("Report-Msgid-Bugs-To") or _PROJECT),
        ("POT-Creation-Date", created),
        ("PO-Revision-Date", created),
        ("Last-Translator", "FULL NAME <EMAIL@ADDRESS>"),
        ("Language-Team", f"{name} <translators@clinic.example>"),
        ("Language", to_gettext(locale)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("Plural-Forms", f"nplurals={nplurals}; plural={expr};"),
    ]
    header = Entry(
        "",
        (_header_text(fields),),
        comments=(
            f"{name} translation of the {domain!r} domain.",
            "Translators: edit msgstr only; `clinic-l10n update` keeps this file in step "
            "with the English.",
        ),
    )
    entries = [
        replace(
            e,
            msgstr=("",) * (nplurals if e.plural else 1),
            flags=tuple(f for f in e.flags if f != "fuzzy"),
        )
        for e in template.messages()
    ]
    return PoFile((header, *entries), template.path)


@_catalog_errors
def merged_catalog(
    po_data: bytes | str, po_path: str, template: PoFile, protected_terms: tuple[str, ...] = ()
) -> tuple[PoFile, bytes | None]:
    """Merge a template into a catalog as `msgmerge --update --previous` does: changed text turns
    fuzzy with its previous msgid (`#|`), removed text becomes obsolete (`#~`), text that comes
    back is revived, and the result is written as msgcat writes. The catalog as it then stands,
    and its bytes, or None when the merge would change nothing but POT-Creation-Date: the catalog
    is then left as it is, as msgmerge leaves it. A fuzzy guess never changes a number, a dose, a
    placeholder, a negation or a protected term."""
    old = parse(_bytes(po_data), po_path)
    merged = merge(old, template, veto=ClinicVeto(protected_terms))
    return (old, None) if old.same_as(merged) else (merged, write(merged))


@_catalog_errors
def compile_catalog(data: bytes | str, path: str) -> bytes:
    """A .mo of the translated, non-fuzzy messages, refused when `msgfmt -c` would refuse it."""
    po = parse(_bytes(data), path)
    errors = [p for p in check(po) if p.severity == "error"]
    if errors:
        raise CatalogError(errors[0].message, po.path, errors[0].line)
    return write_mo(po)


# The `po` commands: the same layer on any gettext file, for a translator's pre-flight.


def verify_file(path: Path) -> list[Problem]:
    """What `msgfmt -c` would say about a file: syntax errors and checks, errors and warnings."""
    try:
        data = read_catalog_bytes(path)
    except CatalogError as exc:
        return [Problem(str(path), 0, "error", exc.message)]
    return check_bytes(data, str(path))


@_catalog_errors
def statistics(path: Path) -> Statistics:
    """What `msgfmt --statistics` counts in a file."""
    return read_po(path).statistics()


@_catalog_errors
def format_file(path: Path) -> bytes:
    """The file as `msgcat --width=79` writes it."""
    return write(read_po(path))


@_catalog_errors
def format_data(data: bytes, label: str) -> bytes:
    """A catalog's bytes (read from `label`) as `msgcat --width=79` writes them."""
    return write(parse(data, label))


@_catalog_errors
def merge_files(
    old: Path, template: Path, protected_terms: tuple[str, ...] = (), jobs: int = 1
) -> bytes:
    """`msgmerge --previous OLD TEMPLATE`, written as msgcat writes; the fuzzy searches spread
    over `jobs` processes."""
    veto = ClinicVeto(protected_terms)
    return write(merge(read_po(old), read_po(template), veto=veto, jobs=jobs))
