"""The clinical check of one catalog on its own (`clinic-l10n check FILE.po`): what a translator or
an agency holding only the `.po` can run before delivering it.

Every check of the registry (the error-level ones that block approval and serving, and the
warnings and confirm-level ones) runs on every translated entry, with msgfmt's own errors, as
`check` on the whole tree runs them on that catalog; what needs the tree (the ledgers, the English
approvals, the page) is left out. The protected terms and the terminology come from a config given
or found upward from the file. A reference link (`[text][label]`) resolves in the tree through the
page's definitions, which the `.po` does not hold: here each label the English uses as a link
stands for its own target, so a link dropped or relabelled is still found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it.common.utils import normalizeReference

from service.catalogs.catalog import loaded as load_catalog
from service.catalogs.catalog import read_po
from service.content.inline import parse_text
from service.core.config import CONFIG_NAME, Config
from service.core.errors import CatalogError, L10nError, LocaleError
from service.core.locales import babel_locale, from_gettext
from service.core.models import Target
from service.core.terminology import NO_TERMINOLOGY
from service.po import Entry, PoFile
from service.quality.checks import Finding, Severity, Unit, run_checks
from service.site.findings import FileFinding, load_finding

__all__ = ["LoneCheck", "check_file", "config_above"]

# The extracted comment `extract.segment_comments` puts on an entry whose English uses reference
# links: only those entries get stand-in definitions.
_LINKS_NOTE = "Links: translate the text in [text][label]"
_BRACKETED = re.compile(r"\[([^\[\]]+)\]")
_LOCALE_DIR = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class LoneCheck:
    """What `check_file` found in one catalog, and which locale it read it as."""

    path: str
    locale: str
    findings: tuple[FileFinding, ...]


def config_above(path: Path) -> Path | None:
    """The nearest l10n.yaml in the file's folder or one above it (None: there is none)."""
    for folder in path.resolve().parents:
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def _locale_of(po: PoFile, path: Path, shown: str) -> str:
    """BCP 47: the `Language` header, else the folder above LC_MESSAGES (`es/LC_MESSAGES/x.po`);
    a language CLDR has no data for is an error at the header's line."""
    language = (po.header_field("Language") or "").strip()
    named = language or (
        path.parent.parent.name
        if path.parent.name == "LC_MESSAGES" and _LOCALE_DIR.match(path.parent.parent.name)
        else ""
    )
    if not named:
        return ""
    try:
        tag = from_gettext(named)
        if tag.split("-")[0].lower() in ("und", "mul", "zxx"):  # not a language to check against
            raise LocaleError(f"{tag!r} names no language")
        babel_locale(tag)
    except LocaleError as exc:
        line = (po.header.msgstr_line or po.header.line) if language and po.header else 1
        where = "the Language header" if language else "the folder"
        raise CatalogError(f"{where} names {named!r}: {exc.message}", shown, line) from exc
    return tag


def _stand_ins(entry: Entry) -> tuple[Target, ...]:
    """For an entry whose English uses reference links, a definition for each label it uses as a
    link, pointing at `[label]` (the page's real targets are not in the `.po`)."""
    if not any(_LINKS_NOTE in note for note in entry.extracted):
        return ()
    english = " ".join((entry.msgid, entry.msgid_plural or ""))
    candidates = tuple(
        Target(f"[{label}]", "", _normal(label)) for label in _BRACKETED.findall(english)
    )
    used = {
        str(tok.meta.get("label", ""))
        for tok in parse_text(english, candidates)
        if tok.type in ("link_open", "image")
    }
    return tuple(dict.fromkeys(t for t in candidates if t.label in used))


def _normal(label: str) -> str:
    return str(normalizeReference(label))


def _entry_findings(
    po: PoFile, config: Config | None, locale: str, label: str
) -> Iterator[FileFinding]:
    catalog = load_catalog(po, Path(label).stem, locale)
    terms = config.do_not_translate if config else ()
    terminology = config.terminology if config else NO_TERMINOLOGY
    tag = (config.enabled(locale) if config else None) or locale
    for entry in po.messages():
        loaded = catalog.entries[entry.key]
        line = entry.msgstr_line or entry.line
        found = [Finding("msgfmt", Severity.ERROR, error) for error in loaded.errors]
        if loaded.refused:
            found.append(Finding("too-long", Severity.ERROR, loaded.refused))
        if loaded.translated:
            unit = Unit(
                entry.source_forms,
                loaded.msgstr,
                tag,
                tuple(terms),
                _stand_ins(entry),
                terminology.glossary(tag),
            )
            found += run_checks(unit)
        for f in found:
            yield FileFinding(label, line, f.severity, f.check, f.message)


def check_file(path: Path, config: Config | None, label: str = "") -> LoneCheck:
    """Every check on each translated entry of the catalog at `path`, at its msgstr's line; a file
    that cannot be read, or whose locale cannot be told, is one error finding."""
    shown = label or str(path)
    try:
        po = read_po(path, shown)
        locale = _locale_of(po, path, shown)
        if not locale:
            raise CatalogError(
                "no Language header and no <locale>/LC_MESSAGES folder: the locale is unknown",
                shown,
                1,
            )
        return LoneCheck(shown, locale, tuple(_entry_findings(po, config, locale, shown)))
    except L10nError as exc:
        return LoneCheck(shown, "", (load_finding(exc),))
