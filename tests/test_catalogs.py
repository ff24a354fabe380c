"""Gettext catalogs: what msgfmt accepts, what it rejects, and update's fuzzy/obsolete handling."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.plurals import get_plural

from service.catalogs.catalog import compile_catalog, read_catalog, read_po
from service.core.errors import CatalogError

from . import gnu
from .conftest import DATA, REPO, Run, msgcat, msgfmt, replace_in

SHIPPED_PO = sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("path", SHIPPED_PO, ids=lambda p: str(p.relative_to(REPO)))
def test_msgfmt_accepts_every_shipped_catalog(path: Path) -> None:
    code, out = msgfmt(path)
    assert code == 0, out
    assert "error" not in out, out


@pytest.mark.parametrize("path", SHIPPED_PO, ids=lambda p: str(p.relative_to(REPO)))
def test_headers_carry_language_and_cldr_plural_forms(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    gettext_name = path.parent.parent.name
    rule = get_plural(Locale.parse(gettext_name))
    assert f'"Language: {gettext_name}\\n"' in text
    header = text.replace('"\n"', "")  # undo line wrapping inside the header
    assert f"Plural-Forms: nplurals={rule.num_plurals}; plural={rule.plural_expr};" in header


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("unterminated-string.po", "end of line within a string"),
        ("unescaped-quote.po", 'keyword "dosis" unknown'),
        ("duplicate-msgid.po", "duplicate message definition"),
        ("stray-text.po", 'keyword "this" unknown'),
        ("missing-msgstr.po", "missing 'msgstr' section"),
        ("not-utf8.po", "invalid multibyte sequence"),
    ],
)
def test_malformed_catalogs_name_the_line_msgfmt_names(name: str, message: str) -> None:
    path = DATA / "po" / name
    judged = gnu.msgfmt_check(path)
    assert not judged.accepted, f"msgfmt accepted {name}, so our test data is not broken"
    with pytest.raises(CatalogError, match=re.escape(message)) as caught:
        read_catalog(path, "x", "es")
    assert str(caught.value).startswith(f"{path}:{judged.line}: ")


def test_compiled_mo_is_read_by_the_standard_library(run: Run, tree: Path) -> None:
    run("compile")
    mo = tree / "locales/es/LC_MESSAGES/ui.mo"
    with mo.open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("Read in English") == "Leer en inglés"
    one = (
        "{count} part of this page is shown in English because its translation has not been "
        "reviewed yet."
    )
    many = (
        "{count} parts of this page are shown in English because their translation has not "
        "been reviewed yet."
    )
    assert translations.ngettext(one, many, 1).startswith("{count} parte ")
    assert translations.ngettext(one, many, 3).startswith("{count} partes ")


def test_compile_leaves_fuzzy_entries_out(run: Run, tree: Path) -> None:
    run("compile")
    with (tree / "locales/ar/LC_MESSAGES/esketamine-overview.mo").open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("How it works") == "How it works"  # the fuzzy one: not compiled
    assert translations.gettext("Safety") == "السلامة"


@pytest.mark.parametrize(
    ("heading", "fuzzy"),
    [
        ("How it works in the body", True),  # words added: the old translation is a good start
        ("How esketamine works", False),  # a word of a short heading replaced by another
    ],
)
def test_a_changed_heading_turns_fuzzy_only_when_the_old_translation_still_fits(
    run: Run, tree: Path, heading: str, fuzzy: bool
) -> None:
    replace_in(
        tree / "source_content/pages/esketamine-overview.md", "## How it works", f"## {heading}"
    )
    run("extract")
    run("update")
    catalog = read_po(tree / "locales/es/LC_MESSAGES/esketamine-overview.po")
    entry = catalog.get(heading)
    assert entry is not None
    if fuzzy:
        assert entry.fuzzy and entry.msgstr == ("Cómo actúa",)
        assert entry.previous_msgid == "How it works"
    else:
        assert not entry.fuzzy and entry.msgstr == ("",) and not entry.has_previous
        retired = catalog.obsolete_by_key[(None, "How it works")]
        assert retired.msgstr == ("Cómo actúa",)
    for path in (tree / "locales").glob("*/LC_MESSAGES/*.po"):
        code, out = msgfmt(path)
        assert code == 0, out


def test_removed_text_becomes_obsolete_and_returns_when_restored(run: Run, tree: Path) -> None:
    page = tree / "source_content/pages/esketamine-overview.md"
    original = page.read_text(encoding="utf-8")
    page.write_text(original.replace("## Safety\n", ""), encoding="utf-8")
    run("extract"), run("update")
    po = tree / "locales/es/LC_MESSAGES/esketamine-overview.po"
    assert '#~ msgid "Safety"\n#~ msgstr "Seguridad"' in po.read_text(encoding="utf-8")
    page.write_text(original, encoding="utf-8")
    run("extract"), run("update")
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Safety"\nmsgstr "Seguridad"' in text and "#~" not in text


def test_new_page_gets_a_catalog_in_every_locale(run: Run, tree: Path) -> None:
    shutil.copy(
        tree / "source_content/pages/esketamine-overview.md",
        tree / "source_content/pages/second-page.md",
    )
    replace_in(
        tree / "source_content/pages/second-page.md",
        "slug: esketamine-overview",
        "slug: second-page",
    )
    run("extract"), run("update")
    for locale in ("es", "pt", "pt_BR", "zh_Hans", "ar", "vi"):
        path = tree / f"locales/{locale}/LC_MESSAGES/second-page.po"
        code, out = msgfmt(path)
        assert code == 0, out


def test_init_refuses_a_locale_that_is_not_enabled(run: Run) -> None:
    result = run("init", "fr", code=2)
    assert "not enabled" in result.output


def test_init_creates_catalogs_for_a_newly_enabled_locale(run: Run, tree: Path) -> None:
    replace_in(tree / "l10n.yaml", "  - vi\n", "  - vi\n  - fr-CA\n")
    run("init", "fr_ca")
    po = tree / "locales/fr_CA/LC_MESSAGES/esketamine-overview.po"
    assert '"Language: fr_CA\\n"' in po.read_text(encoding="utf-8")
    assert msgfmt(po)[0] == 0


ALL_SHIPPED = [*SHIPPED_PO, *sorted((REPO / "locales/templates").glob("*.pot"))]


@pytest.mark.parametrize("path", ALL_SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_files_are_written_as_gnu_gettext_writes_them(path: Path) -> None:
    assert path.read_bytes() == msgcat(path)


def test_fuzzy_previous_obsolete_and_plural_entries_are_wrapped_like_gnu(
    run: Run, tree: Path
) -> None:
    page = tree / "source_content/pages/esketamine-overview.md"
    replace_in(
        page,
        "The mechanism of action of S-isomer ketamine is not fully understood",
        "The mechanism of action of esketamine is not fully understood",
    )
    replace_in(
        page,
        "It is important to follow the instructions and recommendations of your healthcare provider when using\nketamine in a medical setting.\n",
        "",
    )
    replace_in(
        tree / "source_content/ui.yaml",
        "{count} parts of this page are shown in English because their translation has not been reviewed yet.",
        "{count} parts of this page are shown in English, for now.",
    )
    run("extract"), run("update")
    for path in sorted((tree / "locales").rglob("*.po*")):
        text = path.read_bytes()
        assert text == msgcat(path), path
    es = (tree / "locales/es/LC_MESSAGES/esketamine-overview.po").read_text(encoding="utf-8")
    assert "#| " in es and "#~ " in es


def test_a_save_in_a_translators_tool_survives_update_byte_for_byte(run: Run, tree: Path) -> None:
    po = tree / "locales/pt/LC_MESSAGES/esketamine-overview.po"
    generated_by = next(
        line for line in msgcat(po).split(b"\n") if line.startswith(b'"Generated-By')
    )
    saved = msgcat(po).replace(generated_by, generated_by + b'\n"X-Generator: Poedit 3.4.2\\n"')
    po.write_bytes(saved)
    run("update")
    assert po.read_bytes() == saved


def test_entries_are_keyed_by_msgctxt_and_msgid_and_counted_as_msgfmt_counts() -> None:
    path = DATA / "po" / "same-msgid-two-contexts.po"
    catalog = read_catalog(path, "x", "es")
    assert set(catalog.entries) == {
        ("noun", "Dose"),
        ("verb", "Dose"),
        (None, "Dose"),
        ("title", "Dose"),
    }
    counts = catalog.counts
    assert (counts.translated, counts.fuzzy, counts.untranslated) == gnu.msgfmt_statistics(path)


LONG_PARAGRAPH = (
    "It is important to follow the instructions and recommendations of your healthcare "
    "provider when using\nketamine in a medical setting."
)


def test_a_changed_long_paragraph_keeps_its_whole_previous_msgid_as_msgmerge_does(
    run: Run, tree: Path
) -> None:
    """The old English of a multi-line fuzzy entry reaches the translator whole (`#|`), and the
    file is what `msgmerge --previous` writes for the same catalog and template."""
    po = tree / "locales/es/LC_MESSAGES/esketamine-overview.po"
    before = tree / "es-before.po"
    shutil.copy(po, before)
    replace_in(
        tree / "source_content/pages/esketamine-overview.md",
        LONG_PARAGRAPH,
        LONG_PARAGRAPH.replace("instructions", "written instructions"),
    )
    run("extract")
    run("update")
    pot = tree / "locales/templates/esketamine-overview.pot"
    assert po.read_bytes() == gnu.msgmerge(before, pot)
    entry = read_po(po).get(
        " ".join(LONG_PARAGRAPH.replace("instructions", "written instructions").split())
    )
    assert entry is not None and entry.fuzzy
    assert entry.previous_msgid == " ".join(LONG_PARAGRAPH.split())


def test_page_text_with_a_percent_sign_is_not_a_format_string(run: Run, tree: Path) -> None:
    """`% o` in "About 50% of patients" is no directive: the template must not say python-format,
    or msgfmt -c would reject a correct Spanish translation."""
    english = "About 50% of patients respond to the first course."
    replace_in(
        tree / "source_content/pages/esketamine-overview.md",
        "## How it is given\n",
        f"## How it is given\n\n{english}\n",
    )
    run("extract")
    run("update")
    template = read_po(tree / "locales/templates/esketamine-overview.pot").get(english)
    assert template is not None and template.flags == ()
    po = tree / "locales/es/LC_MESSAGES/esketamine-overview.po"
    text = po.read_text(encoding="utf-8")
    untranslated = f'msgid "{english}"\nmsgstr ""\n'
    assert untranslated in text
    po.write_text(
        text.replace(
            untranslated,
            f'msgid "{english}"\nmsgstr "Alrededor del 50 % de los pacientes responde al primer ciclo."\n',
        ),
        encoding="utf-8",
    )
    assert gnu.msgfmt_check(po).accepted


def test_ui_placeholders_are_marked_with_the_format_they_use(tree: Path) -> None:
    """`{count}` makes a ui message python-brace-format, so msgfmt -c itself refuses a
    translation that loses the placeholder."""
    template = read_po(REPO / "locales/templates/ui.pot")
    counted = [e for e in template.messages() if "{count}" in e.msgid]
    assert counted and all(e.flags == ("python-brace-format",) for e in counted)
    po = tree / "locales/es/LC_MESSAGES/ui.po"
    assert gnu.msgfmt_check(po).accepted
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr[2] ""\n"{count} partes', 'msgstr[2] ""\n"varias partes', 1
        ),
        encoding="utf-8",
    )
    assert not gnu.msgfmt_check(po).accepted


@pytest.mark.parametrize(
    "path",
    [*SHIPPED_PO, *sorted(gnu.CORPUS.glob("po/sphinx/[a-d]*.po"))],
    ids=lambda p: p.name if "sphinx" in str(p) else str(p.relative_to(REPO)),
)
def test_compiled_mo_holds_what_msgfmt_compiles(path: Path, tmp_path: Path) -> None:
    """Judged by msgunfmt: our .mo and msgfmt's decompile to the same catalog; a file msgfmt -c
    rejects is not compiled at all."""
    if not gnu.msgfmt_check(path).accepted:
        with pytest.raises(CatalogError):
            compile_catalog(path.read_bytes(), str(path))
        return
    ours, theirs = tmp_path / "ours.mo", tmp_path / "theirs.mo"
    ours.write_bytes(compile_catalog(path.read_bytes(), str(path)))
    gnu.msgfmt_compile(path, theirs)
    assert gnu.msgunfmt(ours) == gnu.msgunfmt(theirs)


def test_update_reports_a_broken_catalog_and_updates_every_other(run: Run, tree: Path) -> None:
    broken = tree / "locales/es/LC_MESSAGES/ui.po"
    broken.write_text((DATA / "po/stray-text.po").read_text(encoding="utf-8"), encoding="utf-8")
    replace_in(
        tree / "source_content/pages/esketamine-overview.md",
        LONG_PARAGRAPH,
        LONG_PARAGRAPH.replace("instructions", "written instructions"),
    )
    run("extract")
    result = run("update", code=1)
    assert 'locales/es/LC_MESSAGES/ui.po:8: keyword "this" unknown' in result.output
    assert "updated locales/es/LC_MESSAGES/esketamine-overview.po" in result.output
    assert "written instructions" in (
        tree / "locales/pt/LC_MESSAGES/esketamine-overview.po"
    ).read_text(encoding="utf-8")


def test_update_over_several_processes_writes_what_one_process_writes(
    run: Run, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.catalogs import update

    replace_in(
        tree / "source_content/pages/esketamine-overview.md",
        LONG_PARAGRAPH,
        LONG_PARAGRAPH.replace("instructions", "written instructions"),
    )
    run("extract")
    copy = tmp_path / "copy"
    shutil.copytree(tree, copy)
    one = run("update", "--jobs", "1")
    monkeypatch.setattr(update, "_PARALLEL_FROM", 1)  # two templates are enough for a pool
    two = run("update", "--jobs", "2", root=copy)
    assert one.output == two.output.replace(str(copy), str(tree))
    for po in sorted((tree / "locales").rglob("*.po")):
        assert po.read_bytes() == (copy / po.relative_to(tree)).read_bytes(), po


def test_update_keeps_a_catalogs_permissions(run: Run, tree: Path) -> None:
    """Catalogs are replaced through a temp file, which is created owner-only: a server running
    as another user must still be able to read what `update` wrote."""
    po = tree / "locales/es/LC_MESSAGES/esketamine-overview.po"
    po.chmod(0o644)
    replace_in(
        tree / "source_content/pages/esketamine-overview.md",
        LONG_PARAGRAPH,
        LONG_PARAGRAPH.replace("instructions", "written instructions"),
    )
    run("extract")
    assert "updated locales/es/LC_MESSAGES/esketamine-overview.po" in run("update").output
    assert po.stat().st_mode & 0o777 == 0o644


def test_compile_reports_a_catalog_msgfmt_rejects_and_compiles_the_others(
    run: Run, tree: Path
) -> None:
    po = tree / "locales/es/LC_MESSAGES/ui.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr[2] ""\n"{count} partes', 'msgstr[2] ""\n"varias partes', 1
        ),
        encoding="utf-8",
    )
    judged = gnu.msgfmt_check(po)
    assert not judged.accepted
    result = run("compile", code=1)
    assert f"locales/es/LC_MESSAGES/ui.po:{judged.line}: " in result.output
    assert not po.with_suffix(".mo").exists()
    assert (tree / "locales/pt/LC_MESSAGES/ui.mo").exists()


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_fifo_or_directory_in_place_of_a_catalog_is_reported_not_waited_on(
    tree: Path, kind: str
) -> None:
    """Run as real processes with a deadline: reading a FIFO would block until a writer came."""
    import os
    import subprocess
    import sys

    po = tree / "locales/es/LC_MESSAGES/ui.po"
    po.unlink()
    if kind == "fifo":
        os.mkfifo(po)
    else:
        po.mkdir()
    exe = Path(sys.executable).parent / "clinic-l10n"
    for command in (["check"], ["update"], ["po", "check", str(po)]):
        done = subprocess.run(
            [str(exe), "--root", str(tree), *command], capture_output=True, text=True, timeout=120
        )
        said = done.stdout + done.stderr
        assert done.returncode != 0, (command, said)
        assert "ui.po" in said and ("not a regular file" in said or "is a directory" in said)
