"""Who is asking, at the review workspace's edge: a session cookie (with its CSRF token on every
POST) or an API token (`Authorization: Bearer …`), each checked against the reviewers declared
in the config in service now, so a reviewer taken out of `reviewers:` is refused at once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request, Response

from service.core.policy import Policy, Reviewer
from service.workspace.accounts import SESSION_MAX, Accounts, Session

__all__ = [
    "COOKIE",
    "MAX_BODY",
    "UNAUTHORIZED",
    "Caller",
    "identify",
    "read_body",
    "read_form",
    "require_csrf",
    "same_origin",
    "secure_headers",
    "set_session_cookie",
]

COOKIE = "clinic_l10n_session"
MAX_BODY = 256 * 1024  # a page's worth of items, with room to spare
UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="clinic-l10n"'}
# The workspace's pages: its own script only, no framing (an approve button cannot be clickjacked);
# the site's stylesheet (/assets/) and the workspace's own inline rules.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Caller:
    """A signed-in reviewer as declared now; `session` is None when they came with a token."""

    reviewer: Reviewer
    session: Session | None

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""


def identify(request: Request, accounts: Accounts, policy: Policy) -> Caller | None:
    """The caller, from a Bearer token or the session cookie; None when neither is there.
    Raises 401 for a token or session that is wrong or expired, 403 for someone who is no longer
    declared a reviewer."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        owner = accounts.token_owner(token.strip()) if scheme.lower() == "bearer" else None
        if owner is None:
            raise HTTPException(401, "the token is not valid (revoked or mistyped)", UNAUTHORIZED)
        return _declared(policy, owner, None)
    cookie = request.cookies.get(COOKIE)
    if cookie is None:
        return None
    session = accounts.session(cookie)
    if session is None:
        raise HTTPException(401, "the session has ended; sign in again", UNAUTHORIZED)
    return _declared(policy, session.reviewer, session)


def _declared(policy: Policy, name: str, session: Session | None) -> Caller:
    who = policy.find(name)
    if who is None:
        raise HTTPException(403, f"{name!r} is no longer declared under 'reviewers:'")
    return Caller(who, session)


def require_csrf(caller: Caller, given: str | None) -> None:
    """A session's POST must carry its CSRF token (a token's needs none: no browser sends it
    by itself)."""
    if caller.session is None:
        return
    if not given or not hmac.compare_digest(given.encode(), caller.session.csrf.encode()):
        raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token)")


def same_origin(request: Request) -> None:
    """A form POST from a page of another site is refused (SameSite=Strict already keeps the
    cookie off it; this also covers the sign-in form, which has no session yet), and so is one
    whose Origin is `null`: a sandboxed iframe's or a data: page's, which could be anyone's. A
    POST without Origin (not from a browser) is left to the CSRF tokens."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if origin == "null":
        raise HTTPException(403, "a form from a page without an origin (a sandboxed frame)")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin != own:
        raise HTTPException(403, "a form from another site")


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refused with 413 past `limit` bytes however it is sent."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is over {limit // 1024} KB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the body is over {limit // 1024} KB")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request, limit: int = MAX_BODY) -> list[tuple[str, str]]:
    """A form's fields in the order sent (`item` may come several times), bounded as `read_body`."""
    return parse_qsl((await read_body(request, limit)).decode("utf-8", "replace"))


def set_session_cookie(response: Response, request: Request, cookie: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure
    when the workspace is reached over HTTPS (as uvicorn sees it, X-Forwarded-Proto included
    from a trusted proxy)."""
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=SESSION_MAX,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def secure_headers(response: Response) -> Response:
    response.headers.update(
        {
            "Cache-Control": "no-store",
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        }
    )
    return response
