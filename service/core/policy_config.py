"""The approval policy as l10n.yaml declares it: `roles:`, `approvals:`, `reviewers:` and
`translators:`, read into one `Policy`, each mistake a ConfigError at its line.

    roles:                      # optional; these two are the default
      linguistic:
        label: Language review  # "About this page", where ui.yaml has no `linguistic-review`
        translation: "linguistic review: the translation is accurate and complete"
        english: "linguistic review: the English text is clear and complete"
      clinical: {...}
    approvals:                  # optional (all four kinds, when given); the default:
      critical translation: [linguistic, clinical]   # every role listed, each a different person
      translation: any                               # one review, in any role
      critical English: [clinical]
      English: any
    critical text: [critical blocks, doses]          # optional; the default: both
    reviewers:
      Dr. Ana Ejemplo: [linguistic]                  # every locale, English included
      Dr. Bo Sample: {roles: [clinical], locales: [es, en], email: bo@clinic.example, login: bo}
      Dr. Cy Sample: {roles: [linguistic], sso_subject: 248289761001}  # OpenID `sub` (`sso:`)
    translators:                # optional: the names that are one translator (`people_config`)
      Lucía Ficticia: {email: lucia@translators.example, aliases: [L. Ficticia]}
"""

from __future__ import annotations

from typing import Any

from service.core.errors import ConfigError, LocaleError
from service.core.identity import Person
from service.core.locales import canonical_tag
from service.core.models import SOURCE_LOCALE, Role, person_key
from service.core.people_config import check_people, read_email, read_translators
from service.core.policy import (
    CRITICAL_TEXT,
    DEFAULT_NEEDS,
    DEFAULT_ROLES,
    ROLE_NAME,
    Policy,
    Reviewer,
    RoleSpec,
    TextKind,
)
from service.core.signin_names import check_sign_in_names, read_login
from service.core.yamlfile import LineDict

__all__ = ["read_policy"]

_ROLE_KEYS = ("label", "translation", "english")
_ANY = "any"


def read_policy(data: LineDict, path: str, locales: tuple[str, ...]) -> Policy:
    """The policy of a loaded l10n.yaml whose enabled locales are `locales`."""
    roles = _roles(data, path)
    names = tuple(r.name for r in roles)
    needs = _needs(data, path, names)
    reviewers = _reviewers(data, path, locales, names)
    translators = read_translators(data, path)
    raw = data.get("reviewers") or {}
    declared = [
        (Person((r.name,), (r.email,) if r.email else ()), _line(raw, name, data.line))
        for name, r in zip(raw, reviewers.values(), strict=True)
    ]
    check_people(declared, translators, path)
    lines = [_line(raw, name, data.line) for name in raw]
    check_sign_in_names(zip(reviewers.values(), lines, strict=True), path)
    return Policy(
        reviewers,
        roles,
        needs,
        critical_text=_critical_text(data, path),
        translators=tuple(p for p, _ in translators),
    )


def _critical_text(data: LineDict, path: str) -> frozenset[str]:
    """`critical text:`: what makes text safety-critical, a list of `CRITICAL_TEXT` (default: all;
    `[]`: no text is)."""
    raw = data.get("critical text", list(CRITICAL_TEXT))
    if not isinstance(raw, list) or not set(map(str, raw)) <= set(CRITICAL_TEXT):
        raise ConfigError(
            f"'critical text' must be a list of: {', '.join(CRITICAL_TEXT)}",
            path,
            data.line_of("critical text"),
        )
    return frozenset(map(str, raw))


def _line(mapping: Any, key: str, default: int) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else default


def _roles(data: LineDict, path: str) -> tuple[RoleSpec, ...]:
    raw = data.get("roles")
    line = data.line_of("roles")
    if raw is None:
        return DEFAULT_ROLES
    if not isinstance(raw, dict) or not raw:
        raise ConfigError("'roles' must map each role's name to what it means", path, line)
    roles = []
    for name, spec in raw.items():
        at = _line(raw, name, line)
        if not isinstance(name, str) or not ROLE_NAME.fullmatch(name):
            raise ConfigError(
                f"role {name!r}: a role's name is lower-case letters, digits and '-'", path, at
            )
        if not isinstance(spec, dict) or sorted(spec) != sorted(_ROLE_KEYS):
            raise ConfigError(f"role {name!r} must give exactly {', '.join(_ROLE_KEYS)}", path, at)
        values = [spec[k] for k in _ROLE_KEYS]
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(f"role {name!r}: {', '.join(_ROLE_KEYS)} must be text", path, at)
        roles.append(RoleSpec(name, *(" ".join(v.split()) for v in values)))
    return tuple(roles)


