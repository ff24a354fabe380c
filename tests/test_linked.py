"""The checks on links and addresses (service/quality/linked.py): link-titles, link-text and
addresses, as a table of (English, translation, locale, the checks among them that must fire), then
end to end: such a translation is refused at approval and, approved before the check, not served."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.models import Target
from service.quality import checks
from service.quality.checks import Unit, run_checks

from .conftest import Run, replace_in

OURS = {"link-titles", "link-text", "addresses"}
GUIDE = "https://example.org/guide"
LEAFLET = f"Read [the leaflet]({GUIDE})."
TITLED = f'Read [the leaflet]({GUIDE} "Patient leaflet").'

CASES: list[tuple[str, str, str, set[str]]] = [
    # link titles: none added, none dropped, translated as any text
    (LEAFLET, f'Lea [el folleto]({GUIDE} "No es necesario leerla").', "es", {"link-titles"}),
    (LEAFLET, f'阅读[说明书]({GUIDE} "无需阅读")。', "zh-Hans", {"link-titles"}),
    (LEAFLET, f"اقرأ [النشرة]({GUIDE} 'لا داعي لقراءتها').", "ar", {"link-titles"}),
    (TITLED, f"Leia [o folheto]({GUIDE}).", "pt-BR", {"link-titles"}),
    (TITLED, f'Leia [o folheto]({GUIDE} "Folheto do paciente").', "pt-BR", set()),
    (TITLED, f'阅读[说明书]({GUIDE} "患者说明书")。', "zh-Hans", set()),
    (LEAFLET, "Lea [el folleto][guide].", "es", set()),  # the definition gives no title
    ("Read [the FAQ][faq].", "Lea [las preguntas][faq].", "es", set()),  # nor adds one here
    (
        "See ![the chart](c.png).",
        '请见![图表](c.png "无需阅读")。',
        "zh-Hans",
        {"link-titles"},
    ),
    # link text: something to see where the English has it
    (LEAFLET, f"Lea [el folleto]({GUIDE}).", "es", set()),
    (LEAFLET, f"Lea [ ]({GUIDE}).", "es", {"link-text"}),
    (LEAFLET, f"Leia [\u3000]({GUIDE}).", "pt-BR", {"link-text"}),  # an ideographic space
    (LEAFLET, f"اقرأ [\u200f]({GUIDE}).", "ar", {"link-text"}),  # a right-to-left mark alone
    (LEAFLET, f"阅读[]({GUIDE})。", "zh-Hans", {"link-text"}),
    (LEAFLET, f"Lea [**el folleto**]({GUIDE}).", "es", set()),
    (LEAFLET, f"Lea [`leaflet`]({GUIDE}).", "es", set()),  # code is seen
    (f"[![Chart](c.png)]({GUIDE})", f"[![Gráfico](c.png)]({GUIDE})", "es", set()),
    # addresses in plain text the English does not have
    ("Ask your doctor.", "Pregunte a su médico o visite evil-clinic.com.", "es", {"addresses"}),
    (
        "Ask your doctor.",
        "Pergunte ao médico ou veja https://evil.example/x.",
        "pt-BR",
        {"addresses"},
    ),
    ("Ask your doctor.", "请咨询医生或访问evil.health。", "zh-Hans", {"addresses"}),
    ("Ask your doctor.", "اسأل طبيبك أو راسل help@evil.org.", "ar", {"addresses"}),
    (LEAFLET, f"Lea [el folleto en evil.com]({GUIDE}).", "es", {"addresses"}),  # in link text
    ("Ask your doctor.", "Pergunte ao médico: `evil.com`.", "pt-BR", {"addresses"}),  # in code
    ("Ask your doctor.", "Pregunte a su médico: evil&#46;com.", "es", {"addresses"}),  # as shown
    ("Ask your doctor.", "Pregunte a su médico: evil.**com**.", "es", {"addresses"}),
    (TITLED, f'Lea [el folleto]({GUIDE} "Folleto en evil.com").', "es", {"addresses"}),  # a title
    ("Ask your doctor.", "Pregunte a su médico o llame al 900 123 456.", "es", {"addresses"}),
    ("Ask your doctor.", "اسأل طبيبك أو اتصل على ٠٨٠٠١٢٣٤٥٦٧.", "ar", {"addresses"}),
    ("Call 1-800-273-8255.", "Llame al 1-800-273-8256.", "es", {"addresses"}),  # one digit off
    # what the English has, however written
    ("Call 1-800-273-8255.", "Ligue para 1 800 273 8255.", "pt-BR", set()),
    ("Call +1 800 273 8255.", "请拨打 800-273-8255。", "zh-Hans", set()),  # without +1
    ("Write to help@example.org.", "Escriba a Help@Example.org.", "es", set()),
    (f"See [the guide]({GUIDE}).", "Vea la guía en www.example.org.", "es", {"links"}),
    ("Visit example.org.", "Visite example.org.", "pt-BR", set()),
    ("Visit example.org.", "Visite ex\u0430mple.org.", "es", {"addresses"}),  # a Cyrillic а
    ("Write to help@example.org.", "Escriba a help@example.org.evil.com.", "es", {"addresses"}),
    ("Up to 1,000,000 units.", "Hasta 1.000.000 unidades.", "es", set()),
    ("Up to 1,000,000 units.", "最多 1 000 000 单位。", "zh-Hans", set()),
    ("Take 0.5 mL on 2026-01-14.", "Tome 0,5 mL el 14/01/2026.", "es", set()),
    ("Take 0.5 mL on 2026-01-14.", "تناول ٠٫٥ مل في ١٤/٠١/٢٠٢٦.", "ar", set()),
    ("Take 56 mg, e.g. at 8 a.m.", "Tome 56 mg, p. ej. a las 8 a.m.", "es", set()),
]

REFERENCES = (Target(GUIDE, "", "GUIDE"), Target("https://example.org/faq", "Questions", "FAQ"))


@pytest.mark.parametrize(("source", "target", "locale", "expected"), CASES)
def test_link_and_address_table(source: str, target: str, locale: str, expected: set[str]) -> None:
    unit = Unit((source,), (target,), locale, references=REFERENCES)
    found = {f.check for f in run_checks(unit)}
    assert found & (OURS | {"links"}) == expected


def test_the_table_covers_the_issues_locales() -> None:
    for check in OURS:
        locales = {locale for *_, locale, expected in CASES if check in expected}
        assert len(locales) >= 3, check
    assert {locale for *_, locale, _ in CASES} >= {"es", "pt-BR", "zh-Hans", "ar"}


def test_a_finding_says_what_was_added() -> None:
    unit = Unit(
        (LEAFLET,), (f'Lea [el folleto]({GUIDE} "No es necesario leerla") en evil.com.',), "es"
    )
    assert [str(f) for f in run_checks(unit) if f.check in OURS] == [
        f"error: link-titles: link to {GUIDE} has a title the English does not have: "
        "'No es necesario leerla'",
        "error: addresses: evil.com is an address the English does not have",
    ]


PAGE = "saline-spray"
PO_ES = f"locales/es/LC_MESSAGES/{PAGE}.po"
ENGLISH = "Blow your nose gently."
SPANISH = "Suénese la nariz con suavidad."
ATTACK = "Suénese la nariz con suavidad; más en evil-clinic.com."


def _approve(run: Run, code: int = 0) -> str:
    args = ("--page", PAGE, "--msgid", ENGLISH, "--reviewer", "Dr. Robin Spare (fictional)")
    return run("review", "approve", "es", *args, code=code).output


def test_approve_refuses_an_address_the_english_does_not_have(fixture_tree: Path, run: Run) -> None:
    replace_in(fixture_tree / PO_ES, f'msgstr "{SPANISH}"', f'msgstr "{ATTACK}"')
    assert "check addresses: evil-clinic.com is an address" in _approve(run, code=1)


def test_an_address_approved_before_the_check_is_not_served(
    fixture_tree: Path,
    run: Run,
    client_for: Callable[[Path], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replace_in(fixture_tree / PO_ES, f'msgstr "{SPANISH}"', f'msgstr "{ATTACK}"')
    with monkeypatch.context() as patched:  # as a version without the check would have
        patched.delitem(checks.REGISTRY, "addresses")
        checks.blocking.cache_clear()
        assert "1 approved" in _approve(run)
    checks.blocking.cache_clear()
    client = client_for(fixture_tree)
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()
    texts = [s["text"] for s in page["segments"]]
    assert ENGLISH in texts and ATTACK not in texts
    assert "evil-clinic" not in client.get(f"/pages/{PAGE}", params={"locale": "es"}).text
