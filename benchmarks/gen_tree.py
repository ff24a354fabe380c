"""Scale tree generator: a complete content tree of N pages, every page translated and approved.

The tree is what our own tools would leave behind. Pages (17 segments each: title, description,
four headings, six paragraphs, one `::: critical` paragraph, four list items) and l10n.yaml are
written here; `clinic-l10n extract` and `clinic-l10n update` create the templates and catalogs; each
msgstr is then filled with a pseudo-translation and every catalog laid out as `msgcat --width=79`
writes it, by `clinic-l10n po format --in-place` (checked against GNU msgcat on a sample) or, where
the CLI has no such command or disagrees, by msgcat itself. Ledgers are planned by
`service.review.approvals.plan_approvals` and chained by `service.review.history`, as `clinic-l10n review approve`
writes them.

Text is seeded, so the same N and seed give the same pages and translations (only the templates'
POT-Creation-Date comes from the clock, as `extract` sets it). Pseudo-translations are a one-to-one
word-for-word substitution per locale that keeps numbers (written the locale's way: `0,5 mL`,
`٠٫٥ مل`, `0.5 毫升`), dose units, protected terms, inline markup and link targets, so every check
of service/quality/checks.py passes. Every name in the tree is fictional and says so.

    .venv/bin/python benchmarks/gen_tree.py OUT_DIR [--pages 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import yaml

from service import review
from service.content.pages import load_ui, parse_page
from service.core.models import CatalogEntry, FallbackPolicy, Ledger, LoadedCatalog, Page
from service.core.policy import Policy, Reviewer
from service.quality.meaning import negator_spans
from service.review.history import HEADER, read_history
from service.review.ledgers import render_events
from service.site.store import read_page

__all__ = [
    "AUTHOR",
    "EN_REVIEWER",
    "LOCALES",
    "PROTECTED",
    "TRANSLATORS",
    "TreeStats",
    "Writer",
    "build_tree",
    "clinic_l10n",
    "preview",
    "pseudo_translate",
    "safety_paragraphs",
    "tree_digest",
]

REPO = Path(__file__).resolve().parent.parent

# The shipped locales, as BCP 47 tags and as gettext folder names.
LOCALES: tuple[str, ...] = ("es", "pt", "pt-BR", "zh-Hans", "ar", "vi")
FOLDERS = {"es": "es", "pt": "pt", "pt-BR": "pt_BR", "zh-Hans": "zh_Hans", "ar": "ar", "vi": "vi"}
PROTECTED: tuple[str, ...] = ("Placebrin", "Samplozide", "Fictomab", "Examplix", "CareLine", "NTRA")
# Substances among the vocabulary's nouns, with the form each locale writes them in: the tree's
# `terminology:`. The pseudo-languages use these real words for them (a real translation would),
# so the `terminology` check reads the tree as it reads a clinic's.
TERMINOLOGY: dict[str, dict[str, str]] = {
    "caffeine": {
        "es": "cafeína",
        "pt": "cafeína",
        "pt-BR": "cafeína",
        "zh-Hans": "咖啡因",
        "ar": "الكافيين",
        "vi": "caffeine",
    },
    "alcohol": {
        "es": "alcohol",
        "pt": "álcool",
        "pt-BR": "álcool",
        "zh-Hans": "酒精",
        "ar": "الكحول",
        "vi": "rượu",
    },
}

AUTHOR = "Pat Placeholder (fictional content author)"
EN_REVIEWER = "Dr. Quinn Example (fictional)"  # clinical approval of the English
CLINICAL_REVIEWER = "Dr. Morgan Testcase (fictional)"  # clinical approval of safety translations
TRANSLATORS = {
    "es": "Lucía Inventada (fictional) <lucia@translators.example>",
    "pt": "Joana Fictícia (fictional) <joana@translators.example>",
    "pt-BR": "Rafael Imaginado (fictional) <rafael@translators.example>",
    "zh-Hans": "Li Xuni (fictional) <li@translators.example>",
    "ar": "Samir Wahmi (fictional) <samir@translators.example>",
    "vi": "Vy Giả Định (fictional) <vy@translators.example>",
}
LINGUISTS = {
    "es": "Dr. Elena Muestra (fictional)",
    "pt": "Dr. Sofia Exemplo (fictional)",
    "pt-BR": "Dr. Bianca Amostra (fictional)",
    "zh-Hans": "Dr. Wang Shili (fictional)",
    "ar": "Dr. Layla Namudhaj (fictional)",
    "vi": "Dr. Minh Mau (fictional)",
}
REVISION_DATE = "2026-01-14 16:00+0000"
REVIEWED_AT = "2026-01-15T09:30:00Z"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Medical-ish vocabulary. Sentences built from it say nothing true or false about any real drug.
NOUNS = _words(
    """
