"""`clinic-l10n check FILE.po`: the clinical check of one catalog, alone (issue 25, item 3).

A page with a dose table, a safety time, an inline link and a reference link is added to the fixture
tree and translated; the catalog is then copied alone into a folder with no tree, as an agency holds
it. Expected lines are counted in the file's text; the tree's `check` is the judge of what is found.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.catalogs.catalog import read_po
from service.cli.main import cli

from .conftest import FIXTURE_TREE, msgfmt, replace_in

PAGE = """---
slug: dose-guide
title: Inhaler dose guide
---

## Dose

| Patient | Maximum dose |
| --- | --- |
| Adults | 800 micrograms (8 puffs) |

::: critical
Wait 30 minutes after each dose.
:::

Read the [leaflet](https://example.org/leaflet) first.

See the [guide][g] for help.

[g]: https://example.org/guide
"""

SPANISH = {
    "Inhaler dose guide": "Guía de dosis del inhalador",
    "Dose": "Dosis",
    "Patient": "Paciente",
    "Maximum dose": "Dosis máxima",
    "Adults": "Adultos",
    "800 micrograms (8 puffs)": "800 microgramos (8 inhalaciones)",
    "Wait 30 minutes after each dose.": "Espere 30 minutos después de cada dosis.",
    "Read the [leaflet](https://example.org/leaflet) first.": (
        "Lea primero el [prospecto](https://example.org/leaflet)."
    ),
    "See the [guide][g] for help.": "Consulte la [guía][g] para obtener ayuda.",
}

# The issue's examples: (English, a wrong delivery, the check that must catch it)
WRONG = [
    ("800 micrograms (8 puffs)", "8000 microgramos (8 inhalaciones)", "numbers"),  # 10x dose
    ("Wait 30 minutes after each dose.", "Espere 3 minutos después de cada dosis.", "numbers"),
    ("Wait 30 minutes after each dose.", "Espere 30 horas después de cada dosis.", "units"),
    (
        "Read the [leaflet](https://example.org/leaflet) first.",
        "Lea primero el prospecto.",
        "links",
    ),
    ("See the [guide][g] for help.", "Consulte la guía para obtener ayuda.", "links"),
    ("See the [guide][g] for help.", "Consulte la [guía][x] para obtener ayuda.", "links"),
    ("Adults", "Adultos <script>", "raw-html"),
]

CATALOG = "locales/es/LC_MESSAGES/dose-guide.po"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def translated(tmp_path: Path) -> Path:
    """The fixture tree with the dose page extracted, its es catalog made and translated."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md"))
    (root / "source_content/pages/dose-guide.md").write_text(PAGE, encoding="utf-8")
    for command in ("extract", "update"):
        assert _invoke("--root", str(root), command)[0] == 0
    for english, spanish in SPANISH.items():
        replace_in(
            root / CATALOG,
            f'msgid "{english}"\nmsgstr ""',
            f'msgid "{english}"\nmsgstr "{spanish}"',
        )
    return root


def _alone(root: Path, tmp_path: Path) -> Path:
    """The catalog copied where no l10n.yaml is above it, as an agency receives it."""
    delivery = tmp_path / "delivery"
    delivery.mkdir(exist_ok=True)
    return Path(shutil.copy(root / CATALOG, delivery / "dose-guide.po"))


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the file holding `text` (counted in the file, not by our parser)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines, 1) if text in line]
    assert len(found) == 1, (text, found)
    return found[0]


def test_a_clean_catalog_alone_passes(translated: Path, tmp_path: Path) -> None:
    lone = _alone(translated, tmp_path)
    code, out, err = _invoke("check", str(lone))
    assert (code, out) == (0, ""), out
    assert "0 error(s)" in err
    assert _invoke("po", "check", "--clinical", str(lone))[0] == 0


@pytest.mark.parametrize(("english", "wrong", "check"), WRONG)
def test_the_issues_examples_are_caught_on_a_lone_copy(
    translated: Path, tmp_path: Path, english: str, wrong: str, check: str
) -> None:
    replace_in(translated / CATALOG, f'msgstr "{SPANISH[english]}"', f'msgstr "{wrong}"')
    lone = _alone(translated, tmp_path)
    code, out, _ = _invoke("check", str(lone))
    assert code == 1, out
    line = _line_of(lone, f'msgstr "{wrong}"')
    assert f"{lone}:{line}: error: {check}: " in out, out
    # `po check` keeps meaning `msgfmt -c`: GNU msgfmt accepts the file, and so does `po check`
    assert msgfmt(lone)[0] == 0
    assert _invoke("po", "check", str(lone))[0] == 0
    code, out, _ = _invoke("po", "check", "--clinical", str(lone))
    assert code == 1 and f"{lone}:{line}: error: {check}: " in out, out


