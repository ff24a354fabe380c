"""`terminology:` in l10n.yaml: the substances and products a page names, each with its approved
form in every enabled locale, read into one `Terminology` (the `terminology` check holds each
translation to it).

    terminology:
      esketamine: {es: esketamina, pt: escetamina, zh-Hans: 艾司氯胺酮, ar: [الإسكيتامين, إسكيتامين]}

A locale may accept several forms (Arabic with and without its article); a term names every enabled
locale, so that adding a locale asks for its forms. `do_not_translate` stays for what is written
the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from service.core.errors import ConfigError, LocaleError
from service.core.locales import canonical_tag
from service.core.yamlfile import LineDict

__all__ = ["NO_TERMINOLOGY", "Glossary", "Term", "Terminology", "read_terminology"]

# One locale's view: (English term, its accepted forms in the locale), in the order declared
Glossary = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Term:
    english: str
    forms: tuple[tuple[str, tuple[str, ...]], ...]  # (locale, its accepted forms), by locale


@dataclass(frozen=True)
class Terminology:
    terms: tuple[Term, ...] = ()

    def glossary(self, locale: str) -> Glossary:
        """The terms as `locale` writes them (none for a locale the config does not enable)."""
        return self._glossaries.get(locale, ())

    @cached_property
    def _glossaries(self) -> dict[str, Glossary]:
        by_locale: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for term in self.terms:
            for locale, forms in term.forms:
                by_locale.setdefault(locale, []).append((term.english, forms))
        return {locale: tuple(entries) for locale, entries in by_locale.items()}


NO_TERMINOLOGY = Terminology()


def read_terminology(data: LineDict, path: str, locales: tuple[str, ...]) -> Terminology:
    """`terminology:` of a loaded l10n.yaml whose enabled locales are `locales`; each mistake a
    ConfigError at its line."""
    raw = data.get("terminology")
    line = data.line_of("terminology")
    if raw is None:
        return NO_TERMINOLOGY
    if not isinstance(raw, dict):
        raise ConfigError(
            "'terminology' must map each English term to its form in each locale", path, line
        )
    terms, seen, owner = [], set[str](), dict[tuple[str, str], str]()
    for english, forms in raw.items():
        at = raw.line_of(english) if isinstance(raw, LineDict) else line
        if not isinstance(english, str) or not english.strip():
            raise ConfigError(f"terminology: {english!r} is not a term", path, at)
        if english.casefold() in seen:
            raise ConfigError(f"terminology: {english!r} is listed twice", path, at)
        seen.add(english.casefold())
        term = Term(english.strip(), _forms(english, forms, path, at, locales))
        _unambiguous(term, owner, path, at)
        terms.append(term)
    return Terminology(tuple(terms))


def _forms(
    english: str, raw: Any, path: str, line: int, locales: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, dict):
        raise ConfigError(f"terminology: {english!r} must map each locale to its form", path, line)
    forms: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        at = raw.line_of(key) if isinstance(raw, LineDict) else line
        try:
            tag = canonical_tag(key) if isinstance(key, str) else ""
        except LocaleError:
            tag = ""
        if tag not in locales:
            raise ConfigError(
                f"terminology: {english!r} names {key!r}, which is not an enabled locale", path, at
            )
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(
                f"terminology: {english!r} in {tag}: a form must be non-empty text", path, at
            )
        forms[tag] = tuple(" ".join(v.split()) for v in values)
    # A locale with no form yet (one just enabled) loads: the check refuses its translations of
    # text that names the term until a form is declared, and the rest keeps working.
    return tuple((loc, forms.get(loc, ())) for loc in locales)


def _unambiguous(term: Term, owner: dict[tuple[str, str], str], path: str, line: int) -> None:
    """No form stands for two terms in one locale: a count could not tell them apart."""
    for locale, forms in term.forms:
        for form in forms:
            other = owner.setdefault((locale, form.casefold()), term.english)
            if other != term.english:
                raise ConfigError(
                    f"terminology: {form!r} is the {locale} form of both {other!r} and "
                    f"{term.english!r}",
                    path,
                    line,
                )
