"""The command line: help for every command, one-line reasons and exit codes on bad input, `check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import cli

from .conftest import DATA, Run, replace_in

COMMANDS = [
    ["extract"],
    ["init"],
    ["update"],
    ["compile"],
    ["check"],
    ["coverage"],
    ["serve"],
    ["export"],
    ["publish"],
    ["withdraw"],
    ["history"],
    ["rollback"],
    ["nginx-config"],
    ["review"],
    ["review", "pending"],
    ["review", "approve"],
    ["review", "revoke"],
    ["audit", "verify"],
    ["audit", "log"],
    ["audit", "import"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["coverage"], 2, "no l10n.yaml here"),
        (["check"], 2, "no l10n.yaml here"),
        (["update"], 2, "no l10n.yaml here"),
    ],
)
def test_missing_tree_is_a_one_line_reason(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = CliRunner().invoke(cli, ["--root", str(tmp_path), *args])
    assert result.exit_code == code
    assert message in result.output and result.output.count("\n") == 1


def test_root_comes_from_the_environment_too(tree: Path) -> None:
    result = CliRunner().invoke(
        cli, ["coverage", "--format", "json"], env={"CLINIC_L10N_ROOT": str(tree)}
    )
    assert result.exit_code == 0 and json.loads(result.output)["rows"]


def test_bad_config_stops_every_command_with_file_and_line(run: Run, tree: Path) -> None:
    (tree / "l10n.yaml").write_text((DATA / "config/unknown-key.yaml").read_text())
    result = run("coverage", code=2)
    assert result.output == "clinic-l10n: l10n.yaml:2: unknown key 'fallbacks'\n"


def test_update_without_templates_says_what_to_run(run: Run, tree: Path) -> None:
    for pot in (tree / "locales/templates").glob("*.pot"):
        pot.unlink()
    result = run("update", code=1)
    assert "run `clinic-l10n extract` first" in result.output


def test_check_passes_on_the_shipped_tree(run: Run) -> None:
    run("check")


def test_check_reports_path_line_level_and_exits_1(run: Run, tree: Path) -> None:
    (tree / "locales/es/LC_MESSAGES/ui.po").write_text((DATA / "po/stray-text.po").read_text())
    replace_in(
        tree / "locales/pt/LC_MESSAGES/esketamine-overview.po",
        'msgstr "Segurança"',
        'msgstr "Segurança!"',
    )
    replace_in(
        tree / "source_content/pages/esketamine-overview.md", "## How it works", "## How it acts"
    )
    result = run("check", code=1)
    lines = result.output.splitlines()
    assert 'locales/es/LC_MESSAGES/ui.po:8: error: load: keyword "this" unknown' in lines
    assert any(
        line.startswith("source_content/pages/esketamine-overview.md:")
        and ": error: source-approval: " in line
        for line in lines
    )
    assert any(
        line.startswith("locales/pt/reviews/esketamine-overview.yaml:")
        and ": warning: stale-approval: " in line
        for line in lines
    )
    as_json = json.loads(run("check", "--format", "json", code=1).output)
    # confirm: the shipped es "off-label" paragraph (tests/test_checks.py SHIPPED_TO_CONFIRM)
    assert {f["severity"] for f in as_json["findings"]} == {"error", "warning", "confirm"}


def test_extract_reports_a_broken_page_and_still_extracts_the_others(run: Run, tree: Path) -> None:
    (tree / "source_content/pages/broken.md").write_text(
        (DATA / "pages/no-front-matter.md").read_text()
    )
    result = run("extract", code=1)
    assert (
        "clinic-l10n: source_content/pages/broken.md:1: page must start with YAML front matter"
        in result.output
    )
    assert (tree / "locales/templates/esketamine-overview.pot").exists()