def _needs(data: LineDict, path: str, roles: tuple[Role, ...]) -> dict[TextKind, tuple[Role, ...]]:
    raw = data.get("approvals")
    line = data.line_of("approvals")
    if raw is None:
        needs = dict(DEFAULT_NEEDS)
        undeclared = sorted({r for need in needs.values() for r in need} - set(roles))
        if undeclared:
            raise ConfigError(
                f"'approvals' is not given and its default needs the role {undeclared[0]!r}, "
                "which 'roles' does not declare",
                path,
                data.line_of("roles"),
            )
        return needs
    kinds = [k.value for k in TextKind]
    if not isinstance(raw, dict) or sorted(map(str, raw)) != sorted(kinds):
        raise ConfigError(
            f"'approvals' must give each of: {', '.join(kinds)} (a list of roles, or 'any')",
            path,
            line,
        )
    found: dict[TextKind, tuple[Role, ...]] = {}
    for kind in TextKind:
        value, at = raw[kind.value], _line(raw, kind.value, line)
        if value == _ANY:
            found[kind] = ()
            continue
        if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
            raise ConfigError(
                f"approvals: {kind.value!r} must be 'any' or a list of different roles", path, at
            )
        for role in value:
            if role not in roles:
                raise ConfigError(
                    f"approvals: {kind.value!r} needs {role!r}, which 'roles' does not declare",
                    path,
                    at,
                )
        found[kind] = tuple(str(r) for r in value)
    return found


def _tag(value: Any, path: str, line: int) -> str:
    try:
        return canonical_tag(str(value))
    except LocaleError as exc:
        raise ConfigError(exc.message, path, line) from exc


def _scope(name: str, raw: Any, path: str, line: int, locales: tuple[str, ...]) -> frozenset[str]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"reviewer {name!r}: 'locales' must be a list of locales", path, line)
    tags = [_tag(v, path, line) for v in raw]
    for tag in tags:
        if tag != SOURCE_LOCALE and tag not in locales:
            raise ConfigError(f"reviewer {name!r}: locale {tag!r} is not enabled", path, line)
    return frozenset(tags)


def _reviewer(
    name: str, value: Any, path: str, line: int, locales: tuple[str, ...], valid: tuple[Role, ...]
) -> Reviewer:
    """`NAME: [roles]` (every locale) or `NAME: {roles: [...], locales: [...]}`."""
    scope: frozenset[str] | None = None
    email: str | None = None
    login: str | None = None
    subject: str | None = None
    roles = value
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"roles", "locales", "email", "login", "sso_subject"})
        if unknown:
            raise ConfigError(f"reviewer {name!r}: unknown key {unknown[0]!r}", path, line)
        if "email" in value:
            email = read_email(f"reviewer {name!r}", value["email"], path, line)
        login = read_login(name, value.get("login"), path, line)
        subject = _subject(name, value.get("sso_subject"), path, line)
        roles = value.get("roles")
        if value.get("locales") is not None:
            scope = _scope(name, value["locales"], path, line, locales)
    if not isinstance(roles, list) or not roles or not set(map(str, roles)) <= set(valid):
        raise ConfigError(f"reviewer {name!r}: roles must be a list of {sorted(valid)}", path, line)
    return Reviewer(
        " ".join(name.split()),
        frozenset(str(r) for r in roles),
        scope,
        email,
        login,
        sso_subject=subject,
    )


def _subject(name: str, value: Any, path: str, line: int) -> str | None:
    """`sso_subject:`, the `sub` claim of the reviewer's OpenID provider (case-sensitive)."""
    if value is None:
        return None
    if not isinstance(value, str | int) or not str(value).strip() or len(str(value)) > 255:
        raise ConfigError(
            f"reviewer {name!r}: 'sso_subject' must be a provider's subject", path, line
        )
    return str(value).strip()


def _reviewers(
    data: LineDict, path: str, locales: tuple[str, ...], roles: tuple[Role, ...]
) -> dict[str, Reviewer]:
    """`reviewers:`: who may approve, in which roles and, optionally, which locales."""
    raw = data.get("reviewers") or {}
    line = data.line_of("reviewers")
    if not isinstance(raw, dict):
        raise ConfigError("'reviewers' must map each reviewer to their roles", path, line)
    found: dict[str, Reviewer] = {}
    for name, value in raw.items():
        at = _line(raw, name, line)
        reviewer = _reviewer(str(name), value, path, at, locales, roles)
        key = person_key(reviewer.name)
        if key in found:
            raise ConfigError(
                f"reviewer {reviewer.name!r} is declared twice (as {found[key].name!r})", path, at
            )
        found[key] = reviewer
    return found
