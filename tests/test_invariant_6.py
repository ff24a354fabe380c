"""SPEC invariant 6: a translation that fails an error-level check is never approved and never served,
ledger or not, including checks and protected terms added after the approval."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from service.models import fingerprint

from .conftest import Run, replace_in

PAGE = "esketamine-overview"
PO_ES = f"locales/es/LC_MESSAGES/{PAGE}.po"
LEDGER_ES = f"locales/es/reviews/{PAGE}.yaml"
Client = Callable[[Path], TestClient]


def _served(client: TestClient, english: str, locale: str = "es") -> dict[str, Any]:
    english_page = client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()
    seg_id = next(s["id"] for s in english_page["segments"] if s["text"] == english)
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    found: dict[str, Any] = next(s for s in page["segments"] if s["id"] == seg_id)
    return found


def _forge_approval(tree: Path, english: str, spanish: str) -> None:
    """A ledger record written by hand (or by an older version without the check)."""
    path = tree / LEDGER_ES
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for record in data["records"]:
        if record["msgid"] == english:
            record["msgstr"] = spanish
            record["translation_sha256"] = fingerprint(spanish)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_approve_refuses_a_failing_translation_and_says_which_check(run: Run, tree: Path) -> None:
    replace_in(
        tree / PO_ES,
        'msgstr "Seguridad"',
        'msgstr "Seguridad<script>alert(document.cookie)</script>"',
    )
    result = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--msgid",
        "Safety",
        "--reviewer",
        "Dr. Other Reviewer",
        code=1,
    )
    assert "check raw-html: HTML <script> is not in the English" in result.output


def test_a_failing_translation_is_not_served_even_with_a_matching_ledger_record(
    tree: Path, client_for: Client
) -> None:
    english = "It has been approved by regulatory authorities, including the FDA, as a nasal spray under the brand name **Spravato**."
    broken = "Ha sido aprobada por las autoridades reguladoras, incluida la FDA, como aerosol nasal con el nombre comercial **Esprávato**."
    po = tree / PO_ES
    text = po.read_text(encoding="utf-8")
    start = text.index('msgstr ""\n"Ha sido aprobada')
    end = text.index("\n\n", start)
    po.write_text(text[:start] + f'msgstr "{broken}"' + text[end:], encoding="utf-8")
    _forge_approval(tree, english, broken)

    client = client_for(tree)
    served = _served(client, english)
    assert (served["locale"], served["text"]) == ("en", english)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert any("do-not-translate" in line and PO_ES in line for line in health["blocked"])
    row = next(
        r
        for r in client.get("/v1/coverage").json()["rows"]
        if r["locale"] == "es" and r["page"] == PAGE
    )
    assert row["blocked"] == 1 and row["reviewed"] == 23


def test_a_term_added_to_the_config_stops_a_previously_approved_translation(
    tree: Path, client_for: Client, run: Run
) -> None:
    english = "major depressive disorder (MDD)"
    replace_in(
        tree / PO_ES,
        'msgstr "trastorno depresivo mayor (MDD)"',
        'msgstr "trastorno depresivo mayor (TDM)"',
    )
    replace_in(tree / "l10n.yaml", "  - MDD\n", "")  # at approval time, MDD was not protected
    run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--msgid",
        english,
        "--reviewer",
        "Dr. Rosa Revisora (fictional)",
    )
    assert _served(client_for(tree), english)["text"] == "trastorno depresivo mayor (TDM)"

    replace_in(tree / "l10n.yaml", "  - TRD\n", "  - TRD\n  - MDD\n")  # the term is protected now

    served = _served(client_for(tree), english)
    assert (served["locale"], served["text"]) == ("en", english)
    check = run("check", code=1)
    assert (
        f"{PO_ES}:" in check.output
        and "error: do-not-translate: 'MDD' must appear as written" in check.output
    )


def test_check_reports_every_failing_entry_with_file_and_line(run: Run, tree: Path) -> None:
    replace_in(tree / PO_ES, 'msgstr "Seguridad"', 'msgstr "Seguridad "')
    result = run("check")  # exit 0: a warning, and the edit voided the approval (also a warning)
    line = next(
        n
        for n, text in enumerate((tree / PO_ES).read_text().splitlines(), 1)
        if text == 'msgid "Safety"'
    )
    assert (
        f"{PO_ES}:{line}: warning: whitespace: leading or trailing white space differs from the English"
        in result.output
    )


def test_raw_html_approved_by_hand_is_neither_served_nor_rendered(
    tree: Path, client_for: Client
) -> None:
    replace_in(
        tree / PO_ES,
        'msgstr "Seguridad"',
        'msgstr "Seguridad<script>alert(document.cookie)</script>"',
    )
    _forge_approval(tree, "Safety", "Seguridad<script>alert(document.cookie)</script>")
    client = client_for(tree)
    assert _served(client, "Safety")["locale"] == "en"
    html = client.get(f"/pages/{PAGE}", params={"locale": "es"}).text
    assert "<script>" not in html and "alert(" not in html
