"""`clinic-l10n export`: a copy of a release's static site (`static`), the very files the server
serves at the same paths, so that export and server are byte-identical by construction. Nothing
is rendered here: each file is an object of the release store, written as it is. Under DIR:

    index.html                          the choice of language
    <locale>/index.html, index.json     the pages in that locale
    <locale>/<slug>/index.html, index.json
    assets/clinic-l10n.<hash>.css       the stylesheet, named by its content
    assets/<stem>.<hash>.<ext>          each image a page shows, named by its content
    sitemap.xml                         with a base URL: every document and its alternates
    .clinic-l10n-export                 the files the export wrote (see `write_export`)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from service.core.errors import ExportError
from service.core.yamlfile import atomic_write
from service.release.static import SITEMAP, static_files
from service.release.store import Release, ReleaseStore
from service.render.assets import ASSETS

__all__ = ["MANIFEST", "NO_BASE", "Exported", "Plan", "plan", "write_export"]

MANIFEST = ".clinic-l10n-export"
_MANIFEST_HEAD = (
    "# Written by `clinic-l10n export`: the files of this export. The next export into this\n"
    "# folder removes those of them it no longer writes, and nothing else.\n"
)
NO_BASE = (
    "no base_url in l10n.yaml: hreflang alternates and sitemap.xml are left out (both need "
    "absolute URLs), and the JSON links are relative"
)


@dataclass(frozen=True)
class Exported:
    files: tuple[str, ...]  # every file of the export, relative to its folder
    changed: int  # how many of them were written (the others already had these bytes)
    removed: tuple[str, ...]  # files of the previous export that this one no longer has
    notes: tuple[str, ...]


Plan = dict[str, Callable[[], bytes]]


def _order(path: str) -> tuple[int, str]:
    """The stylesheet and the images first, so that a page never links one not there yet; the
    lists, the choice of language and the sitemap after the pages they name."""
    depth = path.count("/")
    if path.startswith(f"{ASSETS}/"):
        return 0, path
    if depth == 2:
        return 1, path
    return (4, path) if path == SITEMAP else (3 - depth, path)


def plan(store: ReleaseStore, release: Release) -> Plan:
    """The files of `release`'s static site, by path relative to the export's folder, each with
    what reads its bytes from `store` (a file is read when it is written: a thousand pages are
    not all held at once), in the order they are written (`_order`)."""
    if not release.static:
        raise ExportError(
            f"release {release.seq} was made before releases held their static site; "
            "run `clinic-l10n publish` and export the release it makes"
        )
    files = static_files(release)
    return {path: partial(store.get, files[path][0]) for path in sorted(files, key=_order)}


def _listed(out: Path) -> list[str]:
    """The files the manifest in `out` names, each inside `out` (any other line is ignored)."""
    try:
        text = (out / MANIFEST).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    found = []
    for line in text.splitlines():
        rel = PurePosixPath(line)
        if line.startswith("#") or not line or rel.is_absolute() or ".." in rel.parts:
            continue
        found.append(line)
    return found


def _manifest(paths: Sequence[str]) -> bytes:
    return (_MANIFEST_HEAD + "".join(f"{p}\n" for p in sorted(paths))).encode("utf-8")


def _remove(out: Path, rel: str) -> bool:
    """Remove a file a previous export wrote, and the folders it leaves empty; never a folder,
    never what a symbolic link leads out of `out` to."""
    path = out / rel
    root = out.resolve()
    if not path.parent.resolve().is_relative_to(root):
        return False
    if path.is_symlink() or path.is_file():
        path.unlink()
        for parent in path.parents:
            if parent == out:
                break
            with suppress(OSError):  # not empty: kept
                parent.rmdir()
        return True
    return False


def write_export(
    out: Path, files: Mapping[str, Callable[[], bytes]], notes: Sequence[str] = ()
) -> Exported:
    """Write `files` under `out`, each atomically and only when its bytes change; then remove
    what the previous export wrote there and this one does not. The manifest names every file
    before it is written, so even an export cut short leaves nothing the next one would not
    remove; a file the export never wrote is never touched."""
    if out.exists() and not out.is_dir():
        raise ExportError("not a folder", out)
    before = _listed(out)
    atomic_write(out / MANIFEST, _manifest(sorted({*before, *files})))
    changed = sum(atomic_write(out / rel, make()) for rel, make in files.items())
    atomic_write(out / MANIFEST, _manifest(list(files)))
    removed = tuple(rel for rel in before if rel not in files and _remove(out, rel))
    return Exported(tuple(files), changed, removed, tuple(notes))
