"""SPEC invariant 6: a translation that fails an error-level check is never approved and never served,
ledger or not, including checks and protected terms added after the approval.

End to end on a copy of tests/data/tree. An approval "from before the check existed" is made by the
real `review approve` with that check taken out of the registry, never by writing a ledger by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.quality import checks

from .conftest import Run, replace_in

PAGE = "saline-spray"
PO_ES = f"locales/es/LC_MESSAGES/{PAGE}.po"
Client = Callable[[Path], TestClient]
SCRIPT = "Seguridad<script>alert(document.cookie)</script>"


def _served(client: TestClient, english: str, locale: str = "es") -> dict[str, Any]:
    english_page = client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()
    seg_id = next(s["id"] for s in english_page["segments"] if s["text"] == english)
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    found: dict[str, Any] = next(s for s in page["segments"] if s["id"] == seg_id)
    return found


@contextmanager
def _without_check(monkeypatch: pytest.MonkeyPatch, check_id: str) -> Iterator[None]:
    """As an older version without this check would have behaved."""
    with monkeypatch.context() as patched:
        patched.delitem(checks.REGISTRY, check_id)
        checks.blocking.cache_clear()
        yield
    checks.blocking.cache_clear()


def _approve(run: Run, english: str, code: int = 0) -> str:
    return run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--msgid",
        english,
        "--reviewer",
        "Dr. Robin Spare (fictional)",
        code=code,
    ).output


def test_approve_refuses_a_failing_translation_and_says_which_check(
    fixture_tree: Path, run: Run
) -> None:
    replace_in(fixture_tree / PO_ES, 'msgstr "Seguridad"', f'msgstr "{SCRIPT}"')
    output = _approve(run, "Safety", code=1)
    assert "check raw-html: HTML <script> is not in the English" in output


def test_a_failing_translation_is_not_served_though_it_was_approved(
    fixture_tree: Path, run: Run, client_for: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = "How to use a Nasolin saline nasal spray safely at home."
    replace_in(
        fixture_tree / PO_ES,
        'msgstr "Cómo usar en casa, de forma segura, un espray nasal salino Nasolin."',
        'msgstr "Cómo usar en casa, de forma segura, un espray nasal salino Nasolín."',
    )
    with _without_check(monkeypatch, "do-not-translate"):
        assert "1 approved" in _approve(run, english)

    client = client_for(fixture_tree)
    assert (_served(client, english)["locale"], _served(client, english)["text"]) == ("en", english)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert any("do-not-translate" in line and PO_ES in line for line in health["blocked"])
    row = next(
        r
        for r in client.get("/v1/coverage").json()["rows"]
        if r["locale"] == "es" and r["page"] == PAGE
    )
    assert (row["blocked"], row["approved"]) == (1, 11)


def test_a_term_added_to_the_config_stops_a_previously_approved_translation(
    fixture_tree: Path, client_for: Client, run: Run
) -> None:
    english = "How to use a Nasolin saline nasal spray safely at home."
    spanish = "Cómo usar en casa, de forma segura, un espray nasal salino Nasolín."
    replace_in(
        fixture_tree / PO_ES,
        'msgstr "Cómo usar en casa, de forma segura, un espray nasal salino Nasolin."',
        f'msgstr "{spanish}"',
    )
    config = fixture_tree / "l10n.yaml"
    replace_in(config, "  - Nasolin\n", "  []\n")  # at approval time, Nasolin was not protected
    assert "1 approved" in _approve(run, english)
    assert _served(client_for(fixture_tree), english)["text"] == spanish

    replace_in(config, "  []\n", "  - Nasolin\n")  # the term is protected now

    served = _served(client_for(fixture_tree), english)
    assert (served["locale"], served["text"]) == ("en", english)
    check = run("check", code=1)
    assert (
        f"{PO_ES}:26: error: do-not-translate: 'Nasolin' must appear as written (1x in the English)"
        in check.output.splitlines()
    )


def test_check_reports_a_failing_entry_with_file_and_line(fixture_tree: Path, run: Run) -> None:
    replace_in(fixture_tree / PO_ES, 'msgstr "Seguridad"', 'msgstr "Seguridad "')
    result = run("check")  # exit 0: a warning, and the edit voided the approval (also a warning)
    assert (
        f"{PO_ES}:65: warning: whitespace: leading or trailing white space differs from the English"
        in result.output.splitlines()
    )


def test_raw_html_approved_before_the_check_is_neither_served_nor_rendered(
    fixture_tree: Path, run: Run, client_for: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    replace_in(fixture_tree / PO_ES, 'msgstr "Seguridad"', f'msgstr "{SCRIPT}"')
    with _without_check(monkeypatch, "raw-html"):
        assert "1 approved" in _approve(run, "Safety")
    client = client_for(fixture_tree)
    assert _served(client, "Safety")["locale"] == "en"
    html = client.get(f"/pages/{PAGE}", params={"locale": "es"}).text
    assert "<script>" not in html and "alert(" not in html
