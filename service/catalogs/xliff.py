"""XLIFF 1.2, the exchange format of CAT tools (Trados, memoQ, Phrase), written and read with lxml.

Writing follows OASIS's XLIFF 1.2 Representation Guide for Gettext PO, as translate-toolkit's
po2xliff does: one <file> per catalog, `approved="yes"` on a translation that is not fuzzy, a
plural entry as a <group restype="x-gettext-plurals"> of one trans-unit per form (`ID[0]`, …),
each reference in a context-group of purpose "location" (without the profile's name
"po-reference": the schema wants a context-group's name unique in its <file>), `#.` comments as notes from "developer" and `#`
comments as notes from "translator". `state` says where the text stands here (`STATES`). Nothing
here knows pages, ledgers or checks: `service.site.xliff` decides what goes in and what comes in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lxml import etree

from service.core.errors import CatalogError

__all__ = [
    "CRITICAL_NOTE",
    "NS",
    "STATES",
    "XliffFile",
    "XliffUnit",
    "read_xliff",
    "state_digest",
    "text_digest",
    "write_xliff",
]

NS = "urn:oasis:names:tc:xliff:document:1.2"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_SPACE = f"{{{_XML_NS}}}space"

# XLIFF 1.2's `state` values (section 2.4 of the specification, "state") for what a .po entry is:
STATES = {
    "untranslated": "needs-translation",  # msgstr empty
    "fuzzy": "needs-review-translation",  # fuzzy: its English changed, or a guess to check
    "translated": "translated",  # translated, not fuzzy, not (or no longer) approved here
    "approved": "signed-off",  # served in this locale: the ledger's approvals match it exactly
}
# The note that flags a safety-critical text, from this tool, at the highest priority (1).
CRITICAL_NOTE = (
    "SAFETY-CRITICAL: translate exactly, keep every warning; this text is served only once a "
    "clinical reviewer has approved it."
)


@dataclass(frozen=True)
class XliffUnit:
    """One catalog entry in XLIFF: `sources` and `targets` hold one form, or one per plural form
    (`sources` then the msgid for form 0 and msgid_plural for the others)."""

    id: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    state: str | None = None
    approved: bool | None = None  # XLIFF's `approved` (the PO profile's "not fuzzy")
    developer_notes: tuple[str, ...] = ()
    translator_notes: tuple[str, ...] = ()
    critical: bool = False
    references: tuple[tuple[str, int | None], ...] = ()
    segment_type: str = ""
    line: int = 0  # where it was read, for the import's report
    inline: tuple[str, ...] = ()  # inline elements a tool put in a target (<g>, <x/>, …)
    exported: str = ""  # `state_digest` of the catalog's entry at the export ("": not known)
    source_record: str = ""  # `text_digest` of its English (msgid, msgid_plural) at the export


@dataclass(frozen=True)
class XliffFile:
    original: str  # the .po path, relative to the content tree
    source_language: str
    target_language: str
    units: tuple[XliffUnit, ...] = field(default=())
    translator: str | None = None  # the <phase> of process "translation": its contact


def text_digest(forms: Sequence[str]) -> str:
    """The SHA-256 (cut short) of a text's forms: a unit's English at the export
    (`x-source-sha256`), for an import to tell an English that changed since."""
    return hashlib.sha256("\x00".join(forms).encode()).hexdigest()[:32]


def state_digest(msgstr: Sequence[str], fuzzy: bool) -> str:
    """What a unit carries of the catalog's entry at the export (`x-exported-sha256`): its
    msgstr forms and its fuzzy flag. An import then tells what the tool changed from what the
    catalog changed since (a new text, or a fuzzy flag a translator added or removed)."""
    return text_digest((*msgstr, "\x01fuzzy" if fuzzy else "\x01"))


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _text(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _q(tag), attrs)
    element.text = text
    return element


def _context(parent: etree._Element, unit: XliffUnit) -> None:
    for path, line in unit.references:
        group = etree.SubElement(parent, _q("context-group"), {"purpose": "location"})
        _text(group, "context", path, **{"context-type": "sourcefile"})
        if line is not None:
            _text(group, "context", str(line), **{"context-type": "linenumber"})
    if unit.segment_type or unit.critical or unit.exported or unit.source_record:
        group = etree.SubElement(parent, _q("context-group"), {"purpose": "information"})
        if unit.exported:
            _text(group, "context", unit.exported, **{"context-type": "x-exported-sha256"})
        if unit.source_record:
            _text(group, "context", unit.source_record, **{"context-type": "x-source-sha256"})
        if unit.segment_type:
            _text(group, "context", unit.segment_type, **{"context-type": "x-segment-type"})
        if unit.critical:
            _text(group, "context", "yes", **{"context-type": "x-safety-critical"})


def _notes(parent: etree._Element, unit: XliffUnit) -> None:
    if unit.critical:
        _text(parent, "note", CRITICAL_NOTE, **{"from": "clinic-l10n", "priority": "1"})
    for note in unit.developer_notes:
        _text(parent, "note", note, **{"from": "developer"})
    for note in unit.translator_notes:
        _text(parent, "note", note, **{"from": "translator"})


def _trans_unit(
    parent: etree._Element, unit: XliffUnit, ident: str, source: str, target: str
) -> etree._Element:
    attrs = {"id": ident, _SPACE: "preserve"}
    if unit.approved is not None:
        attrs["approved"] = "yes" if unit.approved else "no"
    element = etree.SubElement(parent, _q("trans-unit"), attrs)
    _text(element, "source", source)
    target_attrs = {"state": unit.state} if unit.state else {}
    _text(element, "target", target, **target_attrs)
    return element


def _write_unit(body: etree._Element, unit: XliffUnit) -> None:
    if len(unit.sources) == 1:
        element = _trans_unit(body, unit, unit.id, unit.sources[0], unit.targets[0])
        _context(element, unit)
        _notes(element, unit)
        return
    group = etree.SubElement(
        body, _q("group"), {"id": unit.id, "restype": "x-gettext-plurals", _SPACE: "preserve"}
    )
    _context(group, unit)
    _notes(group, unit)
    if len(unit.targets) < len(unit.sources):  # one form (zh, vi): its English plural as a note
        _text(group, "note", f"English plural: {unit.sources[1]}", **{"from": "clinic-l10n"})
    for index, target in enumerate(unit.targets):
        source = unit.sources[min(index, len(unit.sources) - 1)]
        _trans_unit(group, unit, f"{unit.id}[{index}]", source, target)


def write_xliff(files: Sequence[XliffFile], tool_version: str) -> bytes:
    """The XLIFF 1.2 document of `files`, UTF-8, the same bytes for the same input."""
    root = etree.Element(_q("xliff"), {"version": "1.2"}, nsmap={None: NS})
    for xf in files:
        element = etree.SubElement(
            root,
            _q("file"),
            {
                "original": xf.original,
                "source-language": xf.source_language,
                "target-language": xf.target_language,
                "datatype": "po",
            },
        )
        header = etree.SubElement(element, _q("header"))
        etree.SubElement(
            header,
            _q("tool"),
            {"tool-id": "clinic-l10n", "tool-name": "clinic-l10n", "tool-version": tool_version},
        )
        body = etree.SubElement(element, _q("body"))
        for unit in xf.units:
            _write_unit(body, unit)
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


# Reading: what a CAT tool saves. No DTD, no entities from outside, no network, no huge trees.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


def _plain(element: etree._Element | None, inline: list[str]) -> str:
    """The text of a <source> or <target>: <mrk> (a tool's segment markers) is read through;
    any other inline element is named in `inline`, for the import to refuse."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            name = etree.QName(child).localname
            if name == "mrk":
                parts.append(_plain(child, inline))
            else:
                inline.append(f"<{name}>")
        parts.append(child.tail or "")
    return "".join(parts)


def _read_notes(element: etree._Element, origin: str) -> tuple[str, ...]:
    return tuple(n.text or "" for n in element.findall(_q("note")) if n.get("from") == origin)


def _record(element: etree._Element, kind: str) -> str:
    """The unit's context of type `kind` (x-exported-sha256, x-source-sha256), "" if none."""
    for context in element.iterchildren(_q("context-group")):
        for item in context.iterchildren(_q("context")):
            if item.get("context-type") == kind:
                return (item.text or "").strip()
    return ""


def _approved(element: etree._Element) -> bool | None:
    value = element.get("approved")
    return None if value is None else value == "yes"


def _units(body: etree._Element) -> Iterator[XliffUnit]:
    for element in body.iter(_q("trans-unit"), _q("group")):
        tag = etree.QName(element).localname
        parent = element.getparent()
        plural_child = parent is not None and parent.get("restype") == "x-gettext-plurals"
        if tag == "trans-unit" and not plural_child:
            inline: list[str] = []
            target = element.find(_q("target"))
            yield XliffUnit(
                id=element.get("id", ""),
                sources=(_plain(element.find(_q("source")), []),),
                targets=(_plain(target, inline),),
                state=None if target is None else target.get("state"),
                approved=_approved(element),
                translator_notes=_read_notes(element, "translator"),
                line=element.sourceline or 0,
                inline=tuple(inline),
                exported=_record(element, "x-exported-sha256"),
                source_record=_record(element, "x-source-sha256"),
            )
        elif tag == "group" and element.get("restype") == "x-gettext-plurals":
            forms = element.findall(_q("trans-unit"))
            inline = []
            targets = [f.find(_q("target")) for f in forms]
            states = {t.get("state") for t in targets if t is not None}
            yield XliffUnit(
                id=element.get("id", ""),
                sources=tuple(_plain(f.find(_q("source")), []) for f in forms[:2]),
                targets=tuple(_plain(t, inline) for t in targets),
                state=min(states, key=_review_first) if states else None,
                approved=None if not forms else _approved(forms[0]),
                translator_notes=_read_notes(element, "translator"),
                line=element.sourceline or 0,
                inline=tuple(inline),
                exported=_record(element, "x-exported-sha256"),
                source_record=_record(element, "x-source-sha256"),
            )


def _review_first(state: str | None) -> tuple[bool, str]:
    """Of a plural group's forms' states, the one that asks for most work comes first."""
    return (not (state or "").startswith("needs-"), state or "")


def _translator(element: etree._Element) -> str | None:
    for phase in element.iter(_q("phase")):
        if phase.get("process-name") == "translation" and phase.get("contact-name"):
            email = phase.get("contact-email")
            return f"{phase.get('contact-name')}" + (f" <{email}>" if email else "")
    return None


_PROLOG = re.compile(rb"<!--.*?-->|<!DOCTYPE", re.S)


def _doctype_line(data: bytes) -> int:
    """The line of the document's DOCTYPE (comments before it read past), 1 if not found."""
    for match in _PROLOG.finditer(data):
        if match.group() == b"<!DOCTYPE":
            return data.count(b"\n", 0, match.start()) + 1
    return 1


def read_xliff(data: bytes, label: str) -> list[XliffFile]:
    """The files of an XLIFF 1.2 document; a document that is not one is a CatalogError with
    its line."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CatalogError(f"not well-formed XML: {exc.msg}", label, exc.lineno or 1) from exc
    if root.getroottree().docinfo.doctype:
        # XLIFF needs no DTD; one could define entities (from outside, or a billion laughs)
        raise CatalogError("a DOCTYPE is not accepted in XLIFF here", label, _doctype_line(data))
    if root.tag != _q("xliff") or root.get("version") != "1.2":
        raise CatalogError(
            "not an XLIFF 1.2 document (urn:oasis:names:tc:xliff:document:1.2)",
            label,
            root.sourceline or 1,
        )
    found = []
    for element in root.findall(_q("file")):
        body = element.find(_q("body"))
        found.append(
            XliffFile(
                original=element.get("original", ""),
                source_language=element.get("source-language", ""),
                target_language=element.get("target-language", ""),
                units=tuple(_units(body)) if body is not None else (),
                translator=_translator(element),
            )
        )
    return found
