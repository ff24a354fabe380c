"""`update`'s core: an old catalog brought up to a new template, as `msgmerge --previous` does it.

GNU gettext 0.21's msgmerge.c is the specification, entry for entry: template order, then the
obsolete entries; translations, translator comments and fuzziness from the old catalog; msgid,
extracted comments, references and format flags from the template; `#|` previous msgids on fuzzy
entries. Two differences: the default choice of fuzzy candidate (see fuzzy.py), and flags gettext
does not know (`read-only`…) are kept, the old entry's or a new one's, where msgmerge drops them.
Pure: no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from . import formats, plural
from .flags import Flags, read_flags, write_flags
from .fuzzy import FuzzyIndex, Matching
from .header import is_utf8, merge_header
from .model import Entry, Key, PoFile
from .pairing import Veto
from .parse import charset_span

__all__ = ["Matching", "merge"]

# ---- plural forms and format strings ----------------------------------------------------------


@dataclass(frozen=True)
class _Plurals:
    """What msgmerge knows of the old catalog's plural forms: extract_plural_expression's count
    (2 when the header has no valid Plural-Forms) and the formula."""

    nplurals: int
    formula: plural.Plural

    @cached_property
    def distribution(self) -> plural.Distribution | None:
        """check_plural_eval's distribution, for format checks only (1001 evaluations, so only
        on demand); None when the formula fails over 0..1000, which relaxes those checks."""
        try:
            return plural.distribution(self.formula, self.nplurals)
        except plural.PluralFormsError:
            return None


_GERMANIC = _Plurals(2, plural.GERMANIC.plural)


def _plurals(header: str | None) -> _Plurals:
    """
    >>> _plurals("Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);\\n").nplurals
    3
    >>> _plurals("Plural-Forms: nplurals=3; plural=n >> 1;\\n").nplurals
    2
    """
    found = plural.header_rule(header) if header is not None else None
    # only the expression (to ';' or the line's end) is compiled, and remembered
    return _GERMANIC if found is None else _compiled(*found)


@lru_cache(maxsize=256)
def _compiled(nplurals: int, expression: str) -> _Plurals:
    try:
        return _Plurals(nplurals, plural.compile_plural(expression))
    except plural.PluralFormsError:
        return _GERMANIC


def _format_breaks(language: str, new: Entry, msgstr: tuple[str, ...], rules: _Plurals) -> bool:
    """Would `msgfmt -c` reject `msgstr` now that the template calls `new` a `language` format
    string? msgmerge then makes the entry fuzzy. For the languages formats.py does not check the
    answer is yes: the entry becomes fuzzy rather than let an unchecked translation through."""
    if language not in formats.CHECKED:
        return True
    span = read_flags(new.flags).range
    found = formats.problems(
        language, new.msgid, new.msgid_plural, msgstr, span, rules.distribution
    )
    return bool(found)


# ---- messages (match_domain, message_merge) ----------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """An entry of the result while msgmerge's later passes may still change it."""

    entry: Entry
    flags: Flags
    singular_to_plural: bool = False  # template has msgid_plural, the old entry did not
    plural_to_singular: bool = False


def _merged(old: Entry, new: Entry, force_fuzzy: bool, rules: _Plurals) -> _Draft:
    """message_merge: one template entry filled from one old entry."""
    have, want = read_flags(old.flags), read_flags(new.flags)
    msgstr = (merge_header(old.msgstr[0], new.msgstr[0]),) if new.is_header else old.msgstr
    fuzzy = have.fuzzy or force_fuzzy or old.msgid_plural != new.msgid_plural
    for language, value in want.formats:
        if (
            not fuzzy
            and value in ("yes", "possible")
            and have.format(language) not in ("yes", "possible")
            and _format_breaks(language, new, msgstr, rules)
        ):
            fuzzy = True
    if not fuzzy and have.range is not None:
        low, high = have.range
        fuzzy = want.range is None or not (want.range[0] >= low and want.range[1] <= high)
    # The later passes only ever confirm fuzziness (a plural change is fuzzy already) and keep
    # msgstr[0], so whether the `#|` lines survive is known here.
    previous: tuple[str | None, str | None, str | None] = (None, None, None)
    if new.is_header or not fuzzy or msgstr[0] == "":
        pass
    elif have.fuzzy:
        previous = (old.previous_msgctxt, old.previous_msgid, old.previous_msgid_plural)
    else:
        previous = (old.msgctxt, old.msgid, old.msgid_plural)
    if (
        msgstr == old.msgstr
        and previous == (old.previous_msgctxt, old.previous_msgid, old.previous_msgid_plural)
        and _same_source(old, new)
    ):
        entry = old  # already merged with this template: the common case costs no copy
    else:
        entry = replace(
            new,
            msgstr=msgstr,
            comments=old.comments,
            previous_msgctxt=previous[0],
            previous_msgid=previous[1],
            previous_msgid_plural=previous[2],
            line=old.line,
            msgstr_line=old.msgstr_line,
        )
    return _Draft(
        entry,
        Flags(fuzzy, want.formats, want.range, want.wrap, have.unknown),
        singular_to_plural=new.msgid_plural is not None and old.msgid_plural is None,
        plural_to_singular=new.msgid_plural is None and old.msgid_plural is not None,
    )


