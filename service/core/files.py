"""Reading one input file, safely: the lowest layer under every reader (config, pages, ui strings,
catalogs, templates, ledgers).

Whatever sits where a file should be — a directory, a FIFO, a socket, a device, a file the server
user may not read, a huge file, bytes that are not UTF-8 — becomes the caller's project error with
the path and a 1-based line, never an OSError, a UnicodeDecodeError or a wait for a FIFO's writer.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from service.core.errors import L10nError

__all__ = [
    "CATALOG_MAX_BYTES",
    "PAGE_MAX_BYTES",
    "YAML_MAX_BYTES",
    "Signature",
    "decode_utf8",
    "read_bytes",
    "read_text",
    "signature",
    "signature_of",
]

# Generous bounds, far above any real file, so a runaway or hostile one costs no more than this.
YAML_MAX_BYTES = 5 * 1024 * 1024  # l10n.yaml, ui.yaml, ledgers
PAGE_MAX_BYTES = 1024 * 1024  # a source page, front matter included (the longest shipped: 12 KB)
CATALOG_MAX_BYTES = 50 * 1024 * 1024  # .po and .pot files

# What tells a changed file from an unchanged one without reading it: a write in place changes
# the time, an atomic replace the inode. None: nothing is there (or it cannot be looked at).
Signature = tuple[int, int, int] | None


def signature(path: str | Path) -> Signature:
    """The file's (mtime in ns, size, inode), or None when it cannot be stat'ed."""
    try:
        return signature_of(os.stat(path))
    except OSError:
        return None


def signature_of(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _refuse(mode: int, shown: str, error: type[L10nError]) -> None:
    if not stat.S_ISREG(mode):
        raise error(f"not a regular file ({_kind(mode)})", shown, 1)


def _os_error(exc: OSError, shown: str, error: type[L10nError]) -> L10nError:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return error("permission denied", shown, 1)
    if exc.errno == errno.ENOENT:
        return error("no such file", shown, 1)
    return error(f"cannot read: {exc.strerror or exc}", shown, 1)


def read_bytes(path: Path, shown: str, error: type[L10nError], max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, or `error(reason, shown, 1)`.

    `shown` is the path as messages print it (usually relative to the content tree). Refused, each
    at line 1: anything but a regular file (checked before opening, and again on the open file,
    which is opened non-blocking so a FIFO swapped in meanwhile cannot make us wait), a file we may
    not read, a missing file, and a file larger than `max_bytes`.
    """
    try:
        _refuse(path.stat().st_mode, shown, error)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_error(exc, shown, error) from exc
    try:
        info = os.fstat(fd)
        _refuse(info.st_mode, shown, error)
        if info.st_size > max_bytes:
            raise error(_too_large(info.st_size, max_bytes), shown, 1)
        chunks, size = [], 0
        while size <= max_bytes:  # the file may grow after fstat
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _os_error(exc, shown, error) from exc
    finally:
        os.close(fd)
    if size > max_bytes:
        raise error(_too_large(size, max_bytes), shown, 1)
    return b"".join(chunks)


def _too_large(size: int, max_bytes: int) -> str:
    return f"file too large ({size} bytes; the limit is {max_bytes} bytes)"


def decode_utf8(data: bytes, shown: str, error: type[L10nError]) -> str:
    """`data` as UTF-8, or `error` at the 1-based line of the first byte that is not.

    >>> decode_utf8(b"a: 1\\nb: \\xff\\n", "x.yaml", L10nError)
    Traceback (most recent call last):
    ...
    service.core.errors.L10nError: x.yaml:2: not UTF-8: byte 0xff at column 4
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8: byte 0x{data[exc.start]:02x} at column {column}"
        raise error(message, shown, line) from None


def read_text(path: Path, shown: str, error: type[L10nError], max_bytes: int) -> str:
    """The text of the UTF-8 file at `path`, or `error(reason, shown, line)` with a 1-based line.

    Every reader of an input file goes through here (or `read_bytes` for catalogs, which declare
    their own charset). `error` is the caller's subclass of `L10nError` (ConfigError, ContentError,
    LedgerError, ...), so a bad file is reported as that kind of error with `shown` as its path:
    not a regular file, permission denied, no such file, too large (line 1), or not UTF-8 (the
    line of the first bad byte). Never blocks, never raises anything else.
    """
    return decode_utf8(read_bytes(path, shown, error, max_bytes), shown, error)
