"""`clinic-l10n export`: a site that a real web server (Debian's nginx) serves as it is, crawled
link by link; the JSON and the pages as the server serves them, but for their links; stale files of
an earlier export removed and nothing else; the stylesheet under its content's hash, on the server
too."""

from __future__ import annotations

import grp
import hashlib
import json
import mimetypes
import os
import pwd
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from benchmarks.gen_tree import build_tree
from service.core.config import Config
from service.release.export import MANIFEST, plan
from service.release.publish import publish
from service.release.store import ReleaseStore
from service.render.links import page_path
from service.site.prepared import Settings, build_site, slugs

from .conftest import (
    REPO,
    SHIPPED,
    Run,
    free_port,
    html_elements,
    replace_in,
    serving,
    set_base_url,
)
from .pictures import PAGE, SPACERS, make_tree

BASE = "https://clinic.example/learn/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
FIXTURE_PAGES = ("after-your-visit", "saline-spray")
FIXTURE_LOCALES = ("en", "es", "pt", "pt-BR", "ar")


def export(run: Run, root: Path, out: Path, *args: str, code: int = 0) -> str:
    return run("export", "--out", str(out), *args, code=code, root=root).output


def export_at(run: Run, root: Path, out: Path, base: str) -> str:
    """The export of a tree whose l10n.yaml says it is served at `base` (`--base-url` checks)."""
    set_base_url(root, base)
    return export(run, root, out, "--base-url", base)


# -- the files and what is in them ---------------------------------------------------------------


def test_each_page_is_a_folder_with_the_served_json_beside_its_html(
    run: Run, fixture_tree: Path, client_for: Callable[[Path], TestClient]
) -> None:
    out = fixture_tree / "exported"
    export_at(run, fixture_tree, out, BASE)
    client = client_for(fixture_tree)
    for slug in FIXTURE_PAGES:
        for loc in FIXTURE_LOCALES:
            served = client.get(f"/v1/pages/{slug}", params={"locale": loc}).json()
            exported = json.loads((out / loc / slug / "index.json").read_text(encoding="utf-8"))
            assert exported.pop("english_url") == f"{BASE}en/{slug}/index.json"
            assert exported.pop("english_html_url") == f"{BASE}en/{slug}/"
            assert exported.pop("html_url") == f"{BASE}{loc}/{slug}/"
            assert exported.pop("requested_locale") is None
            for key in ("english_url", "english_html_url", "html_url", "requested_locale"):
                del served[key]
            assert exported == served
            assert (
                (out / loc / slug / "index.html")
                .read_text(encoding="utf-8")
                .startswith("<!DOCTYPE html>")
            )
    listed = json.loads((out / "pt" / "index.json").read_text(encoding="utf-8"))
    # after-your-visit is all or nothing (fallback: page) and pt lacks one of its paragraphs: it
    # is English there, so served (above) but not listed
    assert [(p["url"], p["html_url"]) for p in listed["pages"]] == [
        (f"{BASE}pt/saline-spray/index.json", f"{BASE}pt/saline-spray/")
    ]
    assert not (out / "coverage.json").exists()  # the tree's, not the release's


