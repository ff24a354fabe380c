"""A reviewer's own password: `/review/password` (signed in: the current password and the new one
twice) and `/review/reset?token=…` (a one-time link an administrator made with
`clinic-l10n reviewer reset NAME`). Either new password ends every session of the reviewer and
revokes their API token; after a change in the workspace this browser gets a new session.
"""

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.core.errors import AccountError
from service.workspace.auth import (
    Caller,
    read_form,
    require_csrf,
    same_origin,
    secure_headers,
    set_session_cookie,
)
from service.workspace.deps import Space, Workspace
from service.workspace.hashing import Busy
from service.workspace.layout import frame, page
from service.workspace.signin import (
    BUSY,
    FORM_LIMIT,
    SignedIn,
    check_presession,
    presession_page,
)

__all__ = ["password_router"]

password_router = APIRouter(include_in_schema=False)

CHANGED = (
    "Your password is changed. Every other session of yours has ended, and your API token, "
    "if you had one, no longer works."
)
NOT_SAME = "The new password and its repetition differ."
BAD_LINK = (
    "This reset link does not work: it was used already, it expired, or it is incomplete. "
    "Ask an administrator for a new one."
)


def _password_page(
    space: Workspace, me: Caller, message: str = "", status: int = 200, notice: str = ""
) -> Response:
    context = frame(space, me, "Change your password", message=message, notice=notice)
    return page("review_password.html", context, status)


@password_router.get("/review/password")
async def password_form(me: SignedIn, space: Space) -> Response:
    if isinstance(me, Response):
        return me
    return _password_page(space, me)


@password_router.post("/review/password")
async def password_change(request: Request, me: SignedIn, space: Space) -> Response:
    same_origin(request)
    form = dict(await read_form(request, FORM_LIMIT))
    if isinstance(me, Response):
        return me
    require_csrf(me, form.get("csrf_token"))
    current, new = form.get("current", ""), form.get("new", "")
    if new != form.get("repeat", ""):
        return _password_page(space, me, NOT_SAME, 422)
    address = request.client.host if request.client else "unknown"
    name = me.reviewer.name
    call = partial(space.accounts.change_password, name, current, new, address)
    try:
        refused = await space.accounts.pool.run(call, urgent=True)
    except AccountError as exc:
        return _password_page(space, me, f"Not changed: {exc.message}.", 422)
    if refused:
        return _password_page(space, me, refused, 403)
    cookie, session = await run_in_threadpool(space.accounts.start_session, name)
    answer = _password_page(space, Caller(me.reviewer, session), notice=CHANGED)
    set_session_cookie(answer, request, cookie)
    return answer


def _reset_page(
    request: Request, space: Workspace, token: str, message: str = "", status: int = 200
) -> Response:
    who = space.accounts.reset_owner(token)
    context = frame(space, None, "Set a new password", message=message or ("" if who else BAD_LINK))
    context.update(token=token if who else "", who=who or "")
    answer = presession_page(request, "review_reset.html", context, status if who else 404)
    # The link's secret is not sent on as a Referer (only the origin is); "no-referrer" would
    # also make the browser send `Origin: null` with the form, which `same_origin` refuses.
    answer.headers["Referrer-Policy"] = "strict-origin"
    return answer


@password_router.get("/review/reset")
async def reset_form(request: Request, space: Space, token: str = "") -> Response:
    return _reset_page(request, space, token[:200])


@password_router.post("/review/reset")
async def reset(request: Request, space: Space) -> Response:
    same_origin(request)
    form = dict(await read_form(request, FORM_LIMIT))
    token, new = form.get("token", "")[:200], form.get("new", "")
    if not check_presession(request, form.get("signin_token")):
        message = "The form had expired or came from elsewhere; try again here."
        return _reset_page(request, space, token, message, 403)
    if new != form.get("repeat", ""):
        return _reset_page(request, space, token, NOT_SAME, 422)
    try:
        who = await space.accounts.pool.run(partial(space.accounts.use_reset, token, new))
    except AccountError as exc:
        return _reset_page(request, space, token, f"Not set: {exc.message}.", 422)
    except Busy:
        return _reset_page(request, space, token, BUSY, 503)
    if who is None:
        return _reset_page(request, space, token)
    return secure_headers(RedirectResponse("/review/signin?reset=1", 303))