dose tablet capsule symptom clinic nurse pharmacist appointment treatment therapy schedule reaction
headache dizziness nausea fatigue appetite sleep routine record diary label package container refill
prescription measurement reading pressure temperature pulse rhythm muscle joint skin rash fever
infection wound dressing bandage injection inhaler spray drop cream ointment patch meal snack water
fluid exercise walk rest stress mood memory balance vision hearing breathing cough throat stomach
bowel bladder kidney liver heart lung bone tooth diet fiber salt sugar caffeine alcohol tobacco
allergy vaccine checkup screening sample test result chart monitor device pump meter strip needle
syringe caregiver family partner child pharmacy hospital ward visit emergency weekend morning
evening bedtime plan goal question concern change signal warning leaflet booklet calendar reminder
alarm timer bottle cap seal blister cup spoon glass juice milk bread fruit vegetable shower bath
towel pillow blanket chair stairs window lamp phone message letter form card wallet bag shelf
cupboard fridge kitchen bathroom bedroom garden journey trip holiday hobby friend neighbour colleague
"""
)
ADJECTIVES = _words(
    """
mild gentle regular usual daily weekly short long warm cool dry clean fresh quiet steady sudden
unusual common rare simple careful small large clear new written printed sealed original missed
extra next previous early late light heavy soft firm calm busy tired sore itchy swollen pale
flushed thirsty hungry comfortable familiar separate spare empty full open closed cold dark bright
"""
)
VERBS = _words(
    """
take skip store check record measure report discuss review adjust continue stop start avoid reduce
increase follow bring keep share monitor contact repeat wash apply swallow dissolve shake mix
prepare confirm mention notice track limit protect clean replace ask call return plan inspect
compare label update organise collect describe explain remember note
"""
)
ADVERBS = _words(
    """
