"""l10n.yaml: the enabled locales, their fallback chains, the default page policy, protected terms.

Loaded once per command or server start; everything else takes a `Config`, never the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, LocaleError
from .files import YAML_MAX_BYTES, read_text
from .locales import babel_locale, canonical_tag, to_gettext
from .models import SOURCE_LOCALE, FallbackPolicy, Role, same_person
from .yamlfile import LineDict, load_yaml

__all__ = ["CONFIG_NAME", "Config", "find_root", "load_config"]

CONFIG_NAME = "l10n.yaml"
_KEYS = {"source_locale", "locales", "fallback_chains", "fallback", "do_not_translate", "reviewers"}


@dataclass(frozen=True)
class Config:
    root: Path
    locales: tuple[str, ...]
    chains: dict[str, tuple[str, ...]]
    fallback: FallbackPolicy = FallbackPolicy.SEGMENT
    do_not_translate: tuple[str, ...] = ()
    reviewers: dict[str, frozenset[Role]] = field(default_factory=dict)
    path: str = CONFIG_NAME
    source_locale: str = field(default=SOURCE_LOCALE)

    @property
    def pages_dir(self) -> Path:
        return self.root / "source_content" / "pages"

    @property
    def ui_source(self) -> Path:
        return self.root / "source_content" / "ui.yaml"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.locales_dir / "templates"

    def catalog_path(self, locale: str, domain: str) -> Path:
        return self.locales_dir / to_gettext(locale) / "LC_MESSAGES" / f"{domain}.po"

    def ledger_path(self, locale: str, domain: str) -> Path:
        return self.locales_dir / to_gettext(locale) / "reviews" / f"{domain}.yaml"

    def rel(self, path: Path | str) -> str:
        """A path as messages show it: relative to the content tree when inside it."""
        given = Path(path)
        if given.is_absolute() and ".." not in given.parts:  # the paths this package builds
            try:
                return given.relative_to(self.root).as_posix()
            except ValueError:
                pass
        try:
            return given.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def chain(self, locale: str) -> tuple[str, ...]:
        """Where a segment may come from, best first, always ending in English."""
        return self.chains.get(locale, (SOURCE_LOCALE,))

    def enabled(self, tag: str) -> str | None:
        """The enabled spelling of `tag` (any case, `_` or `-`), or None."""
        try:
            wanted = canonical_tag(tag)
        except LocaleError:
            return None
        if wanted == SOURCE_LOCALE:
            return SOURCE_LOCALE
        return wanted if wanted in self.locales else None

    def roles_of(self, reviewer: str) -> frozenset[Role]:
        """The roles l10n.yaml declares for a reviewer (names compared as people write them)."""
        return next(
            (roles for name, roles in self.reviewers.items() if same_person(name, reviewer)),
            frozenset(),
        )

    @property
    def all_locales(self) -> tuple[str, ...]:
        return (SOURCE_LOCALE, *self.locales)


def find_root(root: str | os.PathLike[str] | None = None) -> Path:
    """--root, else $CLINIC_L10N_ROOT, else the current directory."""
    chosen = root or os.environ.get("CLINIC_L10N_ROOT") or "."
    return Path(chosen).resolve()


def _tag(value: Any, path: str, line: int) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"locale must be a string, got {value!r}", path, line)
    try:
        tag = canonical_tag(value)
        babel_locale(tag)
    except LocaleError as exc:
        raise ConfigError(exc.message, path, line) from exc
    return tag


def _default_chain(tag: str, enabled: tuple[str, ...]) -> tuple[str, ...]:
    """`pt-BR` → (`pt-BR`, `pt`, `en`) when `pt` is enabled."""
    parts = tag.split("-")
    parents = ["-".join(parts[:n]) for n in range(len(parts) - 1, 0, -1)]
    return (tag, *[p for p in parents if p in enabled], SOURCE_LOCALE)


def _reviewers(data: LineDict, path: str) -> dict[str, frozenset[Role]]:
    """`reviewers: {name: [linguistic, clinical]}`: who may approve in which role."""
    raw = data.get("reviewers") or {}
    line = data.line_of("reviewers")
    if not isinstance(raw, dict):
        raise ConfigError("'reviewers' must map each reviewer to a list of roles", path, line)
    out = {}
    for name, roles in raw.items():
        at = raw.line_of(name) if isinstance(raw, LineDict) else line
        valid = {r.value for r in Role}
        if not isinstance(roles, list) or not roles or not set(map(str, roles)) <= valid:
            raise ConfigError(
                f"reviewer {name!r}: roles must be a list of {sorted(valid)}", path, at
            )
        out[str(name)] = frozenset(Role(str(r)) for r in roles)
    return out


def load_config(root: Path) -> Config:
    """The tree's l10n.yaml, or a ConfigError at `l10n.yaml:LINE` (its path as the tree names it,
    like every other message)."""
    file = root / CONFIG_NAME
    path = CONFIG_NAME
    if not file.exists() and not file.is_symlink():
        raise ConfigError(f"no {CONFIG_NAME} here; run in a content tree or pass --root", file)
    data = load_yaml(read_text(file, path, ConfigError, YAML_MAX_BYTES), path, ConfigError)
    if not isinstance(data, LineDict):
        raise ConfigError("expected a mapping at the top level", path, 1)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}", path, data.line_of(unknown[0]))
    source = data.get("source_locale", SOURCE_LOCALE)
    if source != SOURCE_LOCALE:
        raise ConfigError(
            "only 'en' is supported as source_locale", path, data.line_of("source_locale")
        )

    raw_locales = data.get("locales")
    if not isinstance(raw_locales, list) or not raw_locales:
        raise ConfigError(
            "'locales' must be a non-empty list of tags", path, data.line_of("locales")
        )
    locales = tuple(_tag(v, path, data.line_of("locales")) for v in raw_locales)
    if SOURCE_LOCALE in locales:
        raise ConfigError(
            "'en' is the source; do not list it under locales", path, data.line_of("locales")
        )
    if len(set(locales)) != len(locales):
        raise ConfigError("a locale is listed twice", path, data.line_of("locales"))

    chains = {tag: _default_chain(tag, locales) for tag in locales}
    raw_chains = data.get("fallback_chains") or {}
    if not isinstance(raw_chains, dict):
        raise ConfigError(
            "'fallback_chains' must map a locale to a list", path, data.line_of("fallback_chains")
        )
    for key, value in raw_chains.items():
        line = raw_chains.line_of(key) if isinstance(raw_chains, LineDict) else data.line
        tag = _tag(key, path, line)
        if tag not in locales:
            raise ConfigError(f"fallback chain for {tag!r}, which is not enabled", path, line)
        if not isinstance(value, list):
            raise ConfigError(f"fallback chain for {tag!r} must be a list", path, line)
        steps = [_tag(v, path, line) for v in value]
        for step in steps:
            if step != SOURCE_LOCALE and step not in locales:
                raise ConfigError(
                    f"fallback chain for {tag!r} names {step!r}, not enabled", path, line
                )
        ordered = [tag] + [s for s in steps if s not in (tag, SOURCE_LOCALE)]
        chains[tag] = (*dict.fromkeys(ordered), SOURCE_LOCALE)

    raw_policy = data.get("fallback", FallbackPolicy.SEGMENT.value)
    try:
        policy = FallbackPolicy(raw_policy)
    except ValueError:
        raise ConfigError(
            f"'fallback' must be 'segment' or 'page', got {raw_policy!r}",
            path,
            data.line_of("fallback"),
        ) from None

    terms = data.get("do_not_translate") or []
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise ConfigError(
            "'do_not_translate' must be a list of terms", path, data.line_of("do_not_translate")
        )

    return Config(
        reviewers=_reviewers(data, path),
        root=root,
        locales=locales,
        chains=chains,
        fallback=policy,
        do_not_translate=tuple(terms),
        path=str(file),
    )
