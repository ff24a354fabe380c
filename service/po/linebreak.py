"""Where the PO writer breaks a long string: UAX #14 as GNU gettext applies it.

gettext 0.21 does not break lines itself; it asks libunistring (`ulc_width_linebreaks_v2`) and
so inherits that library's Unicode tables and its column widths (East-Asian wide characters count
two, ambiguous ones two in CJK encodings). Matching msgcat byte for byte means asking the same
library, so this module calls the libunistring that Debian's gettext links, through ctypes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

__all__ = ["PROHIBITED", "UNDEFINED", "LineBreakError", "fits", "line_breaks", "text_width"]

# libunistring's enum: the override values the writer passes in, and what comes back.
UNDEFINED = 0
PROHIBITED = 1
_POSSIBLE = 2

# Debian bookworm's libunistring2 (1.0) is what gettext 0.21 links there; any other soname
# gives that library's Unicode version, which is only right when msgcat links it too.
_SONAMES = ("libunistring.so.2", "libunistring.so.5", "libunistring.so")
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


class LineBreakError(RuntimeError):
    """libunistring is not installed (Debian: `apt-get install libunistring2`)."""


class _Lib:
    """The two entry points we use, typed once."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        # _v2 (libunistring >= 1.0) is what gettext 0.21 calls on Debian; older builds have
        # only the first version, which differs only in how it treats CR before LF (escaped
        # by the writer, so never seen here).
        name = (
            "u32_width_linebreaks_v2"
            if hasattr(lib, "u32_width_linebreaks_v2")
            else ("u32_width_linebreaks")
        )
        self.width_linebreaks = getattr(lib, name)
        self.width_linebreaks.restype = ctypes.c_int
        self.width_linebreaks.argtypes = [
            ctypes.c_char_p,  # const uint32_t *s
            ctypes.c_size_t,  # n
            ctypes.c_int,  # width
            ctypes.c_int,  # start_column
            ctypes.c_int,  # at_end_columns
            ctypes.c_char_p,  # const char *o (overrides)
            ctypes.c_char_p,  # const char *encoding
            ctypes.c_char_p,  # char *p (result)
        ]
        self.width = lib.u32_width
        self.width.restype = ctypes.c_int
        self.width.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]


@cache
def _lib() -> _Lib:
    found = ctypes.util.find_library("unistring")
    for name in (*_SONAMES[:1], *([found] if found else []), *_SONAMES[1:]):
        try:
            return _Lib(ctypes.CDLL(name))
        except OSError:
            continue
    raise LineBreakError(
        "libunistring is not installed; the PO writer needs it to break lines as GNU gettext "
        "does (Debian: apt-get install libunistring2)"
    )


def text_width(text: str, encoding: str = "UTF-8") -> int:
    """Columns `text` takes as libunistring counts them (control characters take none).

    >>> text_width("abc"), text_width("漢字"), text_width("e\\u0301"), text_width("a\\x01")
    (3, 4, 1, 1)
    """
    if text.isascii() and text.isprintable():
        return len(text)
    return int(
        _lib().width(text.encode(_UTF32, "surrogatepass"), len(text), encoding.encode("ascii"))
    )


def fits(text: str, width: int, start_column: int, encoding: str = "UTF-8") -> bool:
    """Whether `text` fits from `start_column` within `width`: then no line breaks at all.

    Most catalog strings are short, so this spares most calls into the library.
    """
    return (
        start_column + 2 * len(text) <= width or start_column + text_width(text, encoding) <= width
    )


_buffers: list[ctypes.Array[ctypes.c_char]] = []


def _buffer(size: int) -> ctypes.Array[ctypes.c_char]:
    """One result buffer, grown as needed: the library writes the first `size` bytes."""
    if not _buffers or len(_buffers[0]) < size:
        _buffers[:] = [ctypes.create_string_buffer(max(size, 4096))]
    return _buffers[0]


def line_breaks(
    text: str, overrides: bytes | None, width: int, start_column: int, encoding: str
) -> list[int]:
    """Indexes of `text` before which a new line starts, as `ulc_width_linebreaks` decides.

    `overrides` has one byte per character (UNDEFINED or PROHIBITED); `width` is the room on a
    line, `start_column` where the first line starts. `encoding` is the catalog's canonical
    charset name: it decides the width of East-Asian ambiguous characters.

    >>> line_breaks("aaa bbb ccc", None, 7, 0, "UTF-8")  # a space stays at the end of its line
    [4]
    >>> line_breaks("aaa bbb ccc", None, 8, 0, "UTF-8")
    [8]
    """
    n = len(text)
    if fits(text, width, start_column, encoding):
        return []
    result = _buffer(n)
    _lib().width_linebreaks(
        text.encode(_UTF32, "surrogatepass"),
        n,
        width,
        start_column,
        0,
        overrides,
        encoding.encode("ascii"),
        result,
    )
    raw = ctypes.string_at(result, n)
    breaks = []
    i = raw.find(_POSSIBLE)
    while i >= 0:
        breaks.append(i)
        i = raw.find(_POSSIBLE, i + 1)
    return breaks
