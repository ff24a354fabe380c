"""Confirm-level findings end to end (issue 22, item 5): a translation whose negation differs from
its English, or that stayed the same while its English changed, is approvable only by a reviewer
who confirms the meaning is kept (the workspace's tick, `review approve --confirm-meaning`); the
confirmation is recorded in the approval's event, and the text is not served until every approval
that counts carries it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.locales import to_gettext
from service.review.history import read_history

from .conftest import Run, forge, replace_in
from .reviewing import (
    ES_PO,
    PAGE,
    QUINN,
    ROBIN,
    accounts,
    approval,
    item,
    pending_tree,
    workspace_client,
)
from .test_review_api import signed_in

# The safety paragraph of the fixture page, and its Spanish with the negation dropped: "Use
# Nasolin more than 6 times in 24 hours".
WARNING = (
    "Do not use **Nasolin** more than 6 times in 24 hours. Stop and call your doctor if your "
    "nose bleeds."
)
FLIPPED_ES = (
    "Use **Nasolin** más de 6 veces en 24 horas. Deje de usarlo y llame a su médico si le sangra "
    "la nariz."
)
LEDGER = f"locales/es/reviews/{PAGE}.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    found = pending_tree(tmp_path)
    replace_in(found / ES_PO, '"No use **Nasolin**', '"Use **Nasolin**')
    return found


@pytest.fixture
def app_client(root: Path) -> Iterator[TestClient]:
    with workspace_client(root) as client:
        yield client


def _headers(root: Path, name: str = ROBIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts(root).new_token(name)}"}


def _pending(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.get("/v1/reviews/pending", params={"locale": "es"}, headers=headers)
    assert answer.status_code == 200, answer.text
    return item(answer.json()["items"], WARNING)


def _served(client: TestClient) -> dict[str, Any]:
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()
    found: dict[str, Any] = next(
        s for s in page["segments"] if s.get("text", "").startswith(("Do not use", "Use **"))
    )
    return found


def _events(root: Path) -> list[dict[str, Any]]:
    history = read_history((root / LEDGER).read_text(encoding="utf-8"), LEDGER, "es", PAGE)
    assert not history.problems
    return [dict(e.data) for e in history.events]


def test_review_pending_shows_the_finding(root: Path, run: Run) -> None:
    shown = run("review", "pending", "es", "--page", PAGE, root=root).output
    assert (
        "confirm: negation: sentence 1: negators differ: English 'not'; translation none" in shown
    )


def test_the_cli_refuses_without_the_option_and_records_the_confirmation(
    root: Path, run: Run
) -> None:
    segment = f"--msgid={WARNING}"
    refused = run(
        "review", "approve", "es", "--page", PAGE, segment, "--reviewer", ROBIN, code=1, root=root
    ).output
    assert "needs your confirmation that the meaning is kept" in refused
    assert "negation: sentence 1: negators differ" in refused
    assert "--confirm-meaning" in run("review", "approve", "--help", root=root).output
    whole = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        "--all",
        "--confirm-meaning",
        "--reviewer",
        ROBIN,
        code=1,
        root=root,
    )
    assert "one text" in whole.output
    before = len(_events(root))
    done = run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        segment,
        "--confirm-meaning",
        "--reviewer",
        ROBIN,
        "--role",
        "linguistic",
        root=root,
    ).output
    assert "meaning confirmed: negation" in done
    events = _events(root)
    assert len(events) == before + 1
    assert events[-1]["msgstr"] == FLIPPED_ES and events[-1]["confirmed"] == ["negation"]


def test_the_api_refuses_without_the_tick_and_serves_only_when_every_role_confirmed(
    root: Path, app_client: TestClient, run: Run
) -> None:
    headers = _headers(root)
    it = _pending(app_client, headers)
    assert it["confirm"] == ["negation"]
    assert {(f["check"], f["severity"]) for f in it["findings"]} == {("negation", "confirm")}
    assert [m["text"] for m in it["english_marked"] if m["negator"]] == ["not"]
    assert [m for m in it["translation_marked"] if m["negator"]] == []
    assert _served(app_client)["locale"] == "en"

    refused = app_client.post("/v1/reviews", json=approval(it), headers=headers)
    assert refused.status_code == 403
    assert "needs your confirmation that the meaning is kept" in refused.json()["detail"]
    assert "negation" in refused.json()["detail"]
    assert _served(app_client)["locale"] == "en"

    body = {**approval(it), "confirm_meaning": True}
    accepted = app_client.post("/v1/reviews", json=body, headers=headers)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["events"][0]["confirmed"] == ["negation"]
    assert _events(root)[-1]["confirmed"] == ["negation"]
    assert _served(app_client)["locale"] == "en"  # safety text: the clinical review is missing

    run(
        "review",
        "approve",
        "es",
        "--page",
        PAGE,
        f"--id={it['id']}",
        "--role",
        "clinical",
        "--confirm-meaning",
        "--reviewer",
        QUINN,
        root=root,
    )
    app_client.app.state.workspace.refresh()  # type: ignore[attr-defined]
    served = _served(app_client)
    assert served["locale"] == "es" and served["text"] == FLIPPED_ES


def test_several_texts_cannot_be_confirmed_at_once(root: Path, app_client: TestClient) -> None:
    it = _pending(app_client, _headers(root))
    shown = {k: it[k] for k in ("id", "source_sha256", "translation_sha256")}
    body = {**approval(it), "confirm_meaning": True}
    body = {k: v for k, v in body.items() if k not in shown} | {"items": [shown, shown]}
    answer = app_client.post("/v1/reviews", json=body, headers=_headers(root))
    assert answer.status_code == 422 and "one text at a time" in answer.text


def test_the_workspace_form_needs_the_tick(root: Path, app_client: TestClient) -> None:
    csrf = signed_in(app_client, root, ROBIN)
    queue = app_client.get("/review/", params={"locale": "es", "page": PAGE}).text
    assert '<mark class="negator">not</mark>' in queue
    assert 'name="confirm_meaning" value="yes" required' in queue
    it = _pending(app_client, _headers(root))
    fields = {
        "csrf_token": csrf,
        "locale": "es",
        "page": PAGE,
        "item": f"{it['id']} {it['source_sha256']} {it['translation_sha256']}",
        "role": "linguistic",
        "back": "/review/",
    }
    refused = app_client.post("/review/approve", data=fields, follow_redirects=False)
    assert refused.status_code == 403 and "meaning is kept" in refused.text
    done = app_client.post(
        "/review/approve", data={**fields, "confirm_meaning": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert _events(root)[-1]["confirmed"] == ["negation"]
    history = app_client.get("/review/history", params={"locale": "es", "page": PAGE}).text
    assert "<strong>Meaning confirmed:</strong> negation" in history


@pytest.mark.parametrize(
    ("confirmed", "served"),
    [
        (None, "en"),  # an approval from before the check (or forged without the tick)
        (["sentence-count"], "en"),  # a confirmation of another kind
        (["negation"], "es"),
        (["negation", "sentence-count"], "es"),
    ],
)
def test_only_approvals_that_confirm_the_finding_count(
    root: Path, confirmed: list[str] | None, served: str
) -> None:
    extra = {"confirmed": confirmed} if confirmed else {}
    for name, role in ((ROBIN, "linguistic"), (QUINN, "clinical")):
        forge(root, "es", PAGE, msgid=WARNING, msgstr=FLIPPED_ES, reviewer=name, role=role, **extra)
    with workspace_client(root) as client:
        assert _served(client)["locale"] == served


ENGLISH = "Blow your nose gently."
LONGER = "Blow your nose gently, one nostril at a time."
BLOW_ES = "Suénese la nariz con suavidad."


def test_a_translation_unchanged_while_its_english_grew_needs_confirming(
    tmp_path: Path, run: Run
) -> None:
    root = pending_tree(tmp_path)
    page = root / "source_content" / "pages" / f"{PAGE}.md"
    replace_in(page, f"- {ENGLISH}", f"- {LONGER}")
    # the translator "confirms" the old translation for the new English (fuzzy cleared, unedited)
    replace_in(root / ES_PO, f'msgid "{ENGLISH}"', f'msgid "{LONGER}"')
    run(
        "review",
        "approve",
        "en",
        "--page",
        PAGE,
        f"--msgid={LONGER}",
        "--reviewer",
        ROBIN,
        root=root,
    )
    shown = run("review", "pending", "es", "--page", PAGE, root=root).output
    assert "confirm: unchanged-translation: the translation is the one" in shown
    assert repr(ENGLISH) in shown
    checked = run("check", root=root, code=None)
    assert "confirm: unchanged-translation" in checked.output
    args = ("review", "approve", "es", "--page", PAGE, f"--msgid={LONGER}", "--reviewer", QUINN)
    assert "unchanged-translation" in run(*args, code=1, root=root).output
    run(*args, "--confirm-meaning", root=root)
    ledger = (root / "locales" / to_gettext("es") / "reviews" / f"{PAGE}.yaml").read_text("utf-8")
    assert '"confirmed": ["unchanged-translation"]' in ledger.splitlines()[-1]
    with workspace_client(root) as client:
        page_es = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()
        blow = next(s for s in page_es["segments"] if s.get("text") in (LONGER, BLOW_ES))
        assert blow["locale"] == "es"


def _approve_event(**extra: object) -> dict[str, object]:
    return {
        "at": "2026-12-01T09:00:00Z",
        "event": "approve",
        "locale": "es",
        "page": PAGE,
        "msgid": "Do not drive.",
        "msgstr": "Conduzca.",
        "source_sha256": "a" * 64,
        "translation_sha256": "b" * 64,
        "reviewer": ROBIN,
        "role": "linguistic",
        "meaning": "linguistic review",
        **extra,
    }


@pytest.mark.parametrize(
    ("confirmed", "problem"),
    [
        (["negation"], ""),
        (["negation", "sentence-count"], ""),
        (["sentence-count", "negation"], "'confirmed' must be a sorted list"),
        (["negation", "negation"], "'confirmed' must be a sorted list"),
        ([], "'confirmed' must be a sorted list"),
        ("negation", "'confirmed' must be a sorted list"),
        (["Negation!"], "'confirmed' must be a sorted list"),
    ],
)
def test_the_history_reads_a_confirmation_and_refuses_a_malformed_one(
    confirmed: object, problem: str
) -> None:
    from service.review.history import HEADER, read_history
    from service.review.ledgers import render_events

    empty = read_history("", LEDGER, "es", PAGE)
    lines, _ = render_events(empty, [_approve_event(confirmed=confirmed)])
    found = read_history(HEADER + lines, LEDGER, "es", PAGE)
    if problem:
        assert found.problems and found.problems[0].message.startswith(problem)
    else:
        assert not found.problems
        (record,) = found.records.values()
        assert record.confirmed == tuple(confirmed)  # type: ignore[arg-type]


def test_a_text_approved_before_the_check_waits_and_is_signed_again(root: Path, run: Run) -> None:
    """Approvals without the confirmation (written before the check existed) do not count: the
    text is pending again, and its reviewers may sign it anew in the same roles, confirming."""
    for name, role in ((ROBIN, "linguistic"), (QUINN, "clinical")):
        forge(root, "es", PAGE, msgid=WARNING, msgstr=FLIPPED_ES, reviewer=name, role=role)
    shown = run("review", "pending", "es", "--page", PAGE, root=root).output
    assert "confirm: negation:" in shown and "needs linguistic and clinical review" in shown
    for name, role in ((ROBIN, "linguistic"), (QUINN, "clinical")):
        again = run(
            "review", "approve", "es", "--page", PAGE, f"--msgid={WARNING}", "--role", role,
            "--confirm-meaning", "--reviewer", name, root=root,
        ).output  # fmt: skip
        assert "meaning confirmed: negation" in again
    with workspace_client(root) as client:
        assert _served(client)["locale"] == "es"
