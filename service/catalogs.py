"""Gettext catalogs in and out: the only module that touches the PO library (Babel).

Babel parses leniently (an unterminated string is silently cut short), so every file is first checked
line by line against the PO grammar msgfmt enforces; errors name the file and a 1-based line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po, unescape, write_po
from translate.storage import pypo

from .errors import CatalogError
from .locales import babel_locale, from_gettext, to_gettext
from .models import CatalogEntry, LoadedCatalog

__all__ = [
    "TemplateMessage",
    "compile_catalog",
    "init_catalog",
    "parse_catalog",
    "plural_rule",
    "read_catalog",
    "render_template",
    "update_catalog",
]

WIDTH = 79  # GNU gettext's and Poedit's wrapping, so a translator's save changes no line it did not touch
_STRING = r'"(?:[^"\\]|\\(?:[\\"abfnrtv?\']|[0-7]{1,3}|x[0-9A-Fa-f]+))*"'
_KEYWORD_LINE = re.compile(rf"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+{_STRING}\s*$")
_CONTINUATION = re.compile(rf"^{_STRING}\s*$")
_STARTS_STRING = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"')


@dataclass(frozen=True)
class TemplateMessage:
    msgid: str
    msgid_plural: str | None
    comments: tuple[str, ...]
    location: str


def _lex_check(lines: Iterable[str], path: str) -> None:
    """Reject what Babel would silently mangle: broken quoting, stray text, duplicate messages."""
    seen: dict[str, int] = {}
    key = ""  # msgctxt + msgid of the entry being read, as written (escapes and all)
    entry_line, keyword, live = 0, "", False

    def close_entry() -> None:
        if live and key in seen:
            raise CatalogError(f"duplicate message (first at line {seen[key]})", path, entry_line)
        if live:
            seen[key] = entry_line

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line or line.startswith(("#", "|")):  # `#~|`: previous text of an obsolete entry
            continue
        match = _KEYWORD_LINE.match(line)
        if match:
            word = match.group(1)
            starts_entry = word == "msgctxt" or (word == "msgid" and keyword != "msgctxt")
            if starts_entry:
                close_entry()
                key, entry_line, live = "", number, not obsolete
            keyword = word
            if word in ("msgctxt", "msgid"):
                key += "\x04" + line
            continue
        if _CONTINUATION.match(line):
            if not keyword:
                raise CatalogError("string outside msgid, msgstr or msgctxt", path, number)
            if keyword in ("msgctxt", "msgid"):
                key += line
            continue
        if _STARTS_STRING.match(line):
            raise CatalogError("unterminated or badly escaped string", path, number)
        raise CatalogError(f"not a PO keyword or string: {line[:40]!r}", path, number)
    close_entry()


def _forms(string: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if isinstance(string, (list, tuple)):
        return tuple(str(f) for f in string)
    return (str(string or ""),)


def _entry(message: Message) -> CatalogEntry:
    if isinstance(message.id, (list, tuple)):
        msgid, plural = message.id[0], message.id[1]
    else:
        msgid, plural = message.id, None
    return CatalogEntry(msgid, _forms(message.string), message.fuzzy, message.lineno or 0, plural)


def parse_catalog(text: str, path: str, domain: str, locale: str | None = None) -> LoadedCatalog:
    """A .po file's text → entries keyed by msgid. `locale` is BCP 47; None reads `Language`."""
    catalog = _load_babel(text, path, domain, locale)
    tag = locale or (from_gettext(str(catalog.locale)) if catalog.locale else "")
    translator: str | None = catalog.last_translator
    if not translator or translator.startswith("FULL NAME"):
        translator = None
    entries = {}
    for message in catalog:
        if not message.id:
            continue
        entry = _entry(message)
        if entry.msgid_plural is not None and len(entry.msgstr) != catalog.num_plurals:
            raise CatalogError(
                f"{len(entry.msgstr)} plural forms where the header says {catalog.num_plurals}",
                path,
                entry.line,
            )
        entries[entry.msgid] = entry
    return LoadedCatalog(
        path=path,
        locale=tag,
        domain=domain,
        entries=entries,
        last_translator=translator,
        num_plurals=catalog.num_plurals,
        plural_expr=catalog.plural_expr,
    )


