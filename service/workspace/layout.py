"""The frame every workspace page is drawn in (who is signed in, their CSRF token, roles and
locales), and the headers every page goes out with (`auth.secure_headers`)."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from service.render.html import render_template
from service.workspace.auth import Caller, secure_headers
from service.workspace.deps import Workspace
from service.workspace.pending import locales_of

__all__ = ["frame", "here", "page"]


def page(name: str, context: dict[str, Any], status: int = 200) -> Response:
    return secure_headers(HTMLResponse(render_template(name, context), status_code=status))


def frame(space: Workspace, me: Caller | None, title: str, **context: Any) -> dict[str, Any]:
    return {
        "title": title,
        "notice": "",
        "me": me.reviewer if me else None,
        "csrf": me.csrf if me else "",
        "roles": space.config.policy.in_order(me.reviewer.roles) if me else [],
        "scope": ", ".join(locales_of(space.config, me.reviewer)) if me else "",
        "sso": space.config.sso,  # "Sign in with <label>" on the sign-in page, when configured
        **context,
    }


def here(request: Request) -> str:
    """The path and query string as asked."""
    return str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
