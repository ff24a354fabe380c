"""Quality checks on a translation: a registry of small pure functions, each with an id and a severity.

An `error` finding blocks approval and serving (SPEC invariant 6), whatever the ledger says, so a
check added after an approval still protects patients. Adding a check is one function under
`@register(id, severity)` and one table of cases in tests/test_checks.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache

from service.content.inline import PLAIN, parse_text
from service.core.locales import plural_rule
from service.core.models import Segment, Target
from service.core.terminology import NO_TERMINOLOGY, Glossary, Terminology
from service.quality.characters import hidden_in, mixed_digits_in, name_of, padding_in

__all__ = ["REGISTRY", "Check", "Finding", "Severity", "Unit", "blocking", "register", "run_checks"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    CONFIRM = "confirm"  # held until every approval that counts confirms the meaning is kept


@dataclass(frozen=True)
class Unit:
    """One message to check: the English forms, the translated forms, where it goes, the
    reference definitions of its page that the English uses (both texts' links resolve with them),
    and the terminology as the locale writes it."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    locale: str
    terms: tuple[str, ...] = field(default=())
    references: tuple[Target, ...] = field(default=())
    glossary: Glossary = field(default=())

    @classmethod
    def of(
        cls,
        segment: Segment,
        forms: Sequence[str],
        locale: str,
        terms: Sequence[str] = (),
        terminology: Terminology = NO_TERMINOLOGY,
    ) -> Unit:
        """A translation `forms` of `segment`, to be checked against its English."""
        return cls(
            segment.source_forms,
            tuple(forms),
            locale,
            tuple(terms),
            segment.references,
            terminology.glossary(locale),
        )

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Each translated form with the English it renders (form 0 the singular, others the plural;
        a locale with one form, zh or vi, says every count with it, so its form goes with the
        plural English), both in NFC, as a patient's screen composes them; an empty form is the
        `empty` check's to report, once."""
        return self._pairs

    @cached_property
    def _pairs(self) -> tuple[tuple[str, str], ...]:
        return _pairs_of(self.source, self.target)


# A translation is made into a unit several times (its findings, whether it is blocked, what it
# needs confirmed): its texts are paired and put in NFC once.
@lru_cache(maxsize=65536)
def _pairs_of(source: tuple[str, ...], target: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    one_form = len(target) == 1 < len(source)
    return tuple(
        (_nfc(source[-1 if one_form else min(index, len(source) - 1)]), _nfc(form))
        for index, form in enumerate(target)
        if form
    )


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.check}: {self.message}"


CheckFunction = Callable[[Unit], Iterable[str]]


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    function: CheckFunction


REGISTRY: dict[str, Check] = {}


def register(check_id: str, severity: Severity) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY[check_id] = Check(check_id, severity, function)
        return function

    return register


def run_checks(unit: Unit) -> list[Finding]:
    """Every check's findings: the error-level ones as `blocking` found them, then the rest."""
    return [
        *blocking(unit),
        *(
            Finding(c.id, c.severity, message)
            for c in REGISTRY.values()
            if c.severity is not Severity.ERROR
            for message in c.function(unit)
        ),
    ]


# Start-up asks for a message's verdict three times (serving rule, coverage, findings); a cache
# smaller than the tree (102k messages at a thousand pages) would forget each before it is asked
# again.
@lru_cache(maxsize=262144)
def blocking(unit: Unit) -> tuple[Finding, ...]:
    """The findings that keep a translation from being approved or served (only the error-level
    checks run)."""
    return tuple(
        Finding(c.id, c.severity, message)
        for c in REGISTRY.values()
        if c.severity is Severity.ERROR
        for message in c.function(unit)
    )


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@register("invisible", Severity.ERROR)
def invisible(unit: Unit) -> Iterator[str]:
    """No bidi control or invisible (default-ignorable) code point the English does not have: the
    reviewer would not see what it does to the text (U+202E turns "56 mg" into "gm 65")."""
    for source, target in unit.pairs():
        hidden = hidden_in(target)
        if not hidden:
            continue
        for char, count in sorted((hidden - hidden_in(source)).items()):
            yield f"{name_of(char)} ×{count} is not in the English"


@register("padding", Severity.ERROR)
def padding(unit: Unit) -> Iterator[str]:
    """No run of white space the English does not have (no-break spaces can push text away)."""
    for source, target in unit.pairs():
        runs = padding_in(target)
        if not runs:
            continue
        for run, _ in sorted((runs - padding_in(source)).items()):
            kinds = ", ".join(sorted({name_of(c) for c in run}))
            yield f"a run of {len(run)} spaces ({kinds}) is not in the English"


@register("digit-scripts", Severity.ERROR)
def digit_scripts(unit: Unit) -> Iterator[str]:
    """A number is written in one script's digits: "2٨" is 28 to a parser and 2 to a reader."""
    for _, target in unit.pairs():
        for number in mixed_digits_in(target):
            shown = ", ".join(f"U+{ord(c):04X}" for c in number if c.isdecimal())
            yield f"a number mixes the digits of two scripts ({shown})"


# The `numbers` and `units` checks are registered by service/quality/amounts.py.


@lru_cache(maxsize=1024)
def _term(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])")


