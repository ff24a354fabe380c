"""The keys of the build cache: what a page in a locale is made from, hashed.

A page in a locale is made from the bytes of a few files: the page, the catalog and ledger of each
locale of its chain (and English), the ui strings of the same chain, the config, the image files its
source names (in every locale's variant, present or not), and this code. Their
SHA-256s, hashed together with the layouts of what the cache holds (`INDEX_VERSION`,
`SNAPSHOT_VERSION`), are its *key*: new files, new code or a new layout, a new key. So a start or a
reload makes again only what has a new key.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from service.content.assets import assets_dir, files_of, names_in
from service.core.config import CONFIG_NAME, Config
from service.core.errors import ContentError
from service.core.files import PAGE_MAX_BYTES, Signature, read_text, signature, signature_of
from service.core.models import SOURCE_LOCALE, UI_DOMAIN
from service.site.index import INDEX_VERSION, Ref
from service.site.snapshot import SNAPSHOT_VERSION

__all__ = ["Inputs", "Layout", "code_version", "digest", "page_keys"]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of this package's code and templates: new code, new keys."""
    here = Path(__file__).parents[1]  # the whole package, not only site/
    h = hashlib.sha256()
    for path in sorted(p for p in here.rglob("*") if p.suffix in (".py", ".html", ".css", ".js")):
        h.update(str(path.relative_to(here)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def digest(path: str | Path) -> str:
    """What is at `path` now, as `Inputs` would hash it."""
    return _digest(str(path))[1]


def _digest(path: str) -> tuple[Signature, str]:
    """A file's signature and a hash of what is there: its bytes for a regular file, else what it
    is (a FIFO is never opened)."""
    try:
        st = os.stat(path)
    except OSError:
        return None, "absent"
    sig = signature_of(st)
    if not stat.S_ISREG(st.st_mode):
        return sig, f"special:{stat.S_IFMT(st.st_mode)}"
    try:
        with open(path, "rb") as f:
            return sig, hashlib.sha256(f.read()).hexdigest()
    except OSError as exc:
        return sig, f"unreadable:{exc.errno}"


@dataclass
class Inputs:
    """Every input file's signature (time, size, inode) and content hash, by path; `refresh`
    hashes again only files whose signature changed."""

    files: dict[str, tuple[Signature, str]] = field(default_factory=dict)

    def get(self, path: str) -> str:
        found = self.files.get(path)
        if found is None:
            found = self.files[path] = _digest(path)
        return found[1]

    def refresh(self, paths: Iterable[str]) -> set[str]:
        """Look at `paths` again; returns those whose content hash changed (or that are new)."""
        changed = set()
        for path in paths:
            old = self.files.get(path)
            sig = signature(path)
            if old is not None and old[0] == sig:
                continue
            new = _digest(path)
            self.files[path] = new
            if old is None or old[1] != new[1]:
                changed.add(path)
        return changed


def chain_of(config: Config, locale: str) -> tuple[str, ...]:
    """The locales a page in `locale` reads: its chain, then English."""
    chain = config.chain(locale) if locale != SOURCE_LOCALE else (SOURCE_LOCALE,)
    return tuple(dict.fromkeys((*chain, SOURCE_LOCALE)))


File = tuple[str, str]  # a path, and as messages show it (relative to the tree)


class Layout:
    """Where a config's files are, worked out once: at a thousand pages, building paths one by
    one would be most of the time a warm start takes."""

    def __init__(self, config: Config):
        self.config = config
        self.chains = {loc: chain_of(config, loc) for loc in config.all_locales}
        self.folders: dict[tuple[str, str], File] = {}
        for loc in config.all_locales:
            for kind, path in (
                ("po", config.catalog_path(loc, "x")),
                ("yaml", config.ledger_path(loc, "x")),
            ):
                self.folders[(kind, loc)] = (str(path.parent), config.rel(path.parent))
        self.config_file = self._file(config.root / CONFIG_NAME)
        self.ui_source = self._file(config.ui_source)
        self.pages = (str(config.pages_dir), config.rel(config.pages_dir))
        self.assets_dir = assets_dir(config.root)
        # the locale tags an image's variants are named with, each once (`assets.variants`)
        self.tags = tuple(
            dict.fromkeys(t for c in self.chains.values() for t in c if t != SOURCE_LOCALE)
        )
        self._images: dict[str, tuple[frozenset[str], list[File]]] = {}

    def _file(self, path: Path) -> File:
        return str(path), self.config.rel(path)

    def _in(self, kind: str, loc: str, domain: str) -> File:
        folder, shown = self.folders[(kind, loc)]
        return f"{folder}/{domain}.{kind}", f"{shown}/{domain}.{kind}"

    def own_files(self, domain: str, loc: str) -> list[File]:
        """The catalog (not for English) and ledger of `domain` in `loc` itself."""
        ledger = self._in("yaml", loc, domain)
        return [ledger] if loc == SOURCE_LOCALE else [self._in("po", loc, domain), ledger]

    def source(self, slug: str) -> File:
        if slug == UI_DOMAIN:
            return self.ui_source
        folder, shown = self.pages
        return f"{folder}/{slug}.md", f"{shown}/{slug}.md"

    def page_files(self, slug: str, locale: str) -> list[File]:
        """Every file a page (or, with slug `ui`, the ui domain) in `locale` is made from: the
        config, its source, its catalog and ledger in each locale of the chain, and (for a page)
        the ui strings' source, catalogs and ledgers of the same chain, and its image files."""
        files = [self.config_file, self.source(slug)]
        for loc in self.chains[locale]:
            files += self.own_files(slug, loc)
        if slug != UI_DOMAIN:
            files.append(self.ui_source)
            for loc in self.chains[locale]:
                files += self.own_files(UI_DOMAIN, loc)
            files += self.image_files(slug)
        return files

    def image_names(self, slug: str) -> frozenset[str]:
        """The image names the page's file holds (`assets.names_in`), read once per layout: the
        only images its records resolve."""
        return self._image_deps(slug)[0]

    def image_files(self, slug: str) -> list[File]:
        """Every file the page's images may be read from: each name in each locale's variant."""
        return self._image_deps(slug)[1]

    def _image_deps(self, slug: str) -> tuple[frozenset[str], list[File]]:
        found = self._images.get(slug)
        if found is None:
            path = Path(self.source(slug)[0])
            try:
                names = names_in(read_text(path, str(path), ContentError, PAGE_MAX_BYTES))
            except ContentError:
                names = frozenset()  # unreadable: its last good copy shows its images' alt text
            files = [self._file(p) for p in files_of(self.assets_dir, names, self.tags)]
            found = self._images[slug] = (names, files)
        return found


def page_keys(
    layout: Layout, inputs: Inputs, slugs: Iterable[str], good: Mapping[str, Ref]
) -> dict[tuple[str, str], str]:
    """The key of every (slug, locale): the hash of the hashes of its files (and of the last good
    copy it would use in place of a file that is not good now), in `page_files` order."""

    def part(file: File) -> str:
        path, rel = file
        now = inputs.get(path)
        kept = good.get(rel)
        instead = kept.sha256 if kept and kept.sha256 != now else ""
        return f"\0{rel}\0{now}\0{instead}"

    locales = layout.config.all_locales
    head = f"{INDEX_VERSION}\0{SNAPSHOT_VERSION}\0{code_version()}"
    shared = part(layout.config_file)
    ui_source = part(layout.ui_source)
    ui_own = {loc: "".join(map(part, layout.own_files(UI_DOMAIN, loc))) for loc in locales}
    keys = {}
    for slug in slugs:
        source = part(layout.source(slug))
        if slug != UI_DOMAIN:
            source += "".join(map(part, layout.image_files(slug)))
        own = {loc: "".join(map(part, layout.own_files(slug, loc))) for loc in locales}
        for loc in locales:
            chain = layout.chains[loc]
            text = f"{head}\0{slug}\0{loc}{shared}{source}" + "".join(own[c] for c in chain)
            if slug != UI_DOMAIN:
                text += ui_source + "".join(ui_own[c] for c in chain)
            keys[(slug, loc)] = hashlib.sha256(text.encode()).hexdigest()
    return keys
