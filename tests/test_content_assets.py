"""content.assets: which file an image's source names, which names a page's key covers (checked
against markdown-it's own reading of each source), the variants a chain looks for, and which
files may be served."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.content.assets import BadImage, Found, asset_name, find_image, names_in, variants
from service.content.parser import markdown

from .pictures import GIF, png


@pytest.mark.parametrize(("src", "name"), [
    ("spacer.png", "spacer.png"),
    ("assets/spacer.png", "spacer.png"),
    ("./assets/spacer.png", "spacer.png"),
    ("../assets/spacer.png", "spacer.png"),  # as the page's folder sees it (editors' previews)
    ("diagrams/spacer.JPEG", "diagrams/spacer.JPEG"),
    ("a/../spacer.webp", "spacer.webp"),
    ("https://example.org/x.png", None),  # another host's image: left as written
    ("//cdn.example/x.png", None),
    ("data:image/png;base64,iVBORw0KGgo=", None),
])  # fmt: skip
def test_a_source_names_a_file_of_the_assets_folder(src: str, name: str | None) -> None:
    assert asset_name(src) == name


@pytest.mark.parametrize(("src", "reason"), [
    ("", "has no file name"),
    ("/etc/passwd", "is an absolute path"),
    ("../../etc/passwd", "points outside"),
    ("assets/../../x.png", "points outside"),
    ("..", "points outside"),
    ("chart.svg", "an SVG image can carry script"),
    ("old.bmp", "is not a PNG, JPEG, GIF or WebP file name (.bmp)"),
    ("notes", "is not a PNG, JPEG, GIF or WebP file name (.?)"),
    ("my%20spacer.png", "has characters other than"),
    ("spacer.png?v=2", "has characters other than"),
])  # fmt: skip
def test_a_source_that_names_no_servable_file_is_refused(src: str, reason: str) -> None:
    found = asset_name(src)
    assert isinstance(found, BadImage) and found.reason.startswith(reason), found


PAGES = [
    "![A spacer](spacer.png)",
    "Use the ![spacer](assets/d/spacer.png 'A title') daily.",
    "![A spacer](<./spacer.gif>)",
    "![A spacer][s]\n\n[s]: ../assets/spacer.webp",
    '![A spacer][]\n\n[a spacer]: spacer.JPG "T"',
    "[![chart](c.png)](https://example.org/c)",
    "| a | ![b](b.png) |\n|---|---|\n| c | d |",
    "> ![Quoted](q.jpeg)",
]


@pytest.mark.parametrize("text", PAGES)
def test_every_name_a_page_resolves_is_among_those_its_key_covers(text: str) -> None:
    """markdown-it's image sources, read as names, are found by the scan the build key uses."""
    srcs = [
        str(child.attrGet("src"))
        for token in markdown().parse(text, {})
        for child in token.children or ()
        if child.type == "image"
    ]
    names = {asset_name(src) for src in srcs}
    assert names and all(isinstance(n, str) for n in names)
    assert names <= names_in(text)


@pytest.mark.parametrize(("tags", "expected"), [
    ((), ["spacer.png"]),
    (("es",), ["spacer.es.png", "spacer.png"]),
    (("pt-BR", "pt"), ["spacer.pt-BR.png", "spacer.pt.png", "spacer.png"]),
    (("zh-Hans",), ["spacer.zh-Hans.png", "spacer.png"]),
])  # fmt: skip
def test_a_locale_looks_for_its_chains_variants_then_the_english(
    tags: tuple[str, ...], expected: list[str]
) -> None:
    assert variants("spacer.png", tags) == expected


@pytest.mark.parametrize(("name", "data", "media"), [
    ("a.png", png(), "image/png"),
    ("a.gif", GIF, "image/gif"),
    ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),  # JPEG's SOI, then APP0
    ("a.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8L", "image/webp"),  # RIFF size WEBP, then a chunk
])  # fmt: skip
def test_a_file_whose_bytes_are_its_type_is_found(
    tmp_path: Path, name: str, data: bytes, media: str
) -> None:
    (tmp_path / name).write_bytes(data)
    assert find_image(tmp_path, name) == Found(name, data, media)


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("a.png", GIF, "is not a PNG image"),
    ("a.gif", b"<svg onload=alert(1)>", "is not a GIF image"),
    ("a.webp", b"RIFF\x1a\x00\x00\x00AVI LIST", "is not a WebP image"),
    ("a.jpg", b"", "is not a JPEG image"),
])  # fmt: skip
def test_a_file_whose_bytes_are_another_type_is_refused(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(data)
    found = find_image(tmp_path, name)
    assert isinstance(found, BadImage) and found.reason.startswith(reason), found


def test_a_missing_file_is_none_and_a_link_out_a_folder_or_a_fifo_is_refused(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "assets"
    folder.mkdir()
    (tmp_path / "outside.png").write_bytes(png())
    (folder / "out.png").symlink_to(tmp_path / "outside.png")
    (folder / "in.png").write_bytes(png())
    (folder / "alias.png").symlink_to(folder / "in.png")
    (folder / "dir.png").mkdir()
    os.mkfifo(folder / "fifo.png")  # never opened for reading: no writer would ever come
    assert find_image(folder, "gone.png") is None
    out = find_image(folder, "out.png")
    assert isinstance(out, BadImage) and "outside" in out.reason
    assert find_image(folder, "alias.png") == Found("alias.png", png(), "image/png")
    folder_found = find_image(folder, "dir.png")
    assert isinstance(folder_found, BadImage) and "not a regular file" in folder_found.reason
    fifo = find_image(folder, "fifo.png")
    assert isinstance(fifo, BadImage) and "not a regular file (a FIFO)" in fifo.reason
