"""Response headers that depend on the request or the config: conditional GET, CORS and the
Content-Security-Policy of the HTML documents. Pure functions on header strings, so the API's
routes stay a few lines and the rules are tested as tables.
"""

from __future__ import annotations

import base64
import hashlib
import re

from service.core.limits import MAX_ACCEPT_LANGUAGE

__all__ = ["cors_headers", "docs_policy", "etag_matches", "page_policy", "vary"]

# A patient's page (and its fragment): no script at all, our stylesheet and the fragment's own
# `<style>` (and the coverage bars' `style=`), images of ours or over https (an author's remote
# image is left as written), no forms, no <base>.
_PAGE = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https:; "
    "base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: If-None-Match compares weakly, so `W/"x"` (what nginx's gzip turns our
    `"x"` into) matches `"x"`; `*` matches any. A list longer than MAX_ACCEPT_LANGUAGE characters
    is read up to there: a tag cut off only means a 200 where a 304 could have been.

    >>> etag_matches('W/"a1", "b2"', '"b2"'), etag_matches('W/"a1"', '"a1"'), etag_matches('"a"', '"b"')
    (True, True, False)
    """
    if not if_none_match:
        return False
    value = if_none_match[:MAX_ACCEPT_LANGUAGE]
    if value.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in value.split(","))


def vary(origins: frozenset[str]) -> str:
    """With CORS configured, a response depends on Origin too, and caches must know it."""
    return "Accept-Language, Origin" if origins else "Accept-Language"


def cors_headers(origin: str | None, origins: frozenset[str]) -> dict[str, str]:
    """Access-Control-Allow-Origin for an allowed origin, echoed exactly; nothing otherwise."""
    if origin is not None and origin in origins:
        return {"Access-Control-Allow-Origin": origin}
    return {}


def page_policy(frame_origins: frozenset[str]) -> str:
    """The Content-Security-Policy of a page of ours without script: framed only by the origins
    named (a patient's page: the config's `embed_origins`), by none without any.

    >>> page_policy(frozenset()).endswith("frame-ancestors 'none'")
    True
    >>> page_policy(frozenset({"https://b.example", "https://a.example"})).split("; ")[-1]
    'frame-ancestors https://a.example https://b.example'
    """
    ancestors = " ".join(sorted(frame_origins)) or "'none'"
    return f"{_PAGE}; frame-ancestors {ancestors}"


def docs_policy(html: str) -> str:
    """The Content-Security-Policy of /docs (Swagger UI): its own files, its inline scripts by
    their hashes (CSP 3: sha256 of the script's text, base64), the OpenAPI document fetched from
    here, the data: images of its stylesheet; never framed.

    >>> docs_policy("<script>go()</script>").split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
        for code in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
