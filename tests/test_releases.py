"""Releases (SPEC invariant 10): patients get published releases, drafts stay drafts, withdrawal is
immediate and recorded, every release is kept and can be printed or rolled back to, and the release
chain anchors the ledgers for `audit verify`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.release.store import ReleaseStore

from .conftest import Run, forge, new_page, replace_in, serving, set_base_url

PAGE = "esketamine-overview"
WARNING = "qualified healthcare professional."  # the end of the page's critical warning
CLAUSE = "qualified healthcare professional, in a certified treatment centre."
TEST = ("--reviewer", "Dr. Test Reviewer")
OTHER = ("--reviewer", "Dr. Other Reviewer")
ROOT_ENV = "CLINIC_L10N_RELEASES"


def _store() -> ReleaseStore:
    return ReleaseStore(Path(os.environ[ROOT_ENV]))


def _segment(client: TestClient, locale: str, needle: str) -> dict[str, object]:
    page = client.get(f"/v1/pages/{PAGE}?locale={locale}").json()
    found = [s for s in page["segments"] if needle in s.get("text", "")]
    assert len(found) == 1, (needle, [s.get("text") for s in page["segments"]])
    return found[0]


def _approve_english(run: Run) -> None:
    for who, role in ((TEST, "clinical"), (OTHER, "linguistic")):
        run("review", "approve", "en", "--page", PAGE, "--all", *who, "--role", role)


def test_an_edited_warning_keeps_its_published_version_until_the_new_wording_is_approved(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    source = tree / f"source_content/pages/{PAGE}.md"
    before = {loc: _segment(client_for(tree), loc, WARNING) for loc in ("en", "es")}
    assert before["en"]["locale"] == "en" and not before["en"].get("withheld")

    replace_in(source, WARNING, CLAUSE)
    out = run("publish").output
    assert "kept as published (its English has a draft)" in out
    client = client_for(tree)
    for loc in ("en", "es"):
        page = client.get(f"/v1/pages/{PAGE}?locale={loc}").json()
        assert page["withheld"] == 0, "a draft took text off the published page"
        assert _segment(client, loc, WARNING)["text"] == before[loc]["text"]
        assert not any(CLAUSE in s.get("text", "") for s in page["segments"])

    _approve_english(run)
    run("publish")
    client = client_for(tree)
    english = _segment(client, "en", CLAUSE)
    assert english["locale"] == "en" and english["fallback"] is False
    spanish = _segment(client, "es", CLAUSE)  # the stale translation falls back to the English
    assert spanish["locale"] == "en" and spanish["fallback"] is True
    assert not any(
        WARNING in s.get("text", "")
        for s in client.get(f"/v1/pages/{PAGE}?locale=es").json()["segments"]
    )


NEW = "new-leaflet"


def test_a_new_page_is_invisible_everywhere_until_published(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient], tmp_path: Path
) -> None:
    new_page(tree, NEW)
    assert f"not published (a draft, never published): {NEW}" in run("publish").output
    client = client_for(tree)
    for locale in ("en", "es", "vi"):
        assert NEW not in {
            p["slug"] for p in client.get(f"/v1/pages?locale={locale}").json()["pages"]
        }
        assert client.get(f"/v1/pages/{NEW}?locale={locale}").status_code == 404
        assert client.get(f"/pages/{NEW}?locale={locale}").status_code == 404
    assert NEW not in client.get("/").text
    out = tmp_path / "export"
    set_base_url(tree, "https://clinic.example/")
    run("export", "--out", str(out), "--base-url", "https://clinic.example/")
    assert not list(out.rglob(f"*{NEW}*"))
    assert NEW not in (out / "sitemap.xml").read_text(encoding="utf-8")

    run("review", "approve", "en", "--page", NEW, "--all", *TEST, "--role", "clinical")
    run("publish")
    client = client_for(tree)
    assert NEW in {p["slug"] for p in client.get("/v1/pages?locale=en").json()["pages"]}
    assert client.get(f"/v1/pages/{NEW}?locale=en").json()["withheld"] == 0
    run("export", "--out", str(out), "--base-url", "https://clinic.example/")
    assert (out / "en" / NEW / "index.html").is_file()
    assert f"/en/{NEW}/" in (out / "sitemap.xml").read_text(encoding="utf-8")


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_a_withdrawal_is_served_within_two_seconds_and_recorded(tree: Path, run: Run) -> None:
    with serving(tree, "--poll", "0.2") as base:
        page = _get(f"{base}/v1/pages/{PAGE}?locale=en")
        target = next(s for s in page["segments"] if s["type"] == "paragraph")  # type: ignore[union-attr]
        started = time.monotonic()
        run(
            "withdraw",
            PAGE,
            "--segment",
            target["id"],
            "--reason",
            "wrong dose",
            "--by",
            "Dr. Test Reviewer",
        )
        while True:
            segments = _get(f"{base}/v1/pages/{PAGE}?locale=es")["segments"]
            shown = {s["id"]: s for s in segments}  # type: ignore[union-attr]
            if shown[target["id"]].get("withheld"):
                break
            assert time.monotonic() - started < 2.0, "not withdrawn within 2 s"
            time.sleep(0.05)
        assert shown[target["id"]].get("text") is None
    recorded = (Path(os.environ[ROOT_ENV]) / "withdrawals.jsonl").read_text(encoding="utf-8")
    assert json.loads(recorded.splitlines()[-1]) | {} == {
        **json.loads(recorded.splitlines()[-1]),
        "reason": "wrong dose",
        "by": "Dr. Test Reviewer",
        "segment": target["id"],
        "page": PAGE,
    }
    # the next publish from the tree does not bring it back
    run("publish")
    assert _store().current().kind == "withdraw"  # type: ignore[union-attr]


def test_history_prints_the_exact_bytes_served_at_three_times_and_rollback_restores_one(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    served: list[tuple[str, bytes]] = []
    catalog = tree / f"locales/es/LC_MESSAGES/{PAGE}.po"
    for step in range(3):
        if step == 1:
            run(
                "review",
                "revoke",
                "es",
                "--page",
                PAGE,
                "--msgid",
                "What it is",
                *OTHER,
                "--reason",
                "test",
                code=None,
            )
            replace_in(tree / "source_content/pages/esketamine-overview.md", WARNING, CLAUSE)
            _approve_english(run)
        if step == 2:
            replace_in(tree / "source_content/pages/esketamine-overview.md", CLAUSE, WARNING)
            _approve_english(run)
        client = client_for(tree)  # starting publishes
        body = client.get(f"/pages/{PAGE}?locale=es").content
        current = _store().current()
        assert current is not None
        served.append((current.created, body))
        time.sleep(0.01)
    assert catalog.exists()
    assert len({body for _, body in served}) == 3, "three different versions were served"
    for when, body in served:
        printed = run("history", PAGE, "--locale", "es", "--at", when).stdout_bytes
        assert printed == body, when
    first = _store().current()
    assert first is not None
    numbers = [r.seq for r in _store().chain()]
    run("rollback", str(numbers[-1]), "--reason", "test", "--by", "Dr. Test Reviewer")
    client = client_for(tree)
    assert client.get(f"/pages/{PAGE}?locale=es").content == served[0][1]
    run("publish")  # nothing in the tree changed: the rollback stays
    assert client_for(tree).get(f"/pages/{PAGE}?locale=es").content == served[0][1]
    assert next(r.kind for r in _store().chain()) == "rollback"


def test_audit_verify_reports_an_event_appended_or_edited_after_the_release(
    tree: Path, run: Run
) -> None:
    run("publish")
    run("audit", "verify")
    forge(tree, "es", PAGE, msgid="What it is", msgstr="Qué es", reviewer="Dr. Test Reviewer")
    out = run("audit", "verify", code=1).output
    assert f"locales/es/reviews/{PAGE}.yaml:1: error: 1 event(s) after release" in out
    run("publish")
    run("audit", "verify")
    ledger = tree / f"locales/es/reviews/{PAGE}.yaml"
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace('"Dr. Test Reviewer"', '"Dr. Other Reviewer"'), encoding="utf-8")
    out = run("audit", "verify", code=1).output
    assert "was edited after release" in out


# A publish that kills itself (SIGKILL) just before the `after`-th file it renames into the release
# store; with `after` 0 it runs whole and prints how many it renamed.
KILLED_PUBLISH = """
import os, signal, sys
from service.cli.main import main

