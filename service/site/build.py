"""The build cache: every page in every locale prepared once per set of inputs, and kept on disk.

A page in a locale is made from the bytes of a few files: the page, the catalog and ledger of each
locale of its chain (and English), the ui strings of the same chain, the config, and this code. Their
SHA-256s, hashed together, are its *key*. What was made from a key (its bodies and view, its list entry,
coverage row and findings) is a *record*; the bodies go into *packs*, one file per build run, each
body named by its pack, place and SHA-256 and checked against it when read. `index.json` holds the
records in service by key, with the SHA-256 of every body (what a release to static hosting would
publish). So a start or a reload makes again only what has a new key, and servers over one cache
folder take turns to build and share the work.

The cache folder (`.build-cache/` in the content tree unless `CLINIC_L10N_CACHE` says otherwise) can
be deleted at any time; it is made again. When it cannot be written (a read-only tree), packs are
kept in memory instead.

Last good versions: each file that loads is copied into the pack of the run that read it, and the
index says where; when the file later fails to load, that copy is read in its place, and the failure
is reported.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from service.core.config import CONFIG_NAME, Config
from service.core.files import Signature, signature, signature_of
from service.core.models import SOURCE_LOCALE
from service.core.yamlfile import atomic_write

__all__ = [
    "UI",
    "Cache",
    "Inputs",
    "Layout",
    "Pack",
    "Ref",
    "code_version",
    "default_cache_dir",
    "digest",
    "page_keys",
]

FORMAT = "2"  # the layout of records; a new one makes every key new
UI = "ui"


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of this package's code and templates: new code, new keys."""
    here = Path(__file__).parents[1]  # the whole package, not only site/
    h = hashlib.sha256()
    for path in sorted(p for p in here.rglob("*") if p.suffix in (".py", ".html", ".css", ".js")):
        h.update(str(path.relative_to(here)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def default_cache_dir(root: Path) -> Path:
    env = os.environ.get("CLINIC_L10N_CACHE")
    return Path(env) if env else root / ".build-cache"


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
        if slug == UI:
            return self.ui_source
        folder, shown = self.pages
        return f"{folder}/{slug}.md", f"{shown}/{slug}.md"

    def page_files(self, slug: str, locale: str) -> list[File]:
        """Every file a page (or, with slug `ui`, the ui domain) in `locale` is made from: the
        config, its source, its catalog and ledger in each locale of the chain, and (for a page)
        the ui strings' source, catalogs and ledgers of the same chain."""
        files = [self.config_file, self.source(slug)]
        for loc in self.chains[locale]:
            files += self.own_files(slug, loc)
        if slug != UI:
            files.append(self.ui_source)
            for loc in self.chains[locale]:
                files += self.own_files(UI, loc)
        return files


def page_keys(
    layout: Layout, inputs: Inputs, slugs: Iterable[str], good: Mapping[str, Ref]
) -> dict[tuple[str, str], str]:
    """The key of every (slug, locale): the hash of the hashes of its files (and of the last good
    copy it would use in place of a file that is not good now), in `page_files` order."""

    def part(file: File) -> str:
        path, rel = file
        now = inputs.get(path)
        kept = good.get(rel)
        instead = kept[3] if kept and kept[3] != now else ""
        return f"\0{rel}\0{now}\0{instead}"

    locales = layout.config.all_locales
    head = f"{FORMAT}\0{code_version()}"
    shared = part(layout.config_file)
    ui_source = part(layout.ui_source)
    ui_own = {loc: "".join(map(part, layout.own_files(UI, loc))) for loc in locales}
    keys = {}
    for slug in slugs:
        source = part(layout.source(slug))
        own = {loc: "".join(map(part, layout.own_files(slug, loc))) for loc in locales}
        for loc in locales:
            chain = layout.chains[loc]
            text = f"{head}\0{slug}\0{loc}{shared}{source}" + "".join(own[c] for c in chain)
            if slug != UI:
                text += ui_source + "".join(ui_own[c] for c in chain)
            keys[(slug, loc)] = hashlib.sha256(text.encode()).hexdigest()
    return keys


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


Ref = list[Any]  # [pack, offset, size, sha256]: bytes in a pack, checked when read


class Pack:
    """Bytes gathered by one builder and written as one file when it is done (at a thousand
    pages, one file per body would spend more time creating files than making bodies)."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.name = os.urandom(12).hex()
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> Ref:
        ref = [self.name, self.size, len(data), _sha(data)]
        self.parts.append(data)
        self.size += len(data)
        return ref

    def close(self) -> None:
        if self.parts:
            self.cache.keep_pack(self.name, b"".join(self.parts))


class Cache:
    """Packs of bodies and last good inputs, and an index of records by key, in one folder; a
    bounded number of hot bodies in memory (`hot_bytes`)."""

    def __init__(self, folder: Path | None, hot_bytes: int = 64 << 20):
        self.folder = folder
        self.hot_bytes = hot_bytes
        self._hot: OrderedDict[str, bytes] = OrderedDict()
        self._hot_size = 0
        self._packs: dict[str, bytes] = {}  # packs, when there is no folder to keep them in
        self._index: dict[str, dict[str, Any]] | None = None
        self._index_seen: Signature = None  # the file the index was read from
        self._good: dict[str, Ref] = {}
        self._lock = threading.Lock()
        if folder is not None:
            try:
                (folder / "packs").mkdir(parents=True, exist_ok=True)
                probe = folder / f".probe-{os.getpid()}"
                probe.write_bytes(b"")
                probe.unlink()
            except OSError:
                self.folder = None

    def __reduce__(self) -> tuple[type[Cache], tuple[Path | None, int]]:
        # to a worker process: the folder, not what this process holds in memory
        return (Cache, (self.folder, self.hot_bytes))

    # packs -------------------------------------------------------------------------------------

    def keep_pack(self, name: str, data: bytes) -> None:
        if self.folder is None:
            self._packs[name] = data
        else:
            _write(self.folder / "packs" / name, data)

    def get(self, ref: Ref) -> bytes:
        """The bytes `ref` names, from memory if hot, else from their pack (checked)."""
        pack, offset, size, sha = ref
        with self._lock:
            data = self._hot.get(sha)
            if data is not None:
                self._hot.move_to_end(sha)
                return data
        if self.folder is None:
            data = self._packs[pack][offset : offset + size]
        else:
            with open(self.folder / "packs" / pack, "rb") as f:
                f.seek(offset)
                data = f.read(size)
        if _sha(data) != sha:
            raise OSError(f"build cache: {pack} at {offset} is not what was kept there")
        with self._lock:
            if sha not in self._hot and self.hot_bytes:
                self._hot[sha] = data
                self._hot_size += len(data)
                while self._hot_size > self.hot_bytes and len(self._hot) > 1:
                    _, old = self._hot.popitem(last=False)
                    self._hot_size -= len(old)
        return data

    # records -----------------------------------------------------------------------------------

    def _loaded_index(self) -> dict[str, dict[str, Any]]:
        if self._index is None:
            self._index, self._good = {}, {}
            self._index_seen = self._index_signature()
            if self.folder is not None:
                try:
                    found = json.loads((self.folder / "index.json").read_bytes())
                except (OSError, ValueError):
                    found = {}
                if isinstance(found, dict) and found.get("format") == FORMAT:
                    records, good = found.get("records"), found.get("good")
                    self._index = records if isinstance(records, dict) else {}
                    self._good = good if isinstance(good, dict) else {}
        return self._index

    def _index_signature(self) -> Signature:
        return None if self.folder is None else signature(self.folder / "index.json")

    def reread(self) -> None:
        """Forget the index read so far if another server has written it since."""
        if self._index_signature() != self._index_seen:
            self._index = None

    def record(self, key: str) -> dict[str, Any] | None:
        return self._loaded_index().get(key)

    def keep_records(self, records: Iterable[Mapping[str, Any]], good: Mapping[str, Ref]) -> None:
        """Add `records` to the index (dropping the keys no longer in service) and write it."""
        index = {r["key"]: dict(r) for r in records}
        self._index, self._good = index, dict(good)
        if self.folder is not None:
            data = {"format": FORMAT, "code": code_version(), "good": good, "records": index}
            atomic_write(
                self.folder / "index.json",
                json.dumps(data, ensure_ascii=False, sort_keys=True).encode(),
            )
            self._index_seen = self._index_signature()

    def stored_good(self) -> dict[str, Ref]:
        """Where the last good version of each input file is, as the index says."""
        self._loaded_index()
        return dict(self._good)

    # last good inputs ---------------------------------------------------------------------------

    def last_good(self, ref: Ref | None, filename: str) -> Path | None:
        """A file holding the last good version `ref` names (under its own name, which readers
        may check), or None when it is not kept."""
        if not ref:
            return None
        try:
            data = self.get(ref)
        except (OSError, KeyError, ValueError):
            return None
        folder = self.folder or Path(tempfile.gettempdir()) / "clinic-l10n-last-good"
        copy: Path = folder / "last-good" / str(ref[3]) / filename
        if not copy.is_file():
            _write(copy, data)
        return copy

    @contextmanager
    def building(self) -> Iterator[None]:
        """One builder at a time per cache folder (servers sharing it wait, then find the work
        done): an advisory lock on the folder."""
        if self.folder is None:
            yield
            return
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.reread()
            yield
        finally:
            os.close(fd)

    def prune(self, older_than: float = 3600) -> None:
        """Delete packs the index no longer names, and temp files left by killed builders, once
        they are `older_than` seconds old (another server may still be reading them)."""
        if self.folder is None:
            return
        used = {ref[0] for record in self._loaded_index().values() for ref in _refs(record)} | {
            ref[0] for ref in self.stored_good().values()
        }
        now = time.time()
        for path in [*(self.folder / "packs").iterdir(), *self.folder.glob(".*.tmp")]:
            try:
                if path.name not in used and now - path.stat().st_mtime > older_than:
                    path.unlink()
            except OSError:
                pass


def _refs(record: Mapping[str, Any]) -> Iterator[Ref]:
    if "state" in record:
        yield record["state"]


def _write(path: Path, data: bytes) -> None:
    """A cache file written whole or not at all (no fsync: a lost one is made again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
