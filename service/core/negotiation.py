"""Negotiating a request's locale from its Accept-Language header, bounded in what it reads.

RFC 4647 lookup, helped by CLDR likely subtags so that `zh-CN` finds `zh-Hans` and `zh-TW` does not;
a `Negotiator` per site holds what each header it has read negotiated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple, cast

from babel.core import get_global

from service.core.limits import MAX_ACCEPT_LANGUAGE, MAX_LANGUAGE_RANGES, MAX_TAG
from service.core.locales import OPAQUE_TAG, canonical_tag, subtags

__all__ = [
    "Negotiated",
    "Negotiator",
    "bounded_accept_language",
    "lookup",
    "negotiate",
    "negotiate_header",
    "parse_accept_language",
]

_Q = re.compile(r"^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$", re.IGNORECASE)


def bounded_accept_language(header: str) -> str:
    """The part of an Accept-Language header that is read: its first MAX_ACCEPT_LANGUAGE
    characters, cut at a comma so that no range is read half (`pt-BR` must not become `pt`)."""
    if len(header) <= MAX_ACCEPT_LANGUAGE:
        return header
    return header[: max(header.rfind(",", 0, MAX_ACCEPT_LANGUAGE + 1), 0)]


def parse_accept_language(header: str) -> list[str]:
    """Language ranges by preference; malformed items are skipped, as browsers' junk should not 400.
    Only the first MAX_LANGUAGE_RANGES items of the first MAX_ACCEPT_LANGUAGE characters are read
    (cut at a comma, so no range is read half), and a range over MAX_TAG is skipped.

    >>> parse_accept_language("es-MX,es;q=0.9,en;q=0.8, fr;q=0")
    ['es-MX', 'es', 'en']
    >>> parse_accept_language("de;q=0.5, *;q=0.1, !!, it")
    ['it', 'de', '*']
    """
    header = bounded_accept_language(header)
    ranked: list[tuple[float, str]] = []
    for item in header.split(",", MAX_LANGUAGE_RANGES)[:MAX_LANGUAGE_RANGES]:
        read = _read_item(item)
        if read is not None:
            ranked.append(read)
    ranked.sort(key=itemgetter(0), reverse=True)  # stable: equal q-values keep the header's order
    return [tag for _, tag in ranked]


def _read_item(item: str) -> tuple[float, str] | None:
    """One item of an Accept-Language list: its q-value and canonical range, or None to skip it
    (malformed, q=0, or a range over MAX_TAG)."""
    tag, _, params = item.strip().partition(";")
    tag = tag.strip()
    quality = 1.0
    if params:
        q = _Q.match(params.strip().replace(" ", ""))
        if not q:
            return None
        quality = float(q.group(1))
    if quality <= 0 or len(tag) > MAX_TAG:
        return None
    if tag == "*":
        return quality, "*"
    parts = subtags(tag)
    if parts is not None:
        return quality, "-".join(parts)
    return (quality, tag.lower().replace("_", "-")) if OPAQUE_TAG.match(tag) else None


def _maximize(parts: list[str]) -> list[str]:
    """CLDR likely subtags: `zh-CN` → `zh-Hans-CN`, `pt` → `pt-Latn-BR` (subtags, canonical)."""
    likely = cast("Mapping[str, str]", get_global("likely_subtags"))
    for n in range(len(parts), 0, -1):
        full = likely.get("_".join(parts[:n]))
        if full is not None:
            bits = full.split("_")
            own = parts[1:]
            script = _first(own, 4) or _first(bits[1:], 4)
            region = _first(own, 2, 3) or _first(bits[1:], 2, 3)
            return [b for b in (bits[0], script, region) if b]
    return parts


def _first(parts: list[str], *sizes: int) -> str | None:
    return next((p for p in parts if len(p) in sizes), None)


def _truncations(parts: list[str]) -> list[str]:
    return ["-".join(parts[:n]).lower() for n in range(len(parts), 0, -1)]


def _lookup_key(tag: str) -> list[str]:
    """What RFC 4647 lookup compares, as subtags: the tag without extensions and private use, its
    deprecated language code replaced as CLDR says (`iw` → `he`, `in` → `id`, `tl` → `fil`,
    `mo` → `ro`). Empty for a tag that is private use only or grandfathered (`x-foo`, `i-klingon`).

    >>> _lookup_key("es-MX-u-nu-latn"), _lookup_key("iw-IL"), _lookup_key("i-klingon")
    (['es', 'MX'], ['he', 'IL'], [])
    >>> _lookup_key("sh-RS")
    ['sr', 'Latn', 'RS']
    """
    parts = subtags(tag.strip()) if len(tag) <= MAX_TAG else None
    if parts is None:
        canonical_tag(tag)  # raises for a malformed tag; a well-formed one here matches nothing
        return []
    cut = next((i for i, p in enumerate(parts) if len(p) == 1), len(parts))
    parts = parts[:cut]
    aliases = cast("Mapping[str, str]", get_global("language_aliases"))
    alias = aliases.get(parts[0])
    if alias is None:
        return parts
    given = alias.split("_")  # `sh` → `sr_Latn`: what the alias does not say, the tag keeps
    own = parts[1:]
    script = _first(own, 4) or _first(given[1:], 4)
    region = _first(own, 2, 3) or _first(given[1:], 2, 3)
    variants = [p for p in own if len(p) >= 5 or (len(p) == 4 and p[0].isdigit())]
    return [b for b in (given[0], script, region, *variants) if b]


@dataclass(frozen=True)
class _Matcher:
    """The enabled locales, indexed once per config so that a lookup is a few dict hits."""

    languages: frozenset[str]
    by_key: dict[str, str]
    by_language_script: dict[str, str]


@lru_cache(maxsize=16)
def _matcher(enabled: tuple[str, ...]) -> _Matcher:
    by_script: dict[str, str] = {}
    for t in enabled:
        full = _maximize(canonical_tag(t).split("-"))
        by_script.setdefault("-".join(full[:2]).lower(), t)
    return _Matcher(
        frozenset(canonical_tag(t).split("-")[0] for t in enabled),
        {t.lower(): t for t in enabled},
        by_script,
    )


def lookup(requested: str, enabled: Sequence[str]) -> str | None:
    """The enabled locale that serves one language range, or None. A range whose language no
    enabled locale has is refused at once: maximizing never changes the language.

    >>> lookup("zh-Hans-CN", ["zh-Hans", "pt-BR"])
    'zh-Hans'
    >>> lookup("zh-TW", ["zh-Hans"]) is None
    True
    """
    return _lookup(requested, tuple(enabled))


@lru_cache(maxsize=4096)
def _lookup(requested: str, enabled: tuple[str, ...]) -> str | None:
    """`lookup`, once per range and config: a range is at most MAX_TAG characters (a longer one
    raises before it is cached), so the cache stays under a megabyte."""
    key = _lookup_key(requested)
    match = _matcher(enabled)
    if not key or key[0] not in match.languages:
        return None
    for candidate in _truncations(key):
        if candidate in match.by_key:
            return match.by_key[candidate]
    maximal = _maximize(key)
    for candidate in _truncations(maximal):
        if candidate in match.by_key:
            return match.by_key[candidate]
    # Same language and script in another region (`pt-PT` asked, only `pt-BR` enabled).
    return match.by_language_script.get("-".join(maximal[:2]).lower())


def negotiate(requested: Sequence[str], enabled: Sequence[str], default: str = "en") -> str:
    """The first range (in preference order) that an enabled locale serves; else `default`."""
    for tag in requested:
        if tag == "*":
            return default
        found = lookup(tag, enabled)
        if found:
            return found
    return default


class Negotiated(NamedTuple):
    """What a request asks for and is served."""

    requested: str | None
    """The best-ranked tag the client asked for, canonical and at most MAX_TAG characters."""
    locale: str
    """The enabled locale that serves it."""


def negotiate_header(
    header: str,
    enabled: tuple[str, ...],
    default: str = "en",
    seen: dict[str, _Served] | None = None,
) -> Negotiated:
    """What an Accept-Language header asks for and is served: its best-ranked range other than
    `*` (None if it has none), and `negotiate(parse_accept_language(header), enabled, default)`.
    In one pass over the items, each read once, or found in `seen` (what this config has read of
    items so far, which it extends: `Negotiator`'s).

    >>> negotiate_header("fr-CA, es;q=0.8, *;q=0.5", ("en", "es"))
    Negotiated(requested='fr-CA', locale='es')
    >>> negotiate_header("fr, *;q=0.9, es;q=0.8", ("en", "es"))
    Negotiated(requested='fr', locale='en')
    """
    asked, asked_q = None, 0.0  # every range kept has a q-value above 0
    served, served_q = default, 0.0
    if seen is None:
        seen = {}
    if len(header) > MAX_ACCEPT_LANGUAGE:
        header = bounded_accept_language(header)
    for item in header.split(",", MAX_LANGUAGE_RANGES)[:MAX_LANGUAGE_RANGES]:
        read = seen.get(item)
        if read is None:
            read = _serve(item, enabled, default)
            if len(item) <= _CACHED_ITEM:
                if len(seen) >= _MAX_ITEMS:
                    seen.clear()
                seen[item] = read
        quality, tag, serves = read
        # Strictly greater: among equal q-values the first in the header wins, as in the sort.
        if quality > asked_q and tag is not None:
            asked, asked_q = tag, quality
        if quality > served_q and serves is not None:
            served, served_q = serves, quality
        if asked_q == 1.0 and served_q == 1.0:
            break  # no later item can rank higher: a q-value is at most 1
    return Negotiated(asked, served)


class Negotiator:
    """`negotiate_header` for one config, keeping what it has read (the request path's form).
    A header seen before is one dictionary hit; one never seen is read item by item, and an item
    seen before is one hit too. Browsers draw their items from a small set (`es-MX`, `es;q=0.9`,
    `en;q=0.8`…), far smaller than the set of headers made of them.

    Plain dictionaries, emptied when full: headers up to _HELD_BYTES, each counted as its length
    and _HELD_ENTRY for its entry (over 10,000 headers as browsers send them, or about 1,000 of
    MAX_ACCEPT_LANGUAGE characters), and _MAX_ITEMS items as long as a tag and a q-value.

    >>> n = Negotiator(("en", "es"))
    >>> n.header("fr-CA, es;q=0.8"), n.header("fr-CA, es;q=0.8") is n.header("fr-CA, es;q=0.8")
    (Negotiated(requested='fr-CA', locale='es'), True)
    """

    __slots__ = ("_headers", "_held", "_items", "default", "enabled")

    def __init__(self, enabled: tuple[str, ...], default: str = "en") -> None:
        self.enabled, self.default = enabled, default
        self._headers: dict[str, Negotiated] = {}
        self._held = 0  # the bytes counted for the headers held
        self._items: dict[str, _Served] = {}

    def header(self, header: str) -> Negotiated:
        found = self._headers.get(header)
        if found is None:
            if len(header) > MAX_ACCEPT_LANGUAGE:
                header = bounded_accept_language(header)  # the key too: at most 4 KB
            found = negotiate_header(header, self.enabled, self.default, self._items)
            held = self._held + len(header) + _HELD_ENTRY
            if held > _HELD_BYTES:
                self._headers.clear()  # at once: cheaper than evicting one at a time under a mix
                held = len(header) + _HELD_ENTRY
            self._held = held
            self._headers[header] = found
        return found


# An item as negotiation uses it: its q-value, its canonical range (None for `*`, which asks for
# no tag), and the locale serving it (`*`: the default; None: no enabled locale).
_Served = tuple[float, str | None, str | None]
_SKIPPED: _Served = (0.0, None, None)  # q=0 is never chosen: an item to skip


def _serve(item: str, enabled: tuple[str, ...], default: str) -> _Served:
    """What negotiation needs of an item: see _Served."""
    read = _read_item(item)
    if read is None:
        return _SKIPPED
    quality, tag = read
    if tag == "*":
        return quality, None, default
    return quality, tag, lookup(tag, enabled)


# What a Negotiator keeps: headers up to 4 MB (the string, its entry in the dictionary and what it
# negotiated take about _HELD_ENTRY bytes besides its text: `test_locales` measures them), and
# items only as long as a tag and a q-value.
_HELD_BYTES = 4 * 1024 * 1024
_HELD_ENTRY = 200
_CACHED_ITEM = MAX_TAG + 16
_MAX_ITEMS = 16_384