store, after = os.environ["CLINIC_L10N_RELEASES"], int(sys.argv[1])
real, renamed = os.replace, 0

def replace(src, dst, **kwargs):
    global renamed
    if str(dst).startswith(store):
        renamed += 1
        if renamed == after:
            os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, **kwargs)

os.replace = replace
sys.argv = ["clinic-l10n", "--root", sys.argv[2], "publish"]
try:
    main()
finally:
    print(renamed, file=sys.stderr)
"""


def _killed_publish(tree: Path, after: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, str(after), str(tree)],
        capture_output=True,
        text=True,
        check=False,
    )


def _whole(store: ReleaseStore, head: tuple[int, str]) -> bool:
    """Whether the release `head` names can be read from the disk (a store of its own: nothing
    read before is remembered), and every object it names is there."""
    fresh = ReleaseStore(store.folder)
    release = fresh.release(head[1])
    named = [head[1], *fresh.manifest_of(head[1])["domains"].values()]
    named += [
        sha
        for locs in release.pages.values()
        for v in locs.values()
        for sha in (v.json, v.html, v.fragment, v.snapshot, *(f for _, f in v.files))
    ]
    named += [*release.files.values(), *release.static.values()]
    return all(fresh.has(sha) for sha in named)


def test_a_publish_killed_at_any_rename_leaves_a_whole_release_in_service(
    tree: Path, run: Run
) -> None:
    """Killed just before the first, second, middle and each of the last files it renames into
    the store (a publish of every page's new version renames about thirty-five, CURRENT among
    the last), the store serves the release before or the new one whole, never one whose
    manifest or objects are missing; and the next publish completes."""
    run("publish")
    store = _store()
    before = store.head()
    assert before is not None
    replace_in(tree / "l10n.yaml", "demonstration: true", "demonstration: false")  # every page
    kept = {name: Path(os.environ[name]) for name in (ROOT_ENV, "CLINIC_L10N_CACHE")}
    saved = {name: kept[name].with_name(kept[name].name + ".saved") for name in kept}
    for name, folder in kept.items():
        shutil.copytree(folder, saved[name])

    def restore() -> None:
        for name, folder in kept.items():
            shutil.rmtree(folder)
            shutil.copytree(saved[name], folder)

    counted = _killed_publish(tree, 0)
    assert counted.returncode == 0, counted.stderr
    renames = int(counted.stderr.split()[-1])
    assert renames > 10 and store.head() != before and _whole(store, store.head() or before)
    for after in sorted({1, 2, renames // 2, *range(renames - 4, renames + 1)}):
        restore()
        killed = _killed_publish(tree, after)
        assert killed.returncode == -signal.SIGKILL, (after, killed.stderr)
        head = store.head()
        assert head is not None and head[0] in (before[0], before[0] + 1), after
        assert _whole(store, head), f"killed before rename {after} of {renames}: {head}"
    run("publish")  # and the next publish completes
    last = store.head()
    assert last is not None and last[0] == before[0] + 1


def test_two_servers_on_one_store_never_go_backwards(tree: Path, run: Run) -> None:
    """A publishing server and a follower (`serve --follow`) on one store, through four changes
    each published: both end on the same release, and neither ever serves an older one."""
    with (
        serving(tree, "--poll", "0.1") as first,
        serving(tree, "--poll", "0.1", "--follow") as second,
    ):
        seen: dict[str, list[int]] = {first: [], second: []}
        source = tree / f"source_content/pages/{PAGE}.md"
        for step in range(4):
            old, new = (WARNING, CLAUSE) if step % 2 == 0 else (CLAUSE, WARNING)
            replace_in(source, old, new)
            _approve_english(run)
            deadline = time.monotonic() + 10

            def settled(new: str = new) -> bool:
                for base in (first, second):
                    seen[base].append(_get(f"{base}/healthz")["state"]["release"])  # type: ignore[index]
                page = _get(f"{second}/v1/pages/{PAGE}?locale=en")
                shown = {s.get("text", "") for s in page["segments"]}  # type: ignore[union-attr]
                return seen[second][-1] == seen[first][-1] and any(new in t for t in shown)

            while not settled():
                assert time.monotonic() < deadline, (step, seen)
                time.sleep(0.02)
        for base in (first, second):
            assert seen[base] == sorted(seen[base]), f"{base} went back to an older release"
        assert seen[first][-1] >= 5  # the first release, then at least one per change


def test_errors_on_bad_requests(tree: Path, run: Run) -> None:
    run("publish")
    assert (
        "no segment"
        in run(
            "withdraw",
            PAGE,
            "--segment",
            "p-nothere",
            "--reason",
            "x",
            "--by",
            "Dr. Test Reviewer",
            code=1,
        ).output
    )
    assert (
        "not published" in run("withdraw", "nothing", "--reason", "x", "--by", "y", code=1).output
    )
    before = _store().withdrawals()
    english = run("withdraw", PAGE, "--locale", "en", "--reason", "x", "--by", "y", code=1)
    assert "withdraw it with no --locale" in english.output  # not a withdrawal that stops nothing
    assert _store().withdrawals() == before
    assert "no release" in run("rollback", "999", "--reason", "x", "--by", "y", code=1).output
    first = _store().current()
    assert first is not None  # an id's prefix names a release only with six digits or more
    for short in (first.id[:5], first.id[:5].upper() + "x"):
        assert "no release" in run("rollback", short, "--reason", "x", "--by", "y", code=1).output
    run("rollback", first.id[:6], "--reason", "x", "--by", "y")
    assert (
        "was not served"
        in run("history", PAGE, "--locale", "es", "--at", "2000-01-01T00:00:00Z", code=1).output
    )


def test_a_withdrawal_in_one_locale_shows_english_there_until_lifted(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    page = client_for(tree).get(f"/v1/pages/{PAGE}?locale=es").json()
    target = next(s for s in page["segments"] if s["type"] == "paragraph" and s["locale"] == "es")
    who = ("--by", "Dr. Test Reviewer")
    run("withdraw", PAGE, "--locale", "es", "--segment", target["id"], "--reason", "check", *who)
    client = client_for(tree)
    shown = {s["id"]: s for s in client.get(f"/v1/pages/{PAGE}?locale=es").json()["segments"]}
    assert (shown[target["id"]]["locale"], shown[target["id"]]["fallback"]) == ("en", True)
    english = {s["id"]: s for s in client.get(f"/v1/pages/{PAGE}?locale=en").json()["segments"]}
    assert shown[target["id"]]["text"] == english[target["id"]]["text"]
    run("publish")  # the tree did not change: still withdrawn
    again = client_for(tree).get(f"/v1/pages/{PAGE}?locale=es").json()["segments"]
    assert {s["id"]: s["locale"] for s in again}[target["id"]] == "en"
    run("withdraw", PAGE, "--lift", "1", "--reason", "checked", *who)
    after = client_for(tree).get(f"/v1/pages/{PAGE}?locale=es").json()["segments"]
    assert {s["id"]: s.get("text") for s in after}[target["id"]] == target["text"]


def test_a_publish_in_worker_processes_makes_the_same_release(
    tree: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Versions are made in worker processes when there are many: the same bytes as in one."""
    from service.release import publish as publishing
    from service.site.prepared import Settings, build_site

    site = build_site(Settings(root=tree))
    made = {}
    for name, start in (("one", 10**6), ("workers", 1)):
        monkeypatch.setattr(publishing, "_PARALLEL_FROM", start)
        monkeypatch.setattr(publishing, "default_jobs", lambda: 2)
        store = ReleaseStore(tmp_path / name)
        release = publishing.publish(site, store).release
        made[name] = {
            (slug, loc): (v.json, v.html, v.fragment, v.files, v.snapshot)
            for slug, locs in release.pages.items()
            for loc, v in locs.items()
        }
    assert made["one"] == made["workers"] and len(made["one"]) == 7