def read_catalog(
    path: Path, domain: str, locale: str | None = None, label: str = ""
) -> LoadedCatalog:
    shown = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise CatalogError(f"not UTF-8 ({exc.reason})", shown, line) from exc
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror}", shown) from exc
    return parse_catalog(text, shown, domain, locale)


def plural_rule(locale: str) -> tuple[int, str]:
    """CLDR's gettext plural rule for a locale: (nplurals, C expression)."""
    rule = get_plural(babel_locale(locale))
    return rule.num_plurals, rule.plural_expr


def _header_date(text: str | None, key: str) -> datetime | None:
    if not text:
        return None
    m = re.search(rf'^"{key}: (\d{{4}}-\d\d-\d\d \d\d:\d\d[+-]\d{{4}})\\n"$', text, re.M)
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M%z") if m else None


# Quotes take two columns; `#| ` and `#~ ` lines three more, as GNU msgcat and Poedit count them.
_WRAP = pypo.PoWrapper(width=WIDTH - 2)
_WRAP_PREFIXED = pypo.PoWrapper(width=WIDTH - 5)


def _requote(lines: list[str], wrapper: pypo.PoWrapper) -> list[str]:
    return pypo.quoteforpo(pypo.unquotefrompo(lines), wrapper) if lines else lines


def _store(raw: bytes) -> Any:
    return pypo.pofile.parsestring(raw)


def _header_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = _store(text.encode("utf-8")).parseheader()
    return fields


def _gnu_wrapped(text: bytes, keep_headers: Mapping[str, str] | None = None) -> bytes:
    """Babel wraps strings its own way (the space starts the next line); GNU gettext, Poedit and
    Weblate end the line with it. translate-toolkit reproduces GNU's wrapping exactly, so a file
    saved by a translator's tool and rewritten by `update` differs only where someone changed it.
    Babel also drops header fields it does not know (`X-Generator`, …): `keep_headers` restores them."""
    store = _store(text)
    header = store.header()
    fields = store.parseheader()
    missing = {k: v for k, v in (keep_headers or {}).items() if k not in fields}
    if header is not None and missing:
        fuzzy = header.isfuzzy()
        header.target = "".join(f"{k}: {v}\n" for k, v in {**fields, **missing}.items())
        header.markfuzzy(fuzzy)
    for unit in store.units:
        wrap = _WRAP_PREFIXED if unit.isobsolete() else _WRAP
        unit.msgctxt = _requote(unit.msgctxt, wrap)
        unit.msgid = _requote(unit.msgid, wrap)
        unit.msgid_plural = _requote(unit.msgid_plural, wrap)
        if isinstance(unit.msgstr, dict):
            unit.msgstr = {k: _requote(v, wrap) for k, v in unit.msgstr.items()}
        else:
            unit.msgstr = _requote(unit.msgstr, wrap)
        unit.prev_msgctxt = _requote(unit.prev_msgctxt, _WRAP_PREFIXED)
        unit.prev_msgid = _requote(unit.prev_msgid, _WRAP_PREFIXED)
        unit.prev_msgid_plural = _requote(unit.prev_msgid_plural, _WRAP_PREFIXED)
    return bytes(store)


def _write(catalog: Catalog, keep_headers: Mapping[str, str] | None = None) -> str:
    out = io.BytesIO()
    write_po(
        out, catalog, width=WIDTH, include_previous=True, include_lineno=False, sort_output=False
    )
    return _gnu_wrapped(out.getvalue(), keep_headers).decode("utf-8")


def _template_catalog(domain: str, messages: list[TemplateMessage], created: datetime) -> Catalog:
    catalog = Catalog(
        domain=domain,
        project=f"clinic-l10n {domain}",
        msgid_bugs_address="l10n@clinic.example",
        version="1",
        creation_date=created,
        charset="utf-8",
        fuzzy=True,
        header_comment=(
            f"# Template of the {domain!r} domain, extracted from the English source.\n"
            "# Written by `clinic-l10n extract`; edit the source, not this file."
        ),
    )
    for m in messages:
        msgid: str | tuple[str, str] = (
            m.msgid if m.msgid_plural is None else (m.msgid, m.msgid_plural)
        )
        catalog.add(msgid, "", locations=[(m.location, 0)], auto_comments=list(m.comments))
    return catalog


