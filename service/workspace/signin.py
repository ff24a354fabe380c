"""Signing in to the workspace and out of it (`/review/signin`, `/review/signout`): a form, then a
session cookie, within the sign-in limits `throttle` keeps; and `SignedIn`, the reviewer a
workspace page is for, or the way to the sign-in form.

Login CSRF is closed twice: a POST whose Origin is another site's or `null` is refused
(`auth.same_origin`), and the form carries a pre-session token that must match a cookie the form
page set (`PRESESSION`, HttpOnly and SameSite=Strict: another site can neither read nor send it).
Sign-ins are checked in the accounts' own hashing pool (`hashing.HashPool`), never in the threads
that answer reads.
"""

import hmac
import re
import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from service.workspace import views
from service.workspace.auth import (
    COOKIE,
    Caller,
    identify,
    read_form,
    require_csrf,
    same_origin,
    secure_headers,
    set_session_cookie,
)
from service.workspace.deps import Space, Workspace
from service.workspace.hashing import Busy
from service.workspace.layout import frame, here, page
from service.workspace.throttle import DEVICE_AGE, DEVICE_COOKIE

__all__ = [
    "FORM_LIMIT",
    "PRESESSION",
    "SignedIn",
    "check_presession",
    "presession_page",
    "signed_in",
    "signin_router",
]

signin_router = APIRouter(include_in_schema=False)

FORM_LIMIT = 8192  # a name, passwords and where to go next
PRESESSION = "clinic_l10n_signin"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
BUSY = "Many sign-ins are being checked just now; try again in a moment."


def presession_page(
    request: Request, name: str, context: dict[str, object], status: int = 200
) -> Response:
    """A page with a form for someone not signed in: its pre-session token in the form
    (`signin_token`) and in the cookie, kept when the browser has one already."""
    token = request.cookies.get(PRESESSION, "")
    if not _TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(32)
    answer = page(name, {**context, "signin_token": token}, status)
    answer.set_cookie(
        PRESESSION,
        token,
        max_age=12 * 3600,
        path="/review",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return answer


def check_presession(request: Request, given: str | None) -> bool:
    """Whether the form's pre-session token is the one in this browser's cookie."""
    cookie = request.cookies.get(PRESESSION, "")
    return bool(
        _TOKEN.fullmatch(cookie) and given and hmac.compare_digest(given.encode(), cookie.encode())
    )


def _sign_in_page(
    request: Request, space: Workspace, message: str = "", status: int = 200, **more: str
) -> Response:
    target = views.back(more.pop("next", None) or request.query_params.get("next"))
    notice = ""
    if request.query_params.get("out"):
        notice = "You signed out."
    elif request.query_params.get("reset"):
        notice = "Your new password is set: sign in with it."
    context = frame(space, None, "Sign in", message=message, notice=notice, next=target, **more)
    return presession_page(request, "review_signin.html", context, status)


async def signed_in(request: Request, space: Space) -> Caller | Response:
    """The caller, or the answer to give instead (the sign-in page, or the way to it)."""
    try:
        found = identify(request, space.accounts, space.config.policy)
    except HTTPException as exc:
        if exc.status_code != 401:
            return _sign_in_page(request, space, str(exc.detail), exc.status_code)
        found = None
    if found is None or found.session is None:
        target = views.with_params("/review/signin", next=views.back(here(request)))
        return RedirectResponse(target, 303)
    return found


SignedIn = Annotated[Caller | Response, Depends(signed_in)]


@signin_router.get("/review/signin")
async def signin_form(request: Request, space: Space) -> Response:
    return _sign_in_page(request, space)


@signin_router.post("/review/signin")
async def signin(request: Request, space: Space) -> Response:
    same_origin(request)
    form = dict(await read_form(request, FORM_LIMIT))
    name, password = form.get("name", "")[:200], form.get("password", "")
    target = views.back(form.get("next"))
    if not check_presession(request, form.get("signin_token")):
        message = "The sign-in form had expired or came from elsewhere; sign in again here."
        return _sign_in_page(request, space, message, 403, next=target)
    address = request.client.host if request.client else "unknown"
    policy, accounts = space.config.policy, space.accounts
    device = request.cookies.get(DEVICE_COOKIE)
    urgent = accounts.known_device(policy, name, device)
    call = partial(accounts.sign_in, policy, name, password, address, device)
    try:
        outcome = await accounts.pool.run(call, urgent=urgent)
    except Busy:
        answer = _sign_in_page(request, space, BUSY, 503, next=target, name=name)
        answer.headers["Retry-After"] = "1"
        return answer
    if outcome.session is None:
        status = 429 if outcome.retry_after else 401
        answer = _sign_in_page(request, space, outcome.refused, status, next=target, name=name)
        if outcome.retry_after:
            answer.headers["Retry-After"] = str(outcome.retry_after)
        return answer
    answer = secure_headers(RedirectResponse(target, 303))
    set_session_cookie(answer, request, outcome.cookie)
    answer.set_cookie(
        DEVICE_COOKIE,
        outcome.device,
        max_age=DEVICE_AGE,
        path="/review/signin",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return answer


@signin_router.post("/review/signout")
async def signout(request: Request, space: Space) -> Response:
    same_origin(request)
    form = dict(await read_form(request, FORM_LIMIT))
    me = await signed_in(request, space)
    if isinstance(me, Caller):
        require_csrf(me, form.get("csrf_token"))
        space.accounts.end_session(request.cookies.get(COOKIE, ""))
    answer = RedirectResponse("/review/signin?out=1", 303)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return secure_headers(answer)