def test_a_new_release_keeps_the_pages_it_did_not_change(fixture_tree: Path, run: Run) -> None:
    """The site serving a new release takes every unchanged version's prepared page from the
    site served before (not 7,000 made again at a thousand pages)."""
    from service.release.live import LiveSite
    from service.site.prepared import Settings

    live = LiveSite.start(Settings(root=fixture_tree))
    before = dict(live.site.pages)
    run("review", "revoke", "es", "--page", "saline-spray", "--msgid", "What it is",
        "--reviewer", "Dr. Lola Revisora (fictional)", "--reason", "checking")  # fmt: skip
    assert live.reload()
    after = live.site.pages
    changed = {at for at in after if after[at] is not before.get(at)}
    assert ("saline-spray", "es") in changed
    assert not {at for at in changed if at[0] == "after-your-visit"}


@pytest.mark.parametrize(
    ("body", "path"),
    [("json", "/v1/pages/{}"), ("html", "/pages/{}"), ("fragment", "/pages/{}?fragment=1")],
)
def test_history_prints_each_body_as_the_server_sends_it(
    tree: Path, run: Run, client_for: Callable[[Path], TestClient], body: str, path: str
) -> None:
    url = path.format(PAGE) + ("&" if "?" in path else "?") + "locale=es"
    sent = client_for(tree).get(url).content  # starting publishes
    current = _store().current()
    assert current is not None
    printed = run("history", PAGE, "--locale", "es", "--at", current.created, "--body", body)
    assert printed.stdout_bytes == sent


