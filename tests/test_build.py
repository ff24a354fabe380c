"""The build cache (service/site/build.py, service/site/prepared.py): what a start, a reload, `coverage` and `check`
take from it, what they make again, and what happens when it is lost, damaged or shared."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from service.site import build
from service.site.build import Cache, Pack
from service.site.live import LiveSite, state_hash
from service.site.prepared import Settings, Site, build_site
from service.site.snapshot import decode
from service.site.store import load_tree

from .conftest import FIXTURE_TREE, replace_in
from .test_snapshot import as_shown

PAGE = "saline-spray"


def _tree(tmp_path: Path) -> Settings:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", ".build-cache"))
    return Settings(root=root, cache=tmp_path / "cache", jobs=1)


def _bodies(site: Site) -> dict[object, bytes]:
    out: dict[object, bytes] = {}
    for key, page in site.pages.items():
        out[(*key, "json")] = page.json.render("es")[0]
        out[(*key, "html")] = page.html.data
        out[(*key, "fragment")] = page.fragment.data
    for loc, body in site.lists.items():
        out[(loc, "list")] = body.render(None)[0]
    for name in ("locales", "coverage_json", "health", "index_html"):
        out[name] = getattr(site, name).data
    out["coverage"] = site.coverage_html().data
    out["problems"] = "\n".join(map(str, site.problems())).encode()
    return out


def _packs(settings: Settings) -> set[str]:
    return {p.name for p in (settings.cache_dir() / "packs").iterdir()}


def test_a_warm_start_makes_nothing_and_serves_what_the_cold_one_did(tmp_path: Path) -> None:
    settings = _tree(tmp_path)
    cold = build_site(settings)
    packs = _packs(settings)
    assert packs, "the cold start kept nothing"
    warm = build_site(settings)
    assert _packs(settings) == packs  # nothing made
    assert _bodies(warm) == _bodies(cold)
    assert state_hash(warm) == state_hash(cold)


def test_without_a_cache_folder_the_same_site_is_built_in_memory(tmp_path: Path) -> None:
    settings = _tree(tmp_path)
    (tmp_path / "blocked").write_text("a file where the cache folder would go")
    in_memory = build_site(Settings(settings.root, cache=tmp_path / "blocked" / "cache", jobs=1))
    assert in_memory.cache.folder is None
    assert _bodies(in_memory) == _bodies(build_site(settings))


# (what changes, which records must be made again: (page or "ui", locales))
REMADE: list[tuple[str, Callable[[Path], None], set[tuple[str, str]]]] = [
    (
        "one Spanish catalog: Spanish only (no chain reads es)",
        lambda root: replace_in(
            root / f"locales/es/LC_MESSAGES/{PAGE}.po", 'msgstr "Qué es"', 'msgstr "Qué es esto"'
        ),
        {(PAGE, "es")},
    ),
    (
        "a Portuguese ledger removed: pt and pt-BR, whose chain reads pt",
        lambda root: (root / f"locales/pt/reviews/{PAGE}.yaml").unlink(),
        {(PAGE, "pt"), (PAGE, "pt-BR")},
    ),
    (
        "the English ledger of a page removed: that page in every locale",
        lambda root: (root / f"locales/en/reviews/{PAGE}.yaml").unlink(),
        {(PAGE, loc) for loc in ("en", "es", "pt", "pt-BR", "ar")},
    ),
]


@pytest.mark.parametrize("change,mutate,expected", REMADE, ids=[r[0] for r in REMADE])
def test_a_change_remakes_only_the_records_that_read_the_file(
    tmp_path: Path,
    change: str,
    mutate: Callable[[Path], None],
    expected: set[tuple[str, str]],
) -> None:
    settings = _tree(tmp_path)
    live = LiveSite.start(settings)
    before = dict(live.site.records)
    mutate(settings.root)
    assert live.reload()
    after = live.site.records
    remade = {key for key, record in after.items() if record is not before.get(key)}
    assert remade == expected, change
    fresh = build_site(Settings(settings.root, cache=tmp_path / "fresh-cache", jobs=1))
    assert _bodies(live.site) == _bodies(fresh)


def test_a_file_broken_on_disk_is_served_as_it_last_loaded_even_after_a_restart(
    tmp_path: Path,
) -> None:
    settings = _tree(tmp_path)
    good = build_site(settings)
    spanish = good.pages[(PAGE, "es")].json.render(None)[0]
    po = settings.root / f"locales/es/LC_MESSAGES/{PAGE}.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "unterminated\n', encoding="utf-8")
    restarted = build_site(settings)  # no site in service: only the cache remembers
    assert restarted.pages[(PAGE, "es")].json.render(None)[0] == spanish
    assert any(e.startswith(f"locales/es/LC_MESSAGES/{PAGE}.po:") for e in restarted.errors)
    # with no cache, the broken catalog's locale falls back instead (SPEC invariant 7)
    bare = build_site(Settings(settings.root, cache=tmp_path / "empty", jobs=1))
    assert bare.pages[(PAGE, "es")].json.render(None)[0] != spanish
    assert restarted.errors == bare.errors


@pytest.mark.parametrize("damage", ["delete the packs", "flip a byte in every pack"])
def test_a_lost_or_damaged_pack_is_made_again_never_sent(tmp_path: Path, damage: str) -> None:
    settings = _tree(tmp_path)
    site = build_site(Settings(settings.root, cache=settings.cache, jobs=1))
    expected = build_site(Settings(settings.root, cache=tmp_path / "other", jobs=1))
    for pack in (settings.cache_dir() / "packs").iterdir():
        if damage.startswith("delete"):
            pack.unlink()
        else:
            data = bytearray(pack.read_bytes())
            data[len(data) // 2] ^= 0xFF
            pack.write_bytes(bytes(data))
    site.cache.hot_bytes = 0  # nothing served from memory
    site.cache._hot.clear()
    assert _bodies(site) == _bodies(expected)


def test_the_index_names_each_page_as_the_serving_rule_resolved_it(tmp_path: Path) -> None:
    """Each record names the SHA-256 of its snapshot, which holds the page exactly as `resolve`
    serves it from the files (the oracle: a tree loaded afresh, resolved in each locale), each
    review as a page shows it."""
    settings = _tree(tmp_path)
    build_site(settings)
    index = json.loads((settings.cache_dir() / "index.json").read_text())
    cache, tree = Cache(settings.cache_dir()), load_tree(settings.root)
    seen = set()
    for record in index["records"].values():
        slug, loc = record["slug"], record["locale"]
        if slug == build.UI:
            continue
        snapshot = decode(cache.get(record["state"]))  # checked against the SHA-256 named
        resolved, english = (tree.resolve(tree.pages[slug], at) for at in (loc, "en"))
        assert as_shown(snapshot.resolved) == as_shown(resolved), (slug, loc)
        assert as_shown(snapshot.english) == as_shown(english), (slug, loc)
        seen.add((slug, loc))
    assert seen == {(slug, loc) for slug in tree.pages for loc in tree.config.all_locales}


def _documents(settings: Settings) -> int:
    packs = (settings.cache_dir() / "packs").iterdir()
    return sum(p.read_bytes().count(b"<!DOCTYPE html>") for p in packs)


def test_a_page_is_rendered_when_first_asked_for_and_once(tmp_path: Path) -> None:
    """A start makes no body; the first request for a page in a locale makes its bodies, once
    however many requests ask at the same time, and a restart serves the same bytes."""
    settings = _tree(tmp_path)
    site = build_site(settings)
    assert _documents(settings) == 0
    page = site.pages[(PAGE, "es")]
    with ThreadPoolExecutor(8) as pool:
        etags = set(pool.map(lambda _: page.html.etag, range(32)))
    assert len(etags) == 1 and _documents(settings) == 1
    assert page.fragment.data and page.json.digest and _documents(settings) == 1
    again = build_site(settings).pages[(PAGE, "es")]
    assert again.html.etag in etags and again.html.data == page.html.data


def test_memory_holds_only_the_hot_bodies(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", hot_bytes=250)
    pack = Pack(cache)
    refs = [pack.add(bytes([i]) * 100) for i in range(5)]
    pack.close()
    for ref in refs:
        assert cache.get(ref) == bytes([refs.index(ref)]) * 100
    assert cache._hot_size <= 250 and len(cache._hot) == 2  # the two most recent


def test_new_code_makes_every_record_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _tree(tmp_path)
    build_site(settings)
    packs = _packs(settings)
    monkeypatch.setattr(build, "code_version", lambda: "another version")
    build_site(settings)
    assert _packs(settings) - packs, "a new version of the code reused records of the old"


def _build_in_process(root: str, cache: str, out: str) -> None:
    site = build_site(Settings(Path(root), cache=Path(cache), jobs=1))
    Path(out).write_text(state_hash(site))


def test_two_servers_starting_on_one_cache_take_turns(tmp_path: Path) -> None:
    settings = _tree(tmp_path)
    context = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"state-{i}" for i in range(2)]
    procs = [
        context.Process(
            target=_build_in_process, args=(str(settings.root), str(settings.cache), str(out))
        )
        for out in outs
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    states = {out.read_text() for out in outs}
    assert len(states) == 1
    assert len(_packs(settings)) == 1, "both built: the second did not find the first's work"
    assert states == {state_hash(build_site(settings))}


def test_after_a_good_change_a_restart_finds_every_record(tmp_path: Path) -> None:
    settings = _tree(tmp_path)
    live = LiveSite.start(settings)
    replace_in(
        settings.root / f"locales/es/LC_MESSAGES/{PAGE}.po", 'msgstr "Qué es"', 'msgstr "Qué es?"'
    )
    assert live.reload()
    packs = _packs(settings)
    restarted = build_site(settings)
    assert _packs(settings) == packs, "a record made on reload was filed under a stale key"
    assert _bodies(restarted) == _bodies(live.site)


def test_a_file_written_during_a_build_leaves_no_record_under_the_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is made from the files' hashes before the build reads them; a file written in
    between must not leave a record of its new text filed under its old hash."""
    import service.site.records as records_module

    settings = _tree(tmp_path)
    po = settings.root / f"locales/es/LC_MESSAGES/{PAGE}.po"
    load = records_module.load_tree

    def load_then_write(*args: object, **kwargs: object) -> object:
        tree = load(*args, **kwargs)  # type: ignore[arg-type]
        replace_in(po, 'msgstr "Qué es"', 'msgstr "Qué es esto"')  # an editor saves meanwhile
        return tree

    monkeypatch.setattr(records_module, "load_tree", load_then_write)
    build_site(settings)
    monkeypatch.undo()
    index = json.loads((settings.cache_dir() / "index.json").read_text())
    kept = {(r["slug"], r["locale"]) for r in index["records"].values()}
    assert (PAGE, "es") not in kept  # made from a catalog that changed under it
    assert (PAGE, "pt") in kept  # made from files that did not
    fresh = build_site(Settings(settings.root, cache=tmp_path / "fresh", jobs=1))
    assert _bodies(build_site(settings)) == _bodies(fresh)


