"""Small real images for tests, written byte by byte (PNG per the W3C PNG spec: signature, IHDR,
IDAT of zlib-compressed scanlines, IEND, each chunk with its CRC-32), so no imaging library is
needed; and the name a file is served under, worked out here with hashlib."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

__all__ = ["hashed", "png", "write_png"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A `width` x `height` PNG of one colour (8-bit RGB, no interlace, filter 0 per row)."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def write_png(path: Path, *args: int | tuple[int, int, int]) -> bytes:
    data = png(*args)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def hashed(name: str, data: bytes) -> str:
    """`spacer.png` as served: `spacer.<first 12 hex of the SHA-256 of its bytes>.png`."""
    stem, _, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
