"""The release store: every byte ever published, kept by content, and the chain of releases.

    objects/ab/cdef…     each file of every release, once, named by its SHA-256 (a manifest too)
    CURRENT              {"seq": N, "id": SHA-256 of the release in service}, replaced atomically
    withdrawals.jsonl    what was withdrawn, when, by whom and why (one JSON object per line)
    .lock                held while a release is made: one publisher at a time

A release is a manifest (`Release`): every page's version in every locale (bodies, static-site
files, snapshot, by hash), the lists and the rest of the static site (`static`), who approved
what, the ledger heads and source commit, its time, and the release before it. Objects are
written before the manifest, the manifest before CURRENT, each atomically: a publish cut short
leaves the previous release in service, nothing half-made visible. Nothing is ever deleted.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

from service.core.errors import L10nError
from service.core.yamlfile import atomic_write

__all__ = [
    "FORMAT",
    "PageVersion",
    "Release",
    "ReleaseError",
    "ReleaseStore",
    "Withdrawal",
    "canonical",
]

FORMAT = "clinic-l10n release 1"
_FSYNC_AT_MOST = 64  # objects flushed one by one; more are flushed by one sync
_RELEASES_KEPT = 4
BODIES = ("json", "html", "fragment")
_Review = tuple[str, str, str, str, str]  # (segment, locale, reviewer, role, at)


class ReleaseError(L10nError):
    """A release store that cannot be read or written as asked."""


def canonical(data: object) -> bytes:
    """JSON with sorted keys and no spaces: one spelling per value, so one hash."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class PageVersion:
    """A page in one locale as published: its bodies and snapshot by hash, what lists show of it,
    the build key of the files it was made from, when this version was first published, and its
    files of the release's static site (`static.version_files`), by path."""

    json: str
    html: str
    fragment: str
    snapshot: str
    title: str | None
    title_locale: str
    complete: bool
    withheld: int
    key: str
    since: str
    translated: int = 0  # parts read in a language other than English (`translated_parts`)
    parts: int = 0  # of the page: whether it is listed in its locale (`site.listing`)
    listed: tuple[str, ...] = ()  # the locales the page is listed in, which its document links
    images: tuple[tuple[str, str, str], ...] = ()  # (served name, media type, SHA-256) it shows
    reviews: tuple[_Review, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (path in the static site, SHA-256)
    messages: int | None = None  # of the page; None: made before versions counted them
    served: int | None = None  # of them, in its locale (`served_keys`): `/v1/locales`' share

    def body(self, kind: str) -> str:
        return str(getattr(self, kind))

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> PageVersion:
        fields = dict(data)
        fields["reviews"] = tuple(tuple(r) for r in fields.get("reviews", ()))
        fields["listed"] = tuple(fields.get("listed", ()))
        fields["images"] = tuple(tuple(i) for i in fields.get("images", ()))
        fields["files"] = tuple(tuple(f) for f in fields.get("files", ()))
        fields.pop("view", None)  # a body kept until releases held their static files
        return cls(**fields)


@dataclass(frozen=True)
class Withdrawal:
    """Text stopped at once: a page, a page in one locale, or one segment (in one locale or all),
    until it is lifted; a segment's holds for that wording (its id is made from its English)."""

    number: int
    at: str
    by: str
    reason: str
    page: str
    locale: str | None = None
    segment: str | None = None
    lifts: int | None = None  # the number of the withdrawal this one lifts


@dataclass(frozen=True)
class Release:
    seq: int
    created: str
    kind: str  # publish, withdraw, rollback
    reason: str
    by: str
    previous: str | None
    code: str
    source_commit: str | None
    ledgers: Mapping[str, tuple[str, int]]  # path -> (head, events)
    pages: Mapping[str, Mapping[str, PageVersion]]  # slug -> locale -> version
    seen: Mapping[str, str]  # "slug locale" -> the build key last considered for publishing
    withdrawals: tuple[int, ...] = ()  # the withdrawals in force
    files: Mapping[str, str] = field(default_factory=dict)  # the lists and index page, by name
    # The static site (`static`): made with this base URL (None: relative links, no sitemap) and
    # these ui strings of each locale's document header; its files besides the page versions'.
    base_url: str | None = None
    chrome: Mapping[str, str] = field(default_factory=dict)
    static: Mapping[str, str] = field(default_factory=dict)  # path -> SHA-256
    id: str = field(default="", compare=False)

    def manifest(self) -> tuple[bytes, dict[str, bytes]]:
        """The release as kept: a manifest naming one object per page (its versions, the
        ledgers of its locales and what was considered of it), and those objects by name. A
        release that changes one page adds that page's object and a manifest, no more."""
        domains: dict[str, dict[str, Any]] = {}

        def domain(slug: str) -> dict[str, Any]:
            return domains.setdefault(slug, {"versions": {}, "ledgers": {}, "seen": {}})

        for slug, locs in self.pages.items():
            domain(slug)["versions"] = {loc: _fields(v) for loc, v in locs.items()}
        for path, (last, count) in self.ledgers.items():
            domain(PurePosixPath(path).stem)["ledgers"][path] = [last, count]
        for at, key in self.seen.items():
            slug, _, loc = at.rpartition(" ")
            domain(slug)["seen"][loc] = key
        objects: dict[str, bytes] = {}
        names: dict[str, str] = {}
        for slug, found in domains.items():
            raw = canonical(found)
            sha = hashlib.sha256(raw).hexdigest()
            objects[sha], names[slug] = raw, sha
        head: dict[str, Any] = {
            "format": FORMAT,
            **{
                k: v
                for k, v in _fields(self).items()
                if k not in ("id", "pages", "ledgers", "seen")
            },
            "domains": names,
        }
        return canonical(head), objects

    @classmethod
    def read(cls, raw: bytes, ident: str, get: Callable[[str], bytes]) -> Release:
        """The release whose manifest is `raw`, its page objects read with `get`."""
        try:
            data = json.loads(raw)
            if data.pop("format") != FORMAT:
                raise ValueError("another format")
            pages: dict[str, dict[str, PageVersion]] = {}
            ledgers: dict[str, tuple[str, int]] = {}
            seen: dict[str, str] = {}
            for slug, sha in data.pop("domains").items():
                found = _domain(get, sha)
                if found.versions:
                    pages[slug] = dict(found.versions)
                ledgers.update(found.ledgers)
                seen.update((f"{slug} {loc}", key) for loc, key in found.seen)
            data["withdrawals"] = tuple(data["withdrawals"])
            return cls(**data, pages=pages, ledgers=ledgers, seen=seen, id=ident)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReleaseError(f"release {ident[:12]} cannot be read: {exc}") from exc


def _fields(data: PageVersion | Release) -> dict[str, Any]:
    """A dataclass's fields by name, as `asdict` gives them without its deep copy: `canonical`
    writes a tuple and a mapping nested in them the same either way (and asdict's copy of every
    review of every page was most of what writing a manifest cost)."""
    return {f.name: getattr(data, f.name) for f in fields(data)}


@dataclass(frozen=True)
class _Domain:
    """A page object of a release, read: its versions, its ledgers' heads, what was considered."""

    versions: Mapping[str, PageVersion]
    ledgers: tuple[tuple[str, tuple[str, int]], ...]
    seen: tuple[tuple[str, str], ...]


_DOMAINS: OrderedDict[str, _Domain] = OrderedDict()  # the last read, by name: objects never change
_DOMAINS_KEPT = 4096
_DOMAINS_LOCK = threading.Lock()


def _domain(get: Callable[[str], bytes], sha: str) -> _Domain:
    """A page object of a release, read once however many releases name it (a release that
    changes one page shares every other page's object, and its versions, with the one before)."""
    with _DOMAINS_LOCK:
        found = _DOMAINS.get(sha)
        if found is not None:
            _DOMAINS.move_to_end(sha)
            return found
    data = json.loads(get(sha))
    found = _Domain(
        {loc: PageVersion.of(v) for loc, v in data["versions"].items()},
        tuple((p, (h, int(n))) for p, (h, n) in data["ledgers"].items()),
        tuple(data["seen"].items()),
    )
    with _DOMAINS_LOCK:
        _DOMAINS[sha] = found
        while len(_DOMAINS) > _DOMAINS_KEPT:
            _DOMAINS.popitem(last=False)
    return found


class ReleaseStore:
    """A release store folder (see the module's docstring)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._unflushed: list[str] = []  # objects written since the last `flush`
        self._read: OrderedDict[str, Release] = OrderedDict()  # the last releases read, by id

    def _object(self, sha: str) -> Path:
        if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
            raise ReleaseError(f"not an object name: {sha!r}")
        return self.folder / "objects" / sha[:2] / sha[2:]

    def put(self, data: bytes) -> str:
        """Keep `data` (once) and return its name. The file is written whole (a temporary file,
        renamed), and reaches the disk at the latest at the next `flush`, which `commit` calls
        before a manifest names it. A file of another size under its name (cut short by a crash
        before it was flushed) is written again."""
        sha = hashlib.sha256(data).hexdigest()
        folder = f"{self.folder}/objects/{sha[:2]}"
        path, flags = f"{folder}/{sha[2:]}", os.O_WRONLY | os.O_CREAT | os.O_EXCL
        with suppress(FileNotFoundError):
            if os.stat(path).st_size == len(data):
                return sha
        tmp = f"{folder}/.{sha[2:]}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            try:  # 0o666 less the umask, as any new file (mkstemp's would be the owner's only)
                fd = os.open(tmp, flags, 0o666)
            except FileNotFoundError:  # the folder's first object
                os.makedirs(folder, exist_ok=True)
                fd = os.open(tmp, flags, 0o666)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._unflushed.append(path)
        return sha

    def flush(self) -> None:
        """Make the objects written since the last flush durable: each fsynced when they are
        few, else one `sync` of the system (a first release writes tens of thousands of objects,
        one fsync each took most of its time)."""
        written, self._unflushed = self._unflushed, []
        if len(written) > _FSYNC_AT_MOST:
            os.sync()
            return
        for path in written:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def get(self, sha: str) -> bytes:
        """The object `sha`, checked against its name."""
        path = self._object(sha)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReleaseError(f"{path}: {exc.strerror or exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise ReleaseError(f"{path}: its bytes no longer match its name")
        return data

    def has(self, sha: str) -> bool:
        return self._object(sha).exists()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One publisher at a time (flock: released if the process dies)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            try:
                self.flush()  # what was written and not committed may be named by the next release
            finally:
                os.close(fd)

    def head(self) -> tuple[int, str] | None:
        """(seq, id) of the release in service, None before the first."""
        try:
            data = json.loads((self.folder / "CURRENT").read_bytes())
            return int(data["seq"]), str(data["id"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise ReleaseError(f"{self.folder / 'CURRENT'}: cannot be read: {exc}") from exc

    def release(self, ident: str) -> Release:
        """The release `ident` (immutable, named by its manifest: the last few read are kept)."""
        return self._read.get(ident) or self._keep(Release.read(self.get(ident), ident, self.get))

    def _keep(self, release: Release) -> Release:
        self._read[release.id] = release
        self._read.move_to_end(release.id)
        while len(self._read) > _RELEASES_KEPT:
            self._read.popitem(last=False)
        return release

    def current(self) -> Release | None:
        found = self.head()
        return None if found is None else self.release(found[1])

    def commit(self, release: Release) -> Release:
        """Keep `release` and put it in service (its objects must be kept already); read back
        from the objects just made, not from the disk (the same bytes)."""
        raw, objects = release.manifest()
        ident = self.install(raw, objects, release.seq)
        return self._keep(Release.read(raw, ident, lambda sha: objects.get(sha) or self.get(sha)))

    def install(self, raw: bytes, objects: Mapping[str, bytes], seq: int) -> str:
        """Keep a manifest `raw` (`Release.manifest`) and its page `objects`, and put release
        `seq` in service; its name."""
        for data in objects.values():
            self.put(data)
        ident = self.put(raw)
        self.flush()
        atomic_write(self.folder / "CURRENT", canonical({"seq": seq, "id": ident}) + b"\n")
        return ident

    def manifest_of(self, ident: str) -> dict[str, Any]:
        """The manifest of release `ident` as kept, its page objects named, not read."""
        data = json.loads(self.get(ident))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ReleaseError(f"release {ident[:12]} cannot be read: another format")
        return data

    def page_object(
        self, sha: str
    ) -> tuple[Mapping[str, PageVersion], dict[str, tuple[str, int]], dict[str, str]]:
        """A page object (`Release.manifest`): its versions, ledgers' heads, what was considered."""
        found = _domain(self.get, sha)
        return found.versions, dict(found.ledgers), dict(found.seen)

    def chain(self) -> Iterator[Release]:
        """Every release, the one in service first, then each before it."""
        found = self.head()
        ident = found[1] if found else None
        while ident is not None:
            release = self.release(ident)
            yield release
            ident = release.previous

    def withdrawals(self) -> list[Withdrawal]:
        path = self.folder / "withdrawals.jsonl"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for number, line in enumerate(lines, start=1):
            try:
                found.append(Withdrawal(**json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise ReleaseError(f"{path}:{number}: not a withdrawal: {exc}") from exc
        return found

    def record_withdrawal(self, withdrawal: Withdrawal) -> None:
        """Append `withdrawal` (under `lock`)."""
        path = self.folder / "withdrawals.jsonl"
        with open(path, "ab") as fh:
            fh.write(canonical(asdict(withdrawal)) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
