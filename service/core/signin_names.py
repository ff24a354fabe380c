"""The names a reviewer signs in with, as l10n.yaml declares them beside their roles:

    reviewers:
      Dr. Lena Lectora (fictional): {roles: [clinical], login: lena, email: lena@clinic.example}

A `login` is short: a letter, then letters, digits, '.', '_' or '-' (at most 64), compared in
either case. Each login, e-mail address and full name signs in one reviewer only: a login or
address that is another reviewer's login, address or name is a ConfigError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from service.core.errors import ConfigError
from service.core.models import person_key
from service.core.policy import Reviewer

__all__ = ["LOGIN", "check_sign_in_names", "read_login"]

LOGIN = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")


def read_login(name: str, value: Any, path: str, line: int) -> str | None:
    """A reviewer's `login:` (None when not given), lower-cased."""
    if value is None:
        return None
    if not isinstance(value, str) or not LOGIN.fullmatch(value.strip()):
        raise ConfigError(
            f"reviewer {name!r}: 'login' must be a short name like lena (a letter, then letters, "
            "digits, '.', '_' or '-')",
            path,
            line,
        )
    return value.strip().casefold()


def check_sign_in_names(reviewers: Iterable[tuple[Reviewer, int]], path: str) -> None:
    """No login or e-mail address signs in two reviewers, or names another reviewer (each
    reviewer given with their line)."""
    seen: dict[str, str] = {}
    people = list(reviewers)
    for reviewer, _ in people:
        seen[person_key(reviewer.name)] = reviewer.name
    for reviewer, line in people:
        for typed in (reviewer.login, reviewer.email):
            if typed is None:
                continue
            keys = {typed.casefold(), person_key(typed)}
            other = next((seen[k] for k in keys if k in seen and seen[k] != reviewer.name), None)
            if other is not None:
                raise ConfigError(
                    f"reviewer {reviewer.name!r}: {typed!r} already signs in {other!r}", path, line
                )
            seen.update(dict.fromkeys(keys, reviewer.name))
