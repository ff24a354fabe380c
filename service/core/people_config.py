"""Who the declared people are, as l10n.yaml gives them: `translators:` (names, aliases, e-mail
addresses that are one person), a reviewer's optional `email`, and the rule that two declared people
never compare as one (`identity`), each mistake a ConfigError at its line.

    translators:
      Lucía Ficticia (fictional):
        email: lucia@translators.example
        aliases: [L. Ficticia, lficticia]
      Wang Xuni (fictional): {email: wang@translators.example}
"""

from __future__ import annotations

import re
from typing import Any

from service.core.errors import ConfigError
from service.core.identity import Person, read_name, same_person
from service.core.yamlfile import LineDict

__all__ = ["check_people", "read_email", "read_translators"]

_TRANSLATOR_KEYS = ("email", "aliases")
# An address as a Last-Translator header writes one between < and >: one @, no space or bracket.
_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+")


def read_email(who: str, value: Any, path: str, line: int) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        raise ConfigError(f"{who}: 'email' must be an address like ana@clinic.example", path, line)
    return value.strip()


def _translator(name: str, value: Any, path: str, line: int) -> Person:
    """`NAME:` (nothing more), or `NAME: {email: ADDRESS, aliases: [OTHER NAME, ...]}`."""
    who = f"translator {name!r}"
    if not read_name(name).words:
        raise ConfigError(f"{who}: a name needs at least one letter or digit", path, line)
    if value is None:
        return Person((name,))
    if not isinstance(value, dict):
        raise ConfigError(f"{who}: give nothing, or 'email' and/or 'aliases'", path, line)
    unknown = sorted(set(map(str, value)) - set(_TRANSLATOR_KEYS))
    if unknown:
        raise ConfigError(f"{who}: unknown key {unknown[0]!r}", path, line)
    emails = (read_email(who, value["email"], path, line),) if "email" in value else ()
    aliases = value.get("aliases", [])
    if not isinstance(aliases, list) or not all(
        isinstance(a, str) and read_name(a).words for a in aliases
    ):
        raise ConfigError(f"{who}: 'aliases' must be a list of names", path, line)
    return Person((name, *(" ".join(a.split()) for a in aliases)), emails)


def read_translators(data: LineDict, path: str) -> list[tuple[Person, int]]:
    """`translators:`: the names (and aliases, e-mail addresses) that are one translator, each
    with its line."""
    raw = data.get("translators") or {}
    line = data.line_of("translators")
    if not isinstance(raw, dict):
        raise ConfigError(
            "'translators' must map each translator's name to its details", path, line
        )
    found: list[tuple[Person, int]] = []
    for name, value in raw.items():
        at = raw.line_of(name) if isinstance(raw, LineDict) else line
        found.append((_translator(" ".join(str(name).split()), value, path, at), at))
    for i, (person, at) in enumerate(found):
        for other, _ in found[:i]:
            if _one(person, other):
                raise ConfigError(
                    f"translator {person.names[0]!r} is the same person as {other.names[0]!r} "
                    "(by name or e-mail): declare one, with the other as an alias",
                    path,
                    at,
                )
    return found


def check_people(
    reviewers: list[tuple[Person, int]], translators: list[tuple[Person, int]], path: str
) -> None:
    """Two declared reviewers are never one person by `identity`'s rule (each would void the
    other's approvals, and two signatures of theirs would count as two people's), and a declared
    translator is at most one of them."""
    seen: list[tuple[Person, int]] = []
    for person, at in reviewers:
        for other, _ in seen:
            if _one(person, other):
                raise ConfigError(
                    f"reviewers {other.names[0]!r} and {person.names[0]!r} are the same person "
                    "by name or e-mail; tell them apart (a full name, their own address)",
                    path,
                    at,
                )
        seen.append((person, at))
    for translator, line in translators:
        matched = [p.names[0] for p, _ in seen if _one(translator, p)]
        if len(matched) > 1:
            raise ConfigError(
                f"translator {translator.names[0]!r} is the same person as reviewers "
                f"{matched[0]!r} and {matched[1]!r}",
                path,
                line,
            )


def _one(a: Person, b: Person) -> bool:
    return any(same_person(x, y) for x in a.names for y in b.names) or bool(
        set(map(str.casefold, a.emails)) & set(map(str.casefold, b.emails))
    )
