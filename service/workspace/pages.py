"""The workspace's pages (`/review/…`, server-rendered HTML): the queue, a page's history, and the
approve and revoke forms, which work without JavaScript and answer through the review API's own
`approve_now` and `revoke_now`.
"""

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Self
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service import review
from service.core.config import Config
from service.core.errors import L10nError
from service.core.locales import direction, native_name
from service.core.models import SOURCE_LOCALE
from service.workspace import views
from service.workspace.auth import Caller, read_form, require_csrf, same_origin, secure_headers
from service.workspace.deps import Space, Workspace
from service.workspace.layout import frame, here, page
from service.workspace.pending import STATUS_LABELS, Status, locales_of, slugs_of
from service.workspace.queue import Blockers, Queue, blockers, build
from service.workspace.reviews import approve_now, revoke_now, validated
from service.workspace.schemas import ApprovedOut, RevokedOut, RevokeIn
from service.workspace.search import MAX_QUERY, Search
from service.workspace.signin import SignedIn, signed_in
from service.workspace.signing import events_as_dicts, history_in_tree

__all__ = ["HTML_LIMIT", "done_notice", "pages_router"]

pages_router = APIRouter(include_in_schema=False)

HTML_LIMIT = 50  # queue items per result page in the workspace
_ITEM = re.compile(r"(?P<id>\S{1,200}) (?P<src>[0-9a-f]{64}) (?P<tr>[0-9a-f]{64})")
_DONE = re.compile(r"(approved|revoked|sent)-(\d{1,4})")
_NOTICES = {
    "approved": "Approved {n} text(s): the patient pages serve them now.",
    "revoked": "Revoked {n} approval(s): the patient pages no longer serve that text.",
    "sent": "Sent {n} text(s) back to the translator, with your comment in the catalog.",
}


@dataclass(frozen=True)
class _Filters:
    """The queue page's filters, each left out when it names nothing the reviewer may see."""

    locale: str | None
    page: str | None
    status: Status | None
    q: str = ""  # the search (`search.Search`); a page filter that names no slug joins it

    @classmethod
    def of(
        cls,
        config: Config,
        me: Caller,
        locale: str | None,
        page: str | None,
        status: str | None,
        q: str | None = None,
    ) -> Self:
        tag = config.enabled(locale) if locale else None
        if tag is not None and not me.reviewer.covers(tag):
            tag = None
        slug = page if page in slugs_of(config) else None
        words = " ".join(w for w in (q, None if slug else page) if w and w.strip())
        return cls(tag, slug, next((s for s in Status if s.value == status), None), words)

    def paging(self, offset: int, total: int) -> dict[str, str | None]:
        """The links to the result pages before and after the one at `offset`."""
        asked = (
            ("locale", self.locale),
            ("page", self.page),
            ("status", self.status),
            ("q", self.q),
        )
        base = {k: v for k, v in asked if v}
        before = views.with_params("/review/", **base, offset=str(max(0, offset - HTML_LIMIT)))
        after = views.with_params("/review/", **base, offset=str(offset + HTML_LIMIT))
        return {
            "previous": before if offset else None,
            "following": after if offset + HTML_LIMIT < total else None,
        }


def done_notice(done: str | None) -> str:
    """What a form that sent the reviewer back here recorded (`done=approved-3`)."""
    if done and (m := _DONE.fullmatch(done)):
        return _NOTICES[m.group(1)].format(n=m.group(2))
    return ""


def _queue_of(
    space: Workspace, config: Config, me: Caller, wanted: _Filters, offset: int
) -> tuple[Queue, Blockers | None]:
    search = Search.of(wanted.q, config.terminology)
    hints = space.hints()
    titles: dict[tuple[str, str], str] = {}

    def title(slug: str, locale: str) -> str:
        # as `views.groups` asks: kept under the same inputs, not read again for each other
        if (slug, locale) not in titles:
            titles[slug, locale] = space.cache.page_queue(config, slug, locale).title
        return titles[slug, locale]

    found = build(
        config,
        space.cache,
        me.reviewer,
        wanted.locale,
        wanted.page,
        wanted.status,
        offset,
        HTML_LIMIT,
        hints,
        (lambda item: search.matches(item, title)) if wanted.q else None,
    )
    if not (wanted.page and wanted.locale):
        return found, None
    return found, blockers(config, space.cache, wanted.page, wanted.locale)


@dataclass(frozen=True)
class _Posted:
    """A workspace form as a signed-in reviewer posted it."""

    me: Caller
    fields: list[tuple[str, str]]  # in the order sent: `item` may come several times

    @cached_property
    def _named(self) -> dict[str, str]:
        return dict(self.fields)

    def get(self, name: str) -> str:
        """The field's value ("" when it is not there); the last one, if sent several times."""
        return self._named.get(name, "")


async def _posted(request: Request, space: Workspace) -> _Posted | Response:
    """The form and who posted it, or the sign-in page instead; its origin and size are
    checked before its session."""
    same_origin(request)
    fields = await read_form(request)
    me = await signed_in(request, space)
    if not isinstance(me, Caller):
        return me
    posted = _Posted(me, fields)
    require_csrf(me, posted.get("csrf_token"))
    return posted


