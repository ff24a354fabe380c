"""SPEC safety invariants 1–5 and 7, each proven end to end on a copy of the shipped tree.

(Invariant 6, error-level checks, belongs to the checks stage.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from .conftest import DATA, Run, declare, replace_in

PAGE = "esketamine-overview"
PO_ES = f"locales/es/LC_MESSAGES/{PAGE}.po"
Client = Callable[[Path], TestClient]

SAFETY_EN = (
    "It’s important to note that S-isomer ketamine should only be used under the guidance of a "
    "healthcare professional and in a controlled setting."
)


def _page(client: TestClient, locale: str) -> dict[str, Any]:
    response = client.get(f"/v1/pages/{PAGE}", params={"locale": locale})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _segment(
    page: dict[str, Any], heading_text: str | None = None, seg_id: str | None = None
) -> dict[str, Any] | None:
    return next(
        (
            s
            for s in page["segments"]
            if (seg_id and s["id"] == seg_id) or (heading_text and s["text"] == heading_text)
        ),
        None,
    )


def _id_of(page: dict[str, Any], english: str) -> str:
    found = _segment(page, english)
    assert found, english
    return str(found["id"])


def test_invariant_1_editing_a_reviewed_msgstr_voids_its_approval(
    tree: Path, client_for: Client
) -> None:
    english = _page(client_for(tree), "en")
    safety_id = _id_of(english, "Safety")
    assert _segment(_page(client_for(tree), "es"), seg_id=safety_id)["text"] == "Seguridad"  # type: ignore[index]

    replace_in(
        tree / PO_ES, 'msgstr "Seguridad"', 'msgstr "Seguridad (editado)"'
    )  # no one touches the ledger

    served = _segment(_page(client_for(tree), "es"), seg_id=safety_id)
    assert served is not None
    assert (served["text"], served["locale"], served["fallback"]) == ("Safety", "en", True)


def test_invariant_1_and_2_changed_english_is_withheld_until_approved(
    tree: Path, run: Run, client_for: Client
) -> None:
    replace_in(tree / f"source_content/pages/{PAGE}.md", "## Safety", "## Safety information")
    run("extract"), run("update")

    for locale in ("en", "es", "pt-BR"):
        page = _page(client_for(tree), locale)
        texts = [s["text"] for s in page["segments"]]
        assert page["withheld"] == 1, locale
        assert (
            "Safety information" not in texts and "Seguridad" not in texts and "Safety" not in texts
        )
    run("check", code=1)  # `check` fails while English awaits approval

    run(
        "review",
        "approve",
        "en",
        "--page",
        PAGE,
        "--msgid",
        "Safety information",
        "--reviewer",
        "Dr. Test Reviewer",
    )

    page = _page(client_for(tree), "es")
    served = _segment(page, "Safety information")
    assert page["withheld"] == 0
    assert served is not None and (served["locale"], served["fallback"]) == ("en", True)


def test_invariant_3_translation_needs_review_against_the_english_it_replaces(
    tree: Path, run: Run, client_for: Client
) -> None:
    """The translator confirms the old Spanish for new English; the old approval must not carry over."""
    old = "your healthcare provider when using ketamine in a medical setting."
    new = "your healthcare provider when using ketamine in any medical setting."
    replace_in(
        tree / f"source_content/pages/{PAGE}.md",
        "your healthcare provider when using\nketamine in a medical setting.",
        "your healthcare provider when using\nketamine in any medical setting.",
    )
    run("extract"), run("update")
    run("review", "approve", "en", "--page", PAGE, "--all", "--reviewer", "Dr. Test Reviewer")
    po = tree / PO_ES
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" in text, "update should have made the edited paragraph fuzzy"
    po.write_text(
        "\n".join(line for line in text.split("\n") if not line.startswith(("#, fuzzy", "#|"))),
        encoding="utf-8",
    )

    page = _page(client_for(tree), "es")
    served = next(
        s
        for s in page["segments"]
        if s["text"].endswith(new) or "Es importante seguir" in s["text"]
    )
    assert (served["locale"], served["fallback"]) == ("en", True), served
    assert served["text"].endswith(new) and not served["text"].endswith(old)

    approve = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--all",
        "--reviewer",
        "Dr. Rosa Revisora (fictional)",
    )
    assert "1 approved" in approve.output, approve.output
    served = _segment(_page(client_for(tree), "es"), seg_id=served["id"])
    assert (
        served is not None and served["locale"] == "es" and "Es importante seguir" in served["text"]
    )


def test_invariant_4_fallback_follows_the_chain_segment_by_segment(
    tree: Path, client_for: Client
) -> None:
    page = _page(client_for(tree), "pt-BR")
    by_text = {s["text"]: s for s in page["segments"]}
    assert by_text["O que é a cetamina isômero S"]["locale"] == "pt-BR"  # reviewed in pt-BR
    assert by_text["Segurança"]["locale"] == "pt"  # only pt has it
    assert by_text["How it works"]["locale"] == "en"  # neither has it
    assert [s["fallback"] for s in page["segments"]] == [
        s["locale"] != "pt-BR" for s in page["segments"]
    ]
    assert page["locale"] == "pt-BR" and not page["complete"]


def test_invariant_4_chain_order_comes_from_config(tree: Path, client_for: Client) -> None:
    replace_in(tree / "l10n.yaml", "  pt-BR: [pt, en]", "  pt-BR: [es, en]")
    page = _page(client_for(tree), "pt-BR")
    assert {s["locale"] for s in page["segments"]} == {
        "pt-BR",
        "es",
    }  # es is complete, so no English


def test_invariant_4_fallback_page_serves_all_or_nothing(tree: Path, client_for: Client) -> None:
    replace_in(tree / f"source_content/pages/{PAGE}.md", "fallback: segment", "fallback: page")
    partial = _page(client_for(tree), "pt-BR")
    assert {s["locale"] for s in partial["segments"]} == {"en"}
    assert partial["fallback_policy"] == "page"
    complete = _page(client_for(tree), "es")
    assert {s["locale"] for s in complete["segments"]} == {"es"}


def test_invariant_5_four_eyes(tree: Path, run: Run) -> None:
    declare(tree, "Joana Exemplo (fictional)", "linguistic")  # she reviews other languages
    (tree / f"locales/pt/reviews/{PAGE}.yaml").unlink()
    result = run(
        "review",
        "approve",
        "pt",
        "--page",
        PAGE,
        "--all",
        "--reviewer",
        "Joana Exemplo (fictional)",
    )
    assert "four eyes" in result.output and "nothing approved" in result.output
    assert not (tree / f"locales/pt/reviews/{PAGE}.yaml").exists()


def test_invariant_7_broken_catalog_falls_back_and_every_other_locale_serves(
    tree: Path, client_for: Client
) -> None:
    (tree / PO_ES).write_text((DATA / "po/unterminated-string.po").read_text())
    client = client_for(tree)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert any(e.startswith(f"{PO_ES}:8: ") for e in health["errors"]), health  # msgfmt's line
    spanish = _page(client, "es")
    assert {s["locale"] for s in spanish["segments"]} == {"en"}
    assert "Segurança" in [s["text"] for s in _page(client, "pt")["segments"]]
    coverage = client.get("/v1/coverage").json()["rows"]
    assert any(r["locale"] == "es" and r["page"] == PAGE and r["error"] for r in coverage)


def test_invariant_7_broken_ledger_falls_back_and_is_reported(
    tree: Path, client_for: Client
) -> None:
    ledger = f"locales/pt/reviews/{PAGE}.yaml"
    (tree / ledger).write_text((DATA / "ledgers/missing-reviewer.yaml").read_text())
    client = client_for(tree)
    assert any(e.startswith(f"{ledger}:4: ") for e in client.get("/healthz").json()["errors"])
    assert {s["locale"] for s in _page(client, "pt")["segments"]} == {"en"}
    assert {s["locale"] for s in _page(client, "es")["segments"]} == {"es"}


def test_invariant_7_broken_page_is_reported_and_the_others_serve(
    tree: Path, client_for: Client
) -> None:
    (tree / "source_content/pages/broken.md").write_text(
        (DATA / "pages/no-front-matter.md").read_text()
    )
    client = client_for(tree)
    errors = client.get("/healthz").json()["errors"]
    assert any(e.startswith("source_content/pages/broken.md:1: ") for e in errors)
    assert client.get("/v1/pages/broken").status_code == 404
    assert _page(client, "es")["complete"]
