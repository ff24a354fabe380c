"""Sending a translation back to its translator from the workspace (`POST /review/send-back`):
the form of a text's card, with the reviewer's comment; what `clinic-l10n review send-back` does
(`service.review.sendback`), as the signed-in reviewer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.core.errors import L10nError
from service.core.locales import direction
from service.review.readiness import Selection
from service.review.sendback import send_back
from service.workspace import views
from service.workspace.auth import Caller, read_form, require_csrf, same_origin, secure_headers
from service.workspace.deps import Space, Workspace
from service.workspace.layout import frame, page
from service.workspace.pending import load_domain, load_domain_catalog
from service.workspace.signin import signed_in

__all__ = ["sendback_router"]

sendback_router = APIRouter(include_in_schema=False)


def _send(space: Workspace, me: Caller, fields: dict[str, str]) -> None:
    config = space.config
    locale = config.enabled(fields.get("locale", "")) or fields.get("locale", "")
    slug, ident = fields.get("page", ""), fields.get("id", "")
    if not slug or not ident:
        raise L10nError("which text? (page and id)")
    domain = load_domain(config, slug)
    catalog = load_domain_catalog(config, slug, locale)
    comment = fields.get("comment", "")
    send_back(
        config, domain, locale, catalog, me.reviewer.name, comment, Selection(segment_id=ident)
    )
    space.refresh()  # the queue then shows the text as not ready, with the comment


@sendback_router.post("/review/send-back")
async def send_back_form(request: Request, space: Space) -> Response:
    same_origin(request)
    fields = dict(await read_form(request))
    me = await signed_in(request, space)
    if not isinstance(me, Caller):
        return me
    require_csrf(me, fields.get("csrf_token"))
    back = views.back(fields.get("back"))
    try:
        await run_in_threadpool(_send, space, me, fields)
    except L10nError as exc:
        locale = space.config.enabled(fields.get("locale", "")) or "en"
        context = frame(
            space,
            me,
            "Not recorded",
            status=409,
            result={"detail": f"Not sent back: {exc}"},
            back=back,
            lang=locale,
            dir=direction(locale),
        )
        return page("review_result.html", context, 409)
    target = views.with_params(back, done="sent-1")
    return secure_headers(RedirectResponse(target, 303))
