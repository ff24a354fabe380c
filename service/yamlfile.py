"""YAML in and out for config, front matter and ledgers, with 1-based lines kept for error messages."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .errors import L10nError

__all__ = ["LineDict", "atomic_write", "dump_yaml", "load_yaml"]


class LineDict(dict[str, Any]):
    """A mapping that remembers the 1-based line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[str(key)] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Timestamps stay strings: a ledger's times are compared and written back byte for byte.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, path: Path | str, error: type[L10nError], line_offset: int = 0) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise error(f"invalid YAML: {exc.problem or exc.context}", path, line) from exc
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", path) from exc


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


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


def _umask() -> int:
    """The process's umask (reading it means setting it; this sets it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
