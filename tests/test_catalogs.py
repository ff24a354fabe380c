"""Gettext catalogs: what msgfmt accepts, what it rejects, and update's fuzzy/obsolete handling."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.plurals import get_plural

from service.catalogs import read_catalog
from service.errors import CatalogError

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
    ("name", "line", "message"),
    [
        ("unterminated-string.po", 7, "unterminated or badly escaped string"),
        ("unescaped-quote.po", 7, "unterminated or badly escaped string"),
        ("duplicate-msgid.po", 9, "duplicate message"),
        ("stray-text.po", 8, "not a PO keyword"),
        ("missing-msgstr.po", 6, "missing msgstr"),
        ("not-utf8.po", 9, "not UTF-8"),
    ],
)
def test_malformed_catalogs_name_file_and_line_and_msgfmt_agrees(
    name: str, line: int, message: str
) -> None:
    path = DATA / "po" / name
    with pytest.raises(CatalogError, match=re.escape(message)) as caught:
        read_catalog(path, "x", "es")
    assert str(caught.value).startswith(f"{path}:{line}: ")
    code, out = msgfmt(path)
    assert code != 0, f"msgfmt accepted {name}, so our test data is not broken: {out}"


def test_compiled_mo_is_read_by_the_standard_library(run: Run, tree: Path) -> None:
    assert run("compile").exit_code == 0
    mo = tree / "locales/es/LC_MESSAGES/ui.mo"
    with mo.open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("Read in English") == "Leer en inglés"
    one = "{count} part of this page is shown in English."
    many = "{count} parts of this page are shown in English."
    assert translations.ngettext(one, many, 1).startswith("{count} parte ")
    assert translations.ngettext(one, many, 3).startswith("{count} partes ")


def test_compile_leaves_fuzzy_entries_out(run: Run, tree: Path) -> None:
    run("compile")
    with (tree / "locales/ar/LC_MESSAGES/esketamine-overview.mo").open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("How it works") == "How it works"  # the fuzzy one: not compiled
    assert translations.gettext("Safety") == "السلامة"


def test_changed_paragraph_turns_fuzzy_with_previous_msgid(run: Run, tree: Path) -> None:
    old = "Cómo actúa"
    replace_in(
        tree / "source_content/pages/esketamine-overview.md",
        "## How it works",
        "## How esketamine works",
    )
    assert run("extract").exit_code == 0
    assert run("update").exit_code == 0
    po = (tree / "locales/es/LC_MESSAGES/esketamine-overview.po").read_text(encoding="utf-8")
    block = po[po.index('#| msgid "How it works"') - 40 :][:200]
    assert "#, fuzzy" in block
    assert 'msgid "How esketamine works"' in block
    assert f'msgstr "{old}"' in block
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
    result = run("init", "fr")
    assert result.exit_code != 0
    assert "not enabled" in result.output


def test_init_creates_catalogs_for_a_newly_enabled_locale(run: Run, tree: Path) -> None:
    replace_in(tree / "l10n.yaml", "  - vi\n", "  - vi\n  - fr-CA\n")
    result = run("init", "fr_ca")
    assert result.exit_code == 0, result.output
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
        "{count} parts of this page are shown in English.",
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
