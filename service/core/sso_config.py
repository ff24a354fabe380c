"""l10n.yaml's `sso:` block: single sign-on with an OpenID Connect provider for the review workspace.

    sso:
      issuer: https://login.hospital.example/realms/staff   # the provider's issuer identifier
      client_id: clinic-l10n-review                         # our client at the provider
      client_secret_env: CLINIC_L10N_SSO_SECRET             # the environment variable holding
                                                            # the client secret (never this file)
      claim: email               # or `sub`: which verified claim names the reviewer
      label: Hospital sign-in    # the button's words: "Sign in with Hospital sign-in"

With `claim: email` the reviewer is the one declared with that `email:`; with `claim: sub`, the one
declared with that `sso_subject:`. The issuer must be https, except on a loopback address.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from service.core.errors import ConfigError
from service.core.yamlfile import LineDict

__all__ = ["SSO_CLAIMS", "SsoConfig", "read_sso"]

SSO_CLAIMS = ("email", "sub")
_KEYS = {"issuer", "client_id", "client_secret_env", "claim", "label"}
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


@dataclass(frozen=True)
class SsoConfig:
    """Where the provider is, who we are to it, and which verified claim names a reviewer."""

    issuer: str
    client_id: str
    client_secret_env: str | None = None  # None: a public client (PKCE alone)
    claim: str = "email"
    label: str = "single sign-on"

    @property
    def scope(self) -> str:
        return "openid email" if self.claim == "email" else "openid"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(block: dict[str, Any], key: str, path: str, line: int) -> str:
    value = block.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise ConfigError(f"sso: '{key}' must be a non-empty string", path, line)
    return value.strip()


def read_sso(data: LineDict, path: str) -> SsoConfig | None:
    """The `sso:` block of a loaded l10n.yaml; None when there is none."""
    block = data.get("sso")
    if block is None:
        return None
    line = data.line_of("sso")
    if not isinstance(block, dict):
        raise ConfigError("'sso' must be a mapping (issuer, client_id, ...)", path, line)
    unknown = sorted(set(block) - _KEYS)
    if unknown:
        raise ConfigError(f"sso: unknown key {unknown[0]!r}", path, line)
    issuer = _text(block, "issuer", path, line).rstrip("/")
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname or ""))
    if not parts.hostname or not secure or parts.query or parts.fragment:
        raise ConfigError(
            "sso: 'issuer' must be an https URL (http only on a loopback address)", path, line
        )
    secret = _text(block, "client_secret_env", path, line) if "client_secret_env" in block else None
    if secret is not None and not _ENV_NAME.fullmatch(secret):
        raise ConfigError(
            "sso: 'client_secret_env' names an environment variable (LIKE_THIS), not the secret",
            path,
            line,
        )
    claim = block.get("claim", "email")
    if claim not in SSO_CLAIMS:
        raise ConfigError(f"sso: 'claim' must be one of {list(SSO_CLAIMS)}", path, line)
    label = _text(block, "label", path, line) if "label" in block else "single sign-on"
    return SsoConfig(issuer, _text(block, "client_id", path, line), secret, claim, label)
