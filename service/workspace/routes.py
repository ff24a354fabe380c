"""The reviewers' web workspace (`/review/…`, server-rendered HTML) and the review API
(`/v1/reviews…`, JSON), over the same three calls: `queue.build` (what waits for you),
`signing.approve_in_tree` and `signing.revoke_in_tree` (the CLI's write path). The pages' forms work without
JavaScript; `review.js` sends the same requests to the JSON API and updates the page in place.
"""

import re
import threading
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from service.core.config import Config
from service.core.errors import L10nError
from service.core.locales import direction, native_name
from service.core.models import SOURCE_LOCALE, UI_DOMAIN, Role
from service.render.html import render_template
from service.review import approvals as review
from service.site.live import LiveSite
from service.site.prepared import Site
from service.site.schemas import ErrorOut
from service.workspace import queue, views
from service.workspace.accounts import Accounts, state_dir
from service.workspace.auth import (
    COOKIE,
    UNAUTHORIZED,
    Caller,
    identify,
    read_body,
    require_csrf,
    same_origin,
    secure_headers,
    set_session_cookie,
)
from service.workspace.pending import STATUS_LABELS, Status, locales_of, slugs_of
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
from service.workspace.signing import (
    approve_in_tree,
    events_as_dicts,
    history_in_tree,
    revoke_in_tree,
)

__all__ = ["add_workspace"]

HTML_LIMIT = 50  # queue items per result page in the workspace
_ITEM = re.compile(r"(?P<id>\S{1,200}) (?P<src>[0-9a-f]{64}) (?P<tr>[0-9a-f]{64})")
_DONE = re.compile(r"(approved|revoked)-(\d{1,4})")
_NOTICES = {
    "approved": "Approved {n} text(s): the patient pages serve them now.",
    "revoked": "Revoked {n} approval(s): the patient pages no longer serve that text.",
}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its JSON itself (bounded, then parsed)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


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


def _json(status: int, model: BaseModel) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json", exclude_none=False), status_code=status)


class SiteHints:
    """`queue.Hints` from the site in service (its records per page and locale, made by the
    build): no file is read for a page whose coverage leaves nothing to review."""

    def __init__(self, site: Site):
        self.records: Mapping[tuple[str, str], Mapping[str, Any]] = site.records

    def slugs(self) -> list[str]:
        return sorted({slug for slug, _ in self.records}, key=lambda s: (s == UI_DOMAIN, s))

    def key(self, slug: str, locale: str) -> str | None:
        record = self.records.get((slug, locale))
        key = record.get("key") if record else None
        return key if isinstance(key, str) else None

    def idle(self, slug: str, locale: str) -> bool:
        record = self.records.get((slug, locale))
        rows = record.get("rows") if record else None
        if not rows or record is None or record.get("errors"):
            return False
        row = rows[0]
        return bool(row["translated"] == row["approved"] + row["blocked"])


class Refresher:
    """`live.reload()` after a write, so the patient pages serve it before the answer leaves;
    concurrent writers share reloads: a reload that began after your write has served it."""

    def __init__(self, live: LiveSite):
        self.live = live
        self._one = threading.Lock()
        self._count = threading.Lock()
        self.asked = self.done = 0

    def __call__(self) -> None:
        with self._count:
            self.asked += 1
            ticket = self.asked
        with self._one:
            if self.done >= ticket:
                return
            with self._count:
                covers = self.asked
            self.live.reload()
            self.done = covers


