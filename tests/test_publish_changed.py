"""`clinic-l10n publish` after some pages changed (`service.release.incremental`): only those pages
are loaded, decided and written, and the release is the one publishing the whole tree makes (the
judge: `publish.publish` over `build_site`, from the same release in service)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from service.core.config import load_config
from service.release import incremental
from service.release.basis import basis_file, read_basis
from service.release.publish import publish
from service.release.store import PageVersion, Release, ReleaseStore
from service.site.prepared import Settings, build_site

from .conftest import Run, replace_in

PAGE, OTHER = "saline-spray", "after-your-visit"
ES = f"locales/es/LC_MESSAGES/{PAGE}.po"
REVIEWER = ("--reviewer", "Dr. Lola Revisora (fictional)")


def _settings(tree: Path) -> Settings:
    return Settings(root=tree, releases=Path(os.environ["CLINIC_L10N_RELEASES"]))


def _same(release: Release) -> Release:
    """A release without what differs between two publishes of the same: times and its name."""
    pages = {
        slug: {loc: dataclasses.replace(v, since="") for loc, v in locs.items()}
        for slug, locs in release.pages.items()
    }
    return dataclasses.replace(release, created="", pages=pages, id="")


def _translation_edited(tree: Path, run: Run) -> None:
    replace_in(tree / ES, 'msgstr "Qué es"', 'msgstr "Qué es esto"')


def _approval_revoked(tree: Path, run: Run) -> None:
    run("review", "revoke", "es", "--page", PAGE, "--msgid", "What it is", *REVIEWER,
        "--reason", "checking")  # fmt: skip


def _english_edited(tree: Path, run: Run) -> None:
    replace_in(tree / f"source_content/pages/{PAGE}.md", "rinses the inside", "rinses all of")


def _title_edited(tree: Path, run: Run) -> None:  # its es version's title: the lists change
    replace_in(tree / ES, "Cómo usar un espray", "Cómo se usa un espray")


def _unlisted(tree: Path, run: Run) -> None:  # no es text left: not listed in es, nor linked
    path = tree / f"locales/es/LC_MESSAGES/{OTHER}.po"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'^(msgstr "[^"\n]+)"$', r'\1 (draft)"', text, flags=re.M))


def _two_pages(tree: Path, run: Run) -> None:
    _translation_edited(tree, run)
    replace_in(tree / f"source_content/pages/{OTHER}.md", "\n\n", "\n\n\n")


CHANGES: list[tuple[str, Callable[[Path, Run], None], set[str]]] = [
    ("translation edited", _translation_edited, {PAGE}),
    ("approval revoked", _approval_revoked, {PAGE}),
    ("English edited (a draft, kept)", _english_edited, {PAGE}),
    ("title translation edited (lists)", _title_edited, {PAGE}),
    ("every es translation edited (no longer listed in es)", _unlisted, {OTHER}),
    ("two pages", _two_pages, {PAGE, OTHER}),
    ("nothing", lambda tree, run: None, set()),
]


@pytest.mark.parametrize(("name", "change", "pages"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_publish_of_the_changed_pages_makes_the_release_the_whole_tree_makes(
    fixture_tree: Path,
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    change: Callable[[Path, Run], None],
    pages: set[str],
) -> None:
    run("publish")  # the whole tree, and the basis of its release
    settings = _settings(fixture_tree)
    store = ReleaseStore(settings.release_dir())
    objects = store.manifest_of(store.head()[1])["domains"]  # type: ignore[index]
    change(fixture_tree, run)
    judge = ReleaseStore(tmp_path / "judge")
    shutil.copytree(store.folder, judge.folder)

    built, read = [], []
    build_pages = incremental.build_pages
    monkeypatch.setattr(
        incremental, "build_pages", lambda *a: built.append(a[2]) or build_pages(*a)
    )
    page_object = ReleaseStore.page_object
    monkeypatch.setattr(
        ReleaseStore, "page_object", lambda self, sha: read.append(sha) or page_object(self, sha)
    )
    monkeypatch.setattr(incremental, "_whole", None)  # the lists in service are read, not all pages
    basis = read_basis(basis_file(settings.cache_dir(), settings.release_dir()))
    config = load_config(fixture_tree)
    done = incremental.publish_changed(settings, config, store, basis, reason="test")
    assert done is not None, "the changed pages' own files only: not published whole"
    assert set(built[0] if built else ()) == pages
    assert set(read) == {objects[slug] for slug in pages}  # no other page object read

    whole = publish(build_site(settings, config=config), judge, reason="test")
    assert done.new == whole.new
    assert set(done.changed) == set(whole.changed) and done.kept == whole.kept
    if whole.new:
        assert _same(store.release(done.id)) == _same(whole.release)
        assert store.get(done.id)  # kept whole: every object it names is in the store
    else:
        assert done.id == store.head()[1] == whole.release.id  # type: ignore[index]


def _ui_edited(tree: Path, run: Run) -> None:
    replace_in(tree / "locales/es/LC_MESSAGES/ui.po", "\n\n", "\n\n\n")


def _config_edited(tree: Path, run: Run) -> None:
    with (tree / "l10n.yaml").open("a") as fh:
        fh.write("# edited\n")


def _page_added(tree: Path, run: Run) -> None:
    (tree / "source_content/pages/new-leaflet.md").write_text(
        "---\nslug: new-leaflet\ntitle: New\nauthor: Someone (fictional)\n---\n\nAsk.\n"
    )


def _withdrawn(tree: Path, run: Run) -> None:
    run("withdraw", PAGE, "--locale", "es", "--reason", "a wrong dose", "--by", "Dr. Test")


DECLINED: list[tuple[str, Callable[[Path, Run], None]]] = [
    ("ui strings", _ui_edited),
    ("config", _config_edited),
    ("a page added", _page_added),
    ("a release made since (a withdrawal)", _withdrawn),
]


@pytest.mark.parametrize(("name", "change"), DECLINED, ids=[c[0] for c in DECLINED])
def test_a_change_not_of_pages_own_files_publishes_the_whole_tree(
    fixture_tree: Path, run: Run, name: str, change: Callable[[Path, Run], None]
) -> None:
    run("publish")
    settings = _settings(fixture_tree)
    basis = read_basis(basis_file(settings.cache_dir(), settings.release_dir()))
    assert basis is not None
    change(fixture_tree, run)
    store = ReleaseStore(settings.release_dir())
    config = load_config(fixture_tree)
    assert incremental.publish_changed(settings, config, store, basis, reason="test") is None


def test_a_file_rewritten_in_the_same_tick_as_it_was_read_is_read_again(
    fixture_tree: Path, run: Run
) -> None:
    """Same size, same inode, same time: only its bytes tell, and a file this recent is read."""
    path = fixture_tree / ES
    path.write_bytes(path.read_bytes())  # written just now, as it is
    assert time.time() - os.stat(path).st_mtime < 2  # the publish starts within 2 s of it
    run("publish")
    before = os.stat(path)
    with path.open("r+b") as fh:  # in place: the same inode
        data = fh.read().replace('msgstr "Qué es"'.encode(), 'msgstr "Qué eS"'.encode())
        fh.seek(0)
        fh.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (
        before.st_size,
        before.st_ino,
        before.st_mtime_ns,
    )
    assert f"new version: {PAGE} in es" in run("publish").output


def test_an_index_read_in_parts_gives_what_reading_it_whole_gives(
    fixture_tree: Path, build_cache: Path
) -> None:
    """`Cache.peek`: each record and last good version found alone, as `read_index` reads them."""
    from service.site.index import INDEX_VERSION, find_good, find_record, read_index

    build_site(Settings(root=fixture_tree))
    raw = (build_cache / "index.json").read_bytes()
    records, good = read_index(raw)
    assert len(records) == 15 and len(good) > 15  # 2 pages and the ui strings, in 5 locales
    assert {key: find_record(raw, key) for key in records} == records
    assert find_good(raw, [*good, "no/such/file.po"]) == good
    assert find_record(raw, "0" * 64) is None
    other = raw.replace(f'"version": {INDEX_VERSION}}}'.encode(), b'"version": 0}')
    assert find_record(other, next(iter(records))) is None and find_good(other, good) == {}


def test_no_basis_is_kept_when_a_file_changed_while_it_was_read(
    fixture_tree: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record made from a file being written is made again by the next build: the next publish
    must look at its page again, so this one keeps no basis."""
    from service.cli import release as command

    def stale(settings: Settings, config: object = None) -> object:
        site = build_site(settings)
        site.stale.add((PAGE, "es"))
        return site

    settings = _settings(fixture_tree)
    kept = basis_file(settings.cache_dir(), settings.release_dir())
    assert kept is not None
    with monkeypatch.context() as patch:
        patch.setattr(command, "build_site", stale)
        run("publish")
    assert not kept.exists()
    run("publish")
    assert kept.exists()