class _Visible(HTMLParser):
    """What a page shows and how it is marked up, links aside (their targets differ by design)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[object] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            self.found.append((tag, sorted((k, v) for k, v in attrs if k != "href")))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.found.append(data)


def visible(html: str) -> list[object]:
    parser = _Visible()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("loc", FIXTURE_LOCALES)
def test_an_exported_page_shows_what_the_server_shows_with_links_into_the_export(
    run: Run, fixture_tree: Path, client_for: Callable[[Path], TestClient], loc: str
) -> None:
    out = fixture_tree / "exported"
    export_at(run, fixture_tree, out, BASE)
    served = client_for(fixture_tree).get("/pages/saline-spray", params={"locale": loc}).text
    exported = (out / loc / "saline-spray" / "index.html").read_text(encoding="utf-8")
    assert visible(exported) == visible(served)
    links = {(a.get("rel"), a.get("hreflang"), a.get("href")) for t, a in html_elements(exported)}
    assert ("alternate", "x-default", f"{BASE}en/saline-spray/") in links
    assert ("alternate", "pt-BR", f"{BASE}pt-BR/saline-spray/") in links
    switcher = [a["href"] for t, a in html_elements(exported) if t == "a" and a.get("hreflang")]
    assert switcher[: len(FIXTURE_LOCALES)] == [
        f"../../{tag}/saline-spray/" for tag in FIXTURE_LOCALES
    ]


def test_without_a_base_url_alternates_and_the_sitemap_are_left_out_and_it_says_so(
    run: Run, fixture_tree: Path
) -> None:
    out = fixture_tree / "exported"
    output = export(run, fixture_tree, out)
    assert "no base_url in l10n.yaml: hreflang alternates and sitemap.xml are left out" in output
    assert not (out / "sitemap.xml").exists()
    for html in out.rglob("*.html"):
        rels = [a.get("rel") for t, a in html_elements(html.read_text(encoding="utf-8"))]
        assert "alternate" not in rels, html
    page = out / "es" / "saline-spray" / "index.json"
    data = json.loads(page.read_text(encoding="utf-8"))
    # relative to the JSON document, as a client resolves them
    english = urljoin(page.as_uri(), data["english_url"])
    assert english == (out / "en" / "saline-spray" / "index.json").as_uri()
    assert urljoin(page.as_uri(), data["html_url"]) == (out / "es" / "saline-spray").as_uri() + "/"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("clinic.example/learn", "must be an absolute http(s) URL"),
        ("ftp://clinic.example/", "must be an absolute http(s) URL"),
        ("https:///learn/", "must be an absolute http(s) URL"),
        ("https://clinic.example/?lang=es", "cannot have a query or a fragment"),
        ("https://clinic.example/#top", "cannot have a query or a fragment"),
    ],
)
def test_a_bad_base_url_is_refused_before_anything_is_written(
    run: Run, fixture_tree: Path, url: str, reason: str
) -> None:
    out = fixture_tree / "exported"
    output = export(run, fixture_tree, out, "--base-url", url, code=2)
    assert reason in output and output.count("\n") == 1
    assert not out.exists()


def test_the_stylesheet_is_written_before_the_pages_and_the_sitemap_after_them(
    fixture_tree: Path,
) -> None:
    set_base_url(fixture_tree, BASE)
    settings = Settings(fixture_tree)
    store = ReleaseStore(settings.release_dir())
    order = list(plan(store, publish(build_site(settings), store).release))
    first_page = next(i for i, path in enumerate(order) if path.endswith("/index.html"))
    assert order[0].startswith("assets/clinic-l10n.") and first_page > 0
    assert order.index("sitemap.xml") > max(i for i, p in enumerate(order) if p.endswith(".html"))


# -- exporting again ---------------------------------------------------------------------------


def test_an_export_again_removes_only_what_the_last_one_wrote_and_no_longer_writes(
    run: Run, fixture_tree: Path, tmp_path: Path
) -> None:
    out = fixture_tree / "exported"
    export_at(run, fixture_tree, out, BASE)
    again = export(run, fixture_tree, out, "--base-url", BASE)
    assert again.endswith("(0 changed, 0 removed)\n")  # nothing rewritten, no mtime churn
    ours = {out / "robots.txt": "User-agent: *\n", out / "ar" / "notes.txt": "ours\n"}
    for path, text in ours.items():
        path.write_text(text, encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the export's\n", encoding="utf-8")
    with (out / MANIFEST).open("a", encoding="utf-8") as fh:  # a manifest edited by hand
        fh.write("../../outside.txt\n/etc/hostname\n")
    config = fixture_tree / "l10n.yaml"
    config.write_text(config.read_text().replace("  - ar\n", "", 1), encoding="utf-8")
    set_base_url(fixture_tree, None)
    output = export(run, fixture_tree, out)  # a locale fewer, and no sitemap (no base URL)
    gone = ["ar/index.html", "ar/index.json"] + [
        f"ar/{slug}/index.{ext}" for slug in FIXTURE_PAGES for ext in ("html", "json")
    ]
    assert output.endswith(f"{len(gone) + 1} removed)\n"), output
    assert not (out / "sitemap.xml").exists()
    assert not any((out / path).exists() for path in gone)
    assert all(path.read_text(encoding="utf-8") == text for path, text in ours.items())
    assert sorted(p.name for p in (out / "ar").iterdir()) == ["notes.txt"]  # folders emptied: gone
    assert outside.exists()
    listed = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert "es/saline-spray/index.html" in listed and "ar/index.html" not in listed


def test_an_export_into_a_file_is_refused(run: Run, fixture_tree: Path) -> None:
    out = fixture_tree / "a-file"
    out.write_text("x", encoding="utf-8")
    assert "is a file" in export(run, fixture_tree, out, code=2)
    assert out.read_text(encoding="utf-8") == "x"


# -- the stylesheet ----------------------------------------------------------------------------


def stylesheet_of(html: str) -> str:
    (href,) = [
        a["href"] for t, a in html_elements(html) if t == "link" and a["rel"] == "stylesheet"
    ]
    assert href is not None
    return href


@pytest.mark.parametrize("path", ["/", "/coverage", "/pages/saline-spray?locale=ar"])
def test_the_server_serves_the_stylesheet_under_its_content_hash_for_a_year(
    fixture_client: TestClient, path: str
) -> None:
    href = stylesheet_of(fixture_client.get(path).text)
    got = fixture_client.get(href)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/css")
    assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
    name = href.rsplit("/", 1)[1]
    assert name == f"clinic-l10n.{hashlib.sha256(got.content).hexdigest()[:16]}.css"
    assert b".clinic-l10n-page .critical" in got.content
    assert (
        fixture_client.get(href.replace(name, "clinic-l10n.0000000000000000.css")).status_code
        == 404
    )


def test_the_export_writes_the_stylesheet_the_server_serves(
    run: Run, fixture_tree: Path, fixture_client: TestClient
) -> None:
    out = fixture_tree / "exported"
    export(run, fixture_tree, out)
    page = (out / "es" / "saline-spray" / "index.html").read_text(encoding="utf-8")
    href = stylesheet_of(page)
    assert href.startswith("../../assets/clinic-l10n.")
    written = (out / "es" / "saline-spray" / href).resolve()
    served = fixture_client.get(stylesheet_of(fixture_client.get("/").text))
    assert written.read_bytes() == served.content


# -- a real web server -------------------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    assert found, "nginx is required (make test installs it: system-deps)"
    return found


@contextmanager
def nginx(folder: Path, prefix: str, port: int, work: Path) -> Iterator[str]:
    """Debian's nginx serving `folder` at http://127.0.0.1:PORT{prefix} (a path below the root, so
    that a link written from the host's root would miss), run as the current user with every
    file it writes under `work`; yields the URL."""
    server = f"""  server {{
    listen 127.0.0.1:{port};
    location {prefix} {{ alias {folder}/; index index.html; }}
  }}"""
    url = f"http://127.0.0.1:{port}{prefix}"
    with nginx_running(server, url, work):
        yield url


@contextmanager
def nginx_running(server: str, url: str, work: Path) -> Iterator[None]:
    """Debian's nginx with `server` (what goes in its http block: server blocks, an include),
    run as the current user with every file it writes under `work`, until `url` answers."""
    work.mkdir(parents=True, exist_ok=True)
    temps = "\n".join(
        f"  {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # A master started as root hands requests to workers as `user`: keep them this user too.
    user = (
        f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
        if os.getuid() == 0
        else ""
    )
    conf = work / "nginx.conf"
    conf.write_text(
        f"""daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
{user}
events {{ worker_connections 64; }}
http {{
  types {{ text/html html; text/css css; application/json json; application/xml xml;
    image/png png; image/gif gif; image/jpeg jpg jpeg; image/webp webp; }}
  default_type application/octet-stream;
  access_log {work / "access.log"};
{temps}
{server}
}}
""",
        encoding="utf-8",
    )
    exe = nginx_binary()
    command = [exe, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"our nginx.conf is wrong: {checked.stderr}"
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except urllib.error.HTTPError as exc:  # nginx serves, and answers an error there
            proc.kill()
            proc.communicate()
            pytest.fail(f"nginx answered {exc.code} at {url}")
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                why = (proc.stderr.read().decode() if proc.stderr else "") + (
                    (work / "error.log").read_text() if (work / "error.log").exists() else ""
                )
                pytest.skip(f"nginx accepted its config but could not serve here: {why}")
            time.sleep(0.05)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


@dataclass
class Document:
    status: int
    kind: str = ""
    body: bytes = b""
    lang: str | None = None
    links: list[str] = field(default_factory=list)  # every href and src, resolved
    alternates: dict[str, str] = field(default_factory=dict)  # hreflang -> href


def fetch(url: str) -> Document:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = Document(r.status, r.headers.get_content_type(), r.read())
    except urllib.error.HTTPError as exc:
        return Document(exc.code)
    if doc.kind == "text/html":
        for tag, attrs in html_elements(doc.body.decode("utf-8")):
            if tag == "html":
                doc.lang = attrs.get("lang")
            for name in ("href", "src"):
                if attrs.get(name):
                    doc.links.append(urldefrag(urljoin(url, attrs[name] or ""))[0])
            if tag == "link" and attrs.get("rel") == "alternate":
                hreflang, href = attrs.get("hreflang"), attrs.get("href")
                assert hreflang and href and hreflang not in doc.alternates, (url, attrs)
                doc.alternates[hreflang] = href
    return doc


def sitemap(url: str) -> dict[str, dict[str, str]]:
    """Each `<loc>` of the sitemap with its `xhtml:link` alternates, read by an XML parser."""
    got = fetch(url)
    assert (got.status, got.kind) == (200, "application/xml")
    root = ElementTree.fromstring(got.body)
    assert root.tag == f"{SITEMAP}urlset"
    found: dict[str, dict[str, str]] = {}
    for entry in root.findall(f"{SITEMAP}url"):
        (loc,) = [e.text for e in entry.findall(f"{SITEMAP}loc")]
        assert loc and loc not in found
        found[loc] = {
            str(link.get("hreflang")): str(link.get("href"))
            for link in entry.findall(f"{XHTML}link")
            if link.get("rel") == "alternate"
        }
    return found


@dataclass
class Crawl:
    documents: dict[str, Document]
    external: set[str]


def crawl(base: str, extra: list[str]) -> Crawl:
    """From `base`, every link of every HTML document under it, and `extra`; and the links of
    each JSON document found beside an HTML page."""
    documents: dict[str, Document] = {}
    external: set[str] = set()
    todo = [base, *extra]
    while todo:
        url = todo.pop()
        if url in documents or url in external:
            continue
        if not url.startswith(base):
            external.add(url)
            continue
        doc = documents[url] = fetch(url)
        todo += doc.links + list(doc.alternates.values())
        if doc.kind == "text/html" and url != base:  # a page or a list: its JSON beside it
            todo.append(url + "index.json")
        if doc.kind == "application/json" and doc.status == 200:
            data = json.loads(doc.body)
            for entry in [data, *data.get("pages", [])]:
                todo += [
                    urljoin(url, entry[k]) for k in ("english_url", "html_url", "url") if k in entry
                ]
    return Crawl(documents, external)


def reviewed_locales(root: Path, config: Config, slug: str, out: Path) -> set[str]:
    """The locales in which a page has a translation approved, in the locale or a non-English
    locale of its chain, read off the ledgers as files (one JSON event a line); and English. A page
    served all in one locale or all in English (`fallback: page`) counts only where its exported
    JSON shows a translated part, since one approval alone does not serve it."""

    def approved(loc: str) -> bool:
        if "\nfallback: page\n" in (root / f"source_content/pages/{slug}.md").read_text("utf-8"):
            page = json.loads((out / loc / slug / "index.json").read_text("utf-8"))
            return any(s.get("locale", "en") != "en" for s in page["segments"])
        ledger = root / "locales" / loc.replace("-", "_") / "reviews" / f"{slug}.yaml"
        lines = ledger.read_text("utf-8").splitlines() if ledger.exists() else []
        return any(json.loads(line[2:])["event"] == "approve" for line in lines if line[:2] == "- ")

    return {config.source_locale} | {
        loc
        for loc in config.locales
        if any(approved(c) for c in config.chain(loc) if c != config.source_locale)
    }


def exported_tree(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    root = tmp_path_factory.mktemp(name)
    if name == "shipped":
        for item in SHIPPED:
            src = REPO / item
            if src.is_dir():
                shutil.copytree(src, root / item, ignore=shutil.ignore_patterns("*.mo"))
            else:
                shutil.copy2(src, root / item)
    elif name == "images":
        root = make_tree(root / "tree", PAGE, SPACERS)
    else:
        build_tree(root / "tree", pages=3)
        root = root / "tree"
    return root


@pytest.mark.parametrize("name", ["shipped", "generated", "images"])
def test_nginx_serves_the_export_and_a_crawl_finds_no_broken_link(
    run: Run, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, name: str
) -> None:
    root = exported_tree(tmp_path_factory, name)
    config = build_site(Settings(root)).config
    port, prefix = free_port(), "/patient-pages/"
    base = f"http://127.0.0.1:{port}{prefix}"
    out = tmp_path / "site"
    export_at(run, root, out, base)
    with nginx(out, prefix, port, tmp_path / "nginx") as url:
        assert url == base
        entries = sitemap(base + "sitemap.xml")
        found = crawl(base, list(entries) + [u for alts in entries.values() for u in alts.values()])
    docs = found.documents
    broken = sorted(u for u, d in docs.items() if d.status != 200)
    assert broken == []
    assert all(urlsplit(u).hostname != "127.0.0.1" for u in found.external), found.external
    pages = {u: d for u, d in docs.items() if d.kind == "text/html"}
    # every page in each locale it has reviewed text in (per its ledgers; for a page served all or
    # nothing, per the JSON the export wrote of it), each such locale's list and the choice of
    # language: nothing else is linked (shipped: vi has nothing reviewed)
    listed = {slug: reviewed_locales(root, config, slug, out) for slug in slugs(config)}
    offered = {loc for tags in listed.values() for loc in tags}
    assert ("vi" in offered) is (name == "generated")
    expected = {base + page_path(slug, loc) for slug, tags in listed.items() for loc in tags}
    assert set(pages) == expected | {f"{base}{loc}/" for loc in offered} | {base}
    assert set(entries) == set(pages)
    assert any(d.kind == "text/css" for d in docs.values())
    if name == "images":  # the page is listed in English only (nothing of it is translated), so
        # the crawl meets its English spacer and the mask; every variant is written and resolves
        # from the unlisted pages too (test_images.test_the_export_writes_every_image_...)
        images = {
            u.rsplit("/", 1)[1].split(".")[0]
            for u, d in docs.items()
            if d.kind.startswith("image/")
        }
        assert images == {"spacer", "mask"}
    for url, doc in pages.items():
        path = url.removeprefix(base)
        assert doc.lang == (path.split("/")[0] or config.source_locale), url
        slug = path.split("/")[1] if path.count("/") == 2 else None
        assert set(doc.alternates) == {*(listed[slug] if slug else offered), "x-default"}, url
        assert doc.alternates == entries[url], url  # the sitemap says what the page says
        assert url in doc.alternates.values(), url  # each names itself among its versions
        for hreflang, href in doc.alternates.items():
            assert href in pages, (url, hreflang, href)
            assert url in pages[href].alternates.values(), f"{href} does not link back to {url}"


# -- a copy of a release -----------------------------------------------------------------------


def exported_files(out: Path) -> dict[str, bytes]:
    """Every file an export wrote, by path, with its bytes (its own list of them aside)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def served_at(rel: str) -> list[str]:
    """The URL paths a server serves a file of the export at: a folder's index.html at the
    folder too, as a static web server does; the export's front page at /index.html, since /
    is the server's own front page (which links the server's routes)."""
    if rel == "index.html":
        return ["/index.html"]
    if rel.endswith("/index.html"):
        return ["/" + rel.removesuffix("index.html"), "/" + rel]
    return ["/" + rel]


