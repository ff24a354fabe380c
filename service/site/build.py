"""The build cache: every page in every locale prepared once per set of inputs, and kept on disk.

What a page in a locale was made into, from the files its key names (`keys`), is a *record*
(`index`): its snapshot, list entry, coverage row and findings. Snapshots, bodies and copies of
input files go into *packs*, one file per build run, each named by its pack, place and SHA-256 and
checked against it when read. `index.json` holds the records in service by key, with the SHA-256 of
every snapshot. So a start or a reload makes again only what has a new key, and servers over one
cache folder take turns to build and share the work.

The cache folder (`.build-cache/` in the content tree unless `CLINIC_L10N_CACHE` says otherwise) can
be deleted at any time; it is made again. When it cannot be written (a read-only tree), packs are
kept in memory instead.

Last good versions: each file that loads is copied into the pack of the run that read it, and the
index says where; when the file later fails to load, that copy is read in its place, and the failure
is reported.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from service.core.files import Signature, signature
from service.core.yamlfile import atomic_write, folder_lock
from service.site.index import (
    Record,
    Ref,
    find_good,
    find_record,
    index_bytes,
    read_index,
    read_record,
)
from service.site.keys import code_version

__all__ = ["Cache", "Pack", "default_cache_dir"]


def default_cache_dir(root: Path) -> Path:
    env = os.environ.get("CLINIC_L10N_CACHE")
    return Path(env) if env else root / ".build-cache"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Pack:
    """Bytes gathered by one builder and written as one file when it is done (at a thousand
    pages, one file per body would spend more time creating files than making bodies)."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.name = os.urandom(12).hex()
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> Ref:
        ref = Ref(self.name, self.size, len(data), _sha(data))
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
        self._raw: dict[str, Any] | None = None  # the index's records as read, by key
        self._records: dict[str, Record] = {}  # those of them read as records (or kept) so far
        self._index_seen: Signature = None  # the file the index was read from
        self._good: dict[str, Ref] = {}
        self._bytes: bytes | None = None  # the index as read by `peek`, read in parts
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

    def _loaded_index(self) -> dict[str, Any]:
        if self._raw is None:
            self._raw, self._records, self._good = {}, {}, {}
            self._index_seen = self._index_signature()
            if self.folder is not None:
                with suppress(OSError):
                    self._raw, self._good = read_index((self.folder / "index.json").read_bytes())
        return self._raw

    def _index_signature(self) -> Signature:
        return None if self.folder is None else signature(self.folder / "index.json")

    def reread(self) -> None:
        """Forget the index read so far if another server has written it since."""
        if self._index_signature() != self._index_seen:
            self._raw, self._bytes = None, None

    def peek(self) -> None:
        """Read the index's records only when asked for, one at a time, and its last good
        versions only by path (`good_of`): a build of a few pages (`prepared.build_pages`) reads
        little of an index of thousands. A cache that peeked prunes nothing."""
        if self._raw is not None or self.folder is None:
            return
        seen = self._index_signature()
        with suppress(OSError):
            self._bytes = (self.folder / "index.json").read_bytes()
            self._raw, self._records, self._good, self._index_seen = {}, {}, {}, seen

    def good_of(self, paths: Iterable[str]) -> dict[str, Ref]:
        """Where the last good version of each of `paths` is kept, as the index says."""
        if self._bytes is not None:
            return find_good(self._bytes, paths)
        good = self.stored_good()
        return {path: good[path] for path in paths if path in good}

    def record(self, key: str) -> Record | None:
        """The record filed under `key`, if the index holds one of this layout."""
        raw = self._loaded_index()
        found = self._records.get(key)
        if found is None and self._bytes is not None and key not in raw:
            data = find_record(self._bytes, key)
            if data is not None:
                raw[key] = data
        if found is None and key in raw:
            found = read_record(raw.pop(key))  # held once, as read or as it was written
            if found is not None:
                self._records[key] = found
        return found

    def keep_records(self, records: Iterable[Record], good: Mapping[str, Ref]) -> None:
        """Make `records` the index (dropping the keys no longer in service) and write it."""
        kept = {r.key: r for r in records}
        self._raw, self._records, self._good, self._bytes = {}, kept, dict(good), None
        if self.folder is not None:
            data = index_bytes(kept.values(), good, code_version())
            atomic_write(self.folder / "index.json", data)
            self._index_seen = self._index_signature()

    def stored_good(self) -> dict[str, Ref]:
        """Where the last good version of each input file is, as the index says."""
        if self._bytes is not None:
            return read_index(self._bytes)[1]
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
        copy: Path = folder / "last-good" / ref.sha256 / filename
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
        with folder_lock(self.folder):
            self.reread()
            yield

    def prune(self, older_than: float = 3600) -> None:
        """Delete packs the index no longer names, and temp files left by killed builders, once
        they are `older_than` seconds old (another server may still be reading them)."""
        if self.folder is None or self._bytes is not None:
            return
        records = (self.record(key) for key in [*self._loaded_index(), *self._records])
        pages = [r.page for r in records if r is not None and r.page is not None]
        used = {ref.pack for page in pages for ref in (page.state, *(i.data for i in page.images))}
        used |= {ref.pack for ref in self._good.values()}
        now = time.time()
        for path in [*(self.folder / "packs").iterdir(), *self.folder.glob(".*.tmp")]:
            try:
                if path.name not in used and now - path.stat().st_mtime > older_than:
                    path.unlink()
            except OSError:
                pass


def _write(path: Path, data: bytes) -> None:
    """A cache file written whole or not at all (no fsync: a lost one is made again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