def _narrowed(versions: dict[str, PageVersion]) -> dict[str, PageVersion] | None:
    return {loc: dataclasses.replace(v, listed=("en",)) for loc, v in versions.items()}


def _retitled(versions: dict[str, PageVersion]) -> dict[str, PageVersion] | None:
    return {loc: dataclasses.replace(v, title=f"{v.title} (new)") for loc, v in versions.items()}


def _incomplete(versions: dict[str, PageVersion]) -> dict[str, PageVersion] | None:
    return {loc: dataclasses.replace(v, complete=not v.complete) for loc, v in versions.items()}


LISTED: list[tuple[str, Callable[[dict[str, PageVersion]], dict[str, PageVersion] | None]]] = [
    ("listed in English only", _narrowed),
    ("retitled in every locale", _retitled),
    ("completeness flipped", _incomplete),
    ("no longer published", lambda versions: None),
]


@pytest.mark.parametrize(("name", "change"), LISTED, ids=[c[0] for c in LISTED])
def test_lists_made_from_the_lists_in_service_are_those_made_from_every_page(
    fixture_tree: Path,
    run: Run,
    name: str,
    change: Callable[[dict[str, PageVersion]], dict[str, PageVersion] | None],
) -> None:
    """`relist`: the lists and index page, byte for byte, as `publish.with_lists` makes them, and
    the rest of the static site made from them the same."""
    from service.release.publish import listed_in, with_lists
    from service.release.relist import relisted
    from service.release.static import Static, site_files

    run("publish")
    store = ReleaseStore(_settings(fixture_tree).release_dir())
    current = store.current()
    assert current is not None and OTHER in current.pages
    locales = load_config(fixture_tree).all_locales
    changed = change(dict(current.pages[OTHER]))
    pages = {s: v for s, v in current.pages.items() if s != OTHER}
    if changed is not None:
        pages = dict(sorted({**pages, OTHER: changed}.items()))
    static = Static.of(current, locales)
    expected = with_lists(store, dataclasses.replace(current, pages=pages), static)
    assert expected.files != current.files  # what the lists show of the page changed
    new = {OTHER: changed} if changed is not None else {}
    found = relisted(store, current.files, new, [OTHER], locales)
    assert found is not None and found[0] == expected.files
    assert found[1] == listed_in(dataclasses.replace(current, pages=pages))
    lists = {name: store.get(sha) for name, sha in found[0].items()}
    made = site_files(lists, found[1], static)
    assert {path: store.put(data) for path, data in made.items()} == expected.static
