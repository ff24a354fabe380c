"""A catalog saved by Weblate keeps every approval. Weblate reads and writes .po files through
translate-toolkit (`translate.storage.pypo.pofile`); every shipped catalog and every catalog of a
generated tree is put through that writer as Weblate's saves do, and what the serving rule serves
(each segment's text and the locale it comes from, in every locale) and the coverage's approved
and served counts are the same before and after.

Approvals bind the decoded msgstr (`fingerprint(*forms)`), never its wrapping: a writer that
re-wraps a msgstr at another width, or not at all (Weblate's "no wrapping" option), changes the
file's bytes and not one approval. At its default width (77 columns inside the quotes), the
writer gives the bytes msgcat gives, so a plain save changes nothing at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from translate.storage import pypo

from benchmarks.gen_tree import build_tree
from service.cli.main import cli
from service.core.config import load_config
from service.site.store import load_tree

WEBLATE_HEADER = {
    "Last_Translator": "Dr. Rosa Revisora (fictional) <rosa@clinic.example>",
    "PO_Revision_Date": "2026-12-07 16:00+0000",
    "X_Generator": "Weblate 5.8",
}


def _served(root: Path) -> dict[tuple[str, str, str], tuple[str, tuple[str, ...]]]:
    """What a patient asking for each locale gets, segment by segment: (locale, page, segment id)
    → (the locale it comes from, its text)."""
    tree = load_tree(load_config(root))
    assert not tree.errors, tree.errors
    served = {}
    for domain in tree.domains:
        for locale in tree.config.locales:
            for seg in tree.resolve(domain, locale).served:
                served[(locale, domain.slug, seg.segment.id)] = (seg.locale, seg.forms)
    return served


def _counts(root: Path) -> list[tuple[str, str, int, int, int, int]]:
    """`coverage`'s approved, served, held and blocked, per locale and page."""
    result = CliRunner().invoke(cli, ["--root", str(root), "coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    return [
        (r["locale"], r["page"], r["approved"], r["served"], r["held"], r["blocked"]) for r in rows
    ]


def _save(path: Path, width: int | None, edit: bool, header: bool) -> None:
    """Weblate's save: parse, (on an edit) assign every translation anew, as Weblate does to
    the units a translator touched, so the writer wraps it again; (on a header update) the
    fields Weblate sets; serialize."""
    store = pypo.pofile(width=width) if width is not None else pypo.pofile()
    store.parse(path.read_bytes())
    if edit:
        for unit in store.units:
            if not unit.isheader() and unit.target:
                unit.target = unit.target
    if header:
        store.updateheader(add=True, **WEBLATE_HEADER)
    path.write_bytes(bytes(store))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weblate") / "tree"
    build_tree(root, 4)
    return root


def _copy(source: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(source, to, ignore=shutil.ignore_patterns("*.mo", ".build-cache"))
    return to


# (the writer's width: None for its default; whether every translation is assigned anew;
# whether Weblate's header fields are set; whether the files' bytes change, None: some may)
SAVES = [
    (None, False, False, False),  # a plain save: parse and serialize
    (None, True, False, None),  # an edit at the default width: msgcat's wrapping, but for
    # some right-to-left lines (`test_the_one_reflow_at_the_default_width`)
    (-1, True, False, True),  # Weblate's "no wrapping": one line per msgstr
    (60, True, False, True),  # another width
    (None, False, True, True),  # the header fields Weblate sets (a reviewer as Last-Translator)
]


@pytest.mark.parametrize("which", ["shipped", "generated"])
@pytest.mark.parametrize(("width", "edit", "header", "bytes_change"), SAVES)
def test_a_weblate_save_keeps_every_approval(
    tree: Path,
    generated: Path,
    tmp_path: Path,
    which: str,
    width: int | None,
    edit: bool,
    header: bool,
    bytes_change: bool | None,
) -> None:
    root = tree if which == "shipped" else _copy(generated, tmp_path / "gen")
    served, counts = _served(root), _counts(root)
    # there are approvals to lose: translations served in their own locale
    assert sum(locale == origin for (locale, _, _), (origin, _) in served.items()) > 10
    catalogs = sorted(root.glob("locales/*/LC_MESSAGES/*.po"))
    before = {p: p.read_bytes() for p in catalogs}
    for path in catalogs:
        _save(path, width, edit, header)
    changed = [p for p in catalogs if p.read_bytes() != before[p]]
    assert bytes_change is None or bool(changed) == bytes_change
    assert _served(root) == served
    assert _counts(root) == counts


def test_the_one_reflow_at_the_default_width(tree: Path) -> None:
    """Where translate-toolkit's wrapping at its default width differs from msgcat's (our writer's):
    in the shipped catalogs, only the Arabic ui catalog's plural forms, which msgcat breaks after
    `msgstr[0] ""` and translate-toolkit keeps on one line. The bytes change, the decoded text
    does not, and so no approval moves."""
    catalogs = sorted(tree.glob("locales/*/LC_MESSAGES/*.po"))
    before = {p: p.read_bytes() for p in catalogs}
    served = _served(tree)
    for path in catalogs:
        _save(path, None, True, False)
    changed = [p.relative_to(tree).as_posix() for p in catalogs if p.read_bytes() != before[p]]
    assert changed == ["locales/ar/LC_MESSAGES/ui.po"]
    path = tree / changed[0]
    old, new = pypo.pofile.parsestring(before[path]), pypo.pofile.parsestring(path.read_bytes())
    assert [str(u.target) for u in old.units] == [str(u.target) for u in new.units]
    assert '\nmsgstr[0] ""\n' in before[path].decode() and 'msgstr[0] "{count}' in path.read_text()
    assert _served(tree) == served
