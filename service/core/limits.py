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
    "MAX_TEXT",
    "TEXT_GROWTH",
    "Limits",
    "Stack",
    "text_bound",
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

MAX_TEXT = 10_000
"""Characters in one text of a page (a paragraph, a list item, a cell: its English) and in a
translation of a short one. The longest paragraph of the shipped pages is under 700; a longer one
is a page's load error (`content.pages`), and a catalog's msgid this long is refused at load."""

TEXT_GROWTH = 20
"""How many times its English a translation may be, past MAX_TEXT (`text_bound`)."""


def text_bound(english: str) -> int:
    """The most characters a translation of `english` may have: MAX_TEXT, or TEXT_GROWTH times
    the English when that is more. A longer one is refused when its catalog is read: not kept,
    not served (`catalogs.catalog`).

    >>> text_bound("Use 2 sprays."), text_bound("x" * 600)
    (10000, 12000)
    """
    return max(MAX_TEXT, TEXT_GROWTH * len(english))


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