def test_a_release_that_changes_one_page_adds_its_files_the_lists_and_a_manifest_only(
    fixture_tree: Path, run: Run
) -> None:
    """Its static files too are kept once by content: every other page's are the last release's."""
    set_base_url(fixture_tree, "https://clinic.example/")
    run("publish")
    store = _store()
    objects = store.folder / "objects"
    before = {p.parent.name + p.name for p in objects.glob("*/*")}
    catalog = fixture_tree / "locales/es/LC_MESSAGES/saline-spray.po"
    replace_in(catalog, 'msgstr "Qué es"', 'msgstr "Qué es esto"')  # its approval is void
    run("publish")
    added = {p.parent.name + p.name for p in objects.glob("*/*")} - before
    release = store.current()
    assert release is not None and release.seq == 2
    es = release.pages["saline-spray"]["es"]
    page = {es.json, es.html, es.fragment, es.snapshot, *(sha for _, sha in es.files)}
    domain = json.loads(store.get(release.id))["domains"]["saline-spray"]
    site = {*release.files.values(), *release.static.values()}
    assert {sha for path, sha in es.files if path.startswith("es/")} <= added
    assert added <= page | site | {domain, release.id}
    assert not added & {sha for _, sha in release.pages["after-your-visit"]["es"].files}


def test_a_release_made_before_releases_held_static_files_is_completed_by_the_next_publish(
    fixture_tree: Path, run: Run, tmp_path: Path
) -> None:
    """A store written by the code before: its versions name no static files, its release none."""
    run("publish")
    store = _store()
    current = store.current()
    assert current is not None
    bare = {
        s: {loc: replace(v, files=()) for loc, v in locs.items()}
        for s, locs in current.pages.items()
    }
    store.commit(replace(current, seq=2, previous=current.id, pages=bare, static={}, id=""))
    refused = run("export", "--out", str(tmp_path / "old"), "--release", "2", code=2).output
    assert "release 2 was made before releases held their static site" in refused
    assert "files of release 3 " in run("export", "--out", str(tmp_path / "now")).output
    run("export", "--out", str(tmp_path / "first"), "--release", "1")
    now, first = tmp_path / "now", tmp_path / "first"
    assert {p.relative_to(now): p.read_bytes() for p in now.rglob("*") if p.is_file()} == {
        p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()
    }