slowly carefully gently regularly promptly quietly safely calmly usually clearly briefly fully
"""
)
PEOPLE = (
    "nurse",
    "pharmacist",
    "care team",
    "doctor",
    "clinic staff",
    "caregiver",
    "family doctor",
    "specialist nurse",
)
PREPOSITIONS = ("before", "after", "with", "during", "without", "between")
TIMES = ("minutes", "hours", "days", "weeks")
DOSES = ("mg", "mL")

# Pseudo-language material: syllables per locale (pt-BR differs from pt by its seed alone).
_LATIN: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "es": (
        _words("b c d f g j l m n p r s t v ch ll qu ñ"),
        ("a", "e", "i", "o", "u", "a", "e", "o", "ia", "ue", "á", "é", "ó", "í"),
        ("", "", "", "n", "s", "r", "l"),
    ),
    "pt": (
        _words("b c d f g j l m n p r s t v lh nh ch qu"),
        ("a", "e", "i", "o", "u", "a", "o", "ã", "é", "ô", "ei", "ou", "ê"),
        ("", "", "", "s", "r", "m", "l"),
    ),
    "vi": (
        _words("b c d đ g h k l m n s t v x kh ng nh ph th tr qu"),
        _words("a à á ả ạ ă ắ â ấ ầ e è é ê ế ệ i ì í o ò ó ô ố ộ ơ ờ ớ u ù ú ư ừ ứ y"),
        ("", "", "n", "ng", "c", "t", "m", "nh", "p"),
    ),
}
_HAN = (
    "安保备本变病补部步采测查常持出处传床次存达带单导等点调定动度短断对多发法方防分服复"
    "改感高根更工共关观管规过害好合和后护环缓换恢积极及急剂计记加家检减见健降交接结解"
    "紧近禁经境静局剧况理力联疗留流録门描明目内能年排配品平期其气前轻情清请区取全缺确"
    "让热日容入少身深生时识实使始适室手受书舒数水睡说速酸随损所特提体条听停通痛头外完"
    "危维温文稳问物吸习洗系细下鲜现限相项消小协心新信行形休需续选血压养药要液医依以易"
    "饮应用优有预原院约运杂在早增诊整正证症知执值指治制质中重主注状准咨自综足组最作"
)
_ARABIC = "ابتثجحخدذرسشصطعغفقكلمنهوي"
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PUNCT = {
    "zh-Hans": {".": "。", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！"},
    "ar": {",": "،", ";": "؛", "?": "؟"},
}
_UNITS = {"zh-Hans": {"mg": "毫克", "mL": "毫升"}, "ar": {"mg": "ملغ", "mL": "مل", "%": "٪"}}
# A real language negates with fixed words, which the `negation` check reads (its lists and their
# sources: service/quality/meaning.py). Pseudo-words stand for every other word; these stand for
# themselves, and no pseudo-word may be a negator.
_NEGATORS = {
    "es": {"not": "no", "never": "nunca"},
    "pt": {"not": "não", "never": "nunca"},
    "pt-BR": {"not": "não", "never": "nunca"},
    "vi": {"not": "không", "never": "không bao giờ"},
    "zh-Hans": {"not": "不", "never": "从不"},
    "ar": {"not": "لا", "never": "أبدا"},
}
_DECIMAL = {"es": ",", "pt": ",", "pt-BR": ",", "vi": ",", "ar": "٫", "zh-Hans": "."}


def _vocabulary(extra_texts: Sequence[str] = ()) -> list[str]:
    """Every English word the pages and the ui strings use, in one fixed order."""
    words = {*NOUNS, *ADJECTIVES, *VERBS, *ADVERBS, *PREPOSITIONS, *TIMES, "a", "an"}
    words |= {w for person in PEOPLE for w in person.split()}
    for templates in (
        Writer.SENTENCES,
        Writer.WARNINGS,
        Writer.HEADINGS,
        Writer.ITEMS,
        Writer.TITLES,
    ):
        words |= {w for t in templates for w in re.findall(r"(?<!\{)[A-Za-z]+", t)}
    words |= {w for text in extra_texts for w in re.findall("[A-Za-z]+", text)}
    return sorted(words)


def _token_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(
        r"(?P<link>\[(?P<ltext>[^\]]+)\]\((?P<url>[^)\s]+)\))"
        r"|(?P<code>`[^`]+`)"
        r"|(?P<ph>\{[A-Za-z_]\w*\})"
        r"|(?P<num>\d+(?:\.\d+)?)(?:(?P<sp> ?)(?P<unit>mg|mL|%)(?![A-Za-z]))?"
        + (rf"|(?P<term>(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9]))" if terms else "")
        + r"|(?P<word>[A-Za-z]+)"
        r"|(?P<space>\s+)"
        r"|(?P<other>.)"
    )


def _kind(m: re.Match[str]) -> str:
    kind = m.lastgroup or "other"
    return "num" if kind in ("sp", "unit") else kind


class PseudoLanguage:
    """A word-for-word substitution for one locale: each English word (any case) maps to one
    pseudo-word and no two words share one, so it could be undone. Words are registered in a fixed order, so the
    mapping depends only on the vocabulary, never on which text is translated first."""

    def __init__(self, locale: str, vocabulary: Sequence[str], terms: Sequence[str]) -> None:
        self.locale = locale
        self.words: dict[str, str] = {}
        self.used: set[str] = set()
        self.pattern = _token_pattern(terms)
        for english, real in _NEGATORS.get(locale, {}).items():
            self.words[english] = real
            self.used.add(real)
        for word in vocabulary:
            self.word(word)

    def _make(self, word: str, attempt: int) -> str:
        rng = random.Random(f"{self.locale}\x00{word}\x00{attempt}")
        if self.locale == "zh-Hans":
            size = 1 if len(word) <= 3 else 3 if len(word) >= 10 else 2
            return "".join(rng.choice(_HAN) for _ in range(size))
        if self.locale == "ar":
            return "".join(rng.choice(_ARABIC) for _ in range(max(2, len(word) - 1)))
        onsets, nuclei, codas = _LATIN["pt" if self.locale == "pt-BR" else self.locale]
        syllables = max(1, min(4, round(len(word) / 3)))
        parts = [
            rng.choice(onsets) + rng.choice(nuclei) + rng.choice(codas) for _ in range(syllables)
        ]
        return (" " if self.locale == "vi" else "").join(parts)

    def _free(self, candidate: str) -> bool:
        """Not taken, and neither a negator nor, in Chinese (written without spaces), a word that
        would make one next to it a word that does not negate (适 after 不 reads 不适)."""
        if candidate in self.used:
            return False
        if self.locale == "zh-Hans":
            return len(negator_spans(f"{candidate}不{candidate}", self.locale)) == 1
        return not negator_spans(candidate, self.locale)

    def word(self, word: str) -> str:
        key = word.lower()
        if key in TERMINOLOGY:
            self.words[key] = TERMINOLOGY[key][self.locale]
        if key not in self.words:
            attempt = 0
            while not self._free(self._make(key, attempt)):
                attempt += 1
            self.words[key] = self._make(key, attempt)
            self.used.add(self.words[key])
        found = self.words[key]
        if word[:1].isupper() and self.locale not in ("zh-Hans", "ar"):
            return found[:1].upper() + found[1:]
        return found

    def number(self, digits: str) -> str:
        text = digits.replace(".", _DECIMAL.get(self.locale, "."))
        return text.translate(_ARABIC_DIGITS) if self.locale == "ar" else text

    def translate(self, text: str) -> str:
        tokens = [(_kind(m), m) for m in self.pattern.finditer(text)]
        cjk = self.locale == "zh-Hans"
        punct = _PUNCT.get(self.locale, {})
        units = _UNITS.get(self.locale, {})
        out: list[str] = []
        for i, (kind, m) in enumerate(tokens):
            if kind == "link":
                out.append(f"[{self.translate(m['ltext'])}]({m['url']})")
            elif kind == "num":
                unit = m["unit"] or ""
                space = "" if cjk and unit == "%" else (m["sp"] or "")
                out.append(self.number(m["num"]) + (space + units.get(unit, unit) if unit else ""))
            elif kind == "word":
                out.append(self.word(m[0]))
            elif kind == "space":
                before = tokens[i - 1][0] if i else ""
                after = tokens[i + 1][0] if i + 1 < len(tokens) else ""
                # Chinese runs words together; a space stays next to numbers, terms and markup.
                if cjk and after == "word" and (before == "word" or out[-1] in punct.values()):
                    continue
                out.append(m[0])
            elif kind == "other":
                out.append(punct.get(m[0], m[0]))
            else:  # code, placeholders, protected terms: as written
                out.append(m[0])
        return "".join(out)


def pseudo_translate(text: str, locale: str, terms: Sequence[str] = PROTECTED) -> str:
    """One English text in a locale's pseudo-language (a fresh mapping; for examples and tests).

    >>> pseudo_translate("Take 0.5 mL of Placebrin.", "es")
    'Ché 0,5 mL ja Placebrin.'
    >>> pseudo_translate("Take 0.5 mL of Placebrin.", "ar")
    'فدق ٠٫٥ مل سس Placebrin.'
    """
    return PseudoLanguage(locale, [], terms).translate(text)


# --------------------------------------------------------------------------------------------
# English pages


@dataclass(frozen=True)
class PageText:
    slug: str
    title: str
    description: str
    headings: tuple[str, str, str, str]
    paragraphs: tuple[str, ...]  # six
    critical: str
    items: tuple[str, str, str, str]

    @property
    def sources(self) -> list[str]:
        """The segments in page order, as `extract` will read them."""
        p = self.paragraphs
        return [
            self.title,
            self.description,
            self.headings[0],
            p[0],
            p[1],
            *self.items,
            self.headings[1],
            p[2],
            self.critical,
            self.headings[2],
            p[3],
            p[4],
            self.headings[3],
            p[5],
        ]

    def markdown(self) -> str:
        front = yaml.safe_dump(
            {
                "slug": self.slug,
                "title": self.title,
                "description": self.description,
                "fallback": "segment",
                "author": AUTHOR,
            },
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )

        def para(text: str) -> str:
            return textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)

        p = self.paragraphs
        blocks = [
            f"## {self.headings[0]}",
            para(p[0]),
            para(p[1]),
            "\n".join(f"- {item}" for item in self.items),
            f"## {self.headings[1]}",
            para(p[2]),
            f"::: critical\n{para(self.critical)}\n:::",
            f"## {self.headings[2]}",
            para(p[3]),
            para(p[4]),
            f"## {self.headings[3]}",
            para(p[5]),
        ]
        return f"---\n{front}---\n\n" + "\n\n".join(blocks) + "\n"


_ARTICLE = re.compile(r"\b([Aa]) (?=[*\[]*[aeiouAEIOU])")
# What Babel and GNU gettext take for a Python format directive ("50% of" reads as `% o`): page text
# must have none, or extraction flags it python-format and msgfmt -c then judges every translation.
_DIRECTIVE = re.compile(
    r"%(?:\(\w*\))?[-#0 +]?(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrs%]"
)


class Writer:
    """English text from the vocabulary: sentences of slots, paragraphs of 40–60 words."""

    def __init__(self, rng: random.Random, safety: Sequence[str] = ()) -> None:
        self.rng = rng
        # With `safety`, each page's critical paragraph is one of these (safety text repeated
        # across pages, as translation memory meets it); without, one written for the page.
        self.safety = tuple(safety)

    def pick(self, options: Sequence[str]) -> str:
        return options[self.rng.randrange(len(options))]

    def dose(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return f"{self.rng.choice((5, 10, 14, 20, 25, 28, 40, 50, 56, 84, 100, 250))} mg"
        if r < 0.7:
            return f"{self.rng.choice(('0.5', '1.5', '2.5', '7.5', '12.5'))} {self.pick(DOSES)}"
        return f"{self.rng.randrange(2, 31)} mL"

    def duration(self) -> str:
        return f"{self.rng.randrange(2, 49)} {self.pick(TIMES)}"

    def percent(self) -> str:
        return f"{self.rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80, 90))}%"

    def slot(self, kind: str) -> str:
        match kind:
            case "N":
                return self.pick(NOUNS)
            case "A":
                return self.pick(ADJECTIVES)
            case "V":
                return self.pick(VERBS)
            case "D":
                return self.pick(ADVERBS)
            case "P":
                return self.pick(PEOPLE)
            case "R":
                return self.pick(PREPOSITIONS)
            case "T":
                return self.pick(PROTECTED)
            case "Q":
                return self.dose()
            case "H":
                return self.duration()
            case "C":
                return self.percent()
        raise ValueError(kind)

    SENTENCES = (
        "you should {V} the {A} {N} {R} each {N}.",
        "if you notice {A} {N}, {V} your {P} within {H}.",
        "most people {V} {Q} of {T} {R} a {A} {N}.",
        "keep the {N} in a {A} place and {V} it {D}.",
        "your {P} may {V} the {N} after {H} of {A} {N}.",
        "use {Q} of the {A} {N} {D} {R} your {N}.",
        "ask your {P} about {T} if the {N} feels {A}.",
        "about {C} may {V} the {N} {R} the {A} {N}.",
        "please {V} the {N} and the {N} {D}, then {V} your {A} {N}.",
        "write down each {A} {N} so your {P} can {V} it at the next {N}.",
        "the {A} {N} can {V} your {N} for up to {H}.",
        "do not {V} {T} {R} a {A} {N} unless your {P} agrees.",
        "some people {V} a {A} {N} {R} the {N} and {V} it {D}.",
        "{V} the {N} {D} and keep a {A} {N} near the {N}.",
    )
    WARNINGS = (
        "stop {T} and call your {P} at once if you notice {A} {N} or {A} {N}.",
        "never {V} more than {Q} of {T} within {H}, even if the {N} feels {A}.",
        "do not {V} the {N} {R} {T} unless your {P} has checked your {N}.",
        "seek help {D} if your {N} becomes {A} or your {N} changes within {H}.",
        "keep {T} away from children and {V} any {A} {N} {D}.",
    )
    HEADINGS = (
        "{A} {N} and your {N}",
        "When to {V} your {N}",
        "How to {V} the {A} {N}",
        "{T} and {A} {N}",
        "Questions about your {N}",
        "Looking after your {N}",
        "{A} {N} at home",
        "Before your {N}",
    )
    ITEMS = (
        "{V} the {N} {D}",
        "a {A} {N} of {Q}",
        "{H} after each {N}",
        "{T} with a {A} {N}",
        "your {A} {N} and {N}",
        "{V} the {N} by {C}",
        "a {N} for your {P}",
    )
    TITLES = (
        "{A} {N}: what to expect",
        "Living with {A} {N}",
        "{T} and your {N}",
        "A guide to {A} {N} and {N}",
        "Caring for your {N} after {N}",
    )

    def fill(self, template: str, decorate: bool = False) -> str:
        kinds = re.findall(r"\{(\w)\}", template)
        values = [self.slot(k) for k in kinds]
        if decorate:
            candidates = [i for i, k in enumerate(kinds) if k in "NATQHC"]
            i = self.rng.choice(candidates)
            style = self.rng.random()
            if style < 0.45:
                values[i] = f"**{values[i]}**"
            elif style < 0.75:
                values[i] = f"*{values[i]}*"
            else:
                path = "-".join(values[i].lower().replace("%", "").split())
                values[i] = f"[{values[i]}](https://example.org/guides/{path})"
        parts = iter(values)
        text = re.sub(r"\{\w\}", lambda _: next(parts), template)
        text = _ARTICLE.sub(r"\1n ", text)
        return text[0].upper() + text[1:]

    def paragraph(self, templates: Sequence[str]) -> str:
        """40–60 words, one or two inline markups."""
        while True:
            target = self.rng.randrange(40, 61)
            sentences: list[str] = []
            words = 0
            while words < target:
                s = self.fill(self.pick(templates), decorate=self.rng.random() < 0.25)
                sentences.append(s)
                words += len(s.split())
            if words <= 60:
                if not any("*" in s or "](" in s for s in sentences):
                    sentences[0] = self.fill(self.pick(templates), decorate=True)
                text = " ".join(sentences)
                if 40 <= len(text.split()) <= 60:
                    return text

    def page(self, number: int) -> PageText:
        while True:
            title = self.fill(self.pick(self.TITLES))
            slug = f"{'-'.join(re.findall('[a-z]+', title.lower())[:3])}-{number:04d}"
            text = PageText(
                slug=slug,
                title=title,
                description=self.fill(self.pick(self.SENTENCES))
                + " "
                + self.fill(self.pick(self.SENTENCES)),
                headings=(
                    self.fill(self.pick(self.HEADINGS)),
                    self.fill(self.pick(self.HEADINGS)),
                    self.fill(self.pick(self.HEADINGS)),
                    self.fill(self.pick(self.HEADINGS)),
                ),
                paragraphs=tuple(self.paragraph(self.SENTENCES) for _ in range(6)),
                critical=self.pick(self.safety) if self.safety else self.paragraph(self.WARNINGS),
                items=(
                    self.fill(self.pick(self.ITEMS), decorate=self.rng.random() < 0.2),
                    self.fill(self.pick(self.ITEMS)),
                    self.fill(self.pick(self.ITEMS)),
                    self.fill(self.pick(self.ITEMS)),
                ),
            )
            sources = text.sources
            if len(set(sources)) == len(sources) and not any(map(_DIRECTIVE.search, sources)):
                return text  # 17 distinct messages, none of them looking like a format string


# --------------------------------------------------------------------------------------------
# Catalogs: fill the msgstr of what `clinic-l10n update` created


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), body)


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _entries(text: str) -> Iterator[list[str]]:
    yield from (block.split("\n") for block in text.rstrip("\n").split("\n\n"))


def fill_catalog(
    text: str, translate: dict[tuple[str, str | None], tuple[str, ...]], translator: str
) -> str:
    """The catalog with every msgstr filled from `translate` ((msgid, msgid_plural) → forms) and
    the translator's header fields set. msgid lines stay as they were; `update` rewraps msgstr."""
    out_blocks = []
    for lines in _entries(text):
        keyword = ""
        strings: dict[str, str] = {}
        kept: list[str] = []
        for line in lines:
            if line.startswith("#"):
                kept.append(line)
                continue
            if not line.startswith('"'):
                keyword = line.split(" ", 1)[0]
                strings[keyword] = ""
            strings[keyword] += _unquote(line)
            if not keyword.startswith("msgstr"):
                kept.append(line)
        msgid, plural = strings.get("msgid"), strings.get("msgid_plural")
        if msgid is None:
            raise ValueError(f"not a catalog entry: {lines[:3]}")
        if msgid == "":  # the header
            header = strings["msgstr"]
            header = re.sub(
                r"^Last-Translator: .*$", f"Last-Translator: {translator}", header, flags=re.M
            )
            header = re.sub(
                r"^PO-Revision-Date: .*$", f"PO-Revision-Date: {REVISION_DATE}", header, flags=re.M
            )
            kept += [
                'msgstr ""',
                *(_quote(line + "\n") for line in header.rstrip("\n").split("\n")),
            ]
        else:
            forms = translate[(msgid, plural)]
            slots = sorted(k for k in strings if k.startswith("msgstr"))
            if plural is None:
                kept.append(f"msgstr {_quote(forms[0])}")
            else:
                kept += [
                    f"msgstr[{i}] {_quote(forms[min(i, len(forms) - 1)])}"
                    for i in range(len(slots))
                ]
        out_blocks.append("\n".join(kept))
    return "\n\n".join(out_blocks) + "\n"