def add_workspace(app: FastAPI, live: LiveSite, root: Path, state: Path | None = None) -> None:
    """Mount the workspace and the review API on `app`, for the tree `live` serves."""
    accounts = Accounts(state_dir(root, state))
    cache = queue.QueueCache()
    app.state.accounts = accounts
    app.state.queue = cache
    refresh = Refresher(live)
    threading.Thread(
        target=cache.warm,
        args=(live.site.config, SiteHints(live.site)),
        name="clinic-l10n-queue",
        daemon=True,
    ).start()
    script = (files("service") / "static" / "review.js").read_bytes()

    def config() -> Config:
        return live.site.config

    def caller(request: Request) -> Caller:
        found = identify(request, accounts, config().policy)
        if found is None:
            raise HTTPException(401, "sign in, or send Authorization: Bearer TOKEN", UNAUTHORIZED)
        return found

    Me = Annotated[Caller, Depends(caller)]

    def locale_of(tag: str) -> str:
        found = config().enabled(tag)
        if found is None:
            raise HTTPException(422, f"locale {tag!r} is not enabled")
        return found

    def in_scope(me: Caller, locale: str) -> None:
        who = me.reviewer
        if not who.covers(locale):
            scope = ", ".join(sorted(who.locales or ()))
            raise HTTPException(403, f"{who.name!r} may approve only in {scope}, not in {locale}")

    def known_page(slug: str) -> None:
        if slug not in slugs_of(config()):
            raise HTTPException(404, f"no page {slug!r}")

    def approve_now(
        me: Caller, locale: str, slug: str, role: Role, shown: list[review.Shown]
    ) -> tuple[int, BaseModel]:
        tag = locale_of(locale)
        known_page(slug)
        try:
            decisions = approve_in_tree(root, me.reviewer.name, tag, slug, role, shown)
        except review.TextChanged as exc:
            refresh()  # the queue then shows the text as it is now, with its diff
            now = {i.segment.id: i for i in cache.page_queue(config(), slug, tag).items}
            changes = [views.change_out(c, now.get(c.shown.segment_id)) for c in exc.changes]
            return 409, ConflictOut(detail=exc.message, changes=changes)
        except review.Refused as exc:
            return 403, RefusedOut(detail=exc.message)
        except L10nError as exc:
            return 409, ConflictOut(detail=str(exc))
        refused = [
            RefusalOut(id=d.segment.id, reason=d.reason) for d in decisions if not d.approved
        ]
        events = [views.event(d.event) for d in decisions if d.event is not None]
        if not events:
            if all(d.already for d in decisions):
                return 409, ConflictOut(detail=f"already approved in the role {role.value}")
            return 403, RefusedOut(detail="; ".join(r.reason for r in refused), refused=refused)
        refresh()  # the patient pages serve it before this answer leaves
        return 201, ApprovedOut(events=events, refused=refused)

    def revoke_now(me: Caller, data: RevokeIn) -> tuple[int, BaseModel]:
        tag = locale_of(data.locale)
        known_page(data.page)
        try:
            written = revoke_in_tree(
                root, me.reviewer.name, tag, data.page, data.id, data.role, data.reason
            )
        except review.Refused as exc:
            return 403, RefusedOut(detail=exc.message)
        except L10nError as exc:
            return 409, ConflictOut(detail=exc.message)
        refresh()
        return 200, RevokedOut(events=[views.event(t) for t in written])

    def parsed(model: type[BaseModel], body: bytes) -> Any:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise HTTPException(422, f"{where}: {first['msg']}") from None

    # -- the review API -----------------------------------------------------------------------

    @app.get(
        "/v1/reviews/pending",
        response_model=PendingOut,
        responses=_errors(401, 403, 404, 422),
        summary="What waits for your review in a locale",
        tags=["reviews"],
    )
    async def pending_api(
        me: Me,
        locale: Annotated[str, Query(max_length=64, description="BCP 47 tag")],
        page: Annotated[str | None, Query(max_length=128)] = None,
        status: Status | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Response:
        tag = locale_of(locale)
        in_scope(me, tag)
        if page is not None:
            known_page(page)
        found = await run_in_threadpool(
            queue.build,
            config(),
            cache,
            me.reviewer,
            tag,
            page,
            status,
            offset,
            limit,
            SiteHints(live.site),
        )
        following = {
            "locale": tag,
            "page": page,
            "status": status.value if status else None,
            "offset": offset + limit,
            "limit": limit if limit != 50 else None,
        }
        more = offset + limit < found.total
        return _json(
            200,
            PendingOut(
                locale=tag,
                page=page,
                status=status.value if status else None,
                offset=offset,
                limit=limit,
                total=found.total,
                counts=found.counts,
                hidden=found.hidden,
                items=[views.item_out(m.item, m.roles) for m in found.items],
                next="/v1/reviews/pending?"
                + urlencode({k: v for k, v in following.items() if v is not None})
                if more
                else None,
            ),
        )

    @app.post(
        "/v1/reviews",
        status_code=201,
        response_model=ApprovedOut,
        responses=_errors(401, 403, 404, 409, 413, 422),
        summary="Approve text bound to the SHA-256s you were shown",
        openapi_extra=_body(ApproveIn),
        tags=["reviews"],
    )
    async def approve_api(request: Request, me: Me) -> Response:
        body = await read_body(request)
        require_csrf(me, request.headers.get("x-csrf-token"))
        data: ApproveIn = parsed(ApproveIn, body)
        status, model = await run_in_threadpool(
            approve_now, me, data.locale, data.page, data.role, data.shown()
        )
        return _json(status, model)

    @app.post(
        "/v1/reviews/revoke",
        response_model=RevokedOut,
        responses=_errors(401, 403, 404, 409, 413, 422),
        summary="Revoke one role's approval of a segment, with a reason",
        openapi_extra=_body(RevokeIn),
        tags=["reviews"],
    )
    async def revoke_api(request: Request, me: Me) -> Response:
        body = await read_body(request)
        require_csrf(me, request.headers.get("x-csrf-token"))
        status, model = await run_in_threadpool(revoke_now, me, parsed(RevokeIn, body))
        return _json(status, model)

    # -- the workspace's pages ----------------------------------------------------------------

    def page(name: str, context: dict[str, Any], status: int = 200) -> Response:
        return secure_headers(HTMLResponse(render_template(name, context), status_code=status))

    def signed_in(request: Request) -> Caller | Response:
        """The caller, or the answer to give instead (the sign-in page)."""
        try:
            found = identify(request, accounts, config().policy)
        except HTTPException as exc:
            if exc.status_code != 401:
                return sign_in_page(request, str(exc.detail), exc.status_code)
            found = None
        if found is None or found.session is None:
            return RedirectResponse(
                views.with_params(
                    "/review/signin",
                    next=views.back(
                        str(request.url.path)
                        + (f"?{request.url.query}" if request.url.query else "")
                    ),
                ),
                303,
            )
        return found

    def frame(me: Caller | None, title: str, **context: Any) -> dict[str, Any]:
        return {
            "title": title,
            "notice": "",
            "me": me.reviewer if me else None,
            "csrf": me.csrf if me else "",
            "roles": sorted(r.value for r in me.reviewer.roles) if me else [],
            "scope": ", ".join(locales_of(config(), me.reviewer)) if me else "",
            **context,
        }

    def sign_in_page(request: Request, message: str = "", status: int = 200) -> Response:
        target = views.back(request.query_params.get("next"))
        notice = "You signed out." if request.query_params.get("out") else ""
        return page(
            "review_signin.html",
            frame(None, "Sign in", message=message, notice=notice, next=target),
            status,
        )

    @app.get("/review", include_in_schema=False)
    async def review_root() -> RedirectResponse:
        return RedirectResponse("/review/", 308)

    @app.get("/review/signin", include_in_schema=False)
    async def signin_form(request: Request) -> Response:
        return sign_in_page(request)

    @app.post("/review/signin", include_in_schema=False)
    async def signin(request: Request) -> Response:
        same_origin(request)
        form = dict(parse_qsl((await read_body(request, 8192)).decode("utf-8", "replace")))
        name, password = form.get("name", "")[:200], form.get("password", "")
        address = request.client.host if request.client else "unknown"
        outcome = await run_in_threadpool(
            accounts.sign_in, config().policy, name, password, address
        )
        target = views.back(form.get("next"))
        if outcome.session is None:
            answer = page(
                "review_signin.html",
                frame(None, "Sign in", message=outcome.refused, notice="", next=target, name=name),
                429 if outcome.retry_after else 401,
            )
            if outcome.retry_after:
                answer.headers["Retry-After"] = str(outcome.retry_after)
            return answer
        answer = secure_headers(RedirectResponse(target, 303))
        set_session_cookie(answer, request, outcome.cookie)
        return answer

    @app.post("/review/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        same_origin(request)
        form = dict(parse_qsl((await read_body(request, 8192)).decode("utf-8", "replace")))
        me = signed_in(request)
        if isinstance(me, Caller):
            require_csrf(me, form.get("csrf_token"))
            accounts.end_session(request.cookies.get(COOKIE, ""))
        answer = RedirectResponse("/review/signin?out=1", 303)
        answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return secure_headers(answer)

    @app.get("/review/", include_in_schema=False)
    async def queue_page(
        request: Request,
        locale: str | None = None,
        page_: Annotated[str | None, Query(alias="page", max_length=128)] = None,
        status: str | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        done: str | None = None,
    ) -> Response:
        me = signed_in(request)
        if not isinstance(me, Caller):
            return me
        c = config()
        tag = c.enabled(locale) if locale else None
        if tag is not None and not me.reviewer.covers(tag):
            tag = None
        slug = page_ if page_ in slugs_of(c) else None
        chosen = next((s for s in Status if s.value == status), None)

        def work() -> tuple[queue.Queue, queue.Blockers | None]:
            found = queue.build(
                c, cache, me.reviewer, tag, slug, chosen, offset, HTML_LIMIT, SiteHints(live.site)
            )
            blocks = queue.blockers(c, cache, slug, tag) if slug and tag else None
            return found, blocks

        found, blocks = await run_in_threadpool(work)
        notice = ""
        if done and (m := _DONE.fullmatch(done)):
            notice = _NOTICES[m.group(1)].format(n=m.group(2))
        here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        base = {k: v for k, v in (("locale", tag), ("page", slug), ("status", chosen)) if v}
        return page(
            "review_queue.html",
            frame(
                me,
                "Review queue",
                groups=views.groups(
                    [views.item_out(m.item, m.roles) for m in found.items], c, cache
                ),
                items=found.items,
                queue=found,
                blockers=blocks,
                filters={"locale": tag or "", "page": slug or "", "status": chosen or ""},
                locales=[(loc, native_name(loc)) for loc in locales_of(c, me.reviewer)],
                statuses=STATUS_LABELS,
                notice=notice,
                back=views.back(here.replace(f"done={done}", "").rstrip("?&"))
                if done
                else views.back(here),
                previous=views.with_params(
                    "/review/", **base, offset=str(max(0, offset - HTML_LIMIT))
                )
                if offset
                else None,
                following=views.with_params("/review/", **base, offset=str(offset + HTML_LIMIT))
                if offset + HTML_LIMIT < found.total
                else None,
                names={loc: native_name(loc) for loc in c.all_locales},
                source=SOURCE_LOCALE,
            ),
        )

    async def form_of(request: Request) -> tuple[Caller | Response, list[tuple[str, str]]]:
        same_origin(request)
        fields = parse_qsl((await read_body(request)).decode("utf-8", "replace"))
        me = signed_in(request)
        if isinstance(me, Caller):
            require_csrf(me, dict(fields).get("csrf_token"))
        return me, fields

    def outcome_page(me: Caller, status: int, model: BaseModel, back: str, locale: str) -> Response:
        return page(
            "review_result.html",
            frame(
                me,
                "Not recorded",
                status=status,
                result=model.model_dump(mode="json"),
                back=back,
                lang=locale,
                dir=direction(locale) if locale else "ltr",
            ),
            status,
        )

    @app.post("/review/approve", include_in_schema=False)
    async def approve_form(request: Request) -> Response:
        me, fields = await form_of(request)
        if not isinstance(me, Caller):
            return me
        form = dict(fields)
        back = views.back(form.get("back"))
        shown = [
            review.Shown(m["id"], m["src"], m["tr"])
            for _, value in fields
            if _ == "item" and (m := _ITEM.fullmatch(value))
        ]
        if not shown or form.get("role") not in {r.value for r in Role}:
            raise HTTPException(422, "the form names no text or no role")
        status, model = await run_in_threadpool(
            approve_now, me, form.get("locale", ""), form.get("page", ""), Role(form["role"]), shown
        )
        if status == 201:
            approved = len(model.events) if isinstance(model, ApprovedOut) else 0
            return secure_headers(
                RedirectResponse(views.with_params(back, done=f"approved-{approved}"), 303)
            )
        return outcome_page(me, status, model, back, form.get("locale", ""))

    @app.post("/review/revoke", include_in_schema=False)
    async def revoke_form(request: Request) -> Response:
        me, fields = await form_of(request)
        if not isinstance(me, Caller):
            return me
        form = dict(fields)
        back = views.back(form.get("back"))
        try:
            data = RevokeIn.model_validate(
                {k: form.get(k, "") for k in ("locale", "page", "id", "role", "reason")}
            )
        except ValidationError as exc:
            raise HTTPException(
                422, f"{exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}"
            ) from None
        status, model = await run_in_threadpool(revoke_now, me, data)
        if status == 200:
            n = len(model.events) if isinstance(model, RevokedOut) else 0
            return secure_headers(
                RedirectResponse(views.with_params(back, done=f"revoked-{n}"), 303)
            )
        return outcome_page(me, status, model, back, data.locale)

    @app.get("/review/history", include_in_schema=False)
    async def history_page(
        request: Request,
        locale: Annotated[str, Query(max_length=64)],
        page_: Annotated[str, Query(alias="page", max_length=128)],
        done: str | None = None,
    ) -> Response:
        me = signed_in(request)
        if not isinstance(me, Caller):
            return me
        tag = locale_of(locale)
        known_page(page_)
        try:
            found, approvals = await run_in_threadpool(history_in_tree, root, page_, tag)
        except L10nError as exc:
            raise HTTPException(409, exc.message) from None
        notice = ""
        if done and (m := _DONE.fullmatch(done)):
            notice = _NOTICES[m.group(1)].format(n=m.group(2))
        return page(
            "review_history.html",
            frame(
                me,
                f"History of {page_} in {tag}",
                locale=tag,
                slug=page_,
                name=native_name(tag),
                events=events_as_dicts(found),
                approvals=approvals,
                problems=[str(p) for p in found.problems],
                may_revoke=me.reviewer.covers(tag),
                notice=notice,
                back=f"/review/history?{urlencode({'locale': tag, 'page': page_})}",
                lang_dir=direction(tag),
            ),
        )

    @app.get("/review/assets/review.js", include_in_schema=False)
    async def review_script() -> Response:
        return Response(
            script,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )
