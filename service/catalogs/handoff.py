"""A catalog handed to a CAT tool and back: its entries as XLIFF units (`units_of`), and a tool's
units applied to it under the rules of an edit of the .po (`apply_units`).

An import edits msgstr and the fuzzy flag, and names the translator in Last-Translator, as a
translator's save in Poedit does; it never writes an approval (a unit "signed-off" in the tool
is a translation like any other here). What the checks refuse is reported and left out. A
translator note written in the tool becomes a `#` comment of the entry.

Each unit carries two records of the export: `x-exported-sha256` (the entry's msgstr and fuzzy
flag then) and `x-source-sha256` (its English then). A unit whose English changed since is
refused; where the catalog's entry changed since, a unit the tool left as exported is kept as
the catalog has it, and a unit the tool changed is refused (neither side's edit is lost). A unit
without the records (a tool that drops contexts it does not know) is judged two-way: the tool's
text is taken, whatever the catalog has now.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

from service.catalogs.xliff import STATES, XliffUnit, state_digest, text_digest
from service.core.models import Page, Segment, fingerprint
from service.core.terminology import NO_TERMINOLOGY, Terminology
from service.po import Entry, PoFile
from service.po.check import check
from service.po.write import write
from service.quality.checks import Finding, Severity, Unit, run_checks

__all__ = [
    "ONLY",
    "UnitOutcome",
    "apply_units",
    "entry_standing",
    "unit_id",
    "units_of",
]

# `--only`: "new" is what has no translation (any plural form empty), "changed" what is fuzzy
# (its English changed since it was translated, or a guess awaits a translator's look).
ONLY = ("new", "changed")
_DONE_STATES = ("translated", "signed-off", "final")


def entry_standing(entry: Entry) -> str:
    """untranslated, fuzzy or translated: what msgfmt would count it as (an entry with a
    plural form left empty is untranslated for a CAT tool: it needs translating)."""
    if not all(entry.msgstr):
        return "untranslated"
    return "fuzzy" if entry.fuzzy else "translated"


def unit_id(domain: Page, entry: Entry) -> str:
    """The id of an entry's unit, the same at every export while its English stands: the id of
    the page's first segment with it (what the API and `review approve --id` show), else its
    msgctxt, else its text's hash (an entry no segment uses, until `update` runs)."""
    seg = domain.segment(entry.msgid, entry.msgctxt)
    if seg is not None:
        return seg.id
    if entry.msgctxt is not None:
        return entry.msgctxt
    return "entry-" + fingerprint(entry.msgid, entry.msgid_plural or "")[:12]


def units_of(
    po: PoFile, domain: Page, approved: Callable[[Segment], bool], only: Collection[str] = ()
) -> list[XliffUnit]:
    """The live entries of a catalog as units (with `only`, the new and/or changed ones)."""
    wanted = {"untranslated"} if "new" in only else set()
    wanted |= {"fuzzy"} if "changed" in only else set()
    units = []
    for entry in po.messages():
        kind = entry_standing(entry)
        if only and kind not in wanted:
            continue
        seg = domain.segment(entry.msgid, entry.msgctxt)
        if kind == "translated" and seg is not None and approved(seg):
            kind = "approved"
        units.append(
            XliffUnit(
                id=unit_id(domain, entry),
                sources=entry.source_forms,
                targets=entry.msgstr,
                state=STATES[kind],
                approved=None if kind == "untranslated" else kind != "fuzzy",
                developer_notes=entry.extracted,
                translator_notes=entry.comments,
                critical=seg is not None and seg.critical,
                references=entry.references,
                segment_type=seg.type.value if seg is not None else "",
                exported=state_digest(entry.msgstr, entry.fuzzy),
                source_record=text_digest(entry.source_forms),
            )
        )
    return units


@dataclass(frozen=True)
class UnitOutcome:
    """What an import did with one unit: `taken` (as translated or fuzzy), or not, and why;
    `notes`, the tool's translator notes it added to the entry as `#` comments."""

    id: str
    line: int
    verdict: str  # "took", "unchanged", "skipped" or "refused"
    message: str
    notes: tuple[str, ...] = ()


