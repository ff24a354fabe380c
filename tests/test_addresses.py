"""Addresses in plain text (service/quality/addresses.py): domains, URLs, e-mail addresses and phone
numbers a patient could follow or call, and the numbers that are none of these."""

from __future__ import annotations

import pytest

from service.quality.addresses import addresses_in, digit_runs, phones_in, target_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Visite evil-clinic.com hoy.", {"evil-clinic.com"}),
        # root zones outside linkify-it's short default list: the IANA list is loaded
        ("Más en evil.health.", {"evil.health"}),
        ("Mais em ajuda.clinic ou receitas.pharmacy.", {"ajuda.clinic", "receitas.pharmacy"}),
        ("Visit EVIL.APP now", {"evil.app"}),
        ("请访问evil.com获取更多信息。", {"evil.com"}),  # Chinese writes no space around it
        ("عبر evil.org الآن", {"evil.org"}),
        ("Escriba a Ayuda@Evil.org.", {"mailto:ayuda@evil.org"}),
        ("Ver https://x.example/a?b=1 y http://203.0.113.5/c.", {"x.example", "203.0.113.5"}),
        ("Vea www.ejemplo.es", {"ejemplo.es"}),
        ("Visite пример.рф", {"пример.рф"}),
        ("Tome 0,5 mL (p. ej., a las 8.00 a.m.), etc.", set()),
        ("Tome 2 comprimidos. Luego espere 1.5 horas.", set()),
        ("Use it 1–4 times; S.A. de C.V.; i.e. twice.", set()),
        ("服用 0.5 毫升。请咨询医生。", set()),
        ("Dùng 1.000.000 đơn vị, v.v.", set()),
    ],
)
def test_addresses_in_plain_text(text: str, expected: set[str]) -> None:
    assert addresses_in(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://WWW.Example.org/a", "example.org"),
        ("mailto:Ana@Example.org?subject=x", "mailto:ana@example.org"),
        ("/guides/dose", None),
        ("#top", None),
    ],
)
def test_target_address(url: str, expected: str | None) -> None:
    assert target_address(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Llame al 900 123 456.", ["900123456"]),
        ("Call +1 (800) 273-8255 now.", ["18002738255"]),
        ("اتصل على ٠٨٠٠-١٢٣٤٥٦٧.", ["08001234567"]),
        ("请拨打 400-123-4567。", ["4001234567"]),
        ("Ligue 0800 123 4567 (2026-01-14).", ["08001234567"]),
        # not phone numbers: doses, dates, times, ranges, short numbers
        ("Tome 0,5 mL ou 56 mg.", []),
        ("Até 14/01/2026 ou 2026-01-14 ou 14.01.2026.", []),
        ("De 2020-2026, das 08.30-20.30 ou 8:30 / 20:30.", []),
        ("Ligue 01.23.45.67.89.", ["0123456789"]),  # a phone number in pairs is not an hour
        ("Das 08:30 às 20:00, 1–4 vezes, 911.", []),
        ("Use 25 mg, 50 mg or 100 mg.", []),
        ("16 digits: 1234 5678 9012 3456.", []),  # more than E.164 allows
    ],
)
def test_phones_in(text: str, expected: list[str]) -> None:
    assert [digits for digits, _ in phones_in(text)] == expected


def test_digit_runs_join_what_grouping_splits() -> None:
    assert digit_runs("Call 1-800-273-8255 or take 1,000,000 units.") == {"18002738255", "1000000"}
