"""The release store's own promises, at the level of its files: a manifest spells a release as
`dataclasses.asdict` would (so its hash, the release's name, does not depend on how it is made),
every object a release names is on the disk before the release is put in service, and an object
cut short is written again."""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from dataclasses import asdict, replace
from pathlib import Path

import pytest

import service.release.store as store_module
from service.release.store import PageVersion, Release, ReleaseStore, canonical


def _version(n: int, reviews: int) -> PageVersion:
    return PageVersion(
        json=f"{n:064x}",
        html=f"{n + 1:064x}",
        fragment=f"{n + 2:064x}",
        snapshot=f"{n + 4:064x}",
        title=None if n % 2 else f"Title {n} «ñ»",
        title_locale="es",
        complete=bool(n % 3),
        withheld=n % 2,
        key=f"key{n}",
        since="2026-12-07T10:00:00.000Z",
        translated=n,
        parts=17,
        listed=("en", "es") if n % 2 else (),
        images=(("spacer.es.png", "image/png", f"{n + 5:064x}"),) * (n % 2),
        files=(
            (f"es/page-{n}/index.html", f"{n + 3:064x}"),
            (f"es/page-{n}/index.json", f"{n + 6:064x}"),
        ),
        reviews=tuple(
            (f"s-{r}", "es", "Dr. Elena Muestra (fictional)", "linguistic", "2026-01-15T09:30:00Z")
            for r in range(reviews)
        ),
    )


def _release(pages: int, reviews: int) -> Release:
    return Release(
        seq=3,
        created="2026-12-07T10:00:00.000Z",
        kind="publish",
        reason="a reason",
        by="clinic-l10n",
        previous="ab" * 32,
        code="code",
        source_commit=None,
        ledgers={f"locales/es/reviews/page-{p}.yaml": ("cd" * 32, p) for p in range(pages)},
        pages={
            f"page-{p}": {loc: _version(p * 7 + i, reviews) for i, loc in enumerate(("en", "es"))}
            for p in range(pages)
        },
        seen={f"page-{p} {loc}": f"key-{p}-{loc}" for p in range(pages) for loc in ("en", "es")},
        withdrawals=(1, 4),
        files={"lists/es.json": "ef" * 32, "index.html": "01" * 32},
    )


def _manifest_by_asdict(release: Release) -> tuple[bytes, dict[str, bytes]]:
    """The manifest as the standard library's `asdict` spells each part (the judge)."""
    domains: dict[str, dict[str, object]] = {}
    for slug, locs in release.pages.items():
        domains[slug] = {
            "versions": {loc: asdict(v) for loc, v in locs.items()},
            "ledgers": {},
            "seen": {},
        }
    for path, (last, count) in release.ledgers.items():
        domains[Path(path).stem]["ledgers"][path] = [last, count]  # type: ignore[index]
    for at, key in release.seen.items():
        slug, _, loc = at.rpartition(" ")
        domains[slug]["seen"][loc] = key  # type: ignore[index]
    objects = {hashlib.sha256(canonical(d)).hexdigest(): canonical(d) for d in domains.values()}
    names = {slug: hashlib.sha256(canonical(d)).hexdigest() for slug, d in domains.items()}
    head = {
        "format": "clinic-l10n release 1",
        **{k: v for k, v in asdict(release).items() if k not in ("id", "pages", "ledgers", "seen")},
        "domains": names,
    }
    return canonical(head), objects


@pytest.mark.parametrize(("pages", "reviews"), [(1, 0), (1, 17), (3, 5), (40, 17)])
def test_a_manifest_is_spelled_as_asdict_spells_the_release(pages: int, reviews: int) -> None:
    release = _release(pages, reviews)
    assert release.manifest() == _manifest_by_asdict(release)


def test_a_release_reads_back_as_it_was_committed(tmp_path: Path) -> None:
    made = ReleaseStore(tmp_path).commit(_release(3, 5))  # read back from what it wrote
    assert made == _release(3, 5)
    from_disk = ReleaseStore(tmp_path).release(made.id)  # another store: read from the files
    assert from_disk == made and from_disk.id == made.id
    assert json.loads(ReleaseStore(tmp_path).get(made.id))["seq"] == 3


def test_a_release_read_again_is_not_read_from_the_disk_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ident = ReleaseStore(tmp_path).commit(_release(3, 5)).id
    monkeypatch.setattr(store_module, "_DOMAINS", OrderedDict())  # as in another process
    store = ReleaseStore(tmp_path)
    read: list[str] = []
    real = store.get
    monkeypatch.setattr(store, "get", lambda sha: read.append(sha) or real(sha))
    first = store.current()
    assert len(read) == 1 + 3  # the manifest and one object per page
    assert store.current() is first and store.release(ident) is first
    assert len(read) == 4
    assert ReleaseStore(tmp_path).current() == first  # another store: its page objects kept
    assert len(read) == 4


@pytest.mark.parametrize("objects", [1, 64, 65, 300])
def test_every_object_is_flushed_before_the_release_naming_it_is_in_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, objects: int
) -> None:
    """Whether flushed one by one (few) or by one sync (many): each object file written is
    fsynced, or a sync comes after it was written, before CURRENT is replaced."""
    events: list[tuple[str, str]] = []
    real_fsync, real_sync, real_replace = os.fsync, os.sync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def sync() -> None:
        events.append(("sync", ""))
        real_sync()

    def replace(src: str | Path, dst: str | Path) -> None:
        events.append(("replace", str(Path(dst).resolve())))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", sync)
    monkeypatch.setattr(os, "replace", replace)
    store = ReleaseStore(tmp_path)
    with store.lock():
        for n in range(objects):
            store.put(f"body {n}".encode())
        store.commit(_release(1, 1))
    current = events.index(("replace", str(tmp_path.resolve() / "CURRENT")))
    written = {path: i for i, (kind, path) in enumerate(events) if kind == "replace"}
    objects_written = {p: i for p, i in written.items() if "/objects/" in p}
    assert len(objects_written) == objects + 2  # the bodies, the page object and the manifest
    for path, at in objects_written.items():
        flushed = any(
            (kind == "fsync" and p == path) or kind == "sync"
            for kind, p in events[at + 1 : current]
        )
        assert flushed, path


@pytest.mark.parametrize("cut", [0, 1, 7])
def test_an_object_cut_short_is_written_again(tmp_path: Path, cut: int) -> None:
    store = ReleaseStore(tmp_path)
    data = b"the page's JSON, as served"
    sha = store.put(data)
    path = tmp_path / "objects" / sha[:2] / sha[2:]
    path.write_bytes(data[:cut])
    assert store.put(data) == sha
    assert store.get(sha) == data


def test_an_object_kept_is_not_written_again(tmp_path: Path) -> None:
    store = ReleaseStore(tmp_path)
    sha = store.put(b"once")
    path = tmp_path / "objects" / sha[:2] / sha[2:]
    before = path.stat().st_mtime_ns, path.stat().st_ino
    store.put(b"once")
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before


def test_a_version_kept_before_releases_held_static_files_reads_without_them() -> None:
    """Its "view" body (no longer kept) is dropped; it names no files (the next publish makes
    them: tests/test_releases.py)."""
    old = {k: v for k, v in asdict(_version(7, 2)).items() if k != "files"}
    old["view"] = "0" * 64
    assert PageVersion.of(json.loads(canonical(old))) == replace(_version(7, 2), files=())