GNU_ENV = {"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def msgcat_in_place(po: Path) -> bool:
    """Lay a catalog out as `msgcat --width=79` does; returns whether that changed it."""
    done = subprocess.run(
        ["msgcat", "--width=79", str(po)], capture_output=True, env=GNU_ENV, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"msgcat {po}: {done.stderr.decode('utf-8', 'replace')}")
    if done.stdout == po.read_bytes():
        return False
    po.write_bytes(done.stdout)
    return True


def _sample(catalogs: Sequence[Path], every: int = 50) -> list[Path]:
    return [po for i, po in enumerate(catalogs) if i % every == 0 or po.stem == "ui"]


def lay_out(root: Path, catalogs: Sequence[Path]) -> str:
    """Lay every catalog out as `msgcat --width=79` does; returns which tool did it.

    The project's own writer (`clinic-l10n po format --in-place`, one process) when the CLI has it
    and it agrees with GNU msgcat on a sample of the files; otherwise msgcat, one file at a time."""
    sample = _sample(catalogs)
    try:
        for chunk in range(0, len(catalogs), 1000):
            clinic_l10n(
                root, "po", "format", "--in-place", *map(str, catalogs[chunk : chunk + 1000])
            )
    except RuntimeError as exc:  # no `po format` in this version of the CLI
        print(f"clinic-l10n po format: {str(exc).splitlines()[-1]}; using msgcat", file=sys.stderr)
    else:
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            if not any(pool.map(msgcat_in_place, sample)):
                return "clinic-l10n po format"
        print("clinic-l10n po format disagrees with msgcat; using msgcat", file=sys.stderr)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(msgcat_in_place, catalogs))
    return "msgcat"


