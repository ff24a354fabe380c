"""A server started on a store that holds a release serves that release at once, and reads the
tree meanwhile (`LiveSite.start(early=True)`, what `clinic-l10n serve` does): what is made of the
tree answers 503 until it is read, nothing is published before, a withdrawal is served meanwhile,
a failed read is reported and tried again, a change made during the read is served at the next poll.

The tree read is held on an event here (`build_site` waits for it), so what is served before and
after the read is seen without a race."""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.config import load_config
from service.core.models import UI_DOMAIN
from service.release import live as live_module
from service.release import served
from service.release.live import LiveSite, TreeUnread
from service.release.store import ReleaseStore
from service.site import records
from service.site.bodies import REQUESTED
from service.site.build import Cache
from service.site.keys import Inputs, Layout, page_keys
from service.site.prepared import Settings, Site
from service.web.fastpath import FastPath
from service.web.server import AppFactory

from .conftest import Run, replace_in, reviewed_shares, served_shares

PAGE = "esketamine-overview"


class _Held:
    """`build_site` held until `release()`; `began` set once a read waits; `after` run on what
    the real read made, before it is served."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate, self.began = threading.Event(), threading.Event()
        self.after: Callable[[], None] = lambda: None
        self.lives: list[LiveSite] = []
        real = live_module.build_site

        def held(settings: Settings, *args: object, **kwargs: object) -> Site:
            self.began.set()
            assert self.gate.wait(60), "the test never let the tree be read"
            site = real(settings, *args, **kwargs)  # type: ignore[arg-type]
            after, self.after = self.after, lambda: None  # once: a reload builds too
            after()
            return site

        monkeypatch.setattr(live_module, "build_site", held)

    def release(self) -> None:
        self.gate.set()

    def app(self, root: Path) -> TestClient:
        """The app exactly as `clinic-l10n serve` makes it (`AppFactory`), no watcher running."""
        client = TestClient(AppFactory(root, poll=None)())
        self.lives.append(_live(client))
        return client


@pytest.fixture
def published(tree: Path, run: Run) -> Path:
    """The shipped tree with its first release published, as a server restarting finds it."""
    run("publish")
    return tree


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Held]:
    found = _Held(monkeypatch)
    yield found
    found.release()  # a read still held ends with its test, not in the next one's folders
    for live in found.lives:
        live.wait_read(60)
    gc.unfreeze()  # AppFactory froze what the process held, as a server does


def _store() -> ReleaseStore:
    return ReleaseStore(Path(os.environ["CLINIC_L10N_RELEASES"]))


def _live(client: TestClient) -> LiveSite:
    app = client.app
    assert isinstance(app, FastPath)
    return app.live


def _starting(client: TestClient, held: _Held) -> LiveSite:
    live = _live(client)
    assert held.began.wait(30) and live.reading
    return live


def test_serve_answers_the_published_release_before_the_tree_is_read(
    published: Path, held: _Held
) -> None:
    client = held.app(published)
    live = _starting(client, held)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "starting"
    assert health.json()["state"]["release"] == _store().head()[0]  # type: ignore[index]
    # the patient's page is the published bytes, exactly
    version = _store().current().pages[PAGE]["es"]  # type: ignore[union-attr]
    page = client.get(f"/v1/pages/{PAGE}?locale=es")
    stored = _store().get(version.json).replace(json.dumps(REQUESTED).encode(), b'"es"')
    assert page.status_code == 200 and page.content == stored
    html = client.get(f"/pages/{PAGE}?locale=es")
    assert html.status_code == 200 and html.content == _store().get(version.html)
    files = dict(version.files)
    document = client.get(f"/es/{PAGE}/")
    assert document.content == _store().get(files[f"es/{PAGE}/index.html"]), sorted(files)
    assert client.get("/v1/pages?locale=es").status_code == 200
    # the locales' reviewed shares are counted in the release: served at once
    assert client.get("/v1/locales").status_code == 200
    shares = served_shares(client)
    assert reviewed_shares(client) == shares and shares["es"] > 0
    # what is made of the tree is not known yet: 503, to be asked again
    for path in ("/v1/coverage", "/coverage", "/review/", "/v1/reviews/pending"):
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.status_code)
        assert answer.headers["retry-after"] == "5", path
        assert "reading the content tree" in answer.json()["detail"], path
    with pytest.raises(TreeUnread):
        live.tree_site()

    held.release()
    assert live.wait_read(60)
    assert client.get("/healthz").json()["status"] == "ok"
    for path in ("/v1/coverage", "/coverage"):
        assert client.get(path).status_code == 200, path
    locales = client.get("/v1/locales")
    wanted = ["en", *load_config(published).locales]
    assert [loc["tag"] for loc in locales.json()["locales"]] == wanted
    assert reviewed_shares(client) == served_shares(client) == shares
    assert client.get(f"/v1/pages/{PAGE}?locale=es").content == page.content


def test_a_release_that_did_not_count_its_messages_gives_503_for_locales_until_read(
    published: Path, held: _Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its versions made before versions counted their messages: the tree's shares are served,
    so `/v1/locales` waits for the tree like coverage."""
    monkeypatch.setattr(served, "release_shares", lambda release, locales: None)
    client = held.app(published)
    live = _starting(client, held)
    answer = client.get("/v1/locales")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    held.release()
    assert live.wait_read(60)
    assert client.get("/v1/locales").status_code == 200