def _tree_findings(root: Path) -> list[tuple[int, str, str, str]]:
    """What `check` on the whole tree reports at the catalog, each line moved from its msgid to its
    msgstr (the tree names an entry by its msgid's line, the lone check by its msgstr's)."""
    code, out, _ = _invoke("--root", str(root), "check", "--format", "json")
    assert code in (0, 1), out
    msgstr_line = {e.line: e.msgstr_line for e in read_po(root / CATALOG).messages()}
    return [
        (msgstr_line[f["line"]], f["severity"], f["check"], f["message"])
        for f in json.loads(out)["findings"]
        if f["path"] == CATALOG
    ]


@pytest.mark.parametrize(("english", "wrong"), [(e, w) for e, w, _ in WRONG] + [("", "")])
def test_the_lone_check_finds_what_the_tree_check_finds(
    translated: Path, tmp_path: Path, english: str, wrong: str
) -> None:
    if english:
        replace_in(translated / CATALOG, f'msgstr "{SPANISH[english]}"', f'msgstr "{wrong}"')
    lone = _alone(translated, tmp_path)
    code, out, _ = _invoke("check", "--format", "json", str(lone))
    mine = [
        (f["line"], f["severity"], f["check"], f["message"]) for f in json.loads(out)["findings"]
    ]
    tree = _tree_findings(translated)
    # A reference link's target is the page's, which the .po does not hold: the lone check names
    # the label instead of the address; everything else is the same finding at the same line.
    assert [f[:3] for f in mine] == [f[:3] for f in tree]
    assert [m.replace("[g]", "https://example.org/guide") for *_, m in mine] == [
        m for *_, m in tree
    ]
    assert code == (1 if any(f[1] == "error" for f in tree) else 0)


SALINE = "locales/es/LC_MESSAGES/saline-spray.po"


@pytest.mark.parametrize(
    ("where", "with_config", "caught"),
    [
        ("alone", False, False),  # no config: no protected terms to keep
        ("alone", True, True),  # --config l10n.yaml
        ("in-tree", False, True),  # the nearest l10n.yaml above the file
    ],
)
def test_protected_terms_come_from_the_config_given_or_found(
    tmp_path: Path, where: str, with_config: bool, caught: bool
) -> None:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md"))
    replace_in(root / SALINE, "No use **Nasolin**", "No use **Nasoline**")
    path = root / SALINE
    if where == "alone":
        (tmp_path / "delivery").mkdir()
        path = Path(shutil.copy(path, tmp_path / "delivery/saline-spray.po"))
    args = ["check", *(["--config", str(root / "l10n.yaml")] if with_config else []), str(path)]
    code, out, err = _invoke(*args)
    assert ("error: do-not-translate: 'Nasolin' must appear as written" in out) is caught, out
    assert code == (1 if caught else 0)
    assert ("no l10n.yaml found" in err) is (where == "alone" and not with_config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('msgid "a"\nmsgstr "b"\n', "no Language header"),  # no header, no locale folder
        ('msgid "a"\nmsgstr "b\n', "end of line within a string"),
    ],
)
def test_a_file_it_cannot_read_is_one_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.po"
    path.write_text(content, encoding="utf-8")
    code, out, _ = _invoke("check", str(path))
    assert code == 1
    assert out.startswith(f"{path}:") and ": error: load: " in out and message in out, out


# A Language header that names no language CLDR knows: one error at the header's msgstr line
# (line 2 of the file below), naming the file; never a traceback.
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: {}\\n"\n\nmsgid "Take 56 mg"\nmsgstr "Tome 56 mg"\n'


@pytest.mark.parametrize(
    ("language", "message"),
    [("123", "malformed language tag"), ("zz", "no CLDR data"), ("und", "names no language")],
)
def test_a_language_header_naming_no_language_is_one_error_at_its_line(
    tmp_path: Path, language: str, message: str
) -> None:
    path = tmp_path / "x.po"
    path.write_text(HEADER.format(language), encoding="utf-8")
    code, out, _ = _invoke("check", str(path))
    assert code == 1
    assert out.startswith(f"{path}:2: error: load: ") and message in out, out
