"""A page's HTML document: its *view* (what the document shows besides its article and its own
links) rendered around the article with a set of `Links`.

`site` renders each page's document for the server when it makes the page's bodies, with its view;
publishing renders the same view and the same article again with the links of a release's static
site (`release.static`), the files an export copies. Neither resolves anything here: the text is
what the build served.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from service.core.locales import native_name
from service.core.models import SOURCE_LOCALE
from service.render.html import UiText, render_template
from service.render.links import Links

__all__ = ["View", "decode_view", "encode_view", "render_document"]

View = Mapping[str, object]


def _plain(value: object) -> Any:
    if isinstance(value, UiText):
        return {"$ui": [value.text, value.lang, value.locale]}
    if isinstance(value, Markup):
        return {"$html": str(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a page view holds {type(value).__name__}, which the cache cannot keep")


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if value.keys() == {"$ui"}:
            return UiText(*value["$ui"])
        if value.keys() == {"$html"}:
            return Markup(value["$html"])
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


def encode_view(view: View) -> bytes:
    """The view as JSON bytes, its ui strings and markup kept as such.

    >>> decode_view(encode_view({"title": UiText("Hola", None), "note": Markup("<b>x</b>")}))
    {'note': Markup('<b>x</b>'), 'title': UiText(text='Hola', lang=None, locale='')}
    """
    return json.dumps(_plain(view), ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode_view(data: bytes) -> dict[str, object]:
    found = _typed(json.loads(data))
    assert isinstance(found, dict)
    return found


def render_document(view: View, article: str, links: Links, locales: Sequence[str]) -> str:
    """page.html: the view, the article (as the page shows it: `assets.unembed` of a fragment),
    links to the page in each of `locales` (those it is listed in), its alternates and the
    stylesheet. A page not listed in its own locale (`view["locale"]`) names no alternates and
    is canonical to its English page: it is served when asked for, never advertised."""
    slug, locale = str(view["slug"]), view["locale"]
    listed = locale in locales
    return render_template(
        "page.html",
        {
            **view,
            "article": Markup(article),
            "languages": [
                {
                    "tag": tag,
                    "name": native_name(tag),
                    "url": links.page(slug, tag),
                    "current": tag == locale,
                }
                for tag in locales
            ],
            "alternates": links.alternates(slug, locales) if listed else [],
            "canonical": None if listed else links.canonical(slug),
            "english_html_url": links.page(slug, SOURCE_LOCALE),
            "stylesheet": links.stylesheet,
        },
    )
