"""merge against GNU msgmerge --previous, entry for entry.

Every expected catalog is GNU msgmerge 0.21's own output (tests/gnu.py), parsed: first one
hand-written case per behaviour (tests/data/po/merge/NAME.po + NAME.pot), then the 22 Sphinx
update pairs of the corpus (slow). Matching.GNU must reproduce msgmerge exactly. The default
matcher may differ only in the fuzzy pairings it offers, and each difference is either what the
Sphinx translators chose or listed below with its reason. The default matcher here is the one
`update` runs: Matching.WORDS with the clinic's veto (`service.catalogs.veto`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest

from benchmarks.fuzzy_quality import Score, pairs, reuses
from benchmarks.fuzzy_quality import run as quality
from service.catalogs.veto import ClinicVeto, Unsafe, unsafe
from service.po import merge as merge_module
from service.po.flags import read_flags
from service.po.fuzzy import FuzzyIndex, Matching, refusal
from service.po.merge import merge
from service.po.model import Entry, PoFile
from service.po.pairing import Refusal
from service.po.parse import parse, read
from service.po.write import write

from . import gnu
from .conftest import DATA

MERGE = DATA / "po" / "merge"
CASES = sorted(p.stem for p in MERGE.glob("*.po"))
PROTECTED: dict[str, tuple[str, ...]] = {"number-changed-never-fuzzy": ("SPRAVATO",)}
SPHINX = pairs()


def _large() -> list[tuple[str, Path, Path]]:
    """The corpus's large update pairs (GNU git's and Vim's, about 2,000 to 5,500 messages)."""
    found = []
    for folder in ("git-5eaa0279", "vim-e978b453"):
        base = gnu.corpus("merge", folder)
        for old in sorted(base.glob("*-old.po")):
            name = old.name.removesuffix("-old.po")
            template = base / f"{name}-new.pot"
            found.append(
                (f"{folder}/{name}", old, template if template.exists() else base / "vim-new.pot")
            )
    return found


LARGE = _large()


def _msgmerge(old: Path, template: Path) -> PoFile:
    return parse(gnu.msgmerge(old, template), "msgmerge")


def _fields(e: Entry) -> tuple[object, ...]:
    """Everything msgmerge writes about an entry (line numbers are the writer's business)."""
    return (
        e.msgctxt,
        e.msgid,
        e.msgid_plural,
        e.msgstr,
        e.comments,
        e.extracted,
        e.references,
        e.flags,
        e.previous_msgctxt,
        e.previous_msgid,
        e.previous_msgid_plural,
        e.obsolete,
    )


def _view(po: PoFile) -> tuple[str, list[tuple[object, ...]]]:
    return po.charset, [_fields(e) for e in po.entries]


def _without_unknown_flags(po: PoFile) -> PoFile:
    """`po` without the flags gettext does not know: msgmerge drops them, merge keeps them
    (test_unknown_flags_survive_merge_and_write)."""
    entries = (
        replace(e, flags=tuple(f for f in e.flags if f not in read_flags(e.flags).unknown))
        for e in po.entries
    )
    return PoFile(tuple(entries), po.path, po.charset)


# ---- Matching.GNU is msgmerge ------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_gnu_matching_is_msgmerge_entry_for_entry(name: str) -> None:
    old, template = MERGE / f"{name}.po", MERGE / f"{name}.pot"
    got = merge(read(old), read(template), matching=Matching.GNU)
    assert _view(_without_unknown_flags(got)) == _view(_msgmerge(old, template))


@pytest.mark.slow
@pytest.mark.parametrize(("label", "old", "template", "final"), SPHINX, ids=[p[0] for p in SPHINX])
def test_gnu_matching_is_msgmerge_on_sphinx_updates(
    label: str, old: Path, template: Path, final: Path
) -> None:
    got = merge(read(old), read(template), matching=Matching.GNU)
    assert _view(_without_unknown_flags(got)) == _view(_msgmerge(old, template))


@pytest.mark.slow
@pytest.mark.parametrize(("label", "old", "template"), LARGE, ids=[p[0] for p in LARGE])
def test_gnu_matching_is_msgmerge_on_large_updates(label: str, old: Path, template: Path) -> None:
    got = merge(read(old), read(template), matching=Matching.GNU)
    assert _view(_without_unknown_flags(got)) == _view(_msgmerge(old, template))


