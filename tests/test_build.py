"""The build cache (service/site/build.py, service/site/prepared.py): what a start, a reload, `coverage` and `check`
take from it, what they make again, and what happens when it is lost, damaged or shared."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from service.core.models import UI_DOMAIN
from service.release.live import LiveSite, state_hash
from service.site import index, keys, prepared, snapshot
from service.site.build import Cache, Pack
from service.site.index import read_record
from service.site.prepared import Settings, Site, build_site
from service.site.snapshot import decode
from service.site.store import load_tree

from .conftest import FIXTURE_TREE, replace_in
from .test_snapshot import Mutation, as_shown, dropped, renamed

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
    before = dict(live.candidate.records)
    mutate(settings.root)
    assert live.reload()
    after = live.candidate.records
    remade = {key for key, record in after.items() if record is not before.get(key)}
    assert remade == expected, change
    fresh = build_site(Settings(settings.root, cache=tmp_path / "fresh-cache", jobs=1))
    assert _bodies(live.candidate) == _bodies(fresh)


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
    for raw in index["records"].values():
        record = read_record(raw)
        assert record is not None
        slug, loc = record.slug, record.locale
        if slug == UI_DOMAIN:
            continue
        assert record.page is not None
        snapshot = decode(cache.get(record.page.state))  # checked against the SHA-256 named
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
    monkeypatch.setattr(keys, "code_version", lambda: "another version")
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
    assert _bodies(restarted) == _bodies(live.candidate)


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


# What the cache holds is read by name, under a version: anything else is made again, never misread.


def _index(settings: Settings) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((settings.cache_dir() / "index.json").read_text())
    return found


def _keep_index(settings: Settings, data: dict[str, Any]) -> None:
    (settings.cache_dir() / "index.json").write_text(json.dumps(data))


def _raw_record(data: dict[str, Any], slug: str, locale: str) -> dict[str, Any]:
    found = [r for r in data["records"].values() if (r["slug"], r["locale"]) == (slug, locale)]
    assert len(found) == 1
    record: dict[str, Any] = found[0]
    return record


def _restart(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> tuple[Site, set[tuple[str, str]]]:
    """A start on the cache as it is, and the records it made (the others it read)."""
    made: set[tuple[str, str]] = set()
    make_all = prepared.make_all

    def counted(config: Any, cache: Cache, todo: Any, *rest: Any) -> Any:
        made.update((slug, loc) for slug, locales in todo for loc in locales)
        return make_all(config, cache, todo, *rest)

    monkeypatch.setattr(prepared, "make_all", counted)
    return build_site(settings), made


def test_an_index_of_another_version_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _tree(tmp_path)
    first = build_site(settings)
    data = _index(settings)
    data["version"] = index.INDEX_VERSION - 1
    _keep_index(settings, data)
    again, made = _restart(settings, monkeypatch)
    assert made == set(first.records)
    assert _bodies(again) == _bodies(first)


def _rename(fields: dict[str, Any], old: str, new: str) -> None:
    fields[new] = fields.pop(old)


# (what is wrong with the Spanish record of PAGE in index.json, how to make it so)
RECORDS: list[tuple[str, Mutation]] = [
    ("a field renamed", lambda r: _rename(r, "errors", "load_errors")),
    ("a field missing", lambda r: r.pop("rows")),
    ("a field more", lambda r: r.update(language="es")),  # the layout of version 2
    ("a field of its page entry renamed", lambda r: _rename(r["page"], "title", "heading")),
    ("a coverage row without a column", lambda r: r["rows"][0].pop("served_words")),
    ("a finding without its line", lambda r: r["load"].append({"path": "x.po", "message": "?"})),
    ("its snapshot named by three fields", lambda r: r["page"].update(state=["p", 0, 1])),
    ("a list where a table was", lambda r: r.update(rows=[[1, 2, 3]])),
]


@pytest.mark.parametrize("shape,mutate", RECORDS, ids=[r[0] for r in RECORDS])
def test_a_record_of_another_shape_is_made_again_and_no_other(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
    mutate: Mutation,
) -> None:
    settings = _tree(tmp_path)
    first = build_site(settings)
    data = _index(settings)
    mutate(_raw_record(data, PAGE, "es"))
    _keep_index(settings, data)
    again, made = _restart(settings, monkeypatch)
    assert made == {(PAGE, "es")}, shape
    assert _bodies(again) == _bodies(first), shape


# (what is wrong with the snapshot of PAGE in Spanish, how to make it so)
SNAPSHOTS: list[tuple[str, Mutation]] = [
    ("a segment's field renamed", renamed("Segment", "critical", "urgent")),
    ("a segment's field missing", dropped("Segment", "comment")),
    ("a served segment's field renamed", renamed("ServedSegment", "forms", "texts")),
    ("a review's field missing", dropped("ReviewShown", "reviewed_at")),
    ("another version", lambda data: data.update(version=snapshot.SNAPSHOT_VERSION - 1)),
]


@pytest.mark.parametrize("shape,mutate", SNAPSHOTS, ids=[s[0] for s in SNAPSHOTS])
def test_a_snapshot_of_other_fields_is_refused_and_made_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
    mutate: Mutation,
) -> None:
    """The record names the snapshot rightly (its SHA-256 is checked), but the snapshot is not of
    these fields: the page's bodies are made from a snapshot made again from the files."""
    settings = _tree(tmp_path)
    expected = build_site(Settings(settings.root, cache=tmp_path / "other", jobs=1))
    site = build_site(settings)
    entry = site.records[(PAGE, "es")].page
    assert entry is not None
    data = json.loads(site.cache.get(entry.state))
    mutate(data)
    pack = Pack(site.cache)
    ref = pack.add(json.dumps(data).encode())
    pack.close()
    stored = _index(settings)
    _raw_record(stored, PAGE, "es")["page"]["state"] = list(ref)
    _keep_index(settings, stored)
    remade: list[tuple[str, str]] = []
    remake = prepared.remake

    def counted(config: Any, cache: Cache, good: Any, slug: str, locale: str) -> Any:
        remade.append((slug, locale))
        return remake(config, cache, good, slug, locale)

    monkeypatch.setattr(prepared, "remake", counted)
    restarted, made = _restart(settings, monkeypatch)
    assert made == set(), "the record itself is good: it is read"
    restarted_entry = restarted.records[(PAGE, "es")].page
    assert restarted_entry is not None and restarted_entry.state == ref
    assert _bodies(restarted) == _bodies(expected), shape
    assert remade == [(PAGE, "es")], shape
