"""Language tags: BCP 47 for people and HTTP, gettext names for folders, CLDR for everything else.

Negotiation follows RFC 4647 lookup, helped by CLDR likely subtags so that `zh-CN` finds `zh-Hans`
and `zh-TW` does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import cast

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .errors import LocaleError

__all__ = [
    "canonical_tag",
    "direction",
    "from_gettext",
    "is_well_formed",
    "lookup",
    "native_name",
    "negotiate",
    "parse_accept_language",
    "to_gettext",
]

_TAG = re.compile(
    r"^(?P<lang>[a-z]{2,3})"
    r"(?:[-_](?P<script>[a-z]{4}))?"
    r"(?:[-_](?P<region>[a-z]{2}|\d{3}))?"
    r"(?P<variants>(?:[-_](?:[a-z0-9]{5,8}|\d[a-z0-9]{3}))*)$",
    re.IGNORECASE,
)
_Q = re.compile(r"^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$", re.IGNORECASE)


def is_well_formed(tag: str) -> bool:
    return bool(_TAG.match(tag))


def canonical_tag(tag: str) -> str:
    """Case and separators as BCP 47 writes them.

    >>> canonical_tag("zh_hans_cn")
    'zh-Hans-CN'
    >>> canonical_tag("PT-br")
    'pt-BR'
    """
    m = _TAG.match(tag.strip())
    if not m:
        raise LocaleError(f"malformed language tag {tag!r} (expected BCP 47, e.g. 'pt-BR')")
    parts = [m["lang"].lower()]
    if m["script"]:
        parts.append(m["script"].title())
    if m["region"]:
        parts.append(m["region"].upper())
    parts += [v.lower() for v in re.split("[-_]", m["variants"]) if v]
    return "-".join(parts)


def to_gettext(tag: str) -> str:
    """The folder name gettext tools expect: `pt-BR` → `pt_BR`."""
    return canonical_tag(tag).replace("-", "_")


def from_gettext(name: str) -> str:
    return canonical_tag(name)


@lru_cache(maxsize=256)
def _babel(tag: str) -> Locale:
    try:
        return Locale.parse(canonical_tag(tag), sep="-")
    except (UnknownLocaleError, ValueError) as exc:
        raise LocaleError(f"no CLDR data for locale {tag!r}") from exc


def babel_locale(tag: str) -> Locale:
    return _babel(tag)


def direction(tag: str) -> str:
    """'rtl' or 'ltr', from CLDR."""
    return "rtl" if _babel(tag).text_direction == "rtl" else "ltr"


def native_name(tag: str) -> str:
    name = _babel(tag).display_name or tag
    return name[:1].upper() + name[1:]


def parse_accept_language(header: str) -> list[str]:
    """Language ranges by preference; malformed items are skipped, as browsers' junk should not 400.

    >>> parse_accept_language("es-MX,es;q=0.9,en;q=0.8, fr;q=0")
    ['es-MX', 'es', 'en']
    >>> parse_accept_language("de;q=0.5, *;q=0.1, !!, it")
    ['it', 'de', '*']
    """
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        if params:
            q = _Q.match(params.strip().replace(" ", ""))
            if not q:
                continue
            quality = float(q.group(1))
        if quality <= 0:
            continue
        if tag == "*":
            ranked.append((quality, position, "*"))
        elif is_well_formed(tag):
            ranked.append((quality, position, canonical_tag(tag)))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [tag for _, _, tag in ranked]


def _maximize(tag: str) -> str:
    """CLDR likely subtags: `zh-CN` → `zh-Hans-CN`, `pt` → `pt-Latn-BR`."""
    likely = cast("Mapping[str, str]", get_global("likely_subtags"))
    parts = canonical_tag(tag).split("-")
    for n in range(len(parts), 0, -1):
        key = "_".join(parts[:n])
        if key in likely:
            full = likely[key].split("_")
            lang = full[0]
            script = next((p for p in full if len(p) == 4), None)
            region = next((p for p in full[1:] if len(p) in (2, 3)), None)
            own = parts[1:]
            own_script = next((p for p in own if len(p) == 4), None)
            own_region = next((p for p in own if len(p) in (2, 3)), None)
            bits = [lang, own_script or script, own_region or region]
            return "-".join(b for b in bits if b)
    return canonical_tag(tag)


def _truncations(tag: str) -> list[str]:
    parts = tag.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def lookup(requested: str, enabled: Sequence[str]) -> str | None:
    """The enabled locale that serves one language range, or None.

    >>> lookup("zh-Hans-CN", ["zh-Hans", "pt-BR"])
    'zh-Hans'
    >>> lookup("zh-TW", ["zh-Hans"]) is None
    True
    """
    by_key = {t.lower(): t for t in enabled}
    tag = canonical_tag(requested)
    for candidate in _truncations(tag):
        if candidate.lower() in by_key:
            return by_key[candidate.lower()]
    maximal = _maximize(tag)
    for candidate in _truncations(maximal):
        if candidate.lower() in by_key:
            return by_key[candidate.lower()]
    # Same language and script in another region (`pt-PT` asked, only `pt-BR` enabled).
    lang_script = "-".join(maximal.split("-")[:2])
    for t in enabled:
        if "-".join(_maximize(t).split("-")[:2]) == lang_script:
            return t
    return None


def negotiate(requested: Sequence[str], enabled: Sequence[str], default: str = "en") -> str:
    """The first range (in preference order) that an enabled locale serves; else `default`."""
    for tag in requested:
        if tag == "*":
            return default
        found = lookup(tag, enabled)
        if found:
            return found
    return default