@pytest.mark.parametrize(
    ("name", "base"), [("shipped", BASE), ("generated", None), ("images", BASE)]
)
def test_every_file_of_the_export_is_what_a_running_server_answers_at_its_path(
    run: Run, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, name: str, base: str | None
) -> None:
    root = exported_tree(tmp_path_factory, name)
    set_base_url(root, base)
    out = tmp_path / "site"
    assert "files of release 1 " in export(run, root, out)
    files = exported_files(out)
    assert ("sitemap.xml" in files) is (base is not None)
    assert any(rel.startswith("assets/clinic-l10n.") for rel in files)
    assert sum(rel.endswith("/index.json") for rel in files) > 3
    with serving(root) as server:  # on the same store (the test's): nothing new to publish
        state = json.loads(fetch(f"{server}/healthz").body)["state"]
        assert state["release"] == 1
        for rel, data in files.items():
            for path in served_at(rel):
                got = fetch(server + path)
                assert (got.status, got.body) == (200, data), path
                assert got.kind == mimetypes.guess_type(rel)[0], path
        assert fetch(f"{server}/es/no-such-page/").status == 404
        assert fetch(f"{server}/es/no-such-page/index.json").status == 404


def test_an_export_of_an_earlier_release_is_that_release_after_later_ones(
    run: Run, fixture_tree: Path, tmp_path: Path
) -> None:
    set_base_url(fixture_tree, BASE)
    first = tmp_path / "first"
    assert "files of release 1 " in export(run, fixture_tree, first)
    catalog = fixture_tree / "locales/es/LC_MESSAGES/saline-spray.po"
    replace_in(catalog, 'msgstr "Qué es"', 'msgstr "Qué es esto"')  # its approval is void
    later = tmp_path / "later"
    assert "files of release 2 " in export(run, fixture_tree, later)  # published first
    before, after = exported_files(first), exported_files(later)
    assert before.keys() == after.keys()
    changed = {rel for rel in before if before[rel] != after[rel]}
    page = {"es/saline-spray/index.html", "es/saline-spray/index.json"}
    assert page <= changed <= page | {"es/index.json", "es/index.html"}  # and its list
    store = ReleaseStore(Settings(fixture_tree).release_dir())
    ident = list(store.chain())[-1].id
    for ref in ("1", ident[:8]):
        again = tmp_path / f"again-{ref}"
        assert "files of release 1 " in export(run, fixture_tree, again, "--release", ref)
        assert exported_files(again) == before
    assert (store.head() or (0, ""))[0] == 2  # an earlier release is exported, nothing published
    assert "no release '9'" in export(run, fixture_tree, tmp_path / "x", "--release", "9", code=2)
    run("rollback", "1", "--reason", "test", "--by", "Dr. Test Reviewer")
    rolled = tmp_path / "rolled"
    assert "files of release 3 " in export(run, fixture_tree, rolled)
    assert exported_files(rolled) == before