@pytest.mark.parametrize(
    ("label", "old", "template", "final"), SPHINX[::4], ids=[p[0] for p in SPHINX[::4]]
)
@pytest.mark.parametrize("matching", list(Matching))
def test_the_search_of_all_candidates_at_once_answers_as_the_one_by_one_search(
    label: str,
    old: Path,
    template: Path,
    final: Path,
    matching: Matching,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large catalog's searches compare each query with every old msgid at once (lcs_many.py);
    a small one's, one by one with bounds. Both must pick the same old entry for every query."""
    catalogs = [read(old), read(template)]
    veto = ClinicVeto() if matching is Matching.WORDS else None
    merged = []
    for packed_from in (0, 10**9):  # always at once; never
        monkeypatch.setattr(FuzzyIndex, "PACKED_FROM", packed_from)
        monkeypatch.setattr(FuzzyIndex, "_answers", {})  # no answer from the other way's run
        merged.append(merge(*catalogs, matching=matching, veto=veto))
    assert _view(merged[0]) == _view(merged[1])
    assert sum(e.fuzzy for e in merged[0].entries) > 0


@pytest.mark.parametrize("matching", list(Matching))
def test_searches_spread_over_processes_give_the_same_catalog(
    matching: Matching, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`po merge` spreads a large catalog's fuzzy searches over the cores (jobs > 1)."""
    _, old, template = next(p for p in LARGE if p[0].endswith("vim-de"))
    catalogs = [read(old), read(template)]
    veto = ClinicVeto() if matching is Matching.WORDS else None
    merged = []
    for jobs in (1, 2):
        monkeypatch.setattr(FuzzyIndex, "_answers", {})  # no answer from the other run
        merged.append(merge(*catalogs, matching=matching, veto=veto, jobs=jobs))
    assert write(merged[0]) == write(merged[1])
    assert sum(e.fuzzy for e in merged[0].entries) > 0


@pytest.mark.parametrize("name", CASES)
def test_a_merged_catalog_merges_to_itself_at_no_cost(name: str, tmp_path: Path) -> None:
    """msgmerge leaves its own output unchanged; merge then returns its input object, so that
    `update` can skip the write."""
    template = MERGE / f"{name}.pot"
    merged = tmp_path / f"{name}.po"
    merged.write_bytes(gnu.msgmerge(MERGE / f"{name}.po", template))
    assert gnu.msgmerge(merged, template) == merged.read_bytes()
    catalog = read(merged)
    for matching in Matching:
        assert merge(catalog, read(template), matching=matching) is catalog


@pytest.mark.parametrize(
    ("label", "old", "template", "final"), SPHINX[:6], ids=[p[0] for p in SPHINX[:6]]
)
def test_the_already_merged_shortcut_gives_what_the_general_passes_give(
    label: str, old: Path, template: Path, final: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`update`'s common case skips msgmerge's passes; on a catalog merged once (and on one whose
    translator then confirmed a fuzzy entry) it must answer exactly as the passes do."""
    pot = read(template)
    once = merge(read(old), pot)
    fuzzy = next(e for e in once.entries if e.fuzzy)
    confirmed = PoFile(
        tuple(e.with_flag("fuzzy", False) if e is fuzzy else e for e in once.entries),
        once.path,
        once.charset,
    )
    shortcut = [merge(po, pot) for po in (once, confirmed)]
    monkeypatch.setattr(merge_module, "_already_merged", lambda old, template: None)
    general = [merge(po, pot) for po in (once, confirmed)]
    assert [_view(po) for po in shortcut] == [_view(po) for po in general]
    assert shortcut[0] is once  # and so `update` writes nothing


# ---- the default matcher: where it differs, and why ----------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A template entry both matchers pair differently: the old entry each pre-fills from."""

    new: Entry
    theirs: Entry | None  # msgmerge's
    ours: Entry | None


def _not_pairing(e: Entry) -> tuple[object, ...]:
    """What does not depend on which old entry was paired (comments and msgstr do)."""
    flags = tuple(f for f in e.flags if f != "fuzzy")
    return (e.msgctxt, e.msgid, e.msgid_plural, e.extracted, e.references, flags)


def _shows(entry: Entry, paired: Entry | None) -> bool:
    """Does the merged entry carry this pairing: the old translation, fuzzy, `#|` the old msgid?"""
    if paired is None:
        return not any(entry.msgstr) and not entry.has_previous
    previous = paired.previous_msgid if paired.fuzzy else paired.msgid
    return entry.fuzzy and entry.msgstr[0] == paired.msgstr[0] and entry.previous_msgid == previous


def _differences(
    old: PoFile, template: PoFile, terms: tuple[str, ...] = ()
) -> tuple[list[Difference], PoFile, PoFile]:
    """Merge both ways; assert that the catalogs differ only in pairings; return those."""
    theirs = merge(old, template, matching=Matching.GNU)
    ours = merge(old, template, veto=ClinicVeto(terms))
    live_t = [e for e in theirs.entries if not e.obsolete]
    live_o = [e for e in ours.entries if not e.obsolete]
    assert [e.key for e in live_o] == [e.key for e in live_t]
    index = FuzzyIndex(old.entries)
    found = []
    for a, b in zip(live_t, live_o, strict=True):
        if _fields(a) == _fields(b):
            continue
        assert _not_pairing(a) == _not_pairing(b)
        new = template.get(a.msgid, a.msgctxt)
        assert new is not None
        pair = Difference(
            new, index.best(new, Matching.GNU), index.best(new, Matching.WORDS, ClinicVeto(terms))
        )
        assert pair.theirs is not pair.ours
        assert _shows(a, pair.theirs) and _shows(b, pair.ours), (a, b)
        found.append(pair)
    involved = {e.key for d in found for e in (d.theirs, d.ours) if e is not None}
    obsolete_t = {e.key for e in theirs.entries if e.obsolete}
    obsolete_o = {e.key for e in ours.entries if e.obsolete}
    assert obsolete_t ^ obsolete_o <= involved  # an old entry one of them no longer uses
    return found, theirs, ours


# The hand-written cases where the default matcher refuses msgmerge's pairing: (case, new msgid,
# the old msgid msgmerge pre-fills from, the rule that refuses it). It offers nothing instead.
REFUSED: list[tuple[str, str, str, Refusal | Unsafe]] = [
    ("fuzzy-threshold", "Chest cold", "Chest pain", Refusal.WORD_REPLACED),
    (
        "header-latin1-to-utf8",
        "Feeling disconnected from your body",
        "Feeling disconnected from yourself",
        Refusal.WORD_REPLACED,
    ),
    (
        "number-changed-never-fuzzy",
        "Take 56 mg (two devices) twice a week during weeks 1 to 4.",
        "Take 84 mg (three devices) twice a week during weeks 1 to 4.",
        Unsafe.DOSE,
    ),
    (
        "number-changed-never-fuzzy",
        "Wait 10 minutes between each device.",
        "Wait 5 minutes between each device.",
        Unsafe.NUMBER,
    ),
    (
        "number-changed-never-fuzzy",
        "Each device delivers 28 mL of esketamine.",
        "Each device delivers 28 mg of esketamine.",
        Unsafe.DOSE,
    ),
    (
        "number-changed-never-fuzzy",
        "Keep {product} out of the reach of children.",
        "Keep {brand} out of the reach of children.",
        Unsafe.PLACEHOLDER,
    ),
    (
        "number-changed-never-fuzzy",
        "You cannot take this medicine with food.",
        "You can take this medicine with food.",
        Unsafe.NEGATION,
    ),
    (
        "number-changed-never-fuzzy",
        "Tell your doctor about all the medicines you take, including SPRAVATO.",
        "Tell your doctor about all the medicines you take.",
        Unsafe.TERM,
    ),
    (
        "number-changed-never-fuzzy",
        "Use two devices in each nostril.",
        "Use one device in each nostril.",
        Unsafe.NUMBER,
    ),
    (
        "plural-gains-form",
        "%(count)d hour after the session",
        "%(count)d treatment session left",
        Refusal.WORD_REPLACED,
    ),
]


@pytest.mark.parametrize("name", CASES)
def test_default_matching_refuses_only_the_listed_pairings(name: str) -> None:
    terms = PROTECTED.get(name, ())
    old, template = read(MERGE / f"{name}.po"), read(MERGE / f"{name}.pot")
    found, _, _ = _differences(old, template, terms)
    seen = []
    for d in found:
        assert d.ours is None and d.theirs is not None
        seen.append(
            (name, d.new.msgid, d.theirs.msgid, refusal(d.theirs, d.new, ClinicVeto(terms)))
        )
    assert seen == [row for row in REFUSED if row[0] == name]


def test_msgmerge_prefills_a_wrong_dose_and_ours_leaves_it_empty() -> None:
    """The case the conservative rule exists for, end to end against msgmerge's own output."""
    old, template = (
        MERGE / "number-changed-never-fuzzy.po",
        MERGE / "number-changed-never-fuzzy.pot",
    )
    wanted = "Take 56 mg (two devices) twice a week during weeks 1 to 4."
    theirs = _msgmerge(old, template).get(wanted)
    ours = merge(read(old), read(template), veto=ClinicVeto()).get(wanted)
    assert theirs is not None and theirs.fuzzy and "84 mg" in theirs.msgstr[0]
    assert ours is not None and ours.msgstr == ("",) and not ours.fuzzy


def test_unknown_flags_survive_merge_and_write() -> None:
    """Our one deliberate difference from msgmerge in flags: those gettext does not know (Weblate's
    `read-only`, `max-length:N`) are kept, where msgmerge drops them. A matched entry keeps the old
    catalog's, a new entry brings the template's, an obsolete entry keeps its own."""
    header = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'
    old = (
        f'{header}\n#, read-only, max-length:80\nmsgid "Take with food"\nmsgstr "Con comida"\n'
        '\n#, read-only\nmsgid "Retired"\nmsgstr "Retirado"\n'
    )
    template = (
        f'{header}\n#, python-format, max-length:20\nmsgid "Take with food"\nmsgstr ""\n'
        '\n#, max-length:40\nmsgid "Shake well"\nmsgstr ""\n'
    )
    merged = merge(parse(old.encode()), parse(template.encode()))
    entries = write(merged).decode().split("\n\n")[1:]
    assert entries == [
        '#, python-format, read-only, max-length:80\nmsgid "Take with food"\nmsgstr "Con comida"',
        '#, max-length:40\nmsgid "Shake well"\nmsgstr ""',
        '#, read-only\n#~ msgid "Retired"\n#~ msgstr "Retirado"\n',
    ]
    assert write(merge(merged, parse(template.encode()))) == write(merged)


@pytest.mark.parametrize(
    ("old", "new", "terms", "why"),
    [
        ("Take 84 mg once a day.", "Take 56 mg once a day.", (), Unsafe.DOSE),
        ("Take 0.5 mL.", "Take 0.5 mg.", (), Unsafe.DOSE),
        ("Wait 5 minutes.", "Wait 10 minutes.", (), Unsafe.NUMBER),
        ("Use one device.", "Use two devices.", (), Unsafe.NUMBER),
        ("Hello %(name)s", "Hello {name}", (), Unsafe.PLACEHOLDER),
        ("Take %s now", "Take %d now", (), Unsafe.PLACEHOLDER),
        ("Ask your doctor.", "Ask your doctor about SPRAVATO.", ("SPRAVATO",), Unsafe.TERM),
        ("Take it with food.", "Do not take it with food.", (), Unsafe.NEGATION),
        ("You can drive.", "You can't drive.", (), Unsafe.NEGATION),
        ("Added in version %s", "Removed in version %s", (), Refusal.WORD_REPLACED),
        ("Options", "exception", (), Refusal.WORD_REPLACED),
        ("Error", "Encoding error in the page title", (), Refusal.FEW_WORDS),
        ("Permalink to this heading", "Link to this heading", (), None),
        ("Store at room temperature", "Store at room temperature.", (), None),
        ("Check the date before each use.", "Check the date before every use.", (), None),
        ("Take 56 mg once a day.", "Take 56 mg once a day, with water.", (), None),
    ],
)
def test_refusal_rules(
    old: str, new: str, terms: tuple[str, ...], why: Refusal | Unsafe | None
) -> None:
    assert refusal(Entry(old), Entry(new), ClinicVeto(terms)) is why


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Take 84 mg", "Take 56 mg"),
        ("Take 1 tablet", "Take 2 tablets"),
        ("Dose: 0.5 mL", "Dose: 0.5 mg"),
        ("Spray %(n)d times", "Spray %(count)d times"),
    ],
)
def test_conservative_rule_holds_however_similar_the_strings(
    old: str, new: str, tmp_path: Path
) -> None:
    """msgmerge pre-fills each of these; the default matcher leaves the entry empty."""
    header = 'msgid ""\nmsgstr "Language: es\\nContent-Type: text/plain; charset=UTF-8\\n"\n\n'
    (tmp_path / "old.po").write_text(f'{header}msgid "{old}"\nmsgstr "traducción"\n')
    (tmp_path / "new.pot").write_text(f'{header}msgid "{new}"\nmsgstr ""\n')
    theirs = _msgmerge(tmp_path / "old.po", tmp_path / "new.pot").get(new)
    assert theirs is not None and theirs.fuzzy and theirs.msgstr == ("traducción",)
    assert unsafe(old, new) is not None
    ours = merge(read(tmp_path / "old.po"), read(tmp_path / "new.pot"), veto=ClinicVeto()).get(new)
    assert ours is not None and ours.msgstr == ("",) and not ours.fuzzy


# ---- the corpus: each difference is what the translators chose, or an exception ------------------


@cache
def _judge() -> Callable[[str, str], tuple[int, int]]:
    """(kept, not kept): over all 22 pairs, how many teams that translated `msgid` reused the old
    translation of `old_msgid` (benchmarks/fuzzy_quality.reuses), where they had one."""
    loaded = [(read(old), read(final)) for _, old, _, final in SPHINX]

    @cache
    def verdict(msgid: str, old_msgid: str) -> tuple[int, int]:
        kept = not_kept = 0
        for old, final in loaded:
            done, before = final.get(msgid), old.get(old_msgid)
            if done is None or before is None or not done.msgstr[0] or not before.msgstr[0]:
                continue
            if reuses(done.msgstr[0], before.msgstr[0]):
                kept += 1
            else:
                not_kept += 1
        return kept, not_kept

    return verdict


def _kept(votes: tuple[int, int]) -> bool:
    return votes[0] > 0 and votes[0] >= votes[1]


def _translators_chose_ours(d: Difference) -> bool:
    judge = _judge()
    theirs = judge(d.new.msgid, d.theirs.msgid) if d.theirs is not None else None
    if d.ours is None:  # ours offers nothing: the teams did not keep msgmerge's pre-fill
        return theirs is not None and sum(theirs) > 0 and not _kept(theirs)
    return _kept(judge(d.new.msgid, d.ours.msgid)) and (theirs is None or not _kept(theirs))


# Differences on the Sphinx pairs that no team's translation decides for ours:
# (new msgid, msgmerge's old msgid, our old msgid) → why ours is still the pairing to offer.
SPHINX_EXCEPTIONS: dict[tuple[str, str | None, str | None], str] = {
    ("Encoding error!", None, "Error"): (
        "msgmerge offers nothing (0.55 < 0.6); ours pre-fills 'Error', a word kept and one "
        "added, which 2 of the 6 teams that translated it kept: an incomplete, not a wrong, "
        "pre-fill, marked fuzzy"
    ),
    (
        "loading intersphinx inventory '%s' from %s ...",
        "loading intersphinx inventory from %s...",
        "intersphinx inventory has moved: %s -> %s",
    ): (
        "msgmerge's pairing adds a placeholder, which the conservative rule never offers; ours "
        "falls back to the next safe candidate, which 2 of 6 teams kept"
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize(("label", "old", "template", "final"), SPHINX, ids=[p[0] for p in SPHINX])
def test_default_matching_differs_only_where_the_translators_agree(
    label: str, old: Path, template: Path, final: Path
) -> None:
    found, _, _ = _differences(read(old), read(template))
    unexplained = []
    for d in found:
        key = (
            d.new.msgid,
            d.theirs.msgid if d.theirs is not None else None,
            d.ours.msgid if d.ours is not None else None,
        )
        if key not in SPHINX_EXCEPTIONS and not _translators_chose_ours(d):
            unexplained.append(key)
    assert unexplained == []


@pytest.mark.slow
@pytest.mark.parametrize(("label", "old", "template"), LARGE, ids=[p[0] for p in LARGE])
def test_default_matching_differs_from_msgmerge_only_by_its_rules_on_large_updates(
    label: str, old: Path, template: Path
) -> None:
    """git's and Vim's catalogs have no later Sphinx-style judge here: every difference from
    msgmerge must be a pairing of msgmerge's that a named rule refuses (`refusal`), or one the
    rules accept where msgmerge offers nothing (its threshold 0.6 is above our 0.5)."""
    veto = ClinicVeto()

    def explained(d: Difference) -> bool:
        if d.theirs is None:
            return d.ours is not None and refusal(d.ours, d.new, veto) is None
        return refusal(d.theirs, d.new, veto) is not None

    found, _, _ = _differences(read(old), read(template))
    assert found and [d.new.msgid for d in found if not explained(d)] == []


@pytest.mark.slow
def test_default_matching_beats_msgmerge_on_what_translators_kept() -> None:
    """benchmarks/fuzzy_quality.py's verdict: at least msgmerge's recall, better precision."""
    table, _ = quality()

    def total(matching: Matching) -> Score:
        out = Score()
        for scores in table.values():
            s = scores[matching]
            out.judged += s.judged
            out.correct += s.correct
            out.reusable += s.reusable
        return out

    gnu_score, ours = total(Matching.GNU), total(Matching.WORDS)
    assert ours.recall >= gnu_score.recall
    assert ours.precision > gnu_score.precision
