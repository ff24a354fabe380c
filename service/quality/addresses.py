"""Addresses a patient could follow or call, read from the text a patient sees: domains, URLs,
e-mail addresses and phone numbers, so that a translation cannot send a patient somewhere the
English does not (an attacker's domain added as plain text is as good as a link: phones make it one).

What a domain is comes from linkify-it-py, the link finder of the markdown-it-py project (the
parser every stage here uses): its URL, e-mail and bare-domain grammar, Unicode host names included,
with the IANA root zone list it ships (`linkify_it.tlds`) loaded in full, so that `evil.health` is
found as well as `evil.com`. What a phone number is has no such source that is not per country, so
it is a shape: 7 to 15 digits (E.164, ITU-T: at most 15) with the separators people write them with.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

import regex
from linkify_it import LinkifyIt
from linkify_it.tlds import TLDS

__all__ = ["addresses_in", "digit_runs", "may_hold_address", "phones_in", "target_address"]


@lru_cache(maxsize=1)
def _linkify() -> LinkifyIt:
    # keep_old: the default list also holds every two-letter country code and `xn--` zones
    finder = LinkifyIt(options={"fuzzy_ip": True})
    return finder.tlds([tld.lower() for tld in TLDS], keep_old=True)


# Nothing can be a URL, an e-mail address or a bare domain without one of these: a dot before a
# letter (`evil.com`), an `@`, or the dots of an IP address. Most sentences have none and skip the finder.
_MAYBE = re.compile(r"@|\.[^\W\d_]|\d\.\d+\.\d")  # [^\W\d_]: a letter
# linkify-it wants a word boundary before a bare domain; Chinese and Japanese write none
# ("请访问evil.com获取"), so the text is also read with a space between such a letter and the rest.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_UNSPACED = regex.compile(rf"(?<=[{_CJK}])(?=[^{_CJK}])|(?<=[^{_CJK}])(?=[{_CJK}])")


def may_hold_address(text: str) -> bool:
    """False only for a plain text that holds no address: no dot before a letter, no `@`, no
    dotted number and fewer than 7 digits.

    >>> may_hold_address("Take 56 mg. Then wait."), may_hold_address("Visit evil.com")
    (False, True)
    >>> may_hold_address("Call 555 0100 99"), may_hold_address("Escriba a ana@x.org")
    (True, True)
    """
    return bool(_MAYBE.search(text) or _LONG_RUN.search(text))


def target_address(url: str) -> str | None:
    """What an address is compared by: a host (lower case, without `www.`) or `mailto:` and the
    address; None for a relative link.

    >>> target_address("https://WWW.Clinic.example/a?b"), target_address("mailto:Ana@X.org")
    ('clinic.example', 'mailto:ana@x.org')
    >>> target_address("/guides/dose") is None
    True
    """
    if url[:7].lower() == "mailto:":
        return "mailto:" + url[7:].split("?")[0].lower()
    try:
        host = urlsplit(url if "//" in url else "").hostname
    except ValueError:
        return url.lower()
    if not host:
        return None
    return host.removeprefix("www.")


@lru_cache(maxsize=16384)
def addresses_in(text: str) -> frozenset[str]:
    """The domains, URLs and e-mail addresses in `text`, by `target_address`.

    >>> sorted(addresses_in("Vea evil.health o escriba a Ana@evil.com; https://x.org/a."))
    ['evil.health', 'mailto:ana@evil.com', 'x.org']
    >>> addresses_in("Tome 0,5 mL (p. ej., a las 8.00 a.m.) etc.")
    frozenset()
    """
    if not _MAYBE.search(text):
        return frozenset()
    finder, found = _linkify(), set()
    spaced = _UNSPACED.sub(" ", text)
    for variant in {text, spaced}:
        for match in finder.match(variant) or ():
            address = target_address(str(match.url))
            if address:
                found.add(address)
    return frozenset(found)


# A run of digits with what people write between them in a phone number or a grouped number;
# `re` reads \d as any script's decimal digit.
_RUN = re.compile(r"\+?\(?\d[\d\s().\-/\u2010\u2011]*\d\)?")
_ENGLISH_RUN = re.compile(r"\d[\d\s().,\-/'’\u2010-\u2014\u066b\u066c]*\d")
# What any phone number's run holds: seven characters or more, from a digit to a digit
_LONG_RUN = re.compile(r"\d[\d\s().\-/\u2010\u2011]{5,}\d")
# A date, a span of years or of hours is not a phone number (2026-01-14, 14.01.2026, 14/01/26)
_DATE = re.compile(
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}"
    r"|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})"
    r"|\d{4}\s*[-/]\s*\d{4}"  # years: 2020-2026
    r"|\d{1,2}[.:]\d{2}(?:\s*[-/]\s*\d{1,2}[.:]\d{2})+"  # hours: 08.30-20.30
)


def _digits(run: str) -> str:
    """The digits of `run` in ASCII, whatever their script."""
    return "".join(str(unicodedata.decimal(c)) for c in run if c.isdecimal())


@lru_cache(maxsize=16384)
def phones_in(text: str) -> tuple[tuple[str, str], ...]:
    """Phone numbers in `text` as (digits, as written): 7 to 15 digits with phone separators
    (spaces, hyphens, dots, brackets, a slash, a leading +), dates left out.

    >>> phones_in("Llame al +34 900 123 456 o al ٠٨٠٠-١٢٣٤٥ (2026-01-14, 1.5 mg).")
    (('34900123456', '+34 900 123 456'), ('080012345', '٠٨٠٠-١٢٣٤٥'))
    """
    if not _LONG_RUN.search(text):
        return ()
    found = []
    for match in _RUN.finditer(text):
        whole = match.group()
        # a number in brackets after a space starts another run: "900 123 456 (2026-01-14)"
        for part in (whole,) if _phone(whole) else _BRACKETED.split(whole):
            if _phone(part):
                found.append((_digits(part), part.strip(" ()")))
    return tuple(found)


_BRACKETED = re.compile(r"\s+(?=\()")


def _phone(run: str) -> bool:
    return 7 <= len(_digits(run)) <= 15 and not _DATE.fullmatch(run.strip(" ()"))


@lru_cache(maxsize=16384)
def digit_runs(text: str) -> frozenset[str]:
    """The digits of every number in `text`, grouped as far as any separator allows (so a phone
    number or a grouped thousand written another way is still found in it).

    >>> sorted(digit_runs("Call 1-800-273-8255 or take 1,000,000 units."))
    ['1000000', '18002738255']
    """
    return frozenset(_digits(m.group()) for m in _ENGLISH_RUN.finditer(text))