def _same_source(old: Entry, new: Entry) -> bool:
    """Everything a merged entry takes from the template is already in the old entry."""
    return (
        old.msgid_plural == new.msgid_plural
        and old.extracted == new.extracted
        and old.references == new.references
        and old.obsolete == new.obsolete
        and old.msgctxt == new.msgctxt
        and old.msgid == new.msgid
    )


def _missing(new: Entry, nplurals: int) -> _Draft:
    """A template entry nothing in the old catalog matches: copied, with as many empty plural
    forms as the old catalog's header asks for."""
    entry = new
    if new.msgid_plural is not None and not any(new.msgstr):
        entry = replace(new, msgstr=("",) * max(nplurals, 1))
    return _Draft(entry, read_flags(new.flags))


def _finish(draft: _Draft, nplurals: int) -> Entry:
    """The postprocessing passes of match_domain, then the flags as gettext writes them."""
    entry, flags = draft.entry, draft.flags
    if draft.singular_to_plural and nplurals > 0:
        entry = replace(entry, msgstr=(entry.msgstr[0],) * nplurals)
        flags = replace(flags, fuzzy=True)
    if draft.plural_to_singular and len(entry.msgstr) > 1:
        entry = replace(entry, msgstr=entry.msgstr[:1])
        flags = replace(flags, fuzzy=True)
    if entry.has_previous and (not flags.fuzzy or entry.msgstr[0] == ""):
        entry = replace(
            entry, previous_msgctxt=None, previous_msgid=None, previous_msgid_plural=None
        )
    rendered = write_flags(flags, translated=entry.msgstr[0] != "", obsolete=entry.obsolete)
    return entry if rendered == entry.flags else replace(entry, flags=rendered)


def _retired(old: Entry) -> Entry:
    """An old entry no template entry used: kept as obsolete, without source comments."""
    flags = write_flags(read_flags(old.flags), translated=True, obsolete=True)
    if old.obsolete and not old.extracted and not old.references and flags == old.flags:
        return old
    return replace(old, extracted=(), references=(), flags=flags, obsolete=True)


@lru_cache(maxsize=1024)
def _as_merged(old: tuple[str, ...], new: tuple[str, ...], translated: bool) -> tuple[str, ...]:
    """The flags an exactly matched entry gets: fuzziness and unknown flags of the old, the rest
    of the template."""
    have, want = read_flags(old), read_flags(new)
    kept = Flags(have.fuzzy, want.formats, want.range, want.wrap, have.unknown)
    return write_flags(kept, translated=translated)


