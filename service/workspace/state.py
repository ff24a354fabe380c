"""The workspace's state folder: accounts, sessions, sign-in failures and the key that signs a
browser's "known device" cookie, outside the content tree (default `ROOT/.clinic-l10n/`, which
git ignores through a `.gitignore` of its own; `--state DIR` or `CLINIC_L10N_STATE` move it).

Every file in it is written owner-only (0600) and every folder made 0700, whatever the umask and
whatever the mode of a folder `--state` points at; a file an older version left readable by
others is made 0600 when it is next written. Changes are made under an flock on the folder and
written atomically, so any number of server workers and CLI runs can share it.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.core.errors import AccountError
from service.core.yamlfile import folder_lock

__all__ = ["DEFAULT_STATE", "STATE_ENV", "StateFolder", "state_dir"]

STATE_ENV = "CLINIC_L10N_STATE"
DEFAULT_STATE = ".clinic-l10n"
_OWNER_ONLY = 0o600


def state_dir(root: Path, given: str | os.PathLike[str] | None = None) -> Path:
    """--state, else $CLINIC_L10N_STATE, else `.clinic-l10n` in the content tree."""
    chosen = given or os.environ.get(STATE_ENV)
    return Path(chosen).resolve() if chosen else root / DEFAULT_STATE


class StateFolder:
    """One state folder: locked, read and written as JSON files, owner-only."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._keys: dict[str, bytes] = {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock on the folder (created 0700, ignoring itself in git)."""
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            self.write_bytes(".gitignore", b"# clinic-l10n's state (accounts, sessions)\n*\n")
        with folder_lock(self.folder):
            yield

    def read(self, name: str) -> dict[str, Any]:
        path = self.folder / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AccountError(f"not JSON: {exc}", path) from None
        if not isinstance(data, dict):
            raise AccountError("expected a JSON object", path, 1)
        return data

    def write(self, name: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        self.write_bytes(name, text.encode("utf-8"))

    def write_bytes(self, name: str, raw: bytes) -> None:
        """Through a temp file (which mkstemp makes 0600) renamed over `name`: owner-only."""
        path = self.folder / name
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), _OWNER_ONLY)
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def key(self, name: str) -> bytes:
        """A secret of 32 random bytes kept in the file `name` (made on first use)."""
        if name not in self._keys:
            path = self.folder / name
            with self.locked():
                if not path.exists():
                    self.write_bytes(name, secrets.token_bytes(32))
                self._keys[name] = path.read_bytes()
        return self._keys[name]
