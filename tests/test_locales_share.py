"""`/v1/locales`' reviewed share is the release's: counted in the versions patients are served, so
a withdrawal counts at once and a page never published never does; a message used twice counts
once, a withheld one as not served; a release made before versions counted their messages gives
the tree's share until the next publish counts them.

The oracle is the served JSON (`conftest.served_shares`): of each published page, its distinct
English texts, and those every use of which is served in the locale asked for."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from service.core.models import UI_DOMAIN
from service.release import served
from service.release.served import Bodies, served_site
from service.release.store import ReleaseStore
from service.site.prepared import Settings, build_site
from service.web.api import create_app
from service.web.fastpath import FastPath

from .conftest import Run, new_page, replace_in, reviewed_shares, served_shares

PAGE = "esketamine-overview"
DRAFT = "a-draft-leaflet"
BY = ("--by", "Dr. Test Reviewer")


def _store() -> ReleaseStore:
    return ReleaseStore(Path(os.environ["CLINIC_L10N_RELEASES"]))


def _tree_share(client: TestClient, tag: str) -> float:
    """The coverage table's share: every page of the tree, drafts included (not the ui strings)."""
    rows = client.get("/v1/coverage").json()["rows"]
    rows = [r for r in rows if r["locale"] == tag and r["page"] != UI_DOMAIN]
    return round(sum(r["served"] for r in rows) / sum(r["total"] for r in rows), 4)


def test_the_reviewed_share_is_counted_in_the_release_served(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    run("publish")
    client = client_for(tree)
    before = reviewed_shares(client)
    assert before == served_shares(client)
    assert before["en"] == 1.0 and 0 < before["es"] <= 1

    new_page(tree, DRAFT)  # never published, so never counted (the tree's table counts it)
    client = client_for(tree)
    assert reviewed_shares(client) == before
    assert _tree_share(client, "es") < before["es"]

    # the Spanish page withdrawn: shown all in English at once, and counted so
    run("withdraw", PAGE, "--locale", "es", "--reason", "check", *BY)
    client = client_for(tree)
    after = reviewed_shares(client)
    assert after == served_shares(client)
    assert after["es"] == 0.0 < _tree_share(client, "es")
    assert {t: s for t, s in after.items() if t != "es"} == {
        t: s for t, s in before.items() if t != "es"
    }


def test_a_release_whose_versions_did_not_count_gives_the_tree_s_share(
    tree: Path, run: Run
) -> None:
    """A version made before versions counted their messages (`served` and `messages` None)."""
    run("publish")
    new_page(tree, DRAFT)  # so that the tree's shares are not the release's
    site = build_site(Settings(root=tree))
    release = _store().current()
    assert release is not None
    found = Bodies(_store())
    counted = served_site(site, release, found)
    assert counted.locales_released and counted.locales.data != site.locales.data

    uncounted = replace(
        release,
        pages={
            slug: {loc: replace(v, served=None, messages=None) for loc, v in versions.items()}
            for slug, versions in release.pages.items()
        },
    )
    assert served.release_shares(uncounted, site.config.all_locales) is None
    old = served_site(site, uncounted, found)
    assert not old.locales_released
    assert old.locales.data == site.locales.data


def test_a_release_whose_versions_did_not_count_is_counted_by_the_next_publish(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    """A store written by the code before: the next publish makes each version again, the same
    bodies, first published when they were, now with their counts."""
    run("publish")
    store = _store()
    current = store.current()
    assert current is not None
    bare = {
        s: {loc: replace(v, served=None, messages=None) for loc, v in locs.items()}
        for s, locs in current.pages.items()
    }
    store.commit(replace(current, seq=2, previous=current.id, pages=bare, id=""))
    new_page(tree, DRAFT)  # so that the tree's shares are not the release's

    assert "release 3" in run("publish").output
    after = store.current()
    assert after is not None and after.seq == 3
    for slug, locs in current.pages.items():
        for loc, v in locs.items():
            made = after.pages[slug][loc]
            assert (made.json, made.html, made.since) == (v.json, v.html, v.since), (slug, loc)
            assert made.messages is not None and made.served is not None
    client = client_for(tree)
    assert reviewed_shares(client) == served_shares(client)
    assert reviewed_shares(client)["es"] != _tree_share(client, "es")


def test_a_message_used_twice_counts_once_and_a_withheld_one_is_not_served(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    """A list item repeated (the same message, approved once) and one segment withdrawn in every
    locale (withheld everywhere, English included)."""
    item = "- major depressive disorder (MDD)\n"
    replace_in(tree / f"source_content/pages/{PAGE}.md", item, item + item)
    run("publish")
    client = client_for(tree)
    page = client.get(f"/v1/pages/{PAGE}?locale=es").json()["segments"]
    uses = [s for s in page if s.get("text", "").startswith("trastorno depresivo mayor")]
    assert len(uses) == 2 and {s["locale"] for s in uses} == {"es"}
    assert reviewed_shares(client) == served_shares(client)

    target = next(s for s in page if s["type"] == "paragraph" and s["locale"] == "es")
    run("withdraw", PAGE, "--segment", target["id"], "--reason", "check", *BY)
    client = client_for(tree)
    shown = {s["id"]: s for s in client.get(f"/v1/pages/{PAGE}?locale=es").json()["segments"]}
    assert "locale" not in shown[target["id"]]  # withheld
    after = reviewed_shares(client)
    assert after == served_shares(client)
    assert after["en"] < 1.0


def test_before_the_first_release_every_share_is_zero(tree: Path) -> None:
    """A server that only follows the store (`serve --follow`), on a store with no release yet:
    nothing is published, so nothing is served in any locale (the tree's table says otherwise)."""
    client = TestClient(FastPath(create_app(Settings(root=tree, publish=False))))
    assert client.get("/v1/pages?locale=en").json()["pages"] == []
    shares = reviewed_shares(client)
    assert shares == dict.fromkeys(shares, 0.0) and len(shares) > 1
    assert _tree_share(client, "en") == 1.0
