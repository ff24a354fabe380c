"""How much a request may ask of the server: one home for every bound, so that the parser, the
negotiation and the server process agree and the README can quote them.

Values past a bound are cut where cutting keeps the meaning (the tail of an Accept-Language list)
and refused otherwise (400 for `?locale=`, 431 for a request head); a refused value is never
echoed into a response header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_ACCEPT_LANGUAGE",
    "MAX_LANGUAGE_RANGES",
    "MAX_SLUG",
    "MAX_TAG",
    "Limits",
    "Stack",
]

MAX_TAG = 64
"""Characters in one language tag (`?locale=` or one Accept-Language range); longer is refused.
Real tags stay under 35, extensions included (`zh-Hant-TW-u-nu-hanidec-x-private`)."""

MAX_ACCEPT_LANGUAGE = 4096
"""Characters of an Accept-Language header read; the list is cut at the last comma before it."""

MAX_LANGUAGE_RANGES = 32
"""Ranges of an Accept-Language header considered, in the order sent; browsers send under 10."""

MAX_SLUG = 128
"""Characters in a page slug; a longer one is 404 without being looked up or echoed."""

Stack = Literal["auto", "httptools", "h11"]


@dataclass(frozen=True)
class Limits:
    """Per server process (worker). A head is the request line and headers; a browser's is well
    under 2 KB."""

    header_timeout: float = 5.0
    max_head_bytes: int = 16 * 1024
    max_connections: int = 1000
    # A request body (`web.bounded`): all of it within `body_timeout` seconds of the request's
    # start, and at most `max_body_bytes` (the most any route takes: a page's worth of reviews).
    body_timeout: float = 10.0
    max_body_bytes: int = 256 * 1024


DEFAULT_LIMITS = Limits()
