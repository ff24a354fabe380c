"""Who may approve is enforced where text is served (SPEC invariant 5): a record the policy refuses,
however it got into the history, is never served, and `check` and /healthz report it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Run, forge

PAGE = "esketamine-overview"
LEDGER_ES = f"locales/es/reviews/{PAGE}.yaml"
HEADING = ("Safety", "Seguridad")  # a heading, not safety-critical: one review suffices
CRITICAL = (
    "It’s important to note that S-isomer ketamine should only be used under the guidance of a "
    "healthcare professional and in a controlled setting.",
    "Es importante tener en cuenta que la ketamina isómero S solo debe usarse bajo la orientación de un "
    "profesional de la salud y en un entorno controlado.",
)
TRANSLATOR = "Lucía Ficticia (fictional) <lucia@translators.example>"


def _withdraw(run: Run, english: str) -> None:
    """Revoke what is in force for the text, so only the forged record could serve it."""
    run(
        "review",
        "revoke",
        "es",
        "--page",
        PAGE,
        "--msgid",
        english,
        "--reviewer",
        "Dr. Test Reviewer",
        "--reason",
        "test setup",
    )


def _served(client: TestClient, english: str) -> dict[str, Any]:
    en = client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()
    seg_id = next(s["id"] for s in en["segments"] if s["text"] == english)
    es = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()
    found: dict[str, Any] = next(s for s in es["segments"] if s["id"] == seg_id)
    return found


@dataclass(frozen=True)
class Forgery:
    """Reviewers declared besides the tree's, the approvals forged into the es history (each a
    reviewer and a role, of `english`'s current translation), and what `check` must say."""

    declared: tuple[str, ...]
    approvals: tuple[tuple[str, str], ...]
    english: tuple[str, str]
    reason: str


FORGERIES = {
    "the catalog's translator as reviewer": Forgery(
        ("Lucía Ficticia (fictional): [linguistic]",),
        (("Lucía Ficticia (fictional)", "linguistic"),),
        HEADING,
        "four eyes: 'Lucía Ficticia (fictional)' is this text's translator",
    ),
    "a reviewer not declared": Forgery(
        (),
        (("Dr. Mallory Forger", "linguistic"),),
        HEADING,
        "'Dr. Mallory Forger' is not declared under 'reviewers:'",
    ),
    "a role not declared for the reviewer": Forgery(
        (),
        (("Dr. Rosa Revisora (fictional)", "clinical"),),
        HEADING,
        "'Dr. Rosa Revisora (fictional)' is not declared as a clinical reviewer",
    ),
    "a locale outside the reviewer's scope": Forgery(
        ("Dr. Only Portuguese: {roles: [linguistic], locales: [pt, pt-BR]}",),
        (("Dr. Only Portuguese", "linguistic"),),
        HEADING,
        "'Dr. Only Portuguese' may approve only in pt, pt-BR, not in es",
    ),
    "one person in both roles of safety text, two spellings": Forgery(
        (),
        (("Dr. Test Reviewer", "linguistic"), ("dr.  TEST reviewer", "clinical")),
        CRITICAL,
        "safety-critical text needs two people: 'dr.  TEST reviewer'",
    ),
}


@pytest.mark.parametrize("case", FORGERIES)
def test_a_forged_approval_is_never_served_and_check_names_it(
    case: str, run: Run, tree: Path, client_for: Callable[[Path], TestClient]
) -> None:
    forgery = FORGERIES[case]
    english, translation = forgery.english
    _withdraw(run, english)
    with (tree / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.writelines(f"  {line}\n" for line in forgery.declared)
    for reviewer, role in forgery.approvals:
        forge(
            tree,
            "es",
            PAGE,
            msgid=english,
            msgstr=translation,
            reviewer=reviewer,
            role=role,
            translator="Somebody Else (fictional)",  # what the record claims; the catalog decides
        )
    last_line = len((tree / LEDGER_ES).read_text(encoding="utf-8").splitlines())

    client = client_for(tree)
    served = _served(client, english)
    assert (served["locale"], served["text"]) == ("en", english)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert any(line.startswith(f"{LEDGER_ES}:{last_line}: ") for line in health["refused"])

    check = run("check", code=1)
    assert f"{LEDGER_ES}:{last_line}: error: review-policy: " in check.output
    assert forgery.reason in check.output


def test_an_approval_of_another_text_is_not_served_and_check_warns(
    run: Run, tree: Path, client_for: Callable[[Path], TestClient]
) -> None:
    _withdraw(run, HEADING[0])
    forge(
        tree,
        "es",
        PAGE,
        msgid=HEADING[0],
        msgstr="Peligro",
        reviewer="Dr. Test Reviewer",
        translator=TRANSLATOR,
    )
    served = _served(client_for(tree), HEADING[0])
    assert (served["locale"], served["text"]) == ("en", HEADING[0])
    check = run("check")
    assert "warning: stale-approval: approval of 'Safety' no longer applies" in check.output


def test_the_shipped_ledgers_pass_the_policy(run: Run) -> None:
    assert "review-policy" not in run("check").output
