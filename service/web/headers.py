"""Response headers that depend on the request: conditional GET and CORS. Pure functions on
header strings, so the API's routes stay a few lines and the rules are tested as tables.
"""

from __future__ import annotations

from service.core.limits import MAX_ACCEPT_LANGUAGE

__all__ = ["cors_headers", "etag_matches", "vary"]


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
