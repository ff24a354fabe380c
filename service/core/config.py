"""l10n.yaml: the enabled locales, their fallback chains, the default page policy, protected terms,
the approval policy (roles, what each kind of text needs, who may approve: `policy_config`), and
whether the translations are demonstration drafts.

Loaded once per command or server start; everything else takes a `Config`, never the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.core.errors import ConfigError, LocaleError
from service.core.files import YAML_MAX_BYTES, read_text
from service.core.locales import babel_locale, canonical_tag, to_gettext
from service.core.models import SOURCE_LOCALE, FallbackPolicy
from service.core.notify import Notify, read_notify
from service.core.policy import Policy
from service.core.policy_config import read_policy
from service.core.sso_config import SsoConfig, read_sso
from service.core.terminology import NO_TERMINOLOGY, Terminology, read_terminology
from service.core.yamlfile import LineDict, load_yaml

__all__ = ["CONFIG_NAME", "Config", "find_root", "load_config", "load_config_file"]

CONFIG_NAME = "l10n.yaml"
_KEYS = {
    "source_locale",
    "locales",
    "fallback_chains",
    "fallback",
    "do_not_translate",
    "reviewers",
    "roles",  # the approval policy: which roles exist and what a signature in each means
    "approvals",  # ... and which roles each kind of text needs
    "critical text",  # ... and what makes text safety-critical (critical blocks, doses)
    "cors_origins",  # read by the HTTP edge: which sites may GET the API cross-origin
    "demonstration",  # the translations are demonstration drafts: translated pages say so
    "translators",  # who the translators are (names, aliases, e-mails): read with the policy
    "terminology",  # substances and products, each with its approved form per locale
    "min_share",  # the share of a page a locale must show translated for it to be listed
    "notify",  # the SMTP server the daily digest of waiting reviews goes through (`notify`)
    "base_url",  # where the static site of a release is served: its absolute links and sitemap
    "sso",  # single sign-on for the review workspace (OpenID Connect): `sso_config`
    "embed_origins",  # read by the HTTP edge: which sites may frame the patients' pages
}
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")


@dataclass(frozen=True)
class Config:
    root: Path
    locales: tuple[str, ...]
    chains: dict[str, tuple[str, ...]]
    fallback: FallbackPolicy = FallbackPolicy.SEGMENT
    do_not_translate: tuple[str, ...] = ()
    policy: Policy = field(default_factory=Policy)
    path: str = CONFIG_NAME
    source_locale: str = field(default=SOURCE_LOCALE)
    cors_origins: frozenset[str] = frozenset()
    demonstration: bool = False  # translated pages carry the "demonstration translation" notice
    terminology: Terminology = NO_TERMINOLOGY  # approved forms of substances and products
    min_share: float = 0.0  # a page is listed in a locale from this share translated (and > 0)
    notify: Notify | None = None  # where the digest of waiting reviews is sent from
    base_url: str | None = None  # the static site's absolute URL (ends in /); None: relative
    sso: SsoConfig | None = None  # the workspace's OpenID Connect provider, if any
    embed_origins: frozenset[str] = frozenset()  # CSP frame-ancestors of the patients' pages

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

    @cached_property
    def all_locales(self) -> tuple[str, ...]:
        """English first, then the enabled locales: one tuple per config, which the request path
        reads on every request and its caches key on."""
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


def _origins(data: LineDict, path: str, key: str = "cors_origins") -> frozenset[str]:
    """`cors_origins: [https://clinic.example]`: sites whose pages may GET the API (none by
    default); `embed_origins:`, sites whose pages may frame the patients' pages (none by
    default). Exact origins as browsers send them: scheme, host, optional port, lower case."""
    raw = data.get(key) or []
    line = data.line_of(key)
    if not isinstance(raw, list):
        raise ConfigError(f"'{key}' must be a list of origins", path, line)
    for origin in raw:
        if not isinstance(origin, str) or not _ORIGIN.match(origin):
            raise ConfigError(
                f"{key}: {origin!r} is not an origin like 'https://clinic.example'",
                path,
                line,
            )
    return frozenset(raw)


def load_config(root: Path, name: str = CONFIG_NAME) -> Config:
    """The tree's l10n.yaml (or `name`), or a ConfigError at `l10n.yaml:LINE` (its path as the
    tree names it, like every other message)."""
    file = root / name
    path = name
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
    locales = _locales(data, path)
    return Config(
        policy=read_policy(data, path, locales),
        root=root,
        locales=locales,
        chains=_chains(data, path, locales),
        fallback=_fallback(data, path),
        do_not_translate=_terms(data, path),
        path=str(file),
        cors_origins=_origins(data, path),
        demonstration=_flag(data, path, "demonstration"),
        terminology=read_terminology(data, path, locales),
        min_share=_share(data, path, "min_share"),
        notify=read_notify(data, path),
        base_url=_base_url(data, path),
        sso=read_sso(data, path),
        embed_origins=_origins(data, path, "embed_origins"),
    )


def _locales(data: LineDict, path: str) -> tuple[str, ...]:
    """`locales:`, the enabled locales (never `en`, the source), each once."""
    raw_locales = data.get("locales")
    line = data.line_of("locales")
    if not isinstance(raw_locales, list) or not raw_locales:
        raise ConfigError("'locales' must be a non-empty list of tags", path, line)
    locales = tuple(_tag(v, path, line) for v in raw_locales)
    if SOURCE_LOCALE in locales:
        raise ConfigError("'en' is the source; do not list it under locales", path, line)
    if len(set(locales)) != len(locales):
        raise ConfigError("a locale is listed twice", path, line)
    return locales


def _chains(data: LineDict, path: str, locales: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each enabled locale's fallback chain: `fallback_chains:` where given, else its parents."""
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
    return chains


def _fallback(data: LineDict, path: str) -> FallbackPolicy:
    raw_policy = data.get("fallback", FallbackPolicy.SEGMENT.value)
    try:
        return FallbackPolicy(raw_policy)
    except ValueError:
        raise ConfigError(
            f"'fallback' must be 'segment' or 'page', got {raw_policy!r}",
            path,
            data.line_of("fallback"),
        ) from None


def _terms(data: LineDict, path: str) -> tuple[str, ...]:
    terms = data.get("do_not_translate") or []
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise ConfigError(
            "'do_not_translate' must be a list of terms", path, data.line_of("do_not_translate")
        )
    return tuple(terms)


def _flag(data: LineDict, path: str, key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"'{key}' must be true or false, got {value!r}", path, data.line_of(key))
    return value


def _share(data: LineDict, path: str, key: str) -> float:
    """A fraction from 0 to 1 (`min_share: 0.5`); 0 when not given."""
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(
            f"'{key}' must be a fraction from 0 to 1, got {value!r}", path, data.line_of(key)
        )
    return float(value)


def _base_url(data: LineDict, path: str) -> str | None:
    """`base_url: https://clinic.example/learn/`: where a release's static site is served (an
    absolute http(s) URL without query or fragment; a `/` is added at its end); None if not
    given."""
    value = data.get("base_url")
    if value is None:
        return None
    line = data.line_of("base_url")
    text = value if isinstance(value, str) else ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"'base_url' must be an absolute http(s) URL, got {value!r}", path, line)
    if parts.query or parts.fragment:
        raise ConfigError(f"'base_url' cannot have a query or a fragment: {value!r}", path, line)
    return text if text.endswith("/") else text + "/"


def load_config_file(file: Path) -> Config:
    """A config named by its file (`check --config`), its folder as the tree's root."""
    return load_config(file.resolve().parent, file.name)
