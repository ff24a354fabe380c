"""Single sign-on (`/review/sso/start`, `/review/sso/callback`): "Sign in with <provider>" by
OpenID Connect, when l10n.yaml has an `sso:` block (`service.core.sso_config`).

`start` makes an authorization request (`oidc.authorization`: code flow, PKCE S256, state, nonce),
keeps its verifier and nonce in the state folder under the state's hash (`sso/`, 0600, ten minutes
at most) and binds it to this browser with a cookie. The callback takes that record once (a second
use of the same callback URL finds nothing), checks the browser's cookie, redeems the code with the
verifier, verifies the ID token (`oidc.claims_of`) and maps its verified claim to a declared
reviewer: `email` (the provider must say `email_verified`) to the reviewer declared with that
`email:`, `sub` to the one declared with that `sso_subject:`. Then the same session cookie as a
password sign-in. A refusal is said on the sign-in page and logged, without the code or token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.core.policy import Policy, Reviewer
from service.core.sso_config import SsoConfig
from service.workspace import oidc, views
from service.workspace.auth import secure_headers, set_session_cookie
from service.workspace.deps import Space, Workspace
from service.workspace.layout import frame
from service.workspace.signin import presession_page

__all__ = ["BINDING", "PENDING_MAX", "PENDING_PER_ADDRESS", "Pending", "reviewer_for", "sso_router"]

sso_router = APIRouter(include_in_schema=False)
_log = logging.getLogger("clinic_l10n.sso")

BINDING = "clinic_l10n_sso"  # the cookie that ties a callback to the browser that started it
PENDING_MAX = 10_000  # sign-ins under way at once (each is a small file)
PENDING_PER_ADDRESS = 20  # ... from one client address (a browser needs one or two)
_PENDING_AGE = 600  # seconds a sign-in may take at the provider
_STATE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Pending:
    """Sign-ins under way, one file each in `folder` (the state folder's `sso/`), named by the
    hash of their state; taking one removes it, so each state is used once, by one worker."""

    def __init__(self, folder: Path, clock: Any = time.time):
        self.folder = folder
        self.clock = clock

    def _path(self, state: str) -> Path | None:
        """The file of `state`, whichever address began it (its name: `ADDRESS.STATE.json`)."""
        if not 20 <= len(state) <= 200 or not set(state) <= _STATE_CHARS:
            return None
        found = next(iter(self.folder.glob(f"*.{_sha256(state)}.json")), None)
        return found

    def _sweep(self, now: float, address: str) -> tuple[int, int]:
        """How many sign-ins are under way, and how many of them from `address` (a prefix of
        its hash); those expired are removed."""
        left = mine = 0
        for path in self.folder.glob("*.json"):
            try:
                if now - path.stat().st_mtime > _PENDING_AGE:
                    path.unlink(missing_ok=True)
                else:
                    left += 1
                    mine += path.name.startswith(f"{address}.")
            except OSError:
                continue
        return left, mine

    def put(self, state: str, record: dict[str, Any], address: str = "") -> None:
        """Keep `record` until the answer for `state` comes back: at most PENDING_MAX at once,
        PENDING_PER_ADDRESS of them from the client `address`."""
        if not 20 <= len(state) <= 200 or not set(state) <= _STATE_CHARS:
            raise ValueError("not a state")
        self.folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        now = self.clock()
        prefix = _sha256(f"address {address}")[:16]
        left, mine = self._sweep(now, prefix)
        if left >= PENDING_MAX or mine >= PENDING_PER_ADDRESS:
            raise oidc.SsoRefused(
                "too many sign-ins are under way; try again in a few minutes.", 429
            )
        path = self.folder / f"{prefix}.{_sha256(state)}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({**record, "created": now}, fh)

    def take(self, state: str) -> dict[str, Any] | None:
        """The record of `state`, removed; None when there is none (never made, used, expired)."""
        path = self._path(state)
        if path is None:
            return None
        try:
            raw = path.read_bytes()
            path.unlink()  # of two takers, only one removes it
        except OSError:
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(record, dict) or self.clock() - record.get("created", 0) > _PENDING_AGE:
            return None
        return record


def _pending(space: Workspace) -> Pending:
    return Pending(space.accounts.folder / "sso")


def reviewer_for(config: SsoConfig, policy: Policy, claims: dict[str, Any]) -> Reviewer:
    """The declared reviewer the verified claims name, by the configured claim."""
    if config.claim == "email":
        email = claims.get("email")
        if not isinstance(email, str) or not email:
            raise oidc.SsoRefused("the provider did not say your e-mail address.", 403)
        if claims.get("email_verified") is not True:
            raise oidc.SsoRefused(f"the provider has not verified the address {email}.", 403)
        found = [
            r for r in policy.reviewers.values() if (r.email or "").casefold() == email.casefold()
        ]
        who = f"the e-mail address {email}"
    else:
        subject = claims.get("sub")
        found = [r for r in policy.reviewers.values() if r.sso_subject == subject]
        who = f"the subject {subject}"
    if len(found) != 1:
        raise oidc.SsoRefused(
            f"no reviewer is declared with {who}: ask an administrator to add it to your "
            "declaration under 'reviewers:' in l10n.yaml.",
            403,
        )
    return found[0]


def _refusal(request: Request, space: Workspace, refused: oidc.SsoRefused, target: str) -> Response:
    address = request.client.host if request.client else "unknown"
    _log.warning("single sign-on refused from %s: %s", address, refused.reason)
    message = f"Single sign-on did not sign you in: {refused.reason}"
    context = frame(space, None, "Sign in", message=message, next=target)
    return presession_page(request, "review_signin.html", context, refused.status)


def _config(space: Workspace) -> SsoConfig:
    config = space.config.sso
    if config is None:
        raise HTTPException(404, "single sign-on is not set up (no 'sso:' in l10n.yaml)")
    return config


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("sso_callback"))


@sso_router.get("/review/sso/start")
async def sso_start(request: Request, space: Space) -> Response:
    config = _config(space)
    target = views.back(request.query_params.get("next"))
    try:
        meta = await run_in_threadpool(oidc.metadata, config)
        begun = oidc.authorization(config, meta, _redirect_uri(request))
        binding = secrets.token_urlsafe(32)
        record: dict[str, Any] = {"binding": _sha256(binding), "nonce": begun.nonce}
        record["verifier"] = begun.verifier
        record["iss"] = meta.get("authorization_response_iss_parameter_supported") is True
        address = request.client.host if request.client else "unknown"
        # the state folder's files off the event loop (up to PENDING_MAX looked at)
        await run_in_threadpool(
            _pending(space).put, begun.state, {**record, "next": target}, address
        )
    except oidc.SsoRefused as refused:
        return _refusal(request, space, refused, target)
    answer = secure_headers(RedirectResponse(begun.url, 303))
    # Lax, not Strict: the provider's redirect back is a navigation from another site
    answer.set_cookie(
        BINDING,
        binding,
        max_age=_PENDING_AGE,
        path="/review/sso/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return answer


def _check_answer(request: Request, config: SsoConfig, record: dict[str, Any] | None) -> str:
    """The code of the provider's answer, once it is shown to belong to this browser's sign-in."""
    if record is None:
        raise oidc.SsoRefused(
            "this sign-in link was already used, has expired or was not started here; start again.",
            400,
        )
    binding = request.cookies.get(BINDING, "")
    if not hmac.compare_digest(_sha256(binding), str(record.get("binding"))):
        raise oidc.SsoRefused("this sign-in was started in another browser; start again.", 400)
    params = request.query_params
    if record.get("iss") and "iss" not in params:  # the provider said it names itself (RFC 9207)
        raise oidc.SsoRefused("the answer does not say which provider it comes from.", 400)
    if "iss" in params and params["iss"] != config.issuer:
        raise oidc.SsoRefused("the answer comes from another provider than the one asked.", 400)
    if "error" in params:
        raise oidc.SsoRefused(f"the provider refused ({params['error'][:80]}).", 401)
    code = params.get("code", "")
    if not code or len(code) > 2048:
        raise oidc.SsoRefused("the provider's answer has no code.", 400)
    return code


def _sign_in(
    config: SsoConfig, policy: Policy, record: dict[str, Any], code: str, uri: str
) -> Reviewer:
    meta = oidc.metadata(config)
    token = oidc.exchange(config, meta, code, str(record["verifier"]), uri)
    claims = oidc.claims_of(config, meta, token, str(record["nonce"]))
    return reviewer_for(config, policy, claims)


@sso_router.get("/review/sso/callback", name="sso_callback")
async def sso_callback(request: Request, space: Space) -> Response:
    config = _config(space)
    state = request.query_params.get("state", "")
    record = await run_in_threadpool(_pending(space).take, state) if state else None
    target = views.back(record.get("next") if record else None)
    try:
        code = _check_answer(request, config, record)
        assert record is not None
        policy = space.config.policy
        uri = _redirect_uri(request)
        reviewer = await run_in_threadpool(_sign_in, config, policy, record, code, uri)
    except oidc.SsoRefused as refused:
        return _refusal(request, space, refused, target)
    cookie, _ = await run_in_threadpool(space.accounts.start_session, reviewer.name)
    _log.info("signed in by single sign-on: %s", reviewer.name)
    answer = secure_headers(RedirectResponse(target, 303))
    set_session_cookie(answer, request, cookie)
    answer.delete_cookie(BINDING, path="/review/sso/", httponly=True, samesite="lax")
    return answer
