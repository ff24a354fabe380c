"""What the release in service was made from, kept beside the build cache: every input file the
publish that made it read (each page's source, catalogs and ledgers, the ui strings, the config,
the images), by path, with the signature (time, size, inode) and SHA-256 it had then, the pages of
the tree, and which of them had drafts.

So the next `clinic-l10n publish` stats the files instead of reading them, reads again only a file
whose signature changed, and knows which pages' files changed (`changed_files`): only those are
decided again (`incremental`). A file whose time was too near the moment the publish began to
trust its signature (a same-sized write in the same tick would keep it) is read again every time,
as git treats a "racily clean" file. The file is a cache: it names the release it describes, is
used only while that release is in service, and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from service.core.files import Signature, signature
from service.core.yamlfile import atomic_write
from service.site.keys import Inputs, code_version, digest

__all__ = ["Basis", "basis_file", "changed_files", "read_basis", "write_basis"]

_VERSION = 1
_RACY_NS = 2_000_000_000  # a file written within 2 s of the start of the publish that read it


@dataclass(frozen=True)
class Basis:
    release: str  # the id of the release it describes
    files: dict[str, tuple[Signature, str, bool]]  # path -> (signature, hash, signature trusted)
    slugs: tuple[str, ...]  # the pages of the tree, sorted
    kept: tuple[str, ...]  # pages whose English had a draft, kept as published
    unpublished: tuple[str, ...]  # pages whose English had a draft, never published


def basis_file(cache: Path | None, releases: Path) -> Path | None:
    """Where the basis of releases in the store `releases` is kept in the build cache folder
    `cache` (None: no folder to keep it in)."""
    if cache is None:
        return None
    name = hashlib.sha256(str(releases.resolve()).encode()).hexdigest()[:16]
    return cache / f"basis-{name}.json"


# Kept in columns (a list of paths, their signatures three numbers each, their hashes, whether
# each signature is trusted): read and written in a tenth of the time of a list per file.


def read_basis(path: Path | None) -> Basis | None:
    """The basis kept at `path`, if there is one of this code and layout."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
        if data.get("version") != _VERSION or data.get("code") != code_version():
            return None
        paths, sigs, hashes, trusted = data["paths"], data["sigs"], data["hashes"], data["trusted"]
        if not (len(paths) * 3 == len(sigs) and len(paths) == len(hashes) == len(trusted)):
            return None
        files: dict[str, tuple[Signature, str, bool]] = {
            p: (
                (sigs[3 * i], sigs[3 * i + 1], sigs[3 * i + 2]) if sigs[3 * i + 2] >= 0 else None,
                hashes[i],
                trusted[i] == "1",
            )
            for i, p in enumerate(paths)
        }
        return Basis(
            str(data["release"]),
            files,
            tuple(data["slugs"]),
            tuple(data["kept"]),
            tuple(data["unpublished"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def write_basis(
    path: Path | None,
    release: str,
    files: Mapping[str, tuple[Signature, str]],
    began_ns: int,
    slugs: Collection[str],
    kept: Collection[str],
    unpublished: Collection[str],
) -> None:
    """Keep the basis of `release` at `path`: `files` as a publish that began at `began_ns`
    (`time.time_ns()`, before it looked at any file) read them."""
    if path is None:
        return
    trusted = began_ns - _RACY_NS
    sigs = [n for sig, _ in files.values() for n in (sig or (0, 0, -1))]
    data = {
        "version": _VERSION,
        "code": code_version(),
        "release": release,
        "paths": list(files),
        "sigs": sigs,
        "hashes": [sha for _, sha in files.values()],
        "trusted": "".join(
            "1" if sig is None or sig[0] < trusted else "0" for sig, _ in files.values()
        ),
        "slugs": sorted(slugs),
        "kept": sorted(kept),
        "unpublished": sorted(unpublished),
    }
    with suppress(OSError):  # a cache: without it, the next publish reads every file
        atomic_write(path, json.dumps(data, separators=(",", ":")).encode())


def changed_files(basis: Basis) -> tuple[Inputs, set[str]]:
    """Every file of `basis` as it is now (each stat'ed; read only when its signature changed or
    was not trusted), and those whose content is not what it was."""
    inputs = Inputs()
    changed = set()
    for path, (sig, sha, trusted) in basis.files.items():
        now = signature(path)
        if trusted and now == sig:
            inputs.files[path] = (sig, sha)
            continue
        found = inputs.files[path] = (now, digest(path))  # the signature before the bytes
        if found[1] != sha:
            changed.add(path)
    return inputs, changed