def test_nothing_is_published_before_the_tree_is_read(
    published: Path, run: Run, held: _Held
) -> None:
    before = _store().head()
    source = published / f"source_content/pages/{PAGE}.md"
    client = held.app(published)
    live = _starting(client, held)
    source.unlink()  # the tree now allows a release without the page
    assert live.reload() is False and live.follow() is False  # what a poll does
    assert _store().head() == before
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 200
    held.release()
    assert live.wait_read(60)
    assert _store().head()[0] == before[0] + 1  # type: ignore[index]
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 404


def test_a_change_made_while_the_tree_is_read_is_served_at_the_next_poll(
    published: Path, held: _Held
) -> None:
    source = published / f"source_content/pages/{PAGE}.md"
    held.after = source.unlink  # after the read has hashed and read every file
    client = held.app(published)
    live = _starting(client, held)
    held.release()
    assert live.wait_read(60)
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 200
    assert live.reload() is True
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 404


def test_a_withdrawal_made_while_the_tree_is_read_is_served_by_the_next_poll(
    published: Path, run: Run, held: _Held
) -> None:
    client = held.app(published)
    live = _starting(client, held)
    live.watch(0.1)  # the watcher `serve` runs (its SIGHUP handler needs the main thread)
    try:
        run("withdraw", PAGE, "--reason", "a wrong dose", "--by", "Dr. Test Reviewer")
        deadline = time.monotonic() + 2
        while client.get(f"/v1/pages/{PAGE}?locale=es").status_code != 404:
            assert time.monotonic() < deadline, "not withdrawn within 2 s"
            time.sleep(0.05)
        assert live.reading
        held.release()
        assert live.wait_read(60)
        assert client.get(f"/v1/pages/{PAGE}?locale=es").status_code == 404
    finally:
        live.stop()


def test_a_read_that_fails_is_reported_and_tried_again(published: Path, held: _Held) -> None:
    config = published / "l10n.yaml"
    good = config.read_text(encoding="utf-8")
    client = held.app(published)
    live = _starting(client, held)
    config.write_text("locales: [es\n", encoding="utf-8")  # broken after the start read it
    held.release()
    deadline = time.monotonic() + 10
    while not (report := client.get("/healthz").json())["errors"]:
        assert time.monotonic() < deadline, "the failed read is not in /healthz"
        time.sleep(0.05)
    assert report["status"] == "starting"
    assert "l10n.yaml" in report["errors"][0], report
    assert client.get("/v1/coverage").status_code == 503
    config.write_text(good, encoding="utf-8")
    assert live.wait_read(15), "the read was not tried again"  # every 5 s
    report = client.get("/healthz").json()
    assert (report["status"], report["errors"]) == ("ok", [])


def test_a_read_stopped_publishes_nothing(published: Path, held: _Held) -> None:
    before = _store().head()
    (published / f"source_content/pages/{PAGE}.md").unlink()
    client = held.app(published)
    live = _starting(client, held)
    live.stop()  # what the server does when it is told to stop
    held.release()
    assert not live.wait_read(3)
    assert _store().head() == before
    assert client.get(f"/v1/pages/{PAGE}?locale=en").status_code == 200
    held.lives.clear()  # nothing left to wait for


def test_a_store_whose_release_lacks_a_locale_of_the_config_is_served_once_read(
    published: Path, held: _Held
) -> None:
    replace_in(published / "l10n.yaml", "  - vi\n", "  - vi\n  - fr\n")
    held.release()  # a start that reads the tree first: nothing held
    client = held.app(published)
    assert not _live(client).reading
    assert client.get("/v1/pages?locale=fr").status_code == 200
    assert "lists/fr.json" in _store().current().files  # type: ignore[union-attr]


def test_a_store_without_a_release_is_served_once_the_tree_is_read(tree: Path, held: _Held) -> None:
    """Nothing to serve early: the first start reads the tree and publishes before it answers."""
    held.release()
    client = held.app(tree)
    assert not _live(client).reading
    assert client.get("/healthz").json()["status"] == "ok"
    assert _store().head() is not None
    assert client.get(f"/v1/pages/{PAGE}?locale=es").status_code == 200


def test_a_build_in_workers_stops_between_runs(
    tree: Path, monkeypatch: pytest.MonkeyPatch, build_cache: Path
) -> None:
    monkeypatch.setattr(records, "_PARALLEL_FROM", 1)  # two pages are enough for workers
    config = load_config(tree)
    layout, inputs = Layout(config), Inputs()
    slugs = [PAGE, UI_DOMAIN]
    keys = page_keys(layout, inputs, slugs, {})
    todo = [(slug, tuple(config.all_locales)) for slug in slugs]
    digests = {
        rel: inputs.get(path)
        for slug, locales in todo
        for loc in locales
        for path, rel in layout.page_files(slug, loc)
    }

    def make(stop: threading.Event | None) -> list[records.Built]:
        return records.make_all(config, Cache(build_cache), todo, keys, digests, {}, 2, stop)

    assert len(make(None)) == 2 * len(config.all_locales)
    stop = threading.Event()
    stop.set()
    with pytest.raises(records.Stopped):
        make(stop)
