"""A running server follows the content tree (SPEC: "the server serves what is on disk now"):
against a real `clinic-l10n serve` process, each change below is served within 2 s, while a
request loop running throughout sees no failed request and never goes back to an older state."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.release.live import LiveSite, state_hash
from service.site.prepared import Settings, Site, build_site

from .conftest import FIXTURE_TREE, free_port, replace_in
from .pictures import write_png

PAGE = "saline-spray"
HEADING = "What it is"  # a plain heading of the page, approved in es
WITHIN = 2.0  # seconds: the bound from the write to the response


class Server:
    def __init__(self, root: Path, port: int, proc: subprocess.Popen[Any]):
        self.root, self.base, self.proc = root, f"http://127.0.0.1:{port}", proc

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=5) as response:
            return json.load(response)

    def segment(self, english: str, locale: str = "es") -> dict[str, Any]:
        en = self.get(f"/v1/pages/{PAGE}?locale=en")
        seg_id = next(s["id"] for s in en["segments"] if s["text"] == english)
        page = self.get(f"/v1/pages/{PAGE}?locale={locale}")
        found: dict[str, Any] = next(s for s in page["segments"] if s["id"] == seg_id)
        return found

    def until(self, what: str, condition: Callable[[], bool]) -> float:
        """Seconds until `condition` holds; fails after WITHIN."""
        started = time.monotonic()
        while time.monotonic() - started < WITHIN:
            if condition():
                return time.monotonic() - started
            time.sleep(0.05)
        pytest.fail(f"not served within {WITHIN} s: {what}")

    def cli(self, *args: str) -> str:
        exe = Path(sys.executable).parent / "clinic-l10n"
        done = subprocess.run(
            [str(exe), "--root", str(self.root), *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _serve(tmp_path: Path, poll: str) -> Server:
    """`clinic-l10n serve` on a copy of the fixture tree, once /healthz answers."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root)
    port = free_port()
    exe = Path(sys.executable).parent / "clinic-l10n"
    proc = subprocess.Popen(
        [str(exe), "--root", str(root), "serve", "--port", str(port), "--poll", poll],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(root, port, proc)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.get("/healthz")
            return server
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = _serve(tmp_path, "0.2")
    proc = server.proc
    yield server
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    if proc.stderr:
        proc.stderr.close()


class Watcher:
    """Requests the page over and over in a thread: every answer must be a 200 with a page, and
    the heading's text may change once per step, never back (old and new never alternate)."""

    def __init__(self, server: Server):
        self.server, self.failures, self.seen = server, list[str](), list[str]()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                text = self.server.segment(HEADING)["text"]
            except (OSError, urllib.error.HTTPError, StopIteration, ValueError) as exc:
                self.failures.append(repr(exc))
                continue
            if not self.seen or self.seen[-1] != text:
                self.seen.append(text)

    def __enter__(self) -> Watcher:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def test_every_change_is_served_within_two_seconds_without_a_failed_request(
    server: Server,
) -> None:
    spanish = server.segment(HEADING)["text"]
    assert spanish != HEADING
    po = server.root / f"locales/es/LC_MESSAGES/{PAGE}.po"
    good_po = po.read_text(encoding="utf-8")
    who = ("--reviewer", "Dr. Quinn Spare (fictional)")
    with Watcher(server) as watcher:
        # a revocation
        server.cli(
            "review",
            "revoke",
            "es",
            "--page",
            PAGE,
            "--msgid",
            HEADING,
            *who,
            "--reason",
            "reload test",
        )
        server.until("the revocation", lambda: server.segment(HEADING)["locale"] == "en")
        # an approval
        server.cli("review", "approve", "es", "--page", PAGE, "--msgid", HEADING, *who)
        server.until("the approval", lambda: server.segment(HEADING)["locale"] == "es")
        # an edited msgstr voids its approval
        replace_in(po, f'msgstr "{spanish}"', f'msgstr "{spanish} (editado)"')
        server.until("the edit", lambda: server.segment(HEADING)["locale"] == "en")
        po.write_text(good_po, encoding="utf-8")
        server.until("the edit undone", lambda: server.segment(HEADING)["locale"] == "es")
    assert watcher.failures == []
    assert watcher.seen == [spanish, HEADING, spanish, HEADING, spanish]


def test_a_broken_file_keeps_its_last_good_version_until_it_is_fixed(server: Server) -> None:
    po = server.root / f"locales/es/LC_MESSAGES/{PAGE}.po"
    good = po.read_text(encoding="utf-8")
    spanish = server.segment(HEADING)["text"]
    before = server.get("/healthz")["state"]["sha256"]
    with Watcher(server) as watcher:
        po.write_text(good + '\nmsgid "unterminated\n', encoding="utf-8")
        rel = f"locales/es/LC_MESSAGES/{PAGE}.po"
        server.until(
            "degraded health naming the file",
            lambda: any(e.startswith(f"{rel}:") for e in server.get("/healthz")["errors"]),
        )
        assert server.get("/healthz")["status"] == "degraded"
        assert server.segment(HEADING)["text"] == spanish  # the last good catalog still serves
        po.write_text(good, encoding="utf-8")
        server.until("health ok again", lambda: server.get("/healthz")["status"] == "ok")
    assert watcher.failures == [] and watcher.seen == [spanish]
    assert server.get("/healthz")["state"]["sha256"] == before  # the same answers as before


def test_a_new_page_and_a_config_change_are_served(server: Server) -> None:
    new = server.root / "source_content/pages/new-leaflet.md"
    new.write_text(
        "---\nslug: new-leaflet\ntitle: A new leaflet\nauthor: Someone (fictional)\n---\n\n"
        "Ask your pharmacist.\n",
        encoding="utf-8",
    )

    def listed() -> bool:
        return "new-leaflet" in {p["slug"] for p in server.get("/v1/pages")["pages"]}

    # a draft: nothing of it approved, so it is not published (its load is seen in coverage)
    server.until(
        "the new page loaded",
        lambda: "new-leaflet" in {r["page"] for r in server.get("/v1/coverage")["rows"]},
    )
    time.sleep(0.6)  # a poll later: still no release with it
    assert not listed()
    with pytest.raises(urllib.error.HTTPError) as missing:
        server.get("/v1/pages/new-leaflet?locale=en")
    assert missing.value.code == 404
    missing.value.close()
    who = ("--reviewer", "Dr. Quinn Spare (fictional)")
    server.cli("review", "approve", "en", "--page", "new-leaflet", "--all", *who)
    server.until("the new page, once its English is approved", listed)
    published = server.get("/v1/pages/new-leaflet?locale=en")
    assert published["withheld"] == 0
    assert [(s["type"], s["text"]) for s in published["segments"]] == [
        ("title", "A new leaflet"),
        ("paragraph", "Ask your pharmacist."),
    ]

    config = server.root / "l10n.yaml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("  - ar\n", ""), encoding="utf-8")
    server.until(
        "ar no longer enabled",
        lambda: "ar" not in {loc["tag"] for loc in server.get("/v1/locales")["locales"]},
    )
    config.write_text(good + "fallback: [not, a, policy]\n", encoding="utf-8")
    server.until(
        "the broken config reported", lambda: server.get("/healthz")["status"] == "degraded"
    )
    health = server.get("/healthz")
    assert any(e.startswith("l10n.yaml:") for e in health["errors"]), health
    assert "ar" not in {loc["tag"] for loc in server.get("/v1/locales")["locales"]}  # kept


def test_sighup_reloads_at_once(tmp_path: Path) -> None:
    server = _serve(tmp_path, "3600")
    proc = server.proc
    try:
        server.cli(
            "review",
            "revoke",
            "es",
            "--page",
            PAGE,
            "--msgid",
            HEADING,
            "--reviewer",
            "Dr. Quinn Spare (fictional)",
            "--reason",
            "sighup test",
        )
        time.sleep(0.5)
        assert server.segment(HEADING)["locale"] == "es"  # polling once an hour: not seen yet
        os.kill(proc.pid, signal.SIGHUP)
        server.until(
            "the revocation after SIGHUP", lambda: server.segment(HEADING)["locale"] == "en"
        )
    finally:
        proc.send_signal(signal.SIGINT)
        _, log = proc.communicate(timeout=10)
    assert "INFO:     clinic-l10n: reloaded in " in log  # the reload shows in the server's log


def _bodies(site: Site) -> dict[object, bytes]:
    """Every response a site gives, by route and locale."""
    out: dict[object, bytes] = {("health",): site.health.data}
    for key, page in site.pages.items():
        out[("json", *key)] = page.json.render("x")[0]
        out[("html", *key)] = page.html.data
        out[("fragment", *key)] = page.fragment.data
    for loc, body in site.lists.items():
        out[("list", loc)] = body.render("x")[0]
    for name in ("locales", "coverage_json", "index_html"):
        out[(name,)] = getattr(site, name).data
    out[("coverage_html",)] = site.coverage_html().data
    for name in site.images:
        found = site.image(name)
        out[("image", name)] = found.data if found else b""
    return out


CHANGES: list[tuple[str, Callable[[Path], object]]] = [
    (
        "an es msgstr edited",
        lambda root: replace_in(
            root / f"locales/es/LC_MESSAGES/{PAGE}.po", 'msgstr "Seguridad"', 'msgstr "Seguridad!"'
        ),
    ),
    (
        "a ui string edited in pt",
        lambda root: replace_in(
            root / "locales/pt/LC_MESSAGES/ui.po", 'msgstr "Idioma"', 'msgstr "Língua"'
        ),
    ),
    (
        "an English page edited",
        lambda root: replace_in(
            root / f"source_content/pages/{PAGE}.md", "## Storage", "## Keeping it"
        ),
    ),
    (
        "a page added",
        lambda root: (root / "source_content/pages/added.md").write_text(
            "---\nslug: added\ntitle: Added\nauthor: A (fictional)\n---\n\nText.\n"
        ),
    ),
    ("a page removed", lambda root: (root / "source_content/pages/after-your-visit.md").unlink()),
    # ar then shows the page all in English: no longer listed there, so the page's documents in
    # every other locale (their switchers and alternates) change too, though their files did not
    ("an ar ledger removed", lambda root: (root / f"locales/ar/reviews/{PAGE}.yaml").unlink()),
    ("an en ledger removed", lambda root: (root / f"locales/en/reviews/{PAGE}.yaml").unlink()),
    (  # an image with no alt text: no segment, shown as in the English
        "an image added to a page",
        lambda root: (
            write_png(root / "source_content/assets/spray.png", 4, 3, (9, 9, 9)),
            replace_in(
                root / f"source_content/pages/{PAGE}.md",
                "## Keeping it",
                "![](spray.png)\n\n## Keeping it",
            ),
        ),
    ),
    ("an image edited", lambda root: write_png(root / "source_content/assets/spray.png", 5, 5)),
    (
        "a Spanish variant added",
        lambda root: write_png(root / "source_content/assets/spray.es.png", 6, 6),
    ),
    ("an image removed", lambda root: (root / "source_content/assets/spray.png").unlink()),
    (
        "a term protected",
        lambda root: replace_in(
            root / "l10n.yaml", "do_not_translate:\n", "do_not_translate:\n  - What it is\n"
        ),
    ),
]


def test_a_reload_serves_exactly_what_a_fresh_start_would(tmp_path: Path) -> None:
    """Reusing unchanged parts is invisible: after each change, every response of the reloaded
    site, as built from the tree before publishing, equals that of a site built from scratch on
    the same files."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root)
    settings = Settings(root=root)
    live = LiveSite.start(settings)
    for name, change in CHANGES:
        before = state_hash(live.candidate)
        change(root)
        assert live.reload(), name
        assert state_hash(live.candidate) != before, name
        fresh = build_site(settings)
        assert _bodies(live.candidate) == _bodies(fresh), name
        assert state_hash(fresh) == state_hash(live.candidate), name


def test_every_locale_of_a_page_renders_as_if_it_were_the_only_one(tmp_path: Path) -> None:
    """A page's body is parsed once for all its locales: rendering one locale must not leave
    a trace in the next (the safety container once gained a class per locale rendered)."""
    settings = Settings(root=tmp_path / "tree", cache=tmp_path / "cache")
    shutil.copytree(FIXTURE_TREE, settings.root)
    site = build_site(settings)
    for (slug, locale), page in site.pages.items():
        source = (settings.root / f"source_content/pages/{slug}.md").read_text(encoding="utf-8")
        html = page.html.data.decode()
        containers = re.findall(r'<div class="critical[^"]*"', html)
        assert containers == ['<div class="critical"'] * source.count("::: critical"), (
            slug,
            locale,
        )


def test_a_poll_reads_l10n_yaml_again_only_when_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing the config is most of what a poll that finds nothing costs, taken from requests:
    an unchanged l10n.yaml is not read again; a changed one, or one that failed, is."""
    import service.release.live

    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root)
    live = LiveSite.start(Settings(root=root))
    reads: list[Path] = []
    real = service.release.live.load_config

    def counted(at: Path) -> Any:
        reads.append(at)
        return real(at)

    monkeypatch.setattr(service.release.live, "load_config", counted)
    assert not live.reload() and len(reads) == 1  # nothing known yet about the file in service
    assert not live.reload() and not live.reload() and len(reads) == 1
    config = root / "l10n.yaml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "fallback: [not, a, policy]\n", encoding="utf-8")
    assert not live.reload() and not live.reload() and len(reads) == 3  # failing: read each time
    assert live.config_error is not None
    config.write_text(good.replace("  - ar\n", ""), encoding="utf-8")
    assert live.reload() and len(reads) == 4
    assert "ar" not in live.site.config.all_locales and live.config_error is None
    assert not live.reload() and len(reads) == 4