def _term_count(term: str, text: str) -> int:
    return len(_term(term).findall(text)) if term in text else 0


# An English text is checked in every locale: which protected terms it holds, and how often, is
# read once.
@lru_cache(maxsize=65536)
def _protected(source: str, terms: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((term, n) for term in terms if (n := _term_count(term, source)))


@register("do-not-translate", Severity.ERROR)
def do_not_translate(unit: Unit) -> Iterator[str]:
    """Protected terms (brand names, agencies) stay exactly as written, as often as in the English."""
    for source, target in unit.pairs():
        for term, wanted in _protected(source, unit.terms):
            if _term_count(term, target) < wanted:
                yield f"{term!r} must appear as written ({wanted}x in the English)"


_LINKS = ("link_open", "image")
_MARKUP = ("em_open", "strong_open", "code_inline", "s_open")
_MARKERS = re.compile(r"\*|`")


@dataclass(frozen=True)
class _Inline:
    """What the `links` and `markup` checks compare in a text, read from its tokens once."""

    links: tuple[str, ...]  # link and image targets, sorted
    markup: tuple[tuple[str, int], ...]  # (em, strong, code_inline, s) and how many, sorted
    loose_markers: int  # `*` and backtick left as plain text: an `**` that never closed


_NO_MARKUP = _Inline((), (), 0)


# An English text is checked against every locale's translation, and a translation on every load
# and reload: each text is parsed once. Bounded, so memory stays flat at a hundred thousand texts.
@lru_cache(maxsize=32768)
def _parsed(text: str, references: tuple[Target, ...]) -> _Inline:
    if PLAIN.fullmatch(text):
        return _NO_MARKUP
    links, markup, loose = [], Counter[str](), 0
    for tok in parse_text(text, references):
        if tok.type in _LINKS:
            links.append(str(tok.attrGet("href") or tok.attrGet("src") or ""))
        elif tok.type in _MARKUP:
            markup[tok.type.removesuffix("_open")] += 1
        elif tok.type == "text":
            loose += len(_MARKERS.findall(tok.content))
    return _Inline(tuple(sorted(links)), tuple(sorted(markup.items())), loose)


@register("links", Severity.ERROR)
def links(unit: Unit) -> Iterator[str]:
    """The same link targets, no more and no fewer (titles and text: `link-titles`, `link-text`);
    a reference link (`[text][label]`) counts by the target its label's definition gives it."""
    refs = unit.references
    for source, target in unit.pairs():
        want, have = _parsed(source, refs).links, _parsed(target, refs).links
        if want == have:
            continue
        for url in sorted(Counter(want) - Counter(have)):
            yield f"link to {url} is missing or changed"
        for url in sorted(Counter(have) - Counter(want)):
            yield f"link to {url} is not in the English"


@register("markup", Severity.ERROR)
def markup(unit: Unit) -> Iterator[str]:
    """Inline Markdown as in the English: as much emphasis, strong and code, nothing left unpaired."""
    refs = unit.references
    for source, target in unit.pairs():
        english, translated = _parsed(source, refs), _parsed(target, refs)
        if english.markup != translated.markup:
            want = ", ".join(f"{k}×{n}" for k, n in english.markup) or "none"
            have = ", ".join(f"{k}×{n}" for k, n in translated.markup) or "none"
            yield f"inline markup differs: English has {want}, translation has {have}"
        elif translated.loose_markers > english.loose_markers:
            yield "an emphasis or code marker is left unpaired"


_TAG = re.compile(r"<!--|<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)[^>]*>")


def _tags(text: str) -> Counter[str]:
    if "<" not in text:
        return Counter()
    return Counter((m.group(1) or "!--").lower() for m in _TAG.finditer(text))


@register("raw-html", Severity.ERROR)
def raw_html(unit: Unit) -> Iterator[str]:
    """No HTML the English does not have: a catalog must not be a way to inject script."""
    for source, target in unit.pairs():
        if "<" not in target:
            continue
        for tag in sorted(_tags(target) - _tags(source)):
            yield f"HTML <{tag}> is not in the English"


_PLACEHOLDERS = re.compile(r"\{[A-Za-z_]\w*\}|%\([A-Za-z_]\w*\)[sdifr]|(?<!\d)(?<!\d\s)%[sdif]\b")


# An English text is checked in every locale (read-only: callers only compare and subtract)
@lru_cache(maxsize=65536)
def _placeholders_in(text: str) -> Counter[str]:
    if "{" not in text and "%" not in text:
        return Counter()
    return Counter(_PLACEHOLDERS.findall(text))


@register("placeholders", Severity.ERROR)
def placeholders(unit: Unit) -> Iterator[str]:
    """`{name}`, `%(name)s`, `%s`: the same ones, none added, none renamed."""
    for source, target in unit.pairs():
        if "{" not in source and "%" not in source and "{" not in target and "%" not in target:
            continue
        want, have = _placeholders_in(source), _placeholders_in(target)
        if dict.__eq__(want, have) is True:  # counts of what was found: no zeros
            continue
        for name in sorted(want - have):
            yield f"placeholder {name} is missing or renamed"
        for name in sorted(have - want):
            yield f"placeholder {name} is not in the English"


@register("plurals", Severity.ERROR)
def plurals(unit: Unit) -> Iterator[str]:
    """A plural message has exactly as many forms as CLDR gives the locale."""
    if len(unit.source) > 1:
        expected = plural_rule(unit.locale)[0]
        if len(unit.target) != expected:
            yield f"{len(unit.target)} plural forms; CLDR has {expected} for {unit.locale}"


@register("empty", Severity.ERROR)
def empty(unit: Unit) -> Iterator[str]:
    """No empty form in an otherwise translated plural."""
    if any(unit.target) and not all(unit.target):
        for index, form in enumerate(unit.target):
            if not form:
                yield f"plural form {index} is empty"


@register("whitespace", Severity.WARNING)
def whitespace(unit: Unit) -> Iterator[str]:
    for source, target in unit.pairs():
        if source == source.strip() and target == target.strip():
            continue  # neither text starts or ends with white space
        lead = (
            source[: len(source) - len(source.lstrip())],
            target[: len(target) - len(target.lstrip())],
        )
        trail = (source[len(source.rstrip()) :], target[len(target.rstrip()) :])
        if target and (lead[0] != lead[1] or trail[0] != trail[1]):
            yield "leading or trailing white space differs from the English"


_NOT_WORDS = re.compile(r"[\W\d_]+")


@register("untranslated-copy", Severity.WARNING)
def untranslated_copy(unit: Unit) -> Iterator[str]:
    for source, target in unit.pairs():
        words = source
        for term in unit.terms:
            words = words.replace(term, " ")
        if target == source and _NOT_WORDS.sub("", words):
            yield "translation is the same as the English"


_CJK = ("zh", "ja", "ko")


@register("length", Severity.WARNING)
def length(unit: Unit) -> Iterator[str]:
    low, high = (0.15, 1.2) if unit.locale.split("-")[0] in _CJK else (0.4, 2.5)
    for source, target in unit.pairs():
        if len(source) >= 20 and target:
            ratio = len(target) / len(source)
            if not low <= ratio <= high:
                yield f"length is {ratio:.2f}× the English (usual: {low}–{high}×)"


_CLOSERS = "*_)]\"'”’»」』）"
_ENDS = ".!?:;…。！？：；؟۔"


@register("end-punctuation", Severity.WARNING)
def end_punctuation(unit: Unit) -> Iterator[str]:
    """A sentence stays a sentence: CJK (。！？) and Arabic (؟ ۔) endings count."""
    for source, target in unit.pairs():
        src, tgt = source.rstrip().rstrip(_CLOSERS), target.rstrip().rstrip(_CLOSERS)
        if src[-1:] in _ENDS and src[-1:] and tgt and tgt[-1:] not in _ENDS:
            yield f"the English ends with {src[-1]!r}; the translation has no sentence end"