def plural_count(text: str) -> int:
    m = re.search(r"nplurals=(\d+)", text.replace('"\n"', ""))
    return int(m[1]) if m else 2


# --------------------------------------------------------------------------------------------
# The tree


def clinic_l10n(root: Path, *args: str) -> str:
    """Run the CLI as a user does (the venv's console script), in the content tree `root`."""
    exe = Path(sys.executable).with_name("clinic-l10n")
    cmd = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from service.cli.main import main; main()"]
    )
    done = subprocess.run(
        [*cmd, "--root", str(root), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"clinic-l10n {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}"
        )
    return done.stdout


def config_text(terms: Sequence[str] = PROTECTED) -> str:
    reviewers = {
        EN_REVIEWER: ["clinical", "linguistic"],
        CLINICAL_REVIEWER: ["clinical"],
        **{name: ["linguistic"] for name in LINGUISTS.values()},
    }
    body = yaml.safe_dump(
        {
            "source_locale": "en",
            "locales": list(LOCALES),
            "fallback_chains": {"pt-BR": ["pt", "en"]},
            "fallback": "segment",
            "do_not_translate": list(terms),
            "reviewers": reviewers,
            "terminology": TERMINOLOGY,
        },
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
    return (
        "# clinic-l10n configuration of a generated scale tree (benchmarks/gen_tree.py).\n"
        "# Every page, translation and name in this tree is made up; nothing here is medical advice.\n"
        + body
    )


@dataclass
class TreeStats:
    pages: int
    domains: int
    catalogs: int
    messages: int  # catalog entries over all locales (headers not counted)
    ledgers: int
    records: int
    layout: str = ""  # what laid the catalogs out: "clinic-l10n po format" or "msgcat"
    seconds: dict[str, float] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)


def _du(paths: Iterator[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def _policy() -> Policy:
    return Policy.of(
        [
            Reviewer(EN_REVIEWER, frozenset({"linguistic", "clinical"})),
            Reviewer(CLINICAL_REVIEWER, frozenset({"clinical"})),
            *(Reviewer(name, frozenset({"linguistic"})) for name in LINGUISTS.values()),
        ]
    )


_POLICY = _policy()


def _ledger(
    page: Page,
    locale: str,
    path: str,
    forms_of: dict[str, tuple[str, ...]] | None,
    translator: str | None,
) -> tuple[str, int]:
    """The ledger `clinic-l10n review approve` would write for a fully approved page: planned by
    `review.plan_approvals` (policy and checks included), events chained by `history`."""
    catalog = None
    if forms_of is not None:
        entries = {
            s.key: CatalogEntry(s.source, forms_of[s.source], False, 0, s.source_plural, s.context)
            for s in page.segments
        }
        catalog = LoadedCatalog(path, locale, page.slug, entries, translator)
    if locale == "en":
        passes = [(EN_REVIEWER, "clinical")]
    else:
        passes = [(LINGUISTS[locale], "linguistic"), (CLINICAL_REVIEWER, "clinical")]
    text, count = "", 0
    for reviewer, role in passes:
        history = read_history(text, path, locale, page.slug)
        ledger = Ledger(path, locale, page.slug, history.records, history.head, len(history.events))
        # The reviewers of this tree approve everything that passes, and say so for the texts a
        # confirm-level check holds (`review approve --confirm-meaning`).
        decisions = review.plan_approvals(
            page,
            locale,
            catalog,
            ledger,
            _POLICY,
            reviewer,
            role,
            terms=PROTECTED,
            now=REVIEWED_AT,
            confirm=True,
        )
        events = [
            d.event
            for d in decisions
            if d.event is not None
            and (role == "linguistic" or locale == "en" or _POLICY.critical(d.segment))
        ]
        lines, _ = render_events(history, events)
        text = (text or HEADER.format(page=page.slug, locale=locale)) + lines
        count += len(events)
    return text, count


def _write_ledgers(job: tuple[Path, Path, dict[str, dict[str, tuple[str, ...]]]]) -> int:
    """Every ledger of one page (English and each locale); returns the number of approvals."""
    out, source, forms_by_locale = job
    page = (
        load_ui(source) if source.suffix == ".yaml" else read_page(source, FallbackPolicy.SEGMENT)
    )
    records = 0
    for locale in ("en", *LOCALES):
        rel = f"locales/{FOLDERS.get(locale, locale)}/reviews/{page.slug}.yaml"
        if locale == "en":
            text, n = _ledger(page, locale, rel, None, page.author)
        else:
            text, n = _ledger(page, locale, rel, forms_by_locale[locale], TRANSLATORS[locale])
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        records += n
    return records


def safety_paragraphs(count: int, seed: int = 1) -> list[str]:
    """`count` distinct safety paragraphs, from their own seeded generator (none: `count` 0)."""
    writer = Writer(random.Random(f"safety {seed}"))
    found: list[str] = []
    while len(found) < count:
        text = writer.paragraph(Writer.WARNINGS)
        if text not in found and not _DIRECTIVE.search(text):
            found.append(text)
    return found


def _check_segments(page: PageText, parsed: Page) -> None:
    got = [s.source for s in parsed.segments]
    if got != page.sources or sum(s.critical for s in parsed.segments) != 1:
        raise AssertionError(f"{page.slug}: the page does not parse into the intended 17 segments")


def build_tree(
    out: Path,
    pages: int = 1000,
    seed: int = 1,
    ui_source: Path = REPO / "source_content" / "ui.yaml",
    log: bool = False,
    shared: int = 0,
) -> TreeStats:
    """Write a complete, fully translated and approved content tree of `pages` pages into `out`
    (which must not exist or be empty). `shared`: the pages' critical paragraphs are drawn from
    this many safety paragraphs (0: each page has its own)."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = now - clock
        clock = now
        if log:
            print(f"  {name}: {times[name]:.1f} s", file=sys.stderr)

    # 1. Source: config, ui strings, pages.
    (out / "source_content" / "pages").mkdir(parents=True)
    (out / "l10n.yaml").write_text(config_text(), encoding="utf-8")
    shutil.copyfile(ui_source, out / "source_content" / "ui.yaml")
    writer = Writer(random.Random(seed), safety_paragraphs(shared, seed))
    texts = [writer.page(n) for n in range(1, pages + 1)]
    for text in texts:
        path = out / "source_content" / "pages" / f"{text.slug}.md"
        path.write_text(text.markdown(), encoding="utf-8")
        _check_segments(text, parse_page(text.markdown(), path))
    lap("pages")

    # 2. Templates and empty catalogs, by our own commands.
    clinic_l10n(out, "extract")
    lap("extract")
    clinic_l10n(out, "update")
    lap("update (create catalogs)")

    # 3. Translate every msgid into the catalogs `update` created, then lay each file out as
    #    msgcat does (the layout the project's writer promises and GNU tools keep).
    ui = load_ui(out / "source_content" / "ui.yaml")
    vocabulary = _vocabulary([form for s in ui.segments for form in s.source_forms])
    domains = [t.slug for t in texts] + ["ui"]
    wanted: dict[str, list[tuple[str, str | None]]] = {
        t.slug: [(source, None) for source in t.sources] for t in texts
    }
    wanted["ui"] = [(s.source, s.source_plural) for s in ui.segments]
    forms_by: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {d: {} for d in domains}
    catalogs: list[Path] = []
    messages = 0
    for locale in LOCALES:
        lang = PseudoLanguage(locale, vocabulary, PROTECTED)
        for domain in domains:
            po = out / "locales" / FOLDERS[locale] / "LC_MESSAGES" / f"{domain}.po"
            created = po.read_text(encoding="utf-8")
            nplurals = plural_count(created)
            table: dict[tuple[str, str | None], tuple[str, ...]] = {}
            for msgid, plural in wanted[domain]:
                if plural is None:
                    forms: tuple[str, ...] = (lang.translate(msgid),)
                else:
                    one, many = lang.translate(msgid), lang.translate(plural)
                    forms = (one, *[many] * (nplurals - 1)) if nplurals > 1 else (many,)
                table[(msgid, plural)] = forms
            po.write_text(fill_catalog(created, table, TRANSLATORS[locale]), encoding="utf-8")
            forms_by[domain][locale] = {msgid: forms for (msgid, _), forms in table.items()}
            catalogs.append(po)
            messages += len(table)
    lap("translate")
    layout = lay_out(out, catalogs)
    lap(f"layout ({layout})")

    # 4. Ledgers: English (clinical) and every locale, as `review approve` writes them.
    jobs = [
        (out, out / "source_content" / "pages" / f"{t.slug}.md", forms_by[t.slug]) for t in texts
    ]
    jobs.append((out, out / "source_content" / "ui.yaml", forms_by["ui"]))
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=get_context("fork")) as procs:
        records = sum(procs.map(_write_ledgers, jobs, chunksize=16))
    lap("ledgers")

    locales_dir = out / "locales"
    return TreeStats(
        pages=pages,
        domains=len(domains),
        catalogs=len(catalogs),
        messages=messages,
        ledgers=len(jobs) * (1 + len(LOCALES)),
        records=records,
        layout=layout,
        seconds=times,
        bytes={
            "pages": _du((out / "source_content").rglob("*")),
            "templates": _du((locales_dir / "templates").glob("*.pot")),
            "catalogs": _du(locales_dir.glob("*/LC_MESSAGES/*.po")),
            "ledgers": _du(locales_dir.glob("*/reviews/*.yaml")),
        },
    )


def preview(pages: int, seed: int = 1) -> str:
    """The first pages as Markdown, each followed by its text in every pseudo-language: what
    `build_tree` writes, without the tools (to look at, or to compare two runs)."""
    writer = Writer(random.Random(seed))
    texts = [writer.page(n) for n in range(1, pages + 1)]
    languages = [PseudoLanguage(loc, _vocabulary(), PROTECTED) for loc in LOCALES]
    return "\n".join(
        t.markdown()
        + "".join(f"{lang.locale}: {lang.translate(s)}\n" for s in t.sources for lang in languages)
        for t in texts
    )


def tree_digest(out: Path) -> str:
    """A hash of the tree's content, templates' dates aside (to show two runs agree)."""
    h = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        data = re.sub(rb'"POT-Creation-Date: [^"]*"', b"", data)
        h.update(str(path.relative_to(out)).encode() + b"\0" + data)
    return h.hexdigest()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "out", type=Path, nargs="?", help="where to write the tree (must not exist or be empty)"
    )
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--shared",
        type=int,
        default=0,
        help="draw the critical paragraphs from this many safety paragraphs (repeated text)",
    )
    parser.add_argument(
        "--digest", action="store_true", help="print a hash of the tree (dates aside)"
    )
    parser.add_argument(
        "--preview", action="store_true", help="print the pages and translations; write nothing"
    )
    args = parser.parse_args(argv)
    if args.preview:
        print(preview(args.pages, args.seed), end="")
        return
    if args.out is None:
        parser.error("OUT_DIR is required (unless --preview)")
    started = time.perf_counter()
    stats = build_tree(args.out, args.pages, args.seed, log=True, shared=args.shared)
    mb = {k: v / 1e6 for k, v in stats.bytes.items()}
    print(
        f"{stats.pages} pages, {stats.domains} domains (pages + ui), {stats.catalogs} catalogs with "
        f"{stats.messages} messages, {stats.ledgers} ledgers with {stats.records} approvals "
        f"in {time.perf_counter() - started:.1f} s"
    )
    print("on disk: " + ", ".join(f"{k} {v:.1f} MB" for k, v in mb.items()))
    print(f"catalogs laid out by {stats.layout}")
    if args.digest:
        print(f"digest {tree_digest(args.out)}")


if __name__ == "__main__":
    main()
