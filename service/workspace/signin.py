"""Signing in to the workspace and out of it (`/review/signin`, `/review/signout`): a form, then a
session cookie, within the sign-in limits `Accounts.sign_in` keeps; and `SignedIn`, the reviewer
a workspace page is for, or the way to the sign-in form.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

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
from service.workspace.layout import frame, here, page

__all__ = ["SignedIn", "signed_in", "signin_router"]

signin_router = APIRouter(include_in_schema=False)

_FORM_LIMIT = 8192  # a name, a password and where to go next


def _sign_in_page(
    request: Request, space: Workspace, message: str = "", status: int = 200
) -> Response:
    target = views.back(request.query_params.get("next"))
    notice = "You signed out." if request.query_params.get("out") else ""
    context = frame(space, None, "Sign in", message=message, notice=notice, next=target)
    return page("review_signin.html", context, status)


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
    form = dict(await read_form(request, _FORM_LIMIT))
    name, password = form.get("name", "")[:200], form.get("password", "")
    address = request.client.host if request.client else "unknown"
    policy = space.config.policy
    outcome = await run_in_threadpool(space.accounts.sign_in, policy, name, password, address)
    target = views.back(form.get("next"))
    if outcome.session is None:
        context = frame(space, None, "Sign in", message=outcome.refused, next=target, name=name)
        answer = page("review_signin.html", context, 429 if outcome.retry_after else 401)
        if outcome.retry_after:
            answer.headers["Retry-After"] = str(outcome.retry_after)
        return answer
    answer = secure_headers(RedirectResponse(target, 303))
    set_session_cookie(answer, request, outcome.cookie)
    return answer


@signin_router.post("/review/signout")
async def signout(request: Request, space: Space) -> Response:
    same_origin(request)
    form = dict(await read_form(request, _FORM_LIMIT))
    me = await signed_in(request, space)
    if isinstance(me, Caller):
        require_csrf(me, form.get("csrf_token"))
        space.accounts.end_session(request.cookies.get(COOKIE, ""))
    answer = RedirectResponse("/review/signin?out=1", 303)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return secure_headers(answer)
