"""Images under source_content/assets/: served and exported under their content's hash, a locale's
variant along its chain, no `<img src>` that fails to load (page, fragment, JSON, export, and in
Chromium), and every image that may not be shown a `check` error at its line, the page still
served."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from service.site.prepared import Settings, build_site

from .conftest import Run, html_elements, served_app, serving
from .pictures import GIF, PAGE, SPACERS, cli_in, hashed, make_tree, png, write_png

LOCALES = ("en", "es", "pt", "pt-BR", "ar")  # tests/data/tree's, pt-BR falling back to pt


@pytest.fixture(scope="module")
def image_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("images") / "tree", PAGE, SPACERS)


@pytest.fixture(scope="module")
def client(image_tree: Path) -> TestClient:
    return TestClient(served_app(image_tree))


def local_srcs(html: str, url: str) -> list[str]:
    """Every `<img src>` of `html` on this server, resolved against `url`."""
    found = [urljoin(url, a["src"] or "") for t, a in html_elements(html) if t == "img"]
    return [u for u in found if urlsplit(u).hostname == urlsplit(url).hostname]


# -- served --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["spacer.png", "spacer.es.png", "mask.gif"])
def test_an_image_is_served_under_its_content_hash_with_its_type_for_a_year(
    client: TestClient, name: str
) -> None:
    got = client.get(f"/assets/{hashed(name, SPACERS[name])}")
    assert got.status_code == 200
    assert got.content == SPACERS[name]
    assert got.headers["content-type"] == mimetypes.guess_type(name)[0]
    assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/assets/{hashed(name, b'other bytes')}").status_code == 404


@pytest.mark.parametrize(("locale", "variant"), [
    ("en", "spacer.png"),
    ("es", "spacer.es.png"),
    ("pt", "spacer.pt.png"),
    ("pt-BR", "spacer.pt-BR.png"),
    ("ar", "spacer.png"),  # no Arabic variant: the English image
])  # fmt: skip
def test_page_fragment_and_json_show_the_locales_variant(
    client: TestClient, locale: str, variant: str
) -> None:
    want = f"http://testserver/assets/{hashed(variant, SPACERS[variant])}"
    mask = f"http://testserver/assets/{hashed('mask.gif', GIF)}"
    url = f"http://testserver/pages/inhaler?locale={locale}"
    page = client.get(url).text
    fragment = client.get(url + "&fragment=1").text
    segments = client.get("/v1/pages/inhaler", params={"locale": locale}).json()["segments"]
    in_json = "".join(s["html"] for s in segments if not s["withheld"])
    for html in (page, fragment, in_json):
        assert local_srcs(html, url) == [want, want, mask]
    assert 'src="https://example.org/photo.png"' in page  # another host's image: as written


@pytest.mark.parametrize("locale", LOCALES)
def test_no_image_of_a_page_fragment_or_json_fails_to_load(client: TestClient, locale: str) -> None:
    url = f"http://testserver/pages/inhaler?locale={locale}"
    segments = client.get("/v1/pages/inhaler", params={"locale": locale}).json()["segments"]
    htmls = [client.get(url).text, client.get(url + "&fragment=1").text]
    htmls += [s["html"] for s in segments if not s["withheld"]]
    srcs = {src for html in htmls for src in local_srcs(html, url)}
    assert len(srcs) == 2
    for src in srcs:
        assert client.get(src).status_code == 200, src


@pytest.mark.parametrize(("files", "locale", "variant"), [
    (["spacer.png", "spacer.pt.png"], "pt-BR", "spacer.pt.png"),  # pt-BR's chain: pt-BR, pt, en
    (["spacer.png", "spacer.pt.png", "spacer.pt-BR.png"], "pt-BR", "spacer.pt-BR.png"),
    (["spacer.png", "spacer.es.png"], "pt-BR", "spacer.png"),
    (["spacer.png", "spacer.pt-BR.png"], "pt", "spacer.png"),  # a child's variant is not pt's
    (["spacer.es.png"], "es", "spacer.es.png"),  # English missing: es still has its own
])  # fmt: skip
def test_a_variant_is_taken_along_the_locales_chain(
    tmp_path: Path, files: list[str], locale: str, variant: str
) -> None:
    page = "---\nslug: inhaler\ntitle: Spacer\n---\n\n![A spacer](spacer.png)\n"
    root = make_tree(tmp_path / "tree", page, {name: SPACERS[name] for name in files})
    client = TestClient(served_app(root))
    url = f"http://testserver/pages/inhaler?locale={locale}"
    want = f"http://testserver/assets/{hashed(variant, SPACERS[variant])}"
    assert local_srcs(client.get(url).text, url) == [want]


def test_a_changed_image_is_a_new_name_and_the_old_one_is_gone(tmp_path: Path) -> None:
    """The build cache's key of a page names its images' bytes: a start on the same cache after
    the image changed serves the new bytes under a new name, not the page made before."""
    page = "---\nslug: inhaler\ntitle: Spacer\n---\n\n![A spacer](spacer.png)\n"
    root = make_tree(tmp_path / "tree", page, {"spacer.png": SPACERS["spacer.png"]})
    settings = Settings(root=root, cache=tmp_path / "cache")
    before = build_site(settings)
    first = hashed("spacer.png", SPACERS["spacer.png"])
    assert first in before.pages[("inhaler", "es")].html.data.decode()
    new = write_png(root / "source_content/assets/spacer.png", 9, 9, (1, 2, 3))
    after = build_site(settings)
    html = after.pages[("inhaler", "es")].html.data.decode()
    assert hashed("spacer.png", new) in html and first not in html
    assert set(after.images) == {hashed("spacer.png", new)}
    found = after.image(hashed("spacer.png", new))
    assert found is not None and found.data == new


# -- the export ----------------------------------------------------------------------------------


def test_the_export_writes_every_image_its_pages_and_json_show(
    run: Run, image_tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    run("export", "--out", str(out), root=image_tree)
    shown: set[Path] = set()
    for doc in out.rglob("index.html"):
        for tag, attrs in html_elements(doc.read_text(encoding="utf-8")):
            for name in ("src", "href"):
                target = attrs.get(name)
                if target and tag in ("img", "link") and "://" not in target:
                    found = (doc.parent / target).resolve()
                    found = found / "index.html" if target.endswith("/") else found  # canonical
                    assert found.is_file(), (doc, target)
                    shown.add(found)
    for name in ("spacer.png", "spacer.es.png", "spacer.pt.png", "spacer.pt-BR.png", "mask.gif"):
        written = out / "assets" / hashed(name, SPACERS[name])
        assert written.resolve() in shown and written.read_bytes() == SPACERS[name]
    spacer_es = out / "assets" / hashed("spacer.es.png", SPACERS["spacer.es.png"])
    docs = sorted(out.rglob("inhaler/index.json"))
    assert {doc.parent.parent.name for doc in docs} >= {"en", "es"}  # published in each
    for doc in docs:  # its segments' images, relative to the JSON
        segments = json.loads(doc.read_text(encoding="utf-8"))["segments"]
        html = "".join(s["html"] for s in segments if not s["withheld"])
        srcs = [a["src"] or "" for t, a in html_elements(html) if t == "img"]
        local = [(doc.parent / src).resolve() for src in srcs if "://" not in src]
        assert len(local) == 3 and all(path.is_file() for path in local), (doc, srcs)
        if doc.parent.parent.name == "es":
            assert local[0] == spacer_es.resolve()


# -- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(image_tree: Path) -> Iterator[str]:
    with serving(image_tree) as base:
        yield base


@pytest.mark.parametrize(("locale", "width"), [("en", 4), ("es", 5), ("pt-BR", 7)])
def test_chromium_loads_and_decodes_the_image(live: str, locale: str, width: int) -> None:
    from .browsers import chromium

    driver = chromium()
    try:
        driver.get(f"{live}/pages/inhaler?locale={locale}")
        found = driver.execute_script(
            "return [...document.images].filter(i => i.src.startsWith(location.origin))"
            ".map(i => { i.decoding = 'sync'; return [i.alt, i.complete, i.naturalWidth]; })"
        )
    finally:
        driver.quit()
    assert found == [
        ["A spacer fitted to an inhaler", True, width],
        ["spacer", True, width],
        ["the mask", True, 1],
    ]


# -- check ---------------------------------------------------------------------------------------

BAD = {
    "![Gone](gone.png)": "image 'gone.png' is missing: no file source_content/assets/gone.png",
    "![Up](../../etc/passwd)": "image '../../etc/passwd' points outside source_content/assets/",
    "![Root](/etc/passwd.png)": "image '/etc/passwd.png' is an absolute path; name a file under "
    "source_content/assets/",
    "![Out](out.png)": "image 'out.png' uses source_content/assets/out.png, which is a link to a "
    "file outside source_content/assets/",
    "![Chart](chart.svg)": "image 'chart.svg' an SVG image can carry script and is not served; "
    "export it as PNG or WebP",
    "![Old](old.bmp)": "image 'old.bmp' is not a PNG, JPEG, GIF or WebP file name (.bmp)",
    "![Fake](fake.png)": "image 'fake.png' uses source_content/assets/fake.png, which is not a PNG "
    "image (its first bytes say otherwise)",
    "![Spacer](spacer.png)": "image 'spacer.png' uses source_content/assets/spacer.es.png, which "
    "is not a PNG image (its first bytes say otherwise)",
}
KEPT = "Keep this paragraph in every locale."


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("bad-images")
    outside = folder / "outside.png"
    outside.write_bytes(png())
    body = "".join(f"{line}\n\n" for line in BAD)
    page = f"---\nslug: inhaler\ntitle: Using a spacer\n---\n\n{body}{KEPT}\n"
    files = {
        "chart.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "old.bmp": b"BM" + bytes(60),
        "fake.png": b"<html><script>alert(1)</script></html>",
        "spacer.png": png(),
        "spacer.es.png": b"GIF89a not a png",
    }
    root = make_tree(folder / "tree", page, files)
    (root / "source_content/assets/out.png").symlink_to(outside)
    code, output = cli_in(root, "check")
    assert code != 0
    return root, output


@pytest.mark.parametrize("line", list(BAD))
def test_an_image_that_may_not_be_shown_is_a_check_error_at_its_line(
    bad_tree: tuple[Path, str], line: str
) -> None:
    root, output = bad_tree
    text = (root / "source_content/pages/inhaler.md").read_text(encoding="utf-8")
    number = text.split("\n").index(line) + 1
    expected = f"source_content/pages/inhaler.md:{number}: error: image: {BAD[line]}"
    assert output.count(expected) == 1, output


@pytest.mark.parametrize("locale", LOCALES)
def test_the_page_is_served_with_each_bad_image_as_its_alt_text(
    bad_tree: tuple[Path, str], locale: str
) -> None:
    root, _ = bad_tree
    client = TestClient(served_app(root))
    url = f"http://testserver/pages/inhaler?locale={locale}"
    got = client.get(url)
    assert got.status_code == 200 and KEPT in got.text
    srcs = local_srcs(got.text, url)
    variant = "spacer.png"  # spacer.es.png is no PNG: es falls back to the English image
    assert srcs == [f"http://testserver/assets/{hashed(variant, png())}"]
    for alt in ("Gone", "Up", "Root", "Out", "Chart", "Old", "Fake"):
        assert f">{alt}</p>" in got.text, alt  # shown as its alt text
