"""OpenID Connect, the relying party's side, with authlib: the provider's discovery document and
keys, the authorization request (code flow, PKCE S256, state and nonce), the code's exchange at the
token endpoint, and the ID token's verification (its signature against the provider's JWKS, then
issuer, audience = our client id, expiry and nonce, by authlib's `CodeIDToken`).

Blocking (urllib, with a timeout and a size bound): the routes call it in a worker thread.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from service.core.sso_config import SsoConfig

__all__ = ["Begun", "SsoRefused", "authorization", "claims_of", "exchange", "metadata"]

TIMEOUT = 10  # seconds for each call to the provider
_MAX_ANSWER = 1024 * 1024  # a discovery document, key set or token answer is far smaller
_KEEP = 3600  # seconds a discovery document and key set are used before they are read again
LEEWAY = 60  # seconds of clock difference allowed with the provider (exp, iat)
_CLAIMS = {  # what a wrong claim means (OpenID Connect Core §3.1.3.7)
    "iss": "another provider issued it (issuer)",
    "aud": "it was issued for another application (audience)",
    "azp": "it was issued for another application (authorized party)",
    "nonce": "it belongs to another sign-in (nonce)",
}
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


class SsoRefused(Exception):
    """A sign-in refused: `reason` is for the reviewer (and the log); it never holds a token."""

    def __init__(self, reason: str, status: int = 401):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Begun:
    """A new authorization request: where to send the browser, and what to keep until it comes
    back (the state names it; the verifier and nonce prove the answer is for it)."""

    url: str
    state: str
    nonce: str
    verifier: str


def _get_json(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data, {"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            body = answer.read(_MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        body = exc.read(_MAX_ANSWER + 1)
        try:
            error = json.loads(body).get("error", "")
        except (ValueError, AttributeError):
            error = ""
        if 400 <= exc.code < 500:  # our request refused: a code used, or not this verifier's
            raise SsoRefused(f"the provider refused the sign-in ({error or exc.code})") from None
        raise SsoRefused(f"the provider answered {exc.code}", 502) from None
    except (OSError, ValueError) as exc:
        raise SsoRefused(f"the provider could not be reached ({exc})", 502) from None
    if len(body) > _MAX_ANSWER:
        raise SsoRefused("the provider's answer is too large", 502)
    try:
        return json.loads(body)
    except ValueError:
        raise SsoRefused("the provider's answer is not JSON", 502) from None


def _cached(url: str, fresh: bool = False) -> dict[str, Any]:
    with _cache_lock:
        found = _cache.get(url)
    if found and not fresh and time.monotonic() - found[0] < _KEEP:
        return found[1]
    data = _get_json(url)
    if not isinstance(data, dict):
        raise SsoRefused("the provider's answer is not a JSON object", 502)
    with _cache_lock:
        _cache[url] = (time.monotonic(), data)
    return data


def metadata(config: SsoConfig) -> dict[str, Any]:
    """The provider's discovery document, which must name the configured issuer as its own."""
    found = _cached(f"{config.issuer}/.well-known/openid-configuration")
    if found.get("issuer") != config.issuer:
        raise SsoRefused("the provider's discovery document names another issuer", 502)
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(found.get(key), str):
            raise SsoRefused(f"the provider's discovery document has no {key}", 502)
    return found


def authorization(config: SsoConfig, meta: dict[str, Any], redirect_uri: str) -> Begun:
    """The authorization request (response_type=code, PKCE S256, a fresh state and nonce)."""
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": redirect_uri,
            "scope": config.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),  # type: ignore[no-untyped-call]
            "code_challenge_method": "S256",
        }
    )
    endpoint = meta["authorization_endpoint"]
    return Begun(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state, nonce, verifier)


def _client_secret(config: SsoConfig) -> str | None:
    if config.client_secret_env is None:
        return None
    secret = os.environ.get(config.client_secret_env)
    if not secret:
        raise SsoRefused(f"single sign-on is not set up: ${config.client_secret_env} is empty", 503)
    return secret


def exchange(
    config: SsoConfig, meta: dict[str, Any], code: str, verifier: str, redirect_uri: str
) -> str:
    """The ID token the token endpoint gives for `code` and its PKCE `verifier` (the client
    authenticated with client_secret_basic, RFC 6749 §2.3.1, when it has a secret)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    form["code_verifier"] = verifier
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    secret = _client_secret(config)
    if secret is None:
        form["client_id"] = config.client_id
    else:
        pair = f"{quote(config.client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    answer = _get_json(meta["token_endpoint"], urlencode(form).encode(), headers)
    token = answer.get("id_token") if isinstance(answer, dict) else None
    if not isinstance(token, str):
        raise SsoRefused("the provider sent no ID token", 502)
    return token


def _decode(token: str, meta: dict[str, Any]) -> jwt.Token:
    algorithms = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
    for fresh in (False, True):  # a key not in the cached set: read the set again, once
        keys = KeySet.import_key_set(_cached(meta["jwks_uri"], fresh))  # type: ignore[arg-type]
        try:
            return jwt.decode(token, keys, registry=registry)
        except JoseError as exc:
            if fresh or exc.error not in ("invalid_key_id", "bad_signature"):
                raise SsoRefused(
                    f"the ID token's signature does not verify ({exc.error})"
                ) from None
    raise AssertionError("unreachable")


def claims_of(config: SsoConfig, meta: dict[str, Any], token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once verified: signed by a key of the provider's JWKS, issued by the
    configured issuer, for our client id, not expired, with the nonce we sent."""
    decoded = _decode(token, meta)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": config.issuer},
        "aud": {"essential": True, "value": config.client_id},
    }
    params = {"nonce": nonce, "client_id": config.client_id}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(leeway=LEEWAY)
    except ExpiredTokenError:
        raise SsoRefused("the ID token has expired") from None
    except (InvalidClaimError, MissingClaimError) as exc:
        words = _CLAIMS.get(exc.claim, f"its {exc.claim} claim is wrong or missing")
        raise SsoRefused(f"the ID token is not for this sign-in: {words}") from None
    except JoseError as exc:
        raise SsoRefused(f"the ID token is not valid ({exc.error})") from None
    return dict(claims)
