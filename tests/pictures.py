"""Small real images for tests, written byte by byte (PNG per the W3C PNG spec: signature, IHDR,
IDAT of zlib-compressed scanlines, IEND, each chunk with its CRC-32), so no imaging library is
needed; the name a file is served under, worked out here with hashlib; and a test tree with a
page that shows images (`make_tree`)."""

from __future__ import annotations

import hashlib
import shutil
import struct
import zlib
from pathlib import Path

from click.testing import CliRunner

from service.cli.main import cli

__all__ = ["GIF", "PAGE", "SPACERS", "cli_in", "hashed", "make_tree", "png", "write_png"]


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


_FIXTURE_TREE = Path(__file__).resolve().parent / "data" / "tree"
REVIEWER = "Dr. Robin Spare (fictional)"
# GIF89a, 1x1, one global colour table of two entries, one image block: the smallest real GIF
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

PAGE = """---
slug: inhaler
title: Using an inhaler spacer
---

## The spacer

![A spacer fitted to an inhaler](spacer.png)

Fit the ![spacer](assets/spacer.png) first, then the mask as in ![the mask][mask].

![A photo from elsewhere](https://example.org/photo.png)

[mask]: ./mask.gif
"""


def cli_in(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def make_tree(root: Path, page: str, files: dict[str, bytes]) -> Path:
    """A copy of tests/data/tree with `page` (slug inhaler) and `files` under assets/, its
    English approved."""
    shutil.copytree(_FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md"))
    (root / "source_content/pages/inhaler.md").write_text(page, encoding="utf-8")
    for name, data in files.items():
        (root / "source_content/assets" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "source_content/assets" / name).write_bytes(data)
    for args in (("extract",), ("update",)):
        assert cli_in(root, *args)[0] == 0
    approve = ("review", "approve", "en", "--page", "inhaler", "--all", "--role", "clinical")
    code, out = cli_in(root, *approve, "--reviewer", REVIEWER)
    assert code == 0, out
    return root


SPACERS = {
    "spacer.png": png(4, 3, (200, 30, 30)),
    "spacer.es.png": png(5, 3, (30, 30, 200)),
    "spacer.pt.png": png(6, 3, (30, 200, 30)),
    "spacer.pt-BR.png": png(7, 3, (200, 200, 30)),
    "mask.gif": GIF,
}