def _fuzzy(unit: XliffUnit) -> bool:
    """The tool's word on the unit: its `state` when it gives one, else `approved="no"` (the PO
    profile's fuzzy). A target a tool still marks new or needing work comes in fuzzy."""
    if unit.state is not None:
        return unit.state not in _DONE_STATES
    return unit.approved is False


def _refusal(
    unit: XliffUnit, entry: Entry, findings: Sequence[Finding], msgfmt: Sequence[str]
) -> str:
    if not unit.sources or unit.sources != entry.source_forms[: len(unit.sources)]:
        return "source changed since export: the English is now " + _english(entry)
    if unit.inline:
        return f"inline markup {', '.join(sorted(set(unit.inline)))} in the target: give text only"
    if len(unit.targets) != len(entry.msgstr):
        return (
            f"plural mismatch: {len(unit.targets)} form(s), the catalog's Plural-Forms "
            f"has {len(entry.msgstr)}"
        )
    if not all(unit.targets):
        return "a plural form is empty: translate every form"
    errors = [f"{f.check}: {f.message}" for f in findings if f.severity is Severity.ERROR]
    errors += [f"msgfmt: {m}" for m in msgfmt]
    return "check error: " + "; ".join(errors) if errors else ""


def _english(entry: Entry) -> str:
    if entry.msgid_plural is None:
        return repr(entry.msgid)
    return f"{entry.msgid!r}, plural {entry.msgid_plural!r}"


def _source_changed(unit: XliffUnit, entry: Entry) -> bool:
    """The unit's record of its English (msgid and msgid_plural) at the export is not the
    entry's English now (a unit without the record: not known, as before)."""
    return bool(unit.source_record) and unit.source_record != text_digest(entry.source_forms)


def _with_notes(entry: Entry, unit: XliffUnit) -> tuple[Entry, tuple[str, ...]]:
    """`entry` with each translator note of the tool's that is not one of its `#` comments
    already added as one (one line, white space collapsed), and the notes added. A note never
    touches msgstr: approvals, which bind the text, stand."""
    have = {" ".join(c.split()) for c in entry.comments}
    added: list[str] = []
    for note in unit.translator_notes:
        line = " ".join(note.split())
        if line and line not in have:
            have.add(line)
            added.append(line)
    if not added:
        return entry, ()
    return replace(entry, comments=(*entry.comments, *added)), tuple(added)


def _msgfmt(po: PoFile, entry: Entry) -> list[str]:
    """What `msgfmt -c` says of the entry as it would stand (checked as if not fuzzy)."""
    alone = PoFile((*([po.header] if po.header else []), entry.with_flag("fuzzy", False)), po.path)
    return [p.message for p in check(alone) if p.severity == "error"]


def _edited(entry: Entry, targets: tuple[str, ...], fuzzy: bool) -> Entry:
    done = replace(entry, msgstr=targets).with_flag("fuzzy", fuzzy)
    if fuzzy:
        return done
    return replace(done, previous_msgctxt=None, previous_msgid=None, previous_msgid_plural=None)


_FIELD_LINE = r"^{name}:[^\n]*\n?"


def _with_field(header: str, name: str, value: str) -> str:
    line = f"{name}: {value}\n"
    pattern = re.compile(_FIELD_LINE.format(name=re.escape(name)), re.M)
    if pattern.search(header):
        return pattern.sub(lambda _m: line, header, count=1)
    return header + ("" if header.endswith("\n") or not header else "\n") + line


def _signed(po: PoFile, translator: str, now: str) -> PoFile:
    header = po.header
    if header is None:
        return po
    text = _with_field(header.msgstr[0], "PO-Revision-Date", now)
    text = _with_field(text, "Last-Translator", translator)
    new = replace(header, msgstr=(text,))
    return replace(po, entries=tuple(new if e is header else e for e in po.entries))


def _findings(
    entry: Entry,
    seg: Segment | None,
    targets: tuple[str, ...],
    locale: str,
    terms: tuple[str, ...],
    terminology: Terminology,
) -> list[Finding]:
    if seg is not None:
        return run_checks(Unit.of(seg, targets, locale, terms, terminology))
    return run_checks(
        Unit(entry.source_forms, targets, locale, terms, (), terminology.glossary(locale))
    )