def test_the_coverage_document_is_what_its_model_writes(tmp_path: Path) -> None:
    """`/v1/coverage` is joined from each record's rows: it must equal the whole document as
    pydantic writes `CoverageOut` from the same rows."""
    from service.site.coverage import rows_as_json
    from service.site.schemas import CoverageOut

    site = build_site(_tree(tmp_path))
    assert site.rows
    whole = CoverageOut.model_validate(rows_as_json(site.rows)).model_dump_json().encode()
    assert site.coverage_json.data == whole


def test_a_page_first_asked_for_after_its_files_changed_is_the_state_in_service(
    tmp_path: Path,
) -> None:
    """Bodies are made from the snapshot of the state in service, not from the files: a catalog
    edited after the build (and before any reload) changes nothing until the reload."""
    settings = _tree(tmp_path)
    site = build_site(settings)
    po = settings.root / f"locales/es/LC_MESSAGES/{PAGE}.po"
    replace_in(po, 'msgstr "Qué es"', 'msgstr "Qué es esto"')
    text = '"text":"Qué es"'.encode()  # approved; "Qué es esto" is not (nor served, once read)
    assert text in site.pages[(PAGE, "es")].json.render(None)[0]
    assert text not in build_site(settings).pages[(PAGE, "es")].json.render(None)[0]
