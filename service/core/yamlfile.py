"""YAML in and out for config, front matter and ledgers, with 1-based lines kept for error messages."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml

from service.core.errors import ChangedMeanwhile, L10nError

__all__ = [
    "MAX_DEPTH",
    "LineDict",
    "atomic_write",
    "edit_file",
    "folder_lock",
    "load_yaml",
    "replace_if_unchanged",
]


class LineDict(dict[str, Any]):
    """A mapping that remembers the 1-based line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


MAX_DEPTH = 64  # nested collections; real files use a handful, and composing recurses per level


class _Refused(Exception):
    """Raised inside the loader; `load_yaml` turns it into the caller's error at `line`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader that composes no alias or anchor (so a billion-laughs file is refused at its
    first `&`, before anything is built), no collection nested deeper than MAX_DEPTH (so deep
    input is an error, not a RecursionError) and no mapping with a key twice."""

    line_offset = 0
    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 + self.line_offset
        # An alias event names its anchor too (`*x`), so this refuses `&x` and `*x` alike.
        if getattr(event, "anchor", None) is not None:
            raise _Refused("YAML aliases/anchors are not allowed", line)
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            if self.depth >= MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels", line)
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    first: dict[str, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1 + loader.line_offset
        if key in first:
            raise _Refused(f"duplicate key {key!r} (first at line {first[key]})", line)
        first[key] = line
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1 + loader.line_offset
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[str(key)] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1 + loader.line_offset
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Timestamps stay strings: a ledger's times are compared and written back byte for byte.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def load_yaml(text: str, path: Path | str, error: type[L10nError], line_offset: int = 0) -> Any:
    """The one YAML loader: `text` → plain data with `LineDict` mappings, or `error` at a 1-based
    line (plus `line_offset`, for YAML inside another file) for invalid YAML, an alias or anchor,
    nesting deeper than MAX_DEPTH, or a duplicate key. Timestamps stay strings."""
    try:
        loader = _Loader(text)  # the reader refuses control characters at once
        loader.line_offset = line_offset
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as exc:
        raise error(exc.message, path, exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 1 + line_offset
        raise error(
            f"invalid YAML: {_one_line(exc.problem or exc.context or '')}", path, line
        ) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise error(f"invalid YAML: character U+{char:04X} is not allowed", path, line) from exc
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {_one_line(str(exc))}", path, 1 + line_offset) from exc


def atomic_write(path: Path, data: str | bytes, previous: bytes | None = None) -> bool:
    """Write through a temp file and rename; skip when the bytes are already there.

    Returns whether the file changed, so callers can report it and tools never churn mtimes.
    `previous` is the file's content when the caller has just read it (None: read it here).
    The file keeps its permissions; a new one gets the usual ones (0666 less the umask), not
    the owner-only mode of a temp file.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if previous is None:
        try:
            previous = path.read_bytes()
        except FileNotFoundError:
            previous = None
    if previous == raw:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def replace_if_unchanged(path: Path, data: str | bytes, read: bytes | None) -> bool:
    """`atomic_write` of an edit of `path` made from its bytes `read` (None: it did not exist),
    only if the file still holds them. Under an exclusive lock on its folder (flock, which every
    command of this tool that edits a catalog takes), the file is read again; when another
    command or a translator's tool changed it since `read`, nothing is written and
    `ChangedMeanwhile` is raised. Other tools take no lock: a save of theirs that lands in the
    instant between that second read and the rename is still replaced. Returns whether the file
    changed."""
    with folder_lock(path.parent):
        try:
            now: bytes | None = path.read_bytes()
        except FileNotFoundError:
            now = None
        if now != read:
            raise ChangedMeanwhile(
                f"{path.name} changed while this command was editing it (another command, or a "
                "translator's save); nothing was written: run the command again",
                path,
            )
        return atomic_write(path, data, previous=now)


@contextmanager
def folder_lock(folder: Path) -> Iterator[int]:
    """An exclusive lock on `folder` (flock on the folder itself: no lock file to leave behind),
    made if missing. Yields the folder's descriptor. The kernel drops the lock when the process
    dies, however it dies."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


_T = TypeVar("_T")


def edit_file(
    path: Path, edit: Callable[[], tuple[bytes | None, str | bytes | None, _T]]
) -> tuple[bool, _T]:
    """Read, edit and write a file another writer may change at the same time: `edit` reads the
    file (its bytes, None if absent), works out the new content (None: nothing to write) and a
    result; the write is `replace_if_unchanged`, and when the file changed meanwhile the edit is
    made again from what is there now (three times at most; then `ChangedMeanwhile`). Returns
    whether the file changed, and the last edit's result."""
    for attempt in range(3):
        read, data, result = edit()
        if data is None:
            return False, result
        try:
            return replace_if_unchanged(path, data, read), result
        except ChangedMeanwhile:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _umask() -> int:
    """The process's umask (reading it means setting it; this sets it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
