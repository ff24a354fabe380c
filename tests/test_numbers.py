"""Numbers, doses and times as a patient reads them: the text shown, number words, units.

Expected values come from outside the code where a judge exists: unit names from CLDR through
Babel (`format_unit`), spellings from ICU's spell-out rules, fractions from Unicode's data.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import icu
import pytest
from babel.units import format_unit
from fastapi.testclient import TestClient

from service.core.models import Target
from service.quality.numbers import doses_in, number_words_in, reading_of
from service.quality.seen import seen_text
from service.quality.words import said_in
from service.site.prepared import Settings
from service.web.api import create_app
from service.web.fastpath import FastPath

from .conftest import forge, replace_in
from .reviewing import ES_PO, PAGE, ROBIN, SPRAYS, SPRAYS_ES_NEW, pending_tree

LOCALES = ("en", "es", "pt", "pt-BR", "zh-Hans", "ar", "vi")
D = Decimal


# (Markdown, what the patient reads)
SHOWN = [
    ("Take &half; tablet.", "Take ½ tablet."),
    ("Take &#189; tablet.", "Take ½ tablet."),
    ("Tómelo [o más](hasta 84 mg si lo tolera).", "Tómelo [o más](hasta 84 mg si lo tolera)."),
    ("See [page 2](https://example.org/p3).", "See page 2."),
    ("See <https://example.org/p3>.", "See ."),
    ("![2 tablets](pill-5.png)", "2 tablets"),
    ("Type `56 mg`, **not** *65*.", "Type 56 mg, not 65."),
    ("See [page 2][ref7].", "See page 2."),
    ("Plain 2 mg.", "Plain 2 mg."),
]


@pytest.mark.parametrize(("markdown", "shown"), SHOWN)
def test_numbers_are_read_from_the_text_as_shown(markdown: str, shown: str) -> None:
    references = (Target("https://example.org/r7", "", "REF7"),)
    assert seen_text(markdown, references) == shown


def test_a_link_like_text_that_is_not_a_link_is_read() -> None:
    assert D(84) in reading_of(seen_text("[o más](hasta 84 mg si lo tolera)"), "es").firm


def _spellings(locale: str, numbers: range) -> list[tuple[str, int]]:
    """Every cardinal spelling ICU has for `numbers` (masculine, feminine, 两…)."""
    rbnf = icu.RuleBasedNumberFormat(
        icu.URBNFRuleSetTag.SPELLOUT, icu.Locale(locale.replace("-", "_"))
    )
    out = []
    for index in range(rbnf.getNumberOfRuleSetNames()):
        name = rbnf.getRuleSetName(index)
        if "cardinal" in name or name == "%spellout-numbering":
            rbnf.setDefaultRuleSet(name)
            out += [(rbnf.format(n).replace("\xad", ""), n) for n in numbers]
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_cardinal_icu_spells_is_read_as_its_value(locale: str) -> None:
    wrong = []
    for spelled, n in _spellings(locale, range(0, 1001, 7)):
        said = said_in(spelled, locale)
        if [s.value for s in said] != [D(n)]:
            wrong.append((spelled, n, [s.value for s in said]))
    assert wrong == []


# Spellings ICU does not give, from grammars and dictionaries (see words.py), and words that are
# not numbers; (text, locale, values read, which of them are firm)
WORDS = [
    ("veintitrés comprimidos", "es", [23], [True]),
    ("tres veces", "es", [3], [True]),
    ("una vez", "es", [1], [False]),  # un/una/uno: also the article
    ("un comprimido", "es", [1], [False]),
    ("duas vezes", "pt-BR", [2], [True]),
    ("uma vez", "pt-BR", [1], [False]),
    ("twice a day", "en", [2], [True]),
    ("once a day", "en", [1], [False]),
    ("one tablet", "en", [1], [False]),
    ("half a tablet", "en", [0.5], [True]),
    ("media tableta", "es", [0.5], [False]),  # medio/media is also "means", "middle"
    ("每周两次", "zh-Hans", [2], [True]),
    ("每周三次", "zh-Hans", [3], [True]),
    ("一起服用", "zh-Hans", [1], [False]),
    ("这十分重要", "zh-Hans", [10], [False]),  # 十分 "very": no counted noun after 十
    ("千万不要", "zh-Hans", [], []),  # "by all means": 千 alone is no spelling of 1000
    ("مرتين في الأسبوع", "ar", [2], [True]),
    ("ثلاث مرات", "ar", [3], [True]),  # feminine-counted 3 without ة
    ("اثنين", "ar", [2], [True]),  # the accusative of إثنان
    ("وثلاثة أيام", "ar", [3], [True]),  # with the conjunction و
    ("ساعتين", "ar", [2], [True]),  # the dual: two hours
    ("ثلاثَ مرّاتٍ", "ar", [3], [True]),  # with vowel marks
    ("مئتا مريض", "ar", [200], [True]),  # مئة, the modern spelling of ICU's مائة
    ("مئتين", "ar", [200], [True]),
    ("dezasseis vezes", "pt", [16], [True]),  # European Portuguese; ICU's pt is Brazilian
    ("hai lần", "vi", [2], [True]),
    ("năm năm", "vi", [5, 5], [True, False]),  # five years
    ("hàng năm", "vi", [5], [False]),  # năm alone is "year"
    ("một lần", "vi", [1], [False]),
    # whole words only, in any case, wherever they stand (words.py finds them with one pattern)
    ("Tome DOS comprimidos", "es", [2], [True]),
    ("un tresillo, entres", "es", [1], [False]),  # "tres" inside a word is no number
    ("Tome-los\u00a0três vezes", "pt-BR", [3], [True]),
    ("والثلاثة", "ar", [3], [True]),  # "and the three": و and ال written onto it (Wright § 99)
    ("بالثلاثة", "ar", [3], [True]),  # "with the three"
    ("قرصين ساعتان", "ar", [2], [True]),  # a dual unit name alone: two hours
]


@pytest.mark.parametrize(("text", "locale", "values", "firm"), WORDS)
def test_number_words(text: str, locale: str, values: list[float], firm: list[bool]) -> None:
    said = said_in(text, locale)
    assert [s.value for s in said] == [D(str(v)) for v in values]
    assert [s.firm for s in said] == firm


@pytest.mark.parametrize("char", [chr(c) for c in range(0x00BC, 0x00BF)] + ["⅓", "⅔", "⅛", "⅝"])
def test_vulgar_fractions_are_read_by_unicode_value(char: str) -> None:
    (said,) = said_in(f"Take {char} tablet", "es")
    assert abs(float(said.value) - unicodedata.numeric(char)) < 1e-4
    assert said.firm


_SYMBOLS = {
    "mass-milligram": "mg",
    "mass-microgram": "µg",
    "mass-gram": "g",
    "volume-milliliter": "mL",
    "volume-liter": "L",
    "duration-second": "second",
    "duration-minute": "minute",
    "duration-hour": "hour",
    "duration-day": "day",
    "duration-week": "week",
    "duration-month": "month",
    "duration-year": "year",
    "concentr-percent": "%",  # "por ciento", "por cento": a name of two words
}


def _unit_cases() -> list[tuple[str, str, str, int]]:
    return [
        (locale, unit, length, n)
        for locale in LOCALES
        for unit in _SYMBOLS
        for length in ("long", "short", "narrow")
        for n in (2, 5, 11)
    ]


@pytest.mark.parametrize(("locale", "unit", "length", "n"), _unit_cases())
def test_cldr_unit_names_are_read_with_their_number(
    locale: str, unit: str, length: str, n: int
) -> None:
    text = format_unit(n, unit, length=length, locale=locale.replace("-", "_"))
    name = re.sub(r"[\d\s]", "", text).casefold().rstrip(".")
    reading = reading_of(f"Tome {text} hoy", locale)
    found = set(reading.doses) | set(reading.times)
    one_letter = len(name) == 1 and name.isalpha() and name not in "ghl"
    if one_letter and not unicodedata.name(name).startswith("CJK"):
        assert found == set()  # one-letter names ("a", "y", Arabic س) are read as words
    else:
        assert found == {(D(n), _SYMBOLS[unit])}, text


# (English, whether it holds a dose, which): the clinical rule asks doses_in
DOSES = [
    ("Take 56 mg.", {(D(56), "mg")}),
    ("Take 0.5 mL twice.", {(D("0.5"), "mL")}),
    ("Give 2 mg/kg per day.", {(D(2), "mg/kg/day")}),
    ("Give 2 mg per kg.", {(D(2), "mg/kg")}),
    ("Take 56 mg a day.", {(D(56), "mg/day")}),
    ("Take eight hundred micrograms.", {(D(800), "µg")}),
    ("In 10% of people.", {(D(10), "%")}),
    ("Patients over 50 kg.", set()),  # a weight, not a dose
    ("Wait 2 hours.", set()),
    ("See [page 2](https://example.org/56mg).", set()),
    ("Call 911.", set()),
]


@pytest.mark.parametrize(("text", "doses"), DOSES)
def test_doses_in_an_english_text(text: str, doses: set[tuple[Decimal, str]]) -> None:
    assert set(doses_in(text, "en")) == doses


@pytest.mark.parametrize(
    ("text", "locale", "periods", "counted"),
    [
        ("Use it twice a week.", "en", {"week"}, True),
        ("Use it twice daily for 2 weeks.", "en", {"day", "week"}, True),
        ("Úselo dos veces al día.", "es", {"day"}, True),
        ("每周使用两次。", "zh-Hans", {"week"}, True),
        ("استخدمه مرتين في الأسبوع.", "ar", {"week"}, True),
        ("Use 2 vezes por semana.", "pt-BR", {"week"}, True),
        ("Wait 2 hours.", "en", set(), False),
    ],
)
def test_counts_of_times_and_their_periods(
    text: str, locale: str, periods: set[str], counted: bool
) -> None:
    reading = reading_of(text, locale)
    assert (set(reading.periods), reading.counted) == (periods, counted)


def test_english_number_words_a_translation_may_write_in_digits() -> None:
    assert number_words_in("Both doses, every other day, in the second week, once") == {
        D(1),
        D(2),
    }


# "Use 2 sprays in each nostril." translated, approved by hand (the ledger says yes), and served
# only where every number and unit of the English is kept.
SERVED = [
    ("Aplique dos pulverizaciones en cada fosa nasal.", True),
    ("Aplique tres pulverizaciones en cada fosa nasal.", False),  # a word for another number
    ("Aplique &frac12; pulverización en cada fosa nasal.", False),  # an entity for ½
    ("Aplique [una](y 3 más) pulverización en cada fosa nasal.", False),  # no link: 3 is read
    ("Aplique 2 pulverizaciones cada 2 horas en cada fosa nasal.", False),  # a time added
]


@pytest.mark.parametrize(("translation", "served"), SERVED)
def test_a_changed_number_is_never_served_even_when_approved_by_hand(
    tmp_path: Path, translation: str, served: bool
) -> None:
    root = pending_tree(tmp_path)
    replace_in(root / ES_PO, f'msgstr "{SPRAYS_ES_NEW}"', f'msgstr "{translation}"')
    forge(root, "es", PAGE, msgid=SPRAYS, msgstr=translation, reviewer=ROBIN, role="linguistic")
    with TestClient(FastPath(create_app(Settings(root=root)))) as client:
        page = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()
    sprays = next(s for s in page["segments"] if s.get("text") in (SPRAYS, translation))
    assert (sprays["locale"], sprays["text"]) == (("es", translation) if served else ("en", SPRAYS))
