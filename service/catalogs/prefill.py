"""`update`'s use of translation memory: an untranslated entry gets an approved translation of the
same English as a fuzzy guess, never as a translation.

- Exact: an untranslated entry whose msgid (and msgid_plural) equals a memory record's English in
  the same locale is filled with that record's translation, flagged fuzzy, with a translator
  comment naming the page, locale, reviewers and date it was approved on. A candidate an
  error-level check refuses against the entry's English is passed over (the next one is tried).
  Fuzzy, it is neither compiled nor served; a translator clears the flag and a reviewer approves
  it on this page as any other translation.
- Near: `merge` already offers the old translation of a changed msgid where the word rule and
  the clinic's veto allow it. Where it offered nothing and this page had an approved translation
  of a similar English (as msgmerge measures it, from 0.6), that translation is offered fuzzy
  (with the earlier English as `#|`) if the same word rule, veto and error-level checks allow it;
  otherwise it is shown in translator comments with the reason ("a number changed"), where Poedit
  and every editor show it, instead of only in `#~` at the end of the file. Across pages, only
  exact matches are used.

Every comment this writes starts with `memory:` and is worked out again on each `update` for an
entry that is still untranslated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from service.catalogs.memory import Memory, Remembered
from service.catalogs.veto import ClinicVeto
from service.core.terminology import Glossary
from service.po import Entry, PoFile
from service.po.fuzzy import FUZZY_THRESHOLD, fstrcmp, refusal
from service.quality.checks import Unit, blocking

__all__ = ["MARK", "Filled", "fillable", "prefill"]

MARK = "memory: "


@dataclass(frozen=True)
class Filled:
    """What memory did to one catalog."""

    exact: int = 0  # pre-filled fuzzy from an exact match
    near: int = 0  # offered fuzzy from a similar English of the same page
    noted: int = 0  # a similar approved text shown in comments, not offered
    refused: int = 0  # exact candidates an error-level check refused (passed over)

    def __add__(self, other: Filled) -> Filled:
        return Filled(
            self.exact + other.exact,
            self.near + other.near,
            self.noted + other.noted,
            self.refused + other.refused,
        )


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


class _Forms(Protocol):
    @property
    def fuzzy(self) -> bool: ...
    @property
    def msgstr(self) -> tuple[str, ...]: ...


def fillable(entry: _Forms) -> bool:
    """Whether memory may fill a live message: no translator's text at all (every form empty)
    and not fuzzy. A half-filled plural (some forms typed) is the translator's work in progress
    and is left alone, as is a fuzzy guess. `prefill` and `update`'s memory pass (what it
    asks memory for) both ask this."""
    return not entry.fuzzy and not any(entry.msgstr)


@dataclass(frozen=True)
class _Filler:
    domain: str
    locale: str
    memory: Memory
    terms: tuple[str, ...]
    glossary: Glossary

    def passes(self, entry: Entry, record: Remembered) -> bool:
        """The record's forms fit the entry and no error-level check refuses them against it."""
        if len(record.msgstr) != len(entry.msgstr):
            return False
        unit = Unit(
            entry.source_forms,
            record.msgstr,
            self.locale,
            self.terms,
            record.references,
            self.glossary,
        )
        return not blocking(unit)

    def exact(self, entry: Entry) -> tuple[Entry | None, int]:
        refused = 0
        for record in self.memory.exact(self.locale, entry.msgid, entry.msgid_plural, self.domain):
            if not self.passes(entry, record):
                refused += 1
                continue
            note = f"{MARK}pre-filled from {record.where}; fuzzy until you check it"
            filled = replace(entry, msgstr=record.msgstr, comments=(*entry.comments, note))
            return filled.with_flag("fuzzy"), refused
        return None, refused

    def near(self, entry: Entry, live: set[tuple[str, str | None]]) -> tuple[Entry, str]:
        """The entry with a similar approved text of this page offered ("near"), or shown in
        comments ("noted"), or unchanged ("")."""
        best, score = None, FUZZY_THRESHOLD
        data = entry.msgid.encode()
        for record in self.memory.of_page(self.locale, self.domain):
            if (record.msgid, record.msgid_plural) in live:
                continue  # its English is still on the page: not an earlier wording of this one
            similarity = fstrcmp(record.msgid.encode(), data, score)
            if similarity >= score and (best is None or similarity > score):
                best, score = record, similarity
        if best is None:
            return entry, ""
        earlier = Entry(best.msgid, msgid_plural=best.msgid_plural)
        why = refusal(earlier, entry, ClinicVeto(self.terms))
        if why is None and not self.passes(entry, best):
            why = "an error-level check refuses it for the new English"
        if why is None:
            note = f"{MARK}offered from the earlier English approved on {best.where}"
            offered = replace(
                entry,
                msgstr=best.msgstr,
                comments=(*entry.comments, note),
                previous_msgid=best.msgid,
                previous_msgid_plural=best.msgid_plural,
            )
            return offered.with_flag("fuzzy"), "near"
        notes = (
            f"{MARK}approved earlier for: {_one_line(best.msgid)}",
            *(f"{MARK}as: {_one_line(form)}" for form in best.msgstr),
            f"{MARK}({best.where}); not offered: {why}",
        )
        return replace(entry, comments=(*entry.comments, *notes)), "noted"

    def entry(self, entry: Entry, live: set[tuple[str, str | None]]) -> tuple[Entry, Filled]:
        kept = tuple(c for c in entry.comments if not c.startswith(MARK))
        entry = replace(entry, comments=kept) if len(kept) != len(entry.comments) else entry
        filled, refused = self.exact(entry)
        if filled is not None:
            return filled, Filled(exact=1, refused=refused)
        entry, how = self.near(entry, live)
        return entry, Filled(near=how == "near", noted=how == "noted", refused=refused)


def prefill(
    po: PoFile,
    domain: str,
    locale: str,
    memory: Memory,
    terms: tuple[str, ...] = (),
    glossary: Glossary = (),
) -> tuple[PoFile, Filled]:
    """`po` with its untranslated entries filled from `memory` as the module's docstring says,
    and the counts. Entries that are translated or fuzzy are left as they are."""
    filler = _Filler(domain, locale, memory, terms, glossary)
    live = {(e.msgid, e.msgid_plural) for e in po.messages()}
    total = Filled()
    entries, changed = [], False
    for entry in po.entries:
        if not entry.obsolete and not entry.is_header and fillable(entry):
            done, counts = filler.entry(entry, live)
            total += counts
            changed = changed or done != entry
            entry = done
        entries.append(entry)
    return (replace(po, entries=tuple(entries)) if changed else po), total
