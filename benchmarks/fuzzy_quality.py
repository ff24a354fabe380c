"""Fuzzy matching judged by what real translators did: msgmerge's pairings against ours.

For each Sphinx update pair in the corpus (`merge/sphinx-*/`: an old catalog, the later template,
and the catalog the translators actually had at that later commit) every template msgid M that
the old catalog lacks is looked up by both matchers. A pairing M ← O (O an old entry, whose
translation T would be pre-filled as fuzzy) is judged against F, the translators' final msgstr
for M:

- **judged** when F is not empty (an empty F says nothing either way);
- **correct** when F reuses T: after case-folding, as word tokens (each CJK character one token,
  each format directive one token), the tokens F keeps unchanged from T are at least half of T and
  at least half of F, every other token of T was deleted or respelled ("defaut" → "défaut",
  ≥ 0.8 similar), never replaced by a different word, and T already had F's numbers and
  placeholders (the same multiset of digits runs and format directives).
  "Добавлено в версии %s" (Added) pre-filled for "Removed in version %s" is wrong even though the
  translators kept most of it: they had to replace the one word that carries the meaning. A
  pre-fill whose number or placeholder the translators had to change or add is wrong too: on
  patient text that is a wrong or missing dose, whatever else was reused.

precision = correct pairings / judged pairings offered.
recall = correct pairings / |D|, where D holds the msgids M (F not empty) for which at least one
old translated entry O would have been a correct pairing: what could have been reused at all.

Run: `.venv/bin/python benchmarks/fuzzy_quality.py` (prints a table; exit code 1 when ours is not
at least as good as msgmerge on both measures and strictly better on precision). A last line
gives both measures again without the numbers-and-placeholders condition, for comparison.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from service.catalogs.veto import ClinicVeto  # noqa: E402
from service.po.fuzzy import FuzzyIndex, Matching  # noqa: E402
from service.po.model import Entry, PoFile  # noqa: E402
from service.po.parse import read  # noqa: E402
from tests.gnu import corpus  # noqa: E402

# Ours is what `update` runs: Matching.WORDS with the clinic's veto (msgmerge's takes none).
VETO = ClinicVeto()

_TOKEN = re.compile(
    r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}"  # format directives
    r"|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"  # CJK: one token per character
    r"|[^\W_]+"  # words (letters and digits)
)
RESPELLING = 0.8
KEPT = 0.5
_FIXED = re.compile(r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}|\d+")


def tokens(text: str) -> list[str]:
    """Word tokens as the definition counts them.

    >>> tokens("Lien vers l'image %s")
    ['lien', 'vers', 'l', 'image', '%s']
    """
    return _TOKEN.findall(text.casefold())


def _close(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= RESPELLING


def reuses(final: str, old: str, figures: bool = True) -> bool:
    """Does the final translation reuse `old`: kept ≥ half of each, no word replaced by another,
    no number or placeholder changed or added (unless `figures` is false)?

    >>> reuses("Lien vers cette image", "Lien permanent vers cette image")
    True
    >>> reuses("Удалено в версии %s", "Добавлено в версии %s")
    False
    >>> reuses("La compilation a réussi, 1 avertissement.", "La compilation a réussi.")
    False
    """
    if figures and Counter(_FIXED.findall(old)) != Counter(_FIXED.findall(final)):
        return False
    t, f = tokens(old), tokens(final)
    if not t or not f:
        return final.strip() == old.strip() != ""
    kept = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, t, f, autojunk=False).get_opcodes():
        if op == "equal":
            kept += i2 - i1
        elif op == "replace" and not _close(" ".join(t[i1:i2]), " ".join(f[j1:j2])):
            return False
    return kept >= KEPT * len(t) and kept >= KEPT * len(f)


@dataclass
class Score:
    offered: int = 0
    judged: int = 0
    correct: int = 0
    reusable: int = 0  # |D|
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.judged if self.judged else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.reusable if self.reusable else 0.0


@dataclass(frozen=True)
class Pairing:
    """One fuzzy pairing a matcher offered, with the verdict; for the tests and for reading."""

    pair: str
    msgid: str
    old_msgid: str
    old_msgstr: str
    final: str
    correct: bool | None  # None: not judged (no final translation)


def pairs() -> list[tuple[str, Path, Path, Path]]:
    out = []
    for folder in sorted(corpus("merge").glob("sphinx-*")):
        for old in sorted(folder.glob("sphinx-*-old.po")):
            final = old.with_name(old.name.replace("-old.po", "-new.po"))
            out.append((f"{folder.name}/{old.name[:-7]}", old, folder / "sphinx-new.pot", final))
    return out


def _reusable(final: str, olds: list[Entry], cache: dict[str, bool], figures: bool) -> bool:
    wanted = Counter(tokens(final))
    size = wanted.total()
    for entry in olds:
        text = entry.msgstr[0]
        have = Counter(tokens(text))
        if 2 * (have & wanted).total() < max(have.total(), size):
            continue  # it cannot keep half of each: the alignment is not needed
        key = text + "\0" + final
        if key not in cache:
            cache[key] = reuses(final, text, figures)
        if cache[key]:
            return True
    return False


def evaluate(
    old: PoFile, template: PoFile, final: PoFile, label: str, figures: bool = True
) -> tuple[dict[Matching, Score], list[tuple[Matching, Pairing]]]:
    index = FuzzyIndex(old.entries)
    olds = [e for e in old.entries if e.msgstr[0] and not e.is_header]
    scores = {m: Score() for m in Matching}
    offered: list[tuple[Matching, Pairing]] = []
    cache: dict[str, bool] = {}
    for new in template.messages():
        if old.get(new.msgid, new.msgctxt) is not None:
            continue  # an exact match: both matchers agree by construction
        done = final.get(new.msgid, new.msgctxt)
        text = done.msgstr[0] if done is not None else ""
        reusable = bool(text) and _reusable(text, olds, cache, figures)
        for matching, score in scores.items():
            start = time.perf_counter()
            found = index.best(new, matching, VETO)
            score.seconds += time.perf_counter() - start
            score.reusable += reusable
            if found is None:
                continue
            score.offered += 1
            verdict = reuses(text, found.msgstr[0], figures) if text else None
            score.judged += verdict is not None
            score.correct += bool(verdict)
            offered.append(
                (matching, Pairing(label, new.msgid, found.msgid, found.msgstr[0], text, verdict))
            )
    return scores, offered


def run(
    figures: bool = True,
) -> tuple[dict[str, dict[Matching, Score]], list[tuple[Matching, Pairing]]]:
    table: dict[str, dict[Matching, Score]] = {}
    everything: list[tuple[Matching, Pairing]] = []
    for label, old, template, final in pairs():
        scores, offered = evaluate(read(old), read(template), read(final), label, figures)
        table[label] = scores
        everything += offered
    return table, everything


def _total(table: dict[str, dict[Matching, Score]], matching: Matching) -> Score:
    total = Score()
    for scores in table.values():
        s = scores[matching]
        total.offered += s.offered
        total.judged += s.judged
        total.correct += s.correct
        total.reusable += s.reusable
        total.seconds += s.seconds
    return total


def _row(label: str, gnu: Score, ours: Score) -> str:
    def cells(s: Score) -> str:
        return (
            f"{s.offered:>4} {s.judged:>4} {s.correct:>4} {s.reusable:>4} "
            f"{s.precision:>6.1%} {s.recall:>6.1%}"
        )

    return f"{label:<28} | {cells(gnu)} | {cells(ours)}"


def main() -> int:
    table, _ = run()
    head = "offr judg corr  |D|  prec. recall"
    print(f"{'pair':<28} | {'msgmerge ' + head:>45} | {'ours ' + head:>45}")
    for label, scores in table.items():
        print(_row(label, scores[Matching.GNU], scores[Matching.WORDS]))
    gnu, ours = _total(table, Matching.GNU), _total(table, Matching.WORDS)
    print(_row("all 22 pairs", gnu, ours))
    print(f"search time: msgmerge-equivalent {gnu.seconds:.2f} s, ours {ours.seconds:.2f} s")
    loose, _ = run(figures=False)
    print(_row("all, ignoring figures", _total(loose, Matching.GNU), _total(loose, Matching.WORDS)))
    print(
        "  (the same measures when a translation whose numbers or placeholders the translators"
        " changed still counts as reused: the price of the conservative rule)"
    )
    better = ours.precision > gnu.precision and ours.recall >= gnu.recall
    print(
        "ours is " + ("" if better else "NOT ") + "at least as good on both and better on precision"
    )
    return 0 if better else 1


if __name__ == "__main__":
    raise SystemExit(main())
