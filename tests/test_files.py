"""files.read_text / read_bytes: whatever sits where a file should be is the caller's error at a line."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from service.core import files
from service.core.errors import CatalogError, L10nError, LedgerError
from service.core.files import read_bytes, read_text


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (Path.mkdir, "x.yaml:1: not a regular file (a directory)"),
        (os.mkfifo, "x.yaml:1: not a regular file (a FIFO)"),
        (lambda p: None, "x.yaml:1: no such file"),
        (_write(b"ok: 1\n" * 20), "x.yaml:1: file too large (120 bytes; the limit is 100 bytes)"),
        (
            _write(b"a: 1\nb: caf\xc3\xa9\nc: caf\xe9\n"),
            "x.yaml:3: not UTF-8: byte 0xe9 at column 7",
        ),
        (_write(b"\xff"), "x.yaml:1: not UTF-8: byte 0xff at column 1"),
        (_write(b"a\r\nb\r\n\xc3(\n"), "x.yaml:3: not UTF-8: byte 0xc3 at column 1"),
    ],
    ids=["directory", "FIFO", "missing", "too large", "bad byte", "bad first byte", "crlf"],
)
def test_what_is_not_a_readable_utf8_file_is_an_error(
    tmp_path: Path, make: Callable[[Path], None], expected: str
) -> None:
    path = tmp_path / "x.yaml"
    make(path)
    with pytest.raises(LedgerError) as caught:  # any project error: the ledger's reader, say
        read_text(path, "x.yaml", LedgerError, 100)
    assert str(caught.value) == expected


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    path.write_bytes('msgid "é"\n'.encode() * 1000)
    assert read_bytes(path, "x.po", CatalogError, 20_000) == path.read_bytes()
    assert read_text(path, "x.po", CatalogError, 20_000) == path.read_text(encoding="utf-8")


def test_a_file_that_grows_past_the_bound_after_stat_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a" * 50)
    real_fstat = os.fstat

    def shrunk(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        return os.stat_result((*info[:6], 10, *info[7:]))  # st_size as it was before it grew

    monkeypatch.setattr(files.os, "fstat", shrunk)
    with pytest.raises(L10nError, match=r"file too large \(41 bytes; the limit is 40 bytes\)"):
        read_bytes(path, "x.yaml", L10nError, 40)


@pytest.mark.skipif(os.geteuid() != 0, reason="as a user, test_hostile_files chmods files to 000")
@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM])
def test_permission_denied_is_an_error_even_where_root_could_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\n")

    def refuse(*args: object) -> int:
        raise PermissionError(code, os.strerror(code))

    monkeypatch.setattr(files.os, "open", refuse)
    with pytest.raises(CatalogError) as caught:
        read_text(path, "x.yaml", CatalogError, 100)
    assert str(caught.value) == "x.yaml:1: permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\n")
    path.chmod(0)
    with pytest.raises(CatalogError, match=r"^x\.yaml:1: permission denied$"):
        read_text(path, "x.yaml", CatalogError, 100)


def test_a_device_is_refused_without_being_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> int:
        raise AssertionError("opened a device")

    monkeypatch.setattr(files.os, "open", never)
    with pytest.raises(L10nError, match=r"^null:1: not a regular file \(a character device\)$"):
        read_bytes(Path("/dev/null"), "null", L10nError, 100)


class _SwappedAfterStat(type(Path())):  # type: ignore[misc]
    """A FIFO that was a regular file when stat looked: the open itself must not wait."""

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        return Path(__file__).stat()


def test_a_fifo_swapped_in_after_stat_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.yaml")

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the open waited for a writer")

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    try:
        with pytest.raises(L10nError, match=r"^x\.yaml:1: not a regular file \(a FIFO\)$"):
            read_bytes(_SwappedAfterStat(tmp_path / "x.yaml"), "x.yaml", L10nError, 100)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
