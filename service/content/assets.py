"""A page's images: which file under `source_content/assets/` an image reference names, the
localized variant a locale uses, and the file's served name (`<stem>.<sha256 prefix>.<ext>`).

A reference is a plain relative path (`spacer.png`, `assets/spacer.png`, `../assets/spacer.png`,
`diagrams/spacer.png`) inside the assets folder, to a PNG, JPEG, GIF or WebP file whose first bytes
say it is one. SVG is refused: it can carry script, and an export is served by web servers that
would send it without the CSP that keeps script out. An `https://` (or any other scheme's) image
is left as the author wrote it.

`names_in(text)` finds every name a page could resolve without parsing it, so that the build
cache's key of a page can name the files it depends on (`site.keys.Layout`): an image is resolved
only if its name is one of those, so nothing a page shows is left out of its key.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.core.errors import ContentError
from service.core.files import read_bytes

__all__ = [
    "ASSETS_FOLDER",
    "MAX_IMAGE_BYTES",
    "MEDIA_TYPES",
    "BadImage",
    "Found",
    "asset_name",
    "assets_dir",
    "files_of",
    "find_image",
    "names_in",
    "served_name",
    "variants",
]

ASSETS_FOLDER = "assets"  # under source_content/

# The image types every browser shows and none runs script from, with their first bytes (the
# signatures of the PNG spec 5.2, JPEG's SOI marker and the next marker's 0xFF, GIF87a/89a, and
# RIFF....WEBP of Google's WebP container spec).
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
# any one of, each of its parts at its offset
_MAGIC: dict[str, tuple[tuple[tuple[int, bytes], ...], ...]] = {
    "image/png": (((0, b"\x89PNG\r\n\x1a\n"),),),
    "image/jpeg": (((0, b"\xff\xd8\xff"),),),
    "image/gif": (((0, b"GIF87a"),), ((0, b"GIF89a"),)),
    "image/webp": (((0, b"RIFF"), (8, b"WEBP")),),
}
_KIND = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}

# A phone photo is 2-5 MB; past this an image costs patients on slow connections more than it
# says, and every build holds the page's images in memory while it makes the page.
MAX_IMAGE_BYTES = 5 * 1024 * 1024

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NAME = re.compile(r"[A-Za-z0-9._/-]+")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-")
_EXTENSION = re.compile(r"\.(?:png|jpe?g|gif|webp)", re.IGNORECASE)
_ENDINGS = tuple(f".{ext}" for ext in MEDIA_TYPES)
_PREFIXES = ("../assets/", "assets/")


@dataclass(frozen=True)
class BadImage:
    """Why a reference names no image that may be served."""

    reason: str


@dataclass(frozen=True)
class Found:
    """An image file: its name under the assets folder, its bytes and their media type."""

    name: str
    data: bytes
    media_type: str


def assets_dir(root: Path) -> Path:
    return root / "source_content" / ASSETS_FOLDER


def asset_name(src: str) -> str | BadImage | None:
    """The file under the assets folder that an image's source names; None for an image
    elsewhere (a scheme, or `//host/`), left as it is.

    >>> asset_name("./assets/spacer.png"), asset_name("https://a.example/x.png")
    ('spacer.png', None)
    >>> asset_name("../../etc/passwd").reason
    'points outside source_content/assets/'
    >>> asset_name("chart.svg").reason[:30]
    'an SVG image can carry script '
    """
    if _SCHEME.match(src) or src.startswith("//"):
        return None
    if not src:
        return BadImage("has no file name")
    if src.startswith("/"):
        return BadImage("is an absolute path; name a file under source_content/assets/")
    if not _NAME.fullmatch(src):
        return BadImage(
            "has characters other than ASCII letters, digits, '.', '_', '-' and '/' "
            "(rename the file)"
        )
    return _named(posixpath.normpath(src))


def _named(path: str) -> str | BadImage:
    path = next((path[len(p) :] for p in _PREFIXES if path.startswith(p)), path)
    if path in (".", "..") or path.startswith("../"):
        return BadImage("points outside source_content/assets/")
    ext = posixpath.splitext(path)[1][1:].lower()
    if ext == "svg":
        return BadImage("an SVG image can carry script and is not served; export it as PNG or WebP")
    if ext not in MEDIA_TYPES:
        return BadImage(f"is not a PNG, JPEG, GIF or WebP file name (.{ext or '?'})")
    return path


def names_in(text: str) -> frozenset[str]:
    """Every asset name `text` could make `asset_name` return: each whole run of name
    characters that ends in an image extension, as `asset_name` reads it (an image's source
    as written is such a run, unless written with escapes or entities, which are not resolved).
    Linear in the text: a run is read once, however many extensions it holds.

    >>> sorted(names_in("![a](assets/x.png) [s]: ./d/y.JPG 'T' ../z.gif b.png.bak c.png.gif"))
    ['c.png.gif', 'd/y.JPG', 'x.png']
    """
    runs = set()
    end = 0
    for ext in _EXTENSION.finditer(text):
        if ext.start() < end:
            continue  # in the run read last
        start = ext.start()
        while start > end and text[start - 1] in _NAME_CHARS:
            start -= 1
        run = _NAME.match(text, ext.start())
        end = run.end() if run else ext.end()
        runs.add(text[start:end])
    names = (asset_name(run) for run in runs if run.lower().endswith(_ENDINGS))
    return frozenset(name for name in names if isinstance(name, str))


def variants(name: str, tags: Sequence[str]) -> list[str]:
    """The files a locale whose chain is `tags` (best first, English left out) looks for, in
    order: the name with each tag before its extension, then the name itself.

    >>> variants("d/spacer.png", ["pt-BR", "pt"])
    ['d/spacer.pt-BR.png', 'd/spacer.pt.png', 'd/spacer.png']
    """
    stem, ext = posixpath.splitext(name)
    return [f"{stem}.{tag}{ext}" for tag in tags] + [name]


def served_name(name: str, data: bytes) -> str:
    """The name a file is served and exported under: its content's hash before its extension.

    >>> served_name("d/spacer.es.png", b"x")
    'd/spacer.es.2d711642b726.png'
    """
    stem, ext = posixpath.splitext(name)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}{ext}"


def find_image(folder: Path, name: str) -> Found | BadImage | None:
    """The image `name` under `folder` (the assets folder), None when no file is there; BadImage
    for what may not be served: a link out of the folder, something other than a regular file,
    an unreadable or oversized file, or bytes that are not the image type its extension says."""
    path = folder / name
    try:
        path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return BadImage(f"cannot be read ({exc.strerror})")
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        return BadImage("is a link to a file outside source_content/assets/")
    try:
        data = read_bytes(path, name, ContentError, MAX_IMAGE_BYTES)
    except ContentError as exc:
        return BadImage(f"cannot be served: {exc.message}")
    media = MEDIA_TYPES[posixpath.splitext(name)[1][1:].lower()]
    if not any(all(data[at : at + len(m)] == m for at, m in one) for one in _MAGIC[media]):
        return BadImage(f"is not a {_KIND[media]} image (its first bytes say otherwise)")
    return Found(name, data, media)


def files_of(folder: Path, names: Iterable[str], tags: Sequence[str]) -> list[Path]:
    """Every file the images `names` may be read from, for locales with `tags`."""
    return [folder / each for name in sorted(names) for each in variants(name, tags)]