def render_template(domain: str, messages: list[TemplateMessage], previous: str | None) -> str:
    """A .pot's text. The creation date moves only when the messages do, so reruns write nothing."""
    kept = _header_date(previous, "POT-Creation-Date")
    if kept is not None:
        text = _write(_template_catalog(domain, messages, kept))
        if text == previous:
            return text
    return _write(
        _template_catalog(domain, messages, datetime.now(UTC).replace(second=0, microsecond=0))
    )


def _restore_previous(catalog: Catalog) -> None:
    """Babel reads `#| msgid` lines as translator comments (python-babel/babel#206) and would write
    them back doubled; turn them into the message's previous msgid again."""
    for message in catalog:
        marked = [c for c in message.user_comments if c.startswith("|")]
        if not marked:
            continue
        parts: dict[str, str] = {}
        keyword = ""
        for comment in marked:
            body = comment[1:].strip()
            word, _, rest = body.partition(" ")
            if word in ("msgctxt", "msgid", "msgid_plural"):
                keyword, body = word, rest.strip()
            if keyword and body.startswith('"'):
                parts[keyword] = parts.get(keyword, "") + unescape(body)
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
        if "msgid" in parts:
            plural = parts.get("msgid_plural")
            message.previous_id = [parts["msgid"]] + ([plural] if plural is not None else [])


def _load_babel(text: str, path: str, domain: str, locale: str | None) -> Catalog:
    _lex_check(text.splitlines(), path)
    # Babel cannot parse `#~|` (previous text of an obsolete entry, as msgmerge writes it); the
    # entry stays obsolete, only that history line is dropped.
    kept = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("#~|"))
    try:
        catalog = read_po(
            io.StringIO(kept),
            locale=to_gettext(locale) if locale else None,
            domain=domain,
            abort_invalid=True,
        )
    except PoFileError as exc:
        raise CatalogError(str(exc).rsplit(" on ", 1)[0], path, exc.lineno + 1) from exc
    except (ValueError, LookupError) as exc:
        raise CatalogError(f"cannot read catalog: {exc}", path, 1) from exc
    _restore_previous(catalog)
    return catalog


def init_catalog(template_text: str, template_path: str, domain: str, locale: str) -> str:
    """A new, empty catalog for `locale` from a template, with its CLDR Plural-Forms."""
    template = _load_babel(template_text, template_path, domain, "en")
    catalog = Catalog(
        locale=to_gettext(locale),
        domain=domain,
        project=f"clinic-l10n {domain}",
        msgid_bugs_address="l10n@clinic.example",
        version="1",
        creation_date=template.creation_date,
        revision_date=template.creation_date,
        charset="utf-8",
        fuzzy=False,
        header_comment=(
            f"# {babel_locale(locale).english_name} translation of the {domain!r} domain.\n"
            "# Translators: edit msgstr only; `clinic-l10n update` keeps this file in step with "
            "the English."
        ),
    )
    catalog.language_team = f"{babel_locale(locale).english_name} <translators@clinic.example>"
    catalog.update(template)
    return _write(catalog)


def update_catalog(
    po_text: str, po_path: str, template_text: str, template_path: str, domain: str, locale: str
) -> str:
    """Merge a template into a catalog: changed text turns fuzzy with its previous msgid (`#|`),
    removed text becomes obsolete (`#~`), text that comes back is revived from the obsolete."""
    template = _load_babel(template_text, template_path, domain, "en")
    catalog = _load_babel(po_text, po_path, domain, locale)
    for message in template:
        key = catalog._key_for(message.id, message.context)
        if message.id and key in catalog.obsolete and key not in catalog:
            catalog[message.id] = catalog.obsolete.pop(key)
    # Babel's update forgets the previous msgid of an entry that is still fuzzy; msgmerge keeps it.
    previous = {
        m.id if isinstance(m.id, str) else m.id[0]: m.previous_id for m in catalog if m.previous_id
    }
    catalog.update(template, update_header_comment=False)
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy and not message.previous_id and key in previous:
            message.previous_id = previous[key]
    # As msgmerge does: an obsolete entry that was never translated holds nothing worth keeping.
    for key in [k for k, m in catalog.obsolete.items() if not any(_forms(m.string))]:
        del catalog.obsolete[key]
    catalog.fuzzy = False
    return _write(catalog, _header_fields(po_text))


def compile_catalog(po_text: str, po_path: str, domain: str, locale: str) -> bytes:
    """A .mo of the translated, non-fuzzy messages (Babel's writer: linear, unlike polib's)."""
    catalog = _load_babel(po_text, po_path, domain, locale)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()
