"""The bytes the server sends, with their ETags: a body in memory, or one of a page's bodies made
when first asked for and kept in the build cache (`Made`), and a JSON document whose
`requested_locale` is filled in per request (`JsonBody`). The request path looks these up;
`records` makes them, `site` holds them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from service.site.build import Cache, Pack
from service.site.index import Ref

__all__ = ["REQUESTED", "Body", "JsonBody", "Made", "PreparedPage"]

_log = logging.getLogger("clinic_l10n.bodies")
REQUESTED = "\x00requested\x00"
_SPLIT = json.dumps(REQUESTED).encode()


class Made:
    """The bodies of one page in one locale, made (by `make`) the first time one of them or its
    ETag is asked for, and kept in the build cache in a pack of their own, which holds the hot
    ones in memory. Made again if that pack is lost: the same bytes, from the same snapshot."""

    __slots__ = ("_cache", "_lock", "_make", "_refs")

    def __init__(self, cache: Cache, make: Callable[[], Mapping[str, bytes]]):
        self._cache, self._make = cache, make
        self._refs: dict[str, Ref] | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether the bodies are made (reading them then costs no rendering)."""
        return self._refs is not None

    def make(self) -> None:
        """Make the bodies now (the server calls this off its event loop: `fastpath`, `api`)."""
        self.ref("json")

    def ref(self, kind: str) -> Ref:
        refs = self._refs
        if refs is None:
            with self._lock:  # made once, however many requests ask at the same time
                if self._refs is None:
                    pack = Pack(self._cache)
                    self._refs = {k: pack.add(data) for k, data in self._make().items()}
                    pack.close()
                refs = self._refs
        return refs[kind]

    def get(self, kind: str) -> bytes:
        ref = self.ref(kind)
        try:
            return self._cache.get(ref)
        except (OSError, KeyError) as exc:
            _log.warning("build cache: %s; making the bodies again", exc)
            with self._lock:
                if self._refs is not None and self._refs[kind] is ref:
                    self._refs = None
            return self._cache.get(self.ref(kind))


class Body:
    """Bytes to send and their ETag: in memory, or one of a page's bodies made when first asked
    for (`Made`)."""

    __slots__ = ("_data", "_etag", "_kind", "_made")

    def __init__(
        self,
        data: bytes | None,
        etag: str | None,
        made: Made | None = None,
        kind: str = "",
    ):
        self._data, self._etag, self._made, self._kind = data, etag, made, kind

    @property
    def etag(self) -> str:
        if self._etag is None:
            assert self._made is not None
            self._etag = f'"{self._made.ref(self._kind).sha256[:20]}"'
        return self._etag

    @property
    def data(self) -> bytes:
        if self._data is not None:
            return self._data
        assert self._made is not None
        return self._made.get(self._kind)

    @classmethod
    def of(cls, data: bytes | str) -> Body:
        raw = data.encode() if isinstance(data, str) else data
        return cls(raw, f'"{hashlib.sha256(raw).hexdigest()[:20]}"')

    @classmethod
    def made(cls, made: Made, kind: str) -> Body:
        """The body `kind` of `made`; its ETag is made, like `of`, from its SHA-256."""
        return cls(None, None, made, kind)


# The documents last rendered, cut around `requested_locale`, by digest: a tag is one join of
# these, without reading the body again. At most _SPLIT_MAX; when full, it starts again. (A body
# rendered is not kept: `fastpath` keeps the answers asked for again.)
_SPLIT_BODIES: dict[str, tuple[bytes, bytes | None]] = {}
_SPLIT_MAX = 64


def _json_string(value: str | None) -> bytes:
    """`json.dumps(value)`, without the encoder for a tag of ASCII letters, digits and hyphens.

    >>> [_json_string(v) for v in ("pt-BR", None, "x y")]
    [b'"pt-BR"', b'null', b'"x y"']
    >>> _json_string("é") == json.dumps("é").encode()  # a letter, but not ASCII
    True
    """
    if value is not None and value.isascii() and value.replace("-", "").isalnum():
        return b'"' + value.encode() + b'"'
    return json.dumps(value).encode()


class JsonBody:
    """A JSON document with `requested_locale` left open (the one field that depends on the
    request rather than on the content)."""

    __slots__ = ("_body", "_digest")

    def __init__(self, body: Body):
        self._body = body
        self._digest: str | None = None

    @property
    def digest(self) -> str:
        """The SHA-256 of the document (its first 20 digits), which names it in ETags."""
        if self._digest is None:
            self._digest = self._body.etag[1:-1]
        return self._digest

    @property
    def body(self) -> Body:
        """The document as kept, `requested_locale` left open."""
        return self._body

    @classmethod
    def of(cls, model: BaseModel) -> JsonBody:
        return cls(Body.of(model.model_dump_json()))

    @classmethod
    def made(cls, made: Made) -> JsonBody:
        return cls(Body.made(made, "json"))

    def render(self, requested: str | None) -> tuple[bytes, str]:
        """The document with `requested` in it, and its ETag."""
        pieces, etag = self.pieces(requested)
        return b"".join(pieces), etag

    def pieces(self, requested: str | None) -> tuple[tuple[bytes, ...], str]:
        """`render`'s document in pieces, without joining them: the document's own bytes either
        side of the tag (the same two objects for every request) and the tag between them."""
        digest = self._digest or self.digest
        parts = _SPLIT_BODIES.get(digest)
        if parts is None:
            data = self._body.data  # the same bytes every time (they are named by their hash)
            at = data.find(_SPLIT)
            parts = (data, None) if at < 0 else (data[:at], data[at + len(_SPLIT) :])
            if len(_SPLIT_BODIES) >= _SPLIT_MAX:
                _SPLIT_BODIES.clear()
            _SPLIT_BODIES[digest] = parts
        head, tail = parts
        pieces = (head,) if tail is None else (head, _json_string(requested), tail)
        return pieces, f'"{digest}-{requested or "none"}"'


@dataclass(frozen=True)
class PreparedPage:
    json: JsonBody
    html: Body
    fragment: Body  # the article with its own styles (`assets.embed`)
    language: str
    made: Made | None = None  # what makes the bodies above, when they are made when asked for
