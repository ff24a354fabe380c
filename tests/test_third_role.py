"""A clinic that adds a third role (a pharmacist who signs every safety-critical translation) needs
only l10n.yaml: the CLI, the review workspace, the page's "About this page", its JSON, coverage and
`check` all follow the declared policy, and one person holding the three roles is one approval."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.po.parse import parse

from .conftest import Run, forge
from .reviewing import accounts, workspace_client

PAGE = "esketamine-overview"
PIA = "Dr. Pia Pharma (fictional)"  # pharmacist only
SOLO = "Dr. Solo Allroles (fictional)"  # all three roles
MEANING = "pharmacist review: every dose, route and warning is as in the English"
PHARMACIST = f"""\
  pharmacist:
    label: Pharmacist review
    translation: "{MEANING}"
    english: "pharmacist review: every dose, route and warning is right"
"""


# The shipped es paragraph that waits for a confirmation of its negation ("off-label": "no
# aprobados"), confirmed here by its reviewers so that only the pharmacist's reviews are missing.
OFF_LABEL = (
    "It is primarily used as an anesthetic in medical settings, but it can also be used for "
    "certain off-label purposes, such as in the treatment of depression."
)
OFF_LABEL_REVIEWS = (
    ("Dr. Rosa Revisora (fictional)", "linguistic"),
    ("Dr. Carmen Clínica (fictional)", "clinical"),
)


@pytest.fixture
def three_roles(tree: Path, run: Run) -> Path:
    """The shipped tree with a pharmacist role that every safety-critical translation needs."""
    for reviewer, role in OFF_LABEL_REVIEWS:
        run(
            "review", "approve", "es", "--page", PAGE, f"--msgid={OFF_LABEL}", "--role", role,
            "--confirm-meaning", "--reviewer", reviewer,
        )  # fmt: skip
    config = tree / "l10n.yaml"
    text = config.read_text(encoding="utf-8")
    needs = "  critical translation: [linguistic, clinical]\n"
    assert needs in text and "\napprovals:\n" in text
    text = text.replace(needs, "  critical translation: [linguistic, clinical, pharmacist]\n")
    text = text.replace("\napprovals:\n", f"\n{PHARMACIST}approvals:\n")
    text += f"  {PIA}: [pharmacist]\n  {SOLO}: [linguistic, clinical, pharmacist]\n"
    config.write_text(text, encoding="utf-8")
    return tree


def _page(client: TestClient, locale: str = "es") -> dict[str, Any]:
    answer = client.get(f"/v1/pages/{PAGE}", params={"locale": locale})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _critical(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in page["segments"] if s["critical"]]


def _coverage(run: Run) -> dict[str, Any]:
    rows = json.loads(run("coverage", "--format", "json").output)["rows"]
    found: dict[str, Any] = next(r for r in rows if r["locale"] == "es" and r["page"] == PAGE)
    return found


def test_the_third_role_is_needed_signed_and_shown(
    three_roles: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    before = _page(client_for(three_roles))
    assert _critical(before) and all(s["locale"] == "en" for s in _critical(before))
    assert before["held_sections"]
    counted = _coverage(run)
    assert counted["approved"] < counted["translated"]
    assert "needs pharmacist review" in run("review", "pending", "es", "--page", PAGE).output

    approved = run(
        "review", "approve", "es", "--page", PAGE, "--all", "--role", "pharmacist",
        "--reviewer", PIA,
    )  # fmt: skip
    assert "(pharmacist)" in approved.output

    client = client_for(three_roles)
    after = _page(client)
    assert all(s["locale"] == "es" for s in _critical(after)) and not after["held_sections"]
    for segment in _critical(after):
        roles = {r["role"] for r in segment["reviews"]}
        assert roles == {"linguistic", "clinical", "pharmacist"}
        assert len({r["reviewer"] for r in segment["reviews"]}) == 3
    facts = after["provenance"]
    assert list(facts["reviewers_by_role"]) == ["linguistic", "clinical", "pharmacist"]
    assert facts["reviewers_by_role"]["pharmacist"] == [PIA]
    html = client.get(f"/pages/{PAGE}", params={"locale": "es"}).text
    about = html.split('class="about"', 1)[1]
    assert "Pharmacist review" in about and f"<bdi>{PIA}</bdi>" in about
    assert _coverage(run)["approved"] == counted["translated"]
    run("check")


def test_one_person_holding_the_three_roles_is_one_approval(
    three_roles: Path, run: Run, client_for: Callable[[Path], TestClient]
) -> None:
    segment = _critical(_page(client_for(three_roles), "en"))[0]
    select = ("es", "--page", PAGE, "--id", segment["id"])
    run("review", "revoke", *select, "--reviewer", SOLO, "--reason", "signed again below")
    run("review", "approve", *select, "--role", "linguistic", "--reviewer", SOLO)
    for role in ("clinical", "pharmacist"):
        refused = run("review", "approve", *select, "--role", role, "--reviewer", SOLO, code=1)
        assert "needs 3 different people" in refused.output
    shown = next(s for s in _page(client_for(three_roles))["segments"] if s["id"] == segment["id"])
    assert shown["locale"] == "en"

    es_po = (three_roles / "locales/es/LC_MESSAGES" / f"{PAGE}.po").read_text(encoding="utf-8")
    msgstr = _msgstr(es_po, segment["text"])
    for role in ("clinical", "pharmacist"):  # written by hand, past `review approve`
        forge(three_roles, "es", PAGE, msgid=segment["text"], msgstr=msgstr, reviewer=SOLO,
              role=role, translator="Somebody Else (fictional)")  # fmt: skip
    check = run("check", code=1)
    assert "safety-critical text needs 3 different people" in check.output
    shown = next(s for s in _page(client_for(three_roles))["segments"] if s["id"] == segment["id"])
    assert shown["locale"] == "en"


def _msgstr(po: str, msgid: str) -> str:
    """The msgstr of `msgid` in a catalog's text."""
    entry = parse(po.encode("utf-8"), "es.po").get(msgid)
    assert entry is not None, msgid
    return entry.msgstr[0]


@pytest.fixture
def workspace(three_roles: Path) -> Iterator[TestClient]:
    with workspace_client(three_roles) as client:
        yield client


def test_the_workspace_offers_and_takes_the_third_role(
    three_roles: Path, workspace: TestClient
) -> None:
    headers = {"Authorization": f"Bearer {accounts(three_roles).new_token(PIA)}"}
    answer = workspace.get("/v1/reviews/pending", params={"locale": "es"}, headers=headers)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert items and all(i["critical"] for i in items)
    first = items[0]
    assert first["roles_needed"] == ["pharmacist"] and not first["any_role"]
    assert first["your_roles"] == ["pharmacist"] and first["meanings"] == {"pharmacist": MEANING}
    body = {
        "locale": "es",
        "page": first["page"],
        "id": first["id"],
        "role": "pharmacist",
        "source_sha256": first["source_sha256"],
        "translation_sha256": first["translation_sha256"],
    }
    signed = workspace.post("/v1/reviews", json=body, headers=headers)
    assert signed.status_code == 201, signed.text
    assert signed.json()["events"][0]["meaning"] == MEANING
    left = workspace.get("/v1/reviews/pending", params={"locale": "es"}, headers=headers)
    assert first["id"] not in {i["id"] for i in left.json()["items"]}
