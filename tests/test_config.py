"""l10n.yaml: chains, policy, and clear errors with file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from service.core.config import load_config
from service.core.errors import ConfigError
from service.core.models import FallbackPolicy

from .conftest import DATA, REPO


def test_shipped_config_chains_end_in_english() -> None:
    config = load_config(REPO)
    assert config.chain("pt-BR") == ("pt-BR", "pt", "en")
    assert config.chain("es") == ("es", "en")
    assert config.fallback is FallbackPolicy.SEGMENT
    assert "Spravato" in config.do_not_translate
    assert config.demonstration  # the shipped translations are demonstration drafts


def test_parent_locale_joins_the_chain_without_configuration(tmp_path: Path) -> None:
    (tmp_path / "l10n.yaml").write_text("locales: [pt, pt-BR, zh-Hans]\n")
    config = load_config(tmp_path)
    assert config.chain("pt-BR") == ("pt-BR", "pt", "en")
    assert config.chain("zh-Hans") == ("zh-Hans", "en")


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("unknown-locale.yaml", 1, "malformed language tag 'xx-Fake!'"),
        ("chain-to-disabled-locale.yaml", 3, "names 'pt', not enabled"),
        ("unknown-key.yaml", 2, "unknown key 'fallbacks'"),
        ("bad-policy.yaml", 2, "'fallback' must be 'segment' or 'page'"),
        ("no-locales.yaml", 2, "non-empty list"),
        ("invalid-yaml.yaml", 2, "invalid YAML"),
        ("demonstration-not-a-flag.yaml", 2, "'demonstration' must be true or false, got 'maybe'"),
        # how much of a page a locale must show translated to be listed (issue 23)
        ("min-share-negative.yaml", 3, "'min_share' must be a fraction from 0 to 1, got -0.1"),
        ("min-share-above-one.yaml", 2, "'min_share' must be a fraction from 0 to 1, got 2"),
        ("min-share-not-a-number.yaml", 2, "'min_share' must be a fraction from 0 to 1, got 'x'"),
        ("min-share-nan.yaml", 2, "'min_share' must be a fraction from 0 to 1, got nan"),
        ("min-share-a-flag.yaml", 2, "'min_share' must be a fraction from 0 to 1, got True"),
        # where a release's static site is served (issue 23: the export is a copy of a release)
        ("base-url-not-absolute.yaml", 2, "'base_url' must be an absolute http(s) URL, got 'clin"),
        ("base-url-not-http.yaml", 2, "'base_url' must be an absolute http(s) URL, got 'ftp:"),
        ("base-url-a-list.yaml", 2, "'base_url' must be an absolute http(s) URL, got ['https:"),
        ("base-url-query.yaml", 2, "'base_url' cannot have a query or a fragment"),
        (
            "unknown-role.yaml",
            4,
            "reviewer 'Dr. B': roles must be a list of ['clinical', 'linguistic']",
        ),
        (
            "role-without-meaning.yaml",
            7,
            "role 'pharmacist' must give exactly label, translation, english",
        ),
        ("role-name-with-space.yaml", 3, "role 'Chief Pharmacist': a role's name is lower-case"),
        ("approvals-missing-kind.yaml", 2, "'approvals' must give each of: critical translation"),
        (
            "approvals-undeclared-role.yaml",
            5,
            "approvals: 'critical English' needs 'pharmacist', which 'roles' does not declare",
        ),
        (
            "approvals-repeated-role.yaml",
            3,
            "approvals: 'critical translation' must be 'any' or a list of different roles",
        ),
        (
            "roles-without-approvals.yaml",
            2,
            "'approvals' is not given and its default needs the role 'clinical'",
        ),
        # Who the people are (issue 22, item 8): translators, e-mail addresses, one person twice.
        ("translators-not-a-mapping.yaml", 2, "'translators' must map each translator's name"),
        ("translator-unknown-key.yaml", 4, "translator 'Bo Sample': unknown key 'mail'"),
        ("translator-bad-email.yaml", 3, "translator 'Ana Ejemplo': 'email' must be an address"),
        ("translator-aliases-not-a-list.yaml", 3, "'aliases' must be a list of names"),
        ("translator-without-a-name.yaml", 3, "a name needs at least one letter or digit"),
        (
            "translators-one-person.yaml",
            5,
            "translator 'Dra. Ana Ejemplo (fictional)' is the same person as 'Ana Ejemplo'",
        ),
        (
            "reviewers-one-person.yaml",
            5,
            "reviewers 'Dr. Rosa Revisora (fictional)' and 'Rosa Revisora' are the same person",
        ),
        (
            "reviewers-one-address.yaml",
            5,
            "reviewers 'Dr. B Sample' and 'Dr. C Sample' are the same person",
        ),
        ("reviewer-bad-email.yaml", 3, "reviewer 'Dr. B Sample': 'email' must be an address"),
        (
            "translator-two-reviewers.yaml",
            6,
            "translator 'Ana Ejemplo' is the same person as reviewers 'Dr. Ana Ejemplo' and "
            "'Dr. Bo Sample'",
        ),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, name: str, line: int, message: str) -> None:
    shutil.copy(DATA / "config" / name, tmp_path / "l10n.yaml")
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_config(tmp_path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"l10n.yaml:{line}: ")


@pytest.mark.parametrize(
    ("line", "share"),
    [("", 0.0), ("min_share: 0\n", 0.0), ("min_share: 0.25\n", 0.25), ("min_share: 1\n", 1.0)],
)
def test_min_share_is_a_fraction_and_defaults_to_zero(
    tmp_path: Path, line: str, share: float
) -> None:
    (tmp_path / "l10n.yaml").write_text(f"locales: [es]\n{line}")
    assert load_config(tmp_path).min_share == share


def test_missing_config_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no l10n\.yaml here"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("terminology-not-a-mapping.yaml", 2, "'terminology' must map each English term"),
        ("terminology-term-without-forms.yaml", 3, "'esketamine' must map each locale to its"),
        ("terminology-locale-not-enabled.yaml", 6, "names 'fr', which is not an enabled locale"),
        ("terminology-malformed-locale.yaml", 4, "names 'es!', which is not an enabled locale"),
        ("terminology-empty-form.yaml", 5, "'esketamine' in es: a form must be non-empty text"),
        ("terminology-blank-form-in-list.yaml", 4, "in ar: a form must be non-empty text"),
        ("terminology-no-forms.yaml", 4, "in ar: a form must be non-empty text"),
        ("terminology-listed-twice.yaml", 4, "'Esketamine' is listed twice"),
        (
            "terminology-one-form-two-terms.yaml",
            4,
            "'Esketamina' is the es form of both 'esketamine' and 'ketamine'",
        ),
    ],
)
def test_bad_terminology_is_a_clear_error(
    tmp_path: Path, name: str, line: int, message: str
) -> None:
    shutil.copy(DATA / "config" / name, tmp_path / "l10n.yaml")
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_config(tmp_path)
    assert str(caught.value).startswith(f"l10n.yaml:{line}: ")
    assert "terminology" in str(caught.value)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("yaml_text", "locale", "glossary"),
    [
        (  # a locale as gettext names it; one form or several; spaces as typed are one
            "terminology:\n  esketamine: {pt_BR: escetamina, ar: [الإسكيتامين, '  إسكيتامين ']}\n",
            "ar",
            (("esketamine", ("الإسكيتامين", "إسكيتامين")),),
        ),
        (
            "terminology:\n  esketamine: {pt-BR: escetamina, ar: الإسكيتامين}\n",
            "pt-BR",
            (("esketamine", ("escetamina",)),),
        ),
        ("terminology:\n  esketamine: {pt-BR: escetamina, ar: x}\n", "es", ()),  # not enabled
        ("", "pt-BR", ()),  # no terminology: nothing to hold a translation to
    ],
)
def test_terminology_is_read_per_locale(
    tmp_path: Path, yaml_text: str, locale: str, glossary: tuple[object, ...]
) -> None:
    (tmp_path / "l10n.yaml").write_text("locales: [pt-BR, ar]\n" + yaml_text, encoding="utf-8")
    assert load_config(tmp_path).terminology.glossary(locale) == glossary


def test_shipped_terminology_names_the_substances_of_the_demo_page() -> None:
    terminology = load_config(REPO).terminology
    assert [english for english, _ in terminology.glossary("zh-Hans")] == [
        "esketamine",
        "ketamine",
        "Ketalar",
    ]
    assert dict(terminology.glossary("pt-BR"))["esketamine"] == ("escetamina",)


@pytest.mark.parametrize(
    ("line", "base"),
    [
        ("", None),
        ("base_url: https://clinic.example/learn/\n", "https://clinic.example/learn/"),
        ("base_url: http://127.0.0.1:8080\n", "http://127.0.0.1:8080/"),  # a / is added
    ],
)
def test_base_url_is_absolute_ends_in_a_slash_and_is_optional(
    tmp_path: Path, line: str, base: str | None
) -> None:
    (tmp_path / "l10n.yaml").write_text(f"locales: [es]\n{line}")
    assert load_config(tmp_path).base_url == base
