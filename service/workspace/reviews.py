"""The review API (`/v1/reviews…`, JSON): what waits for the caller, and their approvals and
revocations, answered through `approve_now` and `revoke_now`, which the workspace's forms use as
well. `review.js` sends its requests here and updates the page in place.
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from service import review
from service.core.errors import L10nError
from service.core.models import Role
from service.core.policy import Policy
from service.site.schemas import ErrorOut
from service.workspace import views
from service.workspace.auth import Caller, read_body, require_csrf
from service.workspace.deps import Me, Space, Workspace
from service.workspace.pending import Status
from service.workspace.queue import Queue, build
from service.workspace.schemas import (
    ApprovedOut,
    ApproveIn,
    ConflictOut,
    PendingOut,
    RefusalOut,
    RefusedOut,
    RevokedOut,
    RevokeIn,
)
from service.workspace.search import MAX_QUERY, Search
from service.workspace.signing import approve_in_tree, revoke_in_tree

__all__ = ["approve_now", "reviews_router", "revoke_now", "validated"]

reviews_router = APIRouter(tags=["reviews"])

_In = TypeVar("_In", bound=BaseModel)
_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    shapes: dict[int, tuple[type[BaseModel], str]] = {
        401: (ErrorOut, "No credentials, or a session or token that is not valid"),
        403: (RefusedOut, "Refused, with the reason (policy, locale, CSRF token)"),
        404: (ErrorOut, "No page with this slug"),
        409: (ConflictOut, "The text is not what was shown (with the text now), or nothing to do"),
        413: (ErrorOut, "The body is over 256 KB"),
        422: (ErrorOut, "A malformed body or parameter, or a locale that is not enabled"),
    }
    return {c: {"model": shapes[c][0], "description": shapes[c][1]} for c in codes}


def _write(
    path: str,
    summary: str,
    sent: type[BaseModel],
    answer: type[BaseModel],
    status: int | None = None,
) -> Callable[[_Endpoint], _Endpoint]:
    """A POST that reads its JSON itself (bounded, then parsed): its body is documented here."""
    body = {"required": True, "content": {"application/json": {"schema": sent.model_json_schema()}}}
    return reviews_router.post(
        path,
        status_code=status,
        response_model=answer,
        responses=_errors(401, 403, 404, 409, 413, 422),
        summary=summary,
        openapi_extra={"requestBody": body},
    )


def _json(status: int, model: BaseModel) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json", exclude_none=False), status_code=status)


def validated(model: type[_In], data: bytes | dict[str, str], policy: Policy) -> _In:
    """A JSON body, or a form's fields, as `model` (a role one of `policy`'s); 422 naming the
    first field that is wrong."""
    context = {"roles": policy.role_names}
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data, context=context)
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(422, f"{where}: {first['msg']}") from None


async def _sent(request: Request, space: Workspace, me: Caller, model: type[_In]) -> _In:
    body = await read_body(request)
    require_csrf(me, request.headers.get("x-csrf-token"))
    return validated(model, body, space.config.policy)


def _in_scope(me: Caller, locale: str) -> None:
    who = me.reviewer
    if not who.covers(locale):
        scope = ", ".join(sorted(who.locales or ()))
        raise HTTPException(403, f"{who.name!r} may approve only in {scope}, not in {locale}")


def approve_now(
    space: Workspace,
    me: Caller,
    locale: str,
    slug: str,
    role: Role,
    shown: list[review.Shown],
    confirm: bool = False,
) -> tuple[int, BaseModel]:
    """Sign `shown` now: 201 and what was recorded, else why not (403 refused, which names the
    findings a text needs confirmed when `confirm` is not given; 409 changed)."""
    tag = space.locale_of(locale)
    space.known_page(slug)
    try:
        decisions = approve_in_tree(space.root, me.reviewer.name, tag, slug, role, shown, confirm)
    except review.TextChanged as exc:
        space.refresh()  # the queue then shows the text as it is now, with its diff
        now = {i.segment.id: i for i in space.cache.page_queue(space.config, slug, tag).items}
        changes = [views.change_out(c, tag, now.get(c.shown.segment_id)) for c in exc.changes]
        return 409, ConflictOut(detail=exc.message, changes=changes)
    except review.Refused as exc:
        return 403, RefusedOut(detail=exc.message)
    except L10nError as exc:
        return 409, ConflictOut(detail=str(exc))
    refused = [RefusalOut(id=d.segment.id, reason=d.reason) for d in decisions if not d.approved]
    events = [views.event(d.event) for d in decisions if d.event is not None]
    if not events:
        if all(d.already for d in decisions):
            return 409, ConflictOut(detail=f"already approved in the role {role}")
        return 403, RefusedOut(detail="; ".join(r.reason for r in refused), refused=refused)
    space.refresh()  # the patient pages serve it before this answer leaves
    return 201, ApprovedOut(events=events, refused=refused)


def revoke_now(space: Workspace, me: Caller, data: RevokeIn) -> tuple[int, BaseModel]:
    """Revoke now: 200 and what was recorded, else why not (403 refused, 409 nothing to do)."""
    tag = space.locale_of(data.locale)
    space.known_page(data.page)
    try:
        written = revoke_in_tree(
            space.root, me.reviewer.name, tag, data.page, data.id, data.role, data.reason
        )
    except review.Refused as exc:
        return 403, RefusedOut(detail=exc.message)
    except L10nError as exc:
        return 409, ConflictOut(detail=exc.message)
    space.refresh()
    return 200, RevokedOut(events=[views.event(t) for t in written])


def _pending_out(
    locale: str,
    page: str | None,
    status: Status | None,
    found: Queue,
    policy: Policy,
    q: str | None = None,
) -> PendingOut:
    following = {
        "locale": locale,
        "page": page,
        "status": status.value if status else None,
        "q": q or None,
        "offset": found.offset + found.limit,
        "limit": found.limit if found.limit != 50 else None,
    }
    more = found.offset + found.limit < found.total
    return PendingOut(
        locale=locale,
        page=page,
        status=status.value if status else None,
        offset=found.offset,
        limit=found.limit,
        total=found.total,
        counts=found.counts,
        hidden=found.hidden,
        items=[views.item_out(m.item, m.roles, policy) for m in found.items],
        next="/v1/reviews/pending?"
        + urlencode({k: v for k, v in following.items() if v is not None})
        if more
        else None,
    )


@reviews_router.get(
    "/v1/reviews/pending",
    response_model=PendingOut,
    responses=_errors(401, 403, 404, 422),
    summary="What waits for your review in a locale",
)
async def pending_api(
    space: Space,
    me: Me,
    locale: Annotated[str, Query(max_length=64, description="BCP 47 tag")],
    page: Annotated[str | None, Query(max_length=128)] = None,
    status: Status | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY,
            description="Only texts with these words in their English or translation, a "
            "glossary term in any of its languages, or their page's title or slug",
        ),
    ] = None,
) -> Response:
    tag = space.locale_of(locale)
    _in_scope(me, tag)
    if page is not None:
        space.known_page(page)
    config = space.config
    search = Search.of(q or "", config.terminology)

    def title(slug: str, loc: str) -> str:
        return space.cache.page_queue(config, slug, loc).title

    found = await run_in_threadpool(
        build,
        config,
        space.cache,
        me.reviewer,
        tag,
        page,
        status,
        offset,
        limit,
        space.hints(),
        (lambda item: search.matches(item, title)) if q else None,
    )
    return _json(200, _pending_out(tag, page, status, found, config.policy, q))


@_write(
    "/v1/reviews", "Approve text bound to the SHA-256s you were shown", ApproveIn, ApprovedOut, 201
)
async def approve_api(request: Request, space: Space, me: Me) -> Response:
    data = await _sent(request, space, me, ApproveIn)
    status, model = await run_in_threadpool(
        approve_now,
        space,
        me,
        data.locale,
        data.page,
        data.role,
        data.shown(),
        data.confirm_meaning,
    )
    return _json(status, model)


@_write(
    "/v1/reviews/revoke",
    "Revoke one role's approval of a segment, with a reason",
    RevokeIn,
    RevokedOut,
)
async def revoke_api(request: Request, space: Space, me: Me) -> Response:
    data = await _sent(request, space, me, RevokeIn)
    status, model = await run_in_threadpool(revoke_now, space, me, data)
    return _json(status, model)
