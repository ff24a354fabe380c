"""The document view's route (`GET /review/document?locale=…&page=…`): one page in one locale as
the patient reads it, with each text's state and controls (`document.document_context`)."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from service.core.errors import L10nError
from service.core.locales import direction, native_name
from service.core.models import SOURCE_LOCALE
from service.render.html import render_template
from service.render.review import Slot
from service.workspace import views
from service.workspace.auth import Caller
from service.workspace.deps import Space, Workspace
from service.workspace.document import DocText, body_html, document_context
from service.workspace.layout import frame, here, page
from service.workspace.pages import done_notice
from service.workspace.pending import STATUS_LABELS
from service.workspace.signin import SignedIn

__all__ = ["LABELS", "document_router"]

document_router = APIRouter(include_in_schema=False)

LABELS = {
    **{str(k): v for k, v in STATUS_LABELS.items()},
    "approved": "approved (no review waits)",
    "not ready": "not ready for review",
}


def _slots(context: dict[str, Any], shared: dict[str, Any]) -> dict[str, Slot]:
    texts: dict[str, DocText] = context["texts"]
    slots = {}
    for key, t in texts.items():
        at_heading = t.segment.type.value == "heading"
        each = {**shared, "t": t, "labels": LABELS}
        each["section_bulk"] = (
            context["section_bulk"].get(t.segment.section) if at_heading else None
        )
        slots[key] = Slot(
            render_template("_review_doc_text.html", {**each, "part": "inline"}),
            render_template("_review_doc_text.html", {**each, "part": "after"}),
        )
    return slots


def _view(space: Workspace, me: Caller, slug: str, tag: str, back: str) -> dict[str, Any]:
    config = space.config
    site = space.live.site
    record = site.records.get((slug, tag)) if site.release is None else None
    row = record.rows[0] if record is not None and record.rows and not record.errors else None
    served = frozenset(site.images)
    key = record.key if record is not None else None
    context = document_context(config, space.cache, me.reviewer, slug, tag, served, row, key)
    shared = {
        "locale": tag,
        "slug": slug,
        "dir": direction(tag),
        "language": native_name(tag),
        "source": SOURCE_LOCALE,
        "csrf": me.csrf,
        "back": back,
        "may_revoke": me.reviewer.covers(tag),
    }
    slots = _slots(context, shared)
    body = Markup(body_html(context["page"], slots, context["critical_label"]))
    return {**context, **shared, "slots": slots, "body": body, "labels": LABELS}


@document_router.get("/review/document")
async def document_page(
    request: Request,
    space: Space,
    me: SignedIn,
    locale: Annotated[str, Query(max_length=64)],
    page_: Annotated[str, Query(alias="page", max_length=128)],
    done: str | None = None,
) -> Response:
    if not isinstance(me, Caller):
        return me
    tag = space.locale_of(locale)
    space.known_page(page_)
    back = here(request).replace(f"done={done}", "").rstrip("?&") if done else here(request)
    try:
        view = await run_in_threadpool(_view, space, me, page_, tag, views.back(back))
    except L10nError as exc:
        raise HTTPException(409, exc.message) from None
    title = f"{view['title_text']} in {tag}"
    return page("review_document.html", frame(space, me, title, **view, notice=done_notice(done)))