def _already_merged(old: PoFile, template: PoFile) -> PoFile | None:
    """The result when `old` was already merged with this template's messages (the common case
    of `update`: most pages did not change), computed without the general passes; None when
    anything could differ, so that `merge` takes the general path.

    The shortcut's conditions are what make each general pass a no-op on an entry: the same
    keys in the same order, every field taken from the template already equal, the flags already
    as gettext writes them, no previous msgid on an entry that is not fuzzy, and every obsolete
    entry already in its retired form. Only the header is merged, by the general rule."""
    old_header, new_header = old.header, template.header
    if old_header is None or new_header is None or old.entries[0] is not old_header:
        return None
    span = charset_span(old_header.msgstr[0])
    if span is None or old_header.msgstr[0][span[0] : span[1]] != "UTF-8":
        return None
    if not is_utf8(new_header.msgstr[0]) or template.entries[0] is not new_header:
        return None
    news = template.entries[1:]
    if len(old.entries) < len(template.entries):
        return None
    for mine, theirs in zip(old.entries[1:], news, strict=False):
        if theirs.obsolete or mine.key != theirs.key or not _same_source(mine, theirs):
            return None
        translated = mine.msgstr[0] != ""
        if mine.flags != _as_merged(mine.flags, theirs.flags, translated):
            return None
        if mine.has_previous and not (translated and read_flags(mine.flags).fuzzy):
            return None
    for rest in old.entries[len(template.entries) :]:
        if not rest.obsolete or rest.msgstr[0] == "" or _retired(rest) is not rest:
            return None
    header = _finish(_merged(old_header, new_header, False, _plurals(old_header.msgstr[0])), 0)
    if header == old_header:
        return old
    return PoFile((header, *old.entries[1:]), old.path, old.charset)


def merge(
    old: PoFile,
    template: PoFile,
    *,
    matching: Matching = Matching.WORDS,
    veto: Veto | None = None,
    jobs: int = 1,
) -> PoFile:
    """`msgmerge --previous old template`, as the parsed catalog it writes.

    Returns `old` itself when the template brings nothing new, so that a caller can skip the
    write. `matching` picks the fuzzy matcher: WORDS (default) never pre-fills a translation
    across a replaced word, nor one that `veto` refuses; GNU is msgmerge's (and takes no veto).
    `jobs` > 1 spreads the fuzzy searches of a large catalog over that many processes (spread.py;
    the result is the same), as msgmerge spreads them over threads.
    """
    quick = _already_merged(old, template)
    if quick is not None:
        return quick
    entries = template.entries
    if template.header is None:  # msgmerge adds an empty header to a template without one
        entries = (Entry(""), *entries)
    template_header = next((e.msgstr[0] for e in entries if e.is_header and not e.obsolete), "")
    was_utf8 = is_utf8(template_header)

    defs = list(old.entries)
    found: dict[Key, Entry] = {}
    for i, entry in enumerate(defs):
        if entry.is_header and was_utf8 and (span := charset_span(entry.msgstr[0])):
            # msgmerge converts the old catalog to the template's UTF-8 and says so in its header
            text = entry.msgstr[0]
            defs[i] = entry = replace(entry, msgstr=(text[: span[0]] + "UTF-8" + text[span[1] :],))
        found.setdefault(entry.key, entry)
    old_header = found.get((None, ""))
    rules = _plurals(old_header.msgstr[0] if old_header is not None else None)

    index: FuzzyIndex | None = None
    if jobs > 1:
        news = [e for e in entries if not e.is_header and e.key not in found]
        index = FuzzyIndex(defs, "utf-8" if was_utf8 else old.charset)
        index.prefetch(news, matching, veto, jobs)
    used: set[int] = set()
    drafts: list[_Draft] = []
    for new in entries:
        match = found.get(new.key)
        fuzzy = False
        if match is None and not new.is_header:
            if index is None:
                index = FuzzyIndex(defs, "utf-8" if was_utf8 else old.charset)
            match = index.best(new, matching, veto)
            fuzzy = match is not None
        if match is not None:
            used.add(id(match))
            drafts.append(_merged(match, new, fuzzy, rules))
        elif not new.is_header:
            drafts.append(_missing(new, rules.nplurals))

    result_header = next((d.entry for d in drafts if d.entry.is_header), None)
    nplurals = _plurals(result_header.msgstr[0] if result_header is not None else None).nplurals
    finished = [_finish(d, nplurals) for d in drafts]
    retired = [_retired(e) for e in defs if id(found[e.key]) not in used]
    merged = (
        *(e for e in finished if not e.obsolete),
        *(e for e in finished if e.obsolete and e.msgstr[0] != ""),
        *(e for e in retired if e.msgstr[0] != ""),
    )
    charset = "UTF-8" if was_utf8 else old.charset
    if merged == old.entries and charset == old.charset:
        return old
    return PoFile(merged, old.path, charset)
