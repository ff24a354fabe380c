"""`notify:` in l10n.yaml: where the daily digest of waiting reviews is sent from (an SMTP server)
and the workspace address its links point at.

    notify:
      smtp: mail.clinic.example:587   # host, and port (default 25)
      starttls: true                  # default false
      sender: reviews@clinic.example
      username_env: SMTP_USER         # optional: sign in with these environment variables,
      password_env: SMTP_PASSWORD     # never a password in the file
      workspace: https://reviews.clinic.example   # the links in each message
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.core.errors import ConfigError
from service.core.yamlfile import LineDict

__all__ = ["Notify", "read_notify"]

_KEYS = {"smtp", "starttls", "sender", "username_env", "password_env", "workspace"}
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::(\d{1,5}))?$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_URL = re.compile(r"^https?://[^\s]+$")


@dataclass(frozen=True)
class Notify:
    host: str
    port: int
    sender: str
    workspace: str
    starttls: bool = False
    username_env: str | None = None
    password_env: str | None = None


def _text(data: LineDict, key: str, path: str, pattern: re.Pattern[str], what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"notify: '{key}' must be {what}", path, data.line_of(key))
    return value


def read_notify(data: LineDict, path: str) -> Notify | None:
    """The `notify:` section, None when there is none; a ConfigError at its line otherwise."""
    raw: Any = data.get("notify")
    if raw is None:
        return None
    if not isinstance(raw, LineDict):
        raise ConfigError("'notify' must be a mapping", path, data.line_of("notify"))
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"notify: unknown key {unknown[0]!r}", path, raw.line_of(unknown[0]))
    smtp = _text(raw, "smtp", path, _HOST, "host or host:port")
    host, _, port = smtp.partition(":")
    if port and not 0 < int(port) < 65536:
        raise ConfigError("notify: the port must be from 1 to 65535", path, raw.line_of("smtp"))
    envs = {}
    for key in ("username_env", "password_env"):
        if key in raw:
            envs[key] = _text(raw, key, path, _ENV, "the name of an environment variable")
    if len(envs) == 1:
        (given,) = envs
        why = "notify: give both username_env and password_env, or neither"
        raise ConfigError(why, path, raw.line_of(given))
    starttls = raw.get("starttls", False)
    if not isinstance(starttls, bool):
        raise ConfigError("notify: 'starttls' must be true or false", path, raw.line_of("starttls"))
    return Notify(
        host=host,
        port=int(port or 25),
        sender=_text(raw, "sender", path, _ADDRESS, "an e-mail address"),
        workspace=_text(raw, "workspace", path, _URL, "the workspace's http(s) address").rstrip(
            "/"
        ),
        starttls=starttls,
        **envs,
    )