def _judge(
    po: PoFile,
    domain: Page,
    entry: Entry,
    unit: XliffUnit,
    locale: str,
    rules: tuple[tuple[str, ...], Terminology],
) -> tuple[UnitOutcome, Entry | None]:
    """One unit's outcome, and the entry it makes (None: the catalog keeps what it has)."""
    if not any(unit.targets):
        return UnitOutcome(unit.id, unit.line, "skipped", "no translation: left as it is"), None
    if _source_changed(unit, entry):
        why = "source changed since export: the English is now " + _english(entry)
        return UnitOutcome(unit.id, unit.line, "refused", why), None
    if unit.exported and unit.exported != state_digest(entry.msgstr, entry.fuzzy):
        # the catalog's text or fuzzy flag changed since the export; the unit's text as exported
        # (whatever state the tool gives it) is the tool's "no change"
        if unit.exported in {state_digest(unit.targets, fuzzy) for fuzzy in (False, True)}:
            why = "not changed in this file, and changed in the catalog since the export: kept"
            return UnitOutcome(unit.id, unit.line, "unchanged", why), None
        why = (
            "changed in the catalog since the export, and in this file: the catalog's text "
            "stays (export again and redo this unit)"
        )
        return UnitOutcome(unit.id, unit.line, "refused", why), None
    seg = domain.segment(entry.msgid, entry.msgctxt)
    shaped = len(unit.targets) == len(entry.msgstr) and all(unit.targets)
    findings = _findings(entry, seg, unit.targets, locale, *rules) if shaped else []
    fuzzy = _fuzzy(unit)
    new = _edited(entry, unit.targets, fuzzy)
    why = _refusal(unit, entry, findings, _msgfmt(po, new) if shaped else [])
    if why:
        return UnitOutcome(unit.id, unit.line, "refused", why), None
    if entry.msgstr == unit.targets and entry.fuzzy == fuzzy:
        return UnitOutcome(unit.id, unit.line, "unchanged", "the catalog has this already"), None
    notes = [f"{f.severity.value}: {f.check}: {f.message}" for f in findings]
    what = "fuzzy" if fuzzy else "translated"
    if fuzzy and entry.translated:
        what += " (it was translated: as fuzzy it is not served until someone confirms it)"
    return UnitOutcome(unit.id, unit.line, "took", "; ".join([what, *notes])), new


def apply_units(
    po: PoFile,
    domain: Page,
    locale: str,
    units: Sequence[XliffUnit],
    translator: str,
    now: str,
    terms: tuple[str, ...] = (),
    terminology: Terminology = NO_TERMINOLOGY,
) -> tuple[bytes | None, list[UnitOutcome]]:
    """`units` applied to `po`: the catalog's bytes as it then stands, written as msgcat writes
    (None when nothing changed), and each unit's outcome. Taken units make the catalog's
    Last-Translator `translator` and its PO-Revision-Date `now`."""
    by_id = {unit_id(domain, e): e for e in po.messages()}
    changed: dict[int, Entry] = {}
    outcomes = []
    seen: set[str] = set()
    for unit in units:
        entry = by_id.get(unit.id)
        if unit.id in seen:
            why = "the id comes twice in this <file>: only its first unit is taken"
            outcomes.append(UnitOutcome(unit.id, unit.line, "refused", why))
            continue
        seen.add(unit.id)
        if entry is None:
            why = "unknown id: no entry of this catalog has it (its English changed or was removed since export)"
            outcomes.append(UnitOutcome(unit.id, unit.line, "refused", why))
            continue
        outcome, new = _judge(po, domain, entry, unit, locale, (terms, terminology))
        if outcome.verdict != "refused" and not _source_changed(unit, entry):
            new, notes = _with_notes(new or entry, unit)
            outcome = replace(outcome, notes=notes)
            new = new if new is not entry else None
        outcomes.append(outcome)
        if new is not None:
            changed[id(entry)] = new
    if not changed:
        return None, outcomes
    edited = replace(po, entries=tuple(changed.get(id(e), e) for e in po.entries))
    return write(_signed(edited, translator, now)), outcomes
