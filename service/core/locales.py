"""Language tags: BCP 47 for people and HTTP, gettext names for folders, CLDR for everything else
(names, text direction, plural rules). Negotiating a request's locale is `negotiation`'s.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

from service.core.errors import LocaleError
from service.core.limits import MAX_TAG

__all__ = [
    "OPAQUE_TAG",
    "babel_locale",
    "canonical_tag",
    "direction",
    "from_gettext",
    "native_name",
    "plural_rule",
    "subtags",
    "to_gettext",
]

# Tags that are well-formed but name no language a lookup could match: private use alone and the
# irregular grandfathered tags. They are served in English.
OPAQUE_TAG = re.compile(
    r"^(?:x(?:[-_][a-z0-9]{1,8})+|en[-_]gb[-_]oed|i[-_][a-z]{3,8}|sgn[-_]be[-_](?:fr|nl)|sgn[-_]ch[-_]de)$",
    re.IGNORECASE,
)


def subtags(tag: str) -> list[str] | None:
    """The subtags of an RFC 5646 langtag, cased as BCP 47 writes them, or None if malformed:
    language (and up to three extlangs), script, region, variants, extensions, private use.
    `_` is accepted for `-`. A walk over the subtags, not a regex: it runs on every language range
    of every request, and costs a few microseconds."""
    if not tag.isascii():
        return None
    parts = tag.replace("_", "-").split("-")
    n = len(parts)
    first = parts[0]
    if not (2 <= len(first) <= 3 and first.isalpha()):
        return None
    out = [first.lower()]
    i = 1
    while i < n and i <= 3 and len(parts[i]) == 3 and parts[i].isalpha():  # extlang
        out.append(parts[i].lower())
        i += 1
    if i < n and len(parts[i]) == 4 and parts[i].isalpha():
        out.append(parts[i].title())
        i += 1
    if i < n and (
        (len(parts[i]) == 2 and parts[i].isalpha()) or (len(parts[i]) == 3 and parts[i].isdigit())
    ):
        out.append(parts[i].upper())
        i += 1
    while (
        i < n
        and parts[i].isalnum()
        and (5 <= len(parts[i]) <= 8 or (len(parts[i]) == 4 and parts[i][0].isdigit()))
    ):
        out.append(parts[i].lower())
        i += 1
    while i < n and len(parts[i]) == 1 and parts[i].isalnum():  # extensions, then private use
        singleton = parts[i].lower()
        size = 1 if singleton == "x" else 2
        out.append(singleton)
        i += 1
        start = i
        while i < n and size <= len(parts[i]) <= 8 and parts[i].isalnum():
            out.append(parts[i].lower())
            i += 1
        if i == start or (singleton == "x" and i < n):
            return None
    return out if i == n else None


def canonical_tag(tag: str) -> str:
    """Case and separators as BCP 47 writes them; extensions and private use are kept.

    >>> canonical_tag("zh_hans_cn")
    'zh-Hans-CN'
    >>> canonical_tag("PT-br")
    'pt-BR'
    >>> canonical_tag("es-mx-U-NU-latn")
    'es-MX-u-nu-latn'
    >>> canonical_tag("I-Klingon")
    'i-klingon'
    """
    tag = tag.strip()
    if len(tag) > MAX_TAG:
        raise LocaleError(f"language tag too long (over {MAX_TAG} characters)")
    parts = subtags(tag)
    if parts is not None:
        return "-".join(parts)
    if OPAQUE_TAG.match(tag):
        return tag.lower().replace("_", "-")
    raise LocaleError(f"malformed language tag {tag!r} (expected BCP 47, e.g. 'pt-BR')")


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


def plural_rule(locale: str) -> tuple[int, str]:
    """CLDR's gettext plural rule for a locale: (nplurals, C expression).

    >>> plural_rule("en"), plural_rule("zh-Hans")
    ((2, '(n != 1)'), (1, '0'))
    """
    rule = get_plural(babel_locale(locale))
    return rule.num_plurals, rule.plural_expr
