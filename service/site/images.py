"""A page's images in a locale, as a record is made: each reference to a file of
`source_content/assets/` resolved along the locale's chain (`spacer.pt-BR.png`, `spacer.pt.png`,
`spacer.png`), its bytes kept in the build cache's pack beside the page's snapshot, and what
`check` reports about the rest: a missing file, a reference out of the folder, a type that is not
served. The page is served all the same; an image that names no file is shown as its alt text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from service.content.assets import (
    BadImage,
    Found,
    asset_name,
    assets_dir,
    find_image,
    served_name,
    variants,
)
from service.content.parser import markdown
from service.core.config import Config
from service.core.models import SOURCE_LOCALE, Page
from service.quality.checks import Severity
from service.site.build import Pack
from service.site.findings import FileFinding
from service.site.index import ImageEntry

__all__ = ["IMAGE_CHECK", "ImageResolver", "Placed", "image_sources"]

IMAGE_CHECK = "image"


def image_sources(page: Page) -> list[tuple[int, str]]:
    """Every image of the page's body in order, as (line in its file, source): in text, alone on
    a line, through a reference definition, and in blocks with no words (no segment)."""
    if "![" not in page.body:
        return []  # every image starts so: most pages are not parsed again
    env: dict[str, object] = {}
    found = []
    for token in markdown().parse(page.body, env):
        for child in token.children or ():
            if child.type == "image":
                line = page.body_line + (token.map[0] if token.map else 0)
                found.append((line, str(child.attrGet("src") or "")))
    return found


@dataclass(frozen=True)
class Placed:
    """A page's images in one locale: the served name of each source that names a file, and the
    entries (served name, bytes) the site serves them from."""

    names: tuple[tuple[str, str], ...]  # (source as written, served name)
    entries: tuple[ImageEntry, ...]


@dataclass
class ImageResolver:
    """Resolves the images of the pages one build run makes: each file is read once, and its
    bytes are added to the run's pack once."""

    config: Config
    pack: Pack
    folder: Path = field(init=False)
    _read: dict[str, Found | BadImage | None] = field(default_factory=dict)
    _kept: dict[str, ImageEntry] = field(default_factory=dict)  # by served name
    _sources: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # by id of a Page

    def __post_init__(self) -> None:
        self.folder = assets_dir(self.config.root)

    def _file(self, name: str) -> Found | BadImage | None:
        if name not in self._read:
            self._read[name] = find_image(self.folder, name)
        return self._read[name]

    def _sources_of(self, page: Page) -> list[tuple[int, str]]:
        if id(page) not in self._sources:
            self._sources[id(page)] = image_sources(page)
        return self._sources[id(page)]

    def _tags(self, locale: str) -> list[str]:
        chain = self.config.chain(locale) if locale != SOURCE_LOCALE else ()
        return [tag for tag in chain if tag != SOURCE_LOCALE]

    def _resolve(
        self, src: str, locale: str, known: frozenset[str]
    ) -> Iterator[tuple[Found | None, str]]:
        """The file a source shows in `locale` (None: none), after each problem on the way."""
        name = asset_name(src)
        if name is None:
            return
        if isinstance(name, BadImage):
            yield None, name.reason
            return
        if name not in known:
            yield None, "is written with escapes or entities; write the file name as it is"
            return
        for each in variants(name, self._tags(locale)):
            got = self._file(each)
            if isinstance(got, Found):
                yield got, ""
                return
            if isinstance(got, BadImage):
                yield None, f"uses source_content/assets/{each}, which {got.reason}"
        missing = self._file(name) is None
        yield None, f"is missing: no file source_content/assets/{name}" if missing else ""

    def place(self, page: Page, locale: str, known: frozenset[str]) -> Placed:
        """The images of `page` in `locale`; `known`: the names its build key covers
        (`content.assets.names_in` of its file)."""
        names: dict[str, str] = {}
        entries: dict[str, ImageEntry] = {}
        for _, src in self._sources_of(page):
            for got, _why in self._resolve(src, locale, known):
                if got is not None:
                    entry = self._entry(got)
                    names[src] = entry.name
                    entries[entry.name] = entry
        return Placed(tuple(names.items()), tuple(entries.values()))

    def _entry(self, found: Found) -> ImageEntry:
        name = served_name(found.name, found.data)
        if name not in self._kept:
            self._kept[name] = ImageEntry(name, found.media_type, self.pack.add(found.data))
        return self._kept[name]

    def problems(self, page: Page, known: frozenset[str]) -> list[FileFinding]:
        """What `check` reports about the images of `page`, in every locale, each once."""
        path = self.config.rel(page.path)
        found: dict[tuple[int, str], None] = {}
        for line, src in self._sources_of(page):
            for locale in self.config.all_locales:
                for got, why in self._resolve(src, locale, known):
                    if got is None and why:  # a variant's problem names the variant's file
                        found.setdefault((line, f"image {src!r} {why}"), None)
        return [
            FileFinding(path, line, Severity.ERROR, IMAGE_CHECK, message) for line, message in found
        ]