@pytest.mark.parametrize(
    ("configured", "asked", "code"),
    [
        (None, BASE, 2),
        (BASE, "https://other.example/learn/", 2),
        (BASE, BASE.removesuffix("/"), 0),  # the same URL, as base_url is written
    ],
)
def test_a_base_url_other_than_the_releases_is_refused(
    run: Run, fixture_tree: Path, configured: str | None, asked: str, code: int
) -> None:
    set_base_url(fixture_tree, configured)
    out = fixture_tree / "exported"
    output = export(run, fixture_tree, out, "--base-url", asked, code=code)
    if code:
        assert "set base_url in l10n.yaml" in output and output.count("\n") == 1
        assert not out.exists()


def test_a_new_base_url_makes_every_pages_files_again_a_page_kept_as_a_draft_too(
    run: Run, fixture_tree: Path, tmp_path: Path
) -> None:
    set_base_url(fixture_tree, BASE)
    export(run, fixture_tree, tmp_path / "before")
    page = fixture_tree / "source_content/pages/saline-spray.md"
    replace_in(page, "- Blow your nose gently.", "- Blow your nose gently, once.")  # a draft
    published = run("publish").output
    assert "kept as published (its English has a draft): saline-spray" in published
    other = "https://other.example/patients/"
    set_base_url(fixture_tree, other)
    out = tmp_path / "after"
    export(run, fixture_tree, out, "--base-url", other)
    written = exported_files(out)
    assert not [rel for rel, data in written.items() if BASE.encode() in data]
    for slug in FIXTURE_PAGES:
        html = written[f"en/{slug}/index.html"].decode("utf-8")
        assert f'hreflang="x-default" href="{other}en/{slug}/"' in html, slug
    kept = written["en/saline-spray/index.html"].decode("utf-8")
    assert "Blow your nose gently." in kept and "gently, once" not in kept  # as published
