"""The bytes the server sends: a body in memory or in the build cache, with its ETag, and a JSON
document whose `requested_locale` is filled in per request (`JsonBody`). The request path looks
these up; `records` makes them, `site` holds them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from .build import Cache, Ref

__all__ = ["REQUESTED", "Body", "JsonBody", "PreparedPage"]

log = logging.getLogger("clinic_l10n.bodies")
REQUESTED = "\x00requested\x00"
_SPLIT = json.dumps(REQUESTED).encode()


class Body:
    """Bytes to send and their ETag: in memory, or an object in the build cache read when sent
    (the cache keeps the hot ones in memory)."""

    __slots__ = ("_cache", "_data", "_ref", "_remake", "etag")

    def __init__(
        self,
        data: bytes | None,
        etag: str,
        cache: Cache | None = None,
        ref: Ref | None = None,
        remake: Callable[[], Ref] | None = None,
    ):
        self._data, self.etag, self._cache, self._ref = data, etag, cache, ref
        self._remake = remake

    @property
    def data(self) -> bytes:
        if self._data is not None:
            return self._data
        assert self._cache is not None and self._ref is not None
        try:
            return self._cache.get(self._ref)
        except (OSError, KeyError) as exc:
            if self._remake is None:
                raise
            # a pack deleted or damaged under the server: make the body again from the files,
            # and send it only if it is the very body this ETag names
            log.warning("build cache: %s; making the body again", exc)
            ref = self._remake()
            if ref[3] != self._ref[3]:
                raise OSError(
                    "the body changed since it was built; a reload will serve it"
                ) from exc
            self._ref = ref
            return self._cache.get(ref)

    @classmethod
    def of(cls, data: bytes | str) -> Body:
        raw = data.encode() if isinstance(data, str) else data
        return cls(raw, f'"{hashlib.sha256(raw).hexdigest()[:20]}"')

    @classmethod
    def stored(cls, cache: Cache, ref: Ref, remake: Callable[[], Ref] | None = None) -> Body:
        """Bytes kept in the cache (`remake`: how to make them again if they are lost); the
        ETag is made, like `of`, from their SHA-256."""
        return cls(None, f'"{ref[3][:20]}"', cache, ref, remake)




# Rendered JSON bodies, by the digest of their document and the tag they echo: a page read by
# browsers of a few languages is joined once, not per request. At most _RENDERED_MAX bodies (a few
# megabytes of pages); when full, it starts again.
_RENDERED: dict[tuple[str, str | None], tuple[bytes, str]] = {}
_RENDERED_MAX = 256
# The documents last rendered, cut around `requested_locale`, by digest: a tag not rendered yet is
# one join of these, without reading the body again. At most _SPLIT_MAX; when full, it starts again.
_SPLIT_BODIES: dict[str, tuple[bytes, bytes | None]] = {}
_SPLIT_MAX = 64
_PLAIN_TAG = re.compile(r"[A-Za-z0-9-]+")


def _json_string(value: str | None) -> bytes:
    """`json.dumps(value)`, without the encoder for a tag of letters, digits and hyphens.

    >>> [_json_string(v) for v in ("pt-BR", None, "x y")]
    [b'"pt-BR"', b'null', b'"x y"']
    """
    if value is not None and _PLAIN_TAG.fullmatch(value):
        return b'"' + value.encode() + b'"'
    return json.dumps(value).encode()


class JsonBody:
    """A JSON document with `requested_locale` left open (the one field that depends on the
    request rather than on the content)."""

    __slots__ = ("_body", "digest")

    def __init__(self, body: Body, digest: str):
        self._body, self.digest = body, digest

    @classmethod
    def of(cls, model: BaseModel) -> JsonBody:
        raw = model.model_dump_json().encode()
        return cls(Body(raw, ""), hashlib.sha256(raw).hexdigest()[:20])

    @classmethod
    def stored(cls, cache: Cache, ref: Ref, remake: Callable[[], Ref] | None = None) -> JsonBody:
        return cls(Body.stored(cache, ref, remake), ref[3][:20])

    def render(self, requested: str | None) -> tuple[bytes, str]:
        key = (self.digest, requested)
        found = _RENDERED.get(key)
        if found is None:
            if len(_RENDERED) >= _RENDERED_MAX:
                _RENDERED.clear()  # at once: cheaper than evicting one at a time under a mix
            found = _RENDERED[key] = self._render(requested)
        return found

    def _render(self, requested: str | None) -> tuple[bytes, str]:
        parts = _SPLIT_BODIES.get(self.digest)
        if parts is None:
            data = self._body.data  # the same bytes every time (they are named by their hash)
            at = data.find(_SPLIT)
            parts = (data, None) if at < 0 else (data[:at], data[at + len(_SPLIT) :])
            if len(_SPLIT_BODIES) >= _SPLIT_MAX:
                _SPLIT_BODIES.clear()
            _SPLIT_BODIES[self.digest] = parts
        head, tail = parts
        body = head if tail is None else b"".join((head, _json_string(requested), tail))
        return body, f'"{self.digest}-{requested or "none"}"'


@dataclass(frozen=True)
class PreparedPage:
    json: JsonBody
    html: Body
    fragment: Body  # the article with its own styles (`assets.embed`)
    language: str
    view: Body | None = None  # what `document.render_document` renders with an export's links