def _answered(space: Workspace, posted: _Posted, status: int, model: BaseModel) -> Response:
    """Back where the form was, saying what was recorded; else a page saying why not."""
    back = views.back(posted.get("back"))
    if isinstance(model, ApprovedOut | RevokedOut):
        done = "approved" if isinstance(model, ApprovedOut) else "revoked"
        target = views.with_params(back, done=f"{done}-{len(model.events)}")
        return secure_headers(RedirectResponse(target, 303))
    locale = posted.get("locale")
    context = frame(
        space,
        posted.me,
        "Not recorded",
        status=status,
        result=model.model_dump(mode="json"),
        back=back,
        lang=locale,
        dir=direction(locale) if locale else "ltr",
    )
    return page("review_result.html", context, status)


def _asked(space: Workspace, posted: _Posted, role: str, count: int) -> Response:
    """A section's or a page's approval, before anything is recorded: how many texts, in which
    role, with the form's own fields to send again once confirmed."""
    question = f"Approve {count} texts as {role} reviewer?"
    context = frame(
        space,
        posted.me,
        question,
        question=question,
        count=count,
        role=role,
        locale=posted.get("locale"),
        page_slug=posted.get("page"),
        fields=[(k, v) for k, v in posted.fields if k not in ("role", "ask", "confirmed")],
        back=views.back(posted.get("back")),
    )
    return page("review_confirm.html", context)


@pages_router.get("/review")
async def review_root() -> RedirectResponse:
    return RedirectResponse("/review/", 308)


@pages_router.get("/review/")
async def queue_page(
    request: Request,
    space: Space,
    me: SignedIn,
    locale: str | None = None,
    page_: Annotated[str | None, Query(alias="page", max_length=128)] = None,
    status: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    done: str | None = None,
    q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
) -> Response:
    if not isinstance(me, Caller):
        return me
    config = space.config
    wanted = _Filters.of(config, me, locale, page_, status, q)
    found, blocks = await run_in_threadpool(_queue_of, space, config, me, wanted, offset)
    items = [views.item_out(m.item, m.roles, config.policy) for m in found.items]
    back = here(request).replace(f"done={done}", "").rstrip("?&") if done else here(request)
    context = frame(
        space,
        me,
        "Review queue",
        groups=views.groups(items, config, space.cache),
        items=found.items,
        queue=found,
        blockers=blocks,
        filters={
            "locale": wanted.locale or "",
            "page": wanted.page or "",
            "status": wanted.status or "",
            "q": wanted.q,
            "asked_page": page_ if page_ and not wanted.page else "",
        },
        locales=[(loc, native_name(loc)) for loc in locales_of(config, me.reviewer)],
        statuses=STATUS_LABELS,
        notice=done_notice(done),
        back=views.back(back),
        names={loc: native_name(loc) for loc in config.all_locales},
        source=SOURCE_LOCALE,
    )
    return page("review_queue.html", context | wanted.paging(offset, found.total))


@pages_router.post("/review/approve")
async def approve_form(request: Request, space: Space) -> Response:
    posted = await _posted(request, space)
    if isinstance(posted, Response):
        return posted
    shown = [
        review.Shown(m["id"], m["src"], m["tr"])
        for name, value in posted.fields
        if name == "item" and (m := _ITEM.fullmatch(value))
    ]
    role = posted.get("role")
    if not shown or role not in space.config.policy.role_names:
        raise HTTPException(422, "the form names no text or no role")
    locale, slug = posted.get("locale"), posted.get("page")
    if posted.get("ask") == "yes" and posted.get("confirmed") != "yes":
        return _asked(space, posted, role, len(shown))
    confirm = posted.get("confirm_meaning") == "yes"
    status, model = await run_in_threadpool(
        approve_now, space, posted.me, locale, slug, role, shown, confirm
    )
    return _answered(space, posted, status, model)


@pages_router.post("/review/revoke")
async def revoke_form(request: Request, space: Space) -> Response:
    posted = await _posted(request, space)
    if isinstance(posted, Response):
        return posted
    asked = {k: posted.get(k) for k in ("locale", "page", "id", "role", "reason")}
    data = validated(RevokeIn, asked, space.config.policy)
    status, model = await run_in_threadpool(revoke_now, space, posted.me, data)
    return _answered(space, posted, status, model)


@pages_router.get("/review/history")
async def history_page(
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
    try:
        found, approvals = await run_in_threadpool(history_in_tree, space.root, page_, tag)
    except L10nError as exc:
        raise HTTPException(409, exc.message) from None
    context = frame(
        space,
        me,
        f"History of {page_} in {tag}",
        locale=tag,
        slug=page_,
        name=native_name(tag),
        events=events_as_dicts(found),
        approvals=approvals,
        problems=[str(p) for p in found.problems],
        may_revoke=me.reviewer.covers(tag),
        notice=done_notice(done),
        back=f"/review/history?{urlencode({'locale': tag, 'page': page_})}",
        lang_dir=direction(tag),
    )
    return page("review_history.html", context)


@pages_router.get("/review/assets/review.js")
async def review_script(space: Space) -> Response:
    return Response(
        space.script,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
