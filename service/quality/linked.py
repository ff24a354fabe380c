"""Checks on what a link says and where a text sends a patient, beyond the `links` check's targets:
link titles, link text left empty, and addresses (domains, URLs, e-mail addresses, phone numbers)
written as plain text. Each text is read from markdown-it's tokens (`parse_text`), as the page
renders it, never by a pattern over Markdown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex
from markdown_it.token import Token

from service.content.inline import parse_text
from service.core.models import Target
from service.quality.addresses import (
    addresses_in,
    digit_runs,
    may_hold_address,
    phones_in,
    target_address,
)
from service.quality.checks import Severity, Unit, register
from service.quality.seen import seen_of, seen_text

__all__ = ["link_text", "link_titles", "plain_addresses"]


@dataclass(frozen=True)
class _Link:
    href: str  # an image's source
    title: str
    visible: bool  # its text has something to see (an image counts)


@dataclass(frozen=True)
class _Read:
    """What these checks compare in one text."""

    links: tuple[_Link, ...]
    shown: (
        str  # what a patient reads (`seen_of`): text, code, link and alt text, titles; no targets
    )
    targets: frozenset[str]  # the link targets' hosts and e-mail addresses (`target_address`)
    tel: frozenset[str]  # the digits of `tel:` targets


# Something a reader sees: not white space, not a default-ignorable or other format character
_SEEN = regex.compile(r"[^\s\p{Default_Ignorable_Code_Point}\p{Cf}]")


def _links(tokens: Sequence[Token]) -> Iterator[_Link]:
    opened: list[tuple[Token, list[Token]]] = []
    for tok in tokens:
        if tok.type == "link_open":
            opened.append((tok, []))
        elif tok.type == "link_close" and opened:
            link, inside = opened.pop()
            seen = any(t.type == "image" for t in inside) or bool(_SEEN.search(seen_of(inside)))
            yield _Link(str(link.attrGet("href") or ""), str(link.attrGet("title") or ""), seen)
        elif opened:
            opened[-1][1].append(tok)
        if tok.type == "image":
            yield _Link(str(tok.attrGet("src") or ""), str(tok.attrGet("title") or ""), True)


# As the `links` check: each text is parsed and read once, however many locales ask.
@lru_cache(maxsize=32768)
def _read(text: str, references: tuple[Target, ...]) -> _Read:
    tokens = parse_text(text, references)
    links = tuple(_links(tokens))
    hrefs = [link.href for link in links]
    targets = frozenset(a for a in map(target_address, hrefs) if a)
    tel = frozenset(_digits_of(h[4:]) for h in hrefs if h[:4].lower() == "tel:")
    return _Read(links, seen_of(tokens), targets, tel)


def _digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdecimal())


def _count(
    links: Sequence[_Link], english: Sequence[_Link], which: Callable[[_Link], bool]
) -> Counter[str]:
    """The targets of `links` that are `which`, counted, among the English's targets (a target
    the English does not have is the `links` check's to report)."""
    hrefs = {link.href for link in english}
    return Counter(link.href for link in links if which(link) and link.href in hrefs)


def _titled(link: _Link) -> bool:
    return bool(link.title)


def _unseen(link: _Link) -> bool:
    return not link.visible


@register("link-titles", Severity.ERROR)
def link_titles(unit: Unit) -> Iterator[str]:
    """A link or image keeps the title (the tooltip) the English gives it, translated as it may
    be, and gets none the English does not give it: a title is text the reviewer must see in the
    English too ("No es necesario leerla" added as a title)."""
    for source, target in unit.pairs():
        if "[" not in target:
            continue
        english, translated = _read(source, unit.references), _read(target, unit.references)
        want = _count(english.links, english.links, _titled)
        have = _count(translated.links, english.links, _titled)
        titles = {link.href: link.title for link in translated.links if link.title}
        for href in sorted(have - want):
            yield f"link to {href} has a title the English does not have: {titles[href]!r}"
        for href in sorted(want - have):
            yield f"link to {href} lost the title the English gives it"


@register("link-text", Severity.ERROR)
def link_text(unit: Unit) -> Iterator[str]:
    """A link has text to see where the English's has: not empty, not only spaces or invisible
    characters (an empty link is a target the patient cannot read before following it)."""
    for source, target in unit.pairs():
        if "[" not in target:
            continue
        english, translated = _read(source, unit.references), _read(target, unit.references)
        want = _count(english.links, english.links, _unseen)
        have = _count(translated.links, english.links, _unseen)
        for href in sorted(have - want):
            yield f"link to {href} has no text to see"


@register("addresses", Severity.ERROR)
def plain_addresses(unit: Unit) -> Iterator[str]:
    """No domain, URL, e-mail address or phone number in the text the patient reads that the
    English does not have, in its text or its links (an attacker's domain as plain text)."""
    for source, target in unit.pairs():
        shown = seen_text(target, unit.references)  # markup or an entity could join an address
        if not may_hold_address(shown):
            continue
        found, phones = addresses_in(shown), phones_in(shown)
        if not found and not phones:
            continue
        english = _read(source, unit.references)
        known = english.targets | addresses_in(english.shown)
        for address in sorted(found - known):
            yield f"{address.removeprefix('mailto:')} is an address the English does not have"
        numbers = english.tel | digit_runs(english.shown)
        for digits, written in phones:
            if not any(digits in number for number in numbers):
                yield f"{written} reads as a phone number the English does not have"
