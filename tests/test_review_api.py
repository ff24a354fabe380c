"""The review API, row by row of its contract (issue 9): GET /v1/reviews/pending, POST /v1/reviews
and POST /v1/reviews/revoke with 201/200/401/403/409/422, credentials by session cookie (with
X-CSRF-Token on every POST) or Bearer token, the policy's refusals in words, and approvals bound
to the texts shown."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.core.models import fingerprint

from .conftest import Run, replace_in, serving
from .reviewing import (
    ES_PO,
    PAGE,
    PASSWORD,
    QUINN,
    ROBIN,
    SCOPED,
    SPRAYS,
    SPRAYS_ES_NEW,
    TRANSLATOR,
    accounts,
    approval,
    item,
    pending_tree,
    post_signin,
    with_passwords,
    workspace_client,
)

LEDGER = f"locales/es/reviews/{PAGE}.yaml"
ES_EVENTS = 24  # in the fixture tree's es history of saline-spray


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return pending_tree(tmp_path)


@pytest.fixture
def app_client(root: Path) -> Iterator[TestClient]:
    with workspace_client(root) as client:
        yield client


def token_for(root: Path, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts(root).new_token(name)}"}


def signed_in(client: TestClient, root: Path, name: str) -> str:
    """Sign `name` in through the form; returns the session's CSRF token."""
    with_passwords(root, name)
    answer = post_signin(client, {"name": name, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    page = client.get("/review/").text
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def pending(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = client.get("/v1/reviews/pending", params={"locale": "es", **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def events(root: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load((root / LEDGER).read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def served(client: TestClient, english: str, locale: str = "es") -> str:
    en = client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()
    seg_id = next(s["id"] for s in en["segments"] if s["text"] == english)
    page = client.get(f"/v1/pages/{PAGE}", params={"locale": locale}).json()
    text: str = next(s["text"] for s in page["segments"] if s["id"] == seg_id)
    return text


# -- GET /v1/reviews/pending ----------------------------------------------------------------------


def test_pending_lists_what_waits_with_texts_hashes_findings_and_diff(
    app_client: TestClient, root: Path
) -> None:
    found = pending(app_client, token_for(root, ROBIN))
    sprays = item(found["items"], SPRAYS)
    assert sprays["page"] == PAGE and sprays["id"].startswith("li-")
    assert sprays["translation"] == [SPRAYS_ES_NEW]
    assert sprays["source_sha256"] == fingerprint(SPRAYS)
    assert sprays["translation_sha256"] == fingerprint(SPRAYS_ES_NEW)
    assert sprays["roles_needed"] == ["linguistic", "clinical"] and sprays["any_role"]
    assert sprays["your_roles"] == ["linguistic", "clinical"]
    assert sprays["status"] == "changed" and sprays["lang"] == "es" and sprays["dir"] == "ltr"
    assert {"op": "-", "text": "fosa"} in sprays["diff"]["translation"]
    assert {"op": "+", "text": "orificio"} in sprays["diff"]["translation"]
    assert sprays["diff"]["english"] == []
    failing = item(found["items"], "Wait 10 minutes before any other nasal medicine.")
    assert failing["status"] == "failing"
    assert any(f["check"] == "numbers" and f["severity"] == "error" for f in failing["findings"])
    assert found["counts"] == {"changed": 1, "failing": 1} and found["total"] == 2


def test_pending_is_paginated_and_filtered(app_client: TestClient, root: Path) -> None:
    headers = token_for(root, ROBIN)
    first = pending(app_client, headers, limit="1")
    assert first["total"] == 2 and len(first["items"]) == 1
    assert first["next"] == "/v1/reviews/pending?locale=es&offset=1&limit=1"
    second = app_client.get(first["next"], headers=headers).json()
    assert second["next"] is None and second["items"][0]["id"] != first["items"][0]["id"]
    only = pending(app_client, headers, status="failing")
    assert [i["status"] for i in only["items"]] == ["failing"]
    assert pending(app_client, headers, page="after-your-visit")["items"] == []


def test_pending_in_arabic_is_marked_right_to_left(app_client: TestClient, root: Path) -> None:
    found = pending(app_client, token_for(root, ROBIN), locale="ar")
    (only,) = found["items"]
    assert only["dir"] == "rtl" and only["lang"] == "ar" and only["critical"]
    assert only["status"] == "partial" and only["roles_needed"] == ["clinical"]
    assert only["approved"][0]["role"] == "linguistic"


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"locale": "es"}, 401, "sign in"),
        ({"locale": "xx-invalid-"}, 422, "malformed language tag"),
        ({"locale": "fr"}, 422, "not enabled"),
        ({"locale": "es", "page": "no-such-page"}, 404, "no page"),
        ({"locale": "es", "status": "whatever"}, 422, "'new', 'changed', 'partial' or 'failing'"),
    ],
)
def test_pending_refuses(
    app_client: TestClient, root: Path, params: dict[str, str], status: int, detail: str
) -> None:
    headers = {} if status == 401 else token_for(root, ROBIN)
    answer = app_client.get("/v1/reviews/pending", params=params, headers=headers)
    assert answer.status_code == status, answer.text
    assert detail in json.dumps(answer.json())
    if status == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_pending_outside_the_reviewers_locales_is_403(app_client: TestClient, root: Path) -> None:
    answer = app_client.get(
        "/v1/reviews/pending", params={"locale": "ar"}, headers=token_for(root, SCOPED)
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == f"{SCOPED!r} may approve only in es, not in ar"


# -- POST /v1/reviews -----------------------------------------------------------------------------


def test_an_approval_is_201_with_its_event_and_served_at_once(
    app_client: TestClient, root: Path
) -> None:
    headers = token_for(root, ROBIN)
    sprays = item(pending(app_client, headers)["items"], SPRAYS)
    assert served(app_client, SPRAYS) == SPRAYS  # held in English until approved
    answer = app_client.post("/v1/reviews", json=approval(sprays), headers=headers)
    assert answer.status_code == 201, answer.text
    (event,) = answer.json()["events"]
    assert event == {**events(root)[-1], "msgctxt": None, "reason": None, "confirmed": None}
    assert event["reviewer"] == ROBIN and event["role"] == "linguistic"
    assert event["translation_sha256"] == sprays["translation_sha256"]
    assert event["meaning"] == "linguistic review: the translation is accurate and complete"
    assert served(app_client, SPRAYS) == SPRAYS_ES_NEW  # no wait for the poller
    assert SPRAYS not in [i["english"][0] for i in pending(app_client, headers)["items"]]


def test_without_credentials_is_401(app_client: TestClient, root: Path) -> None:
    sprays = item(pending(app_client, token_for(root, ROBIN))["items"], SPRAYS)
    for headers in (
        {},
        {"Authorization": "Bearer cl10n_not-a-token"},
        {"Authorization": "Basic x"},
    ):
        answer = app_client.post("/v1/reviews", json=approval(sprays), headers=headers)
        assert answer.status_code == 401, headers
    assert len(events(root)) == ES_EVENTS


def test_a_revoked_token_is_401(app_client: TestClient, root: Path, run: Run) -> None:
    headers = token_for(root, ROBIN)
    run("review", "pending", "es", root=root)  # the tree loads
    run("reviewer", "token", ROBIN, "--revoke", root=root)
    answer = app_client.get("/v1/reviews/pending", params={"locale": "es"}, headers=headers)
    assert answer.status_code == 401


def test_a_session_needs_its_csrf_token_on_every_post(app_client: TestClient, root: Path) -> None:
    csrf = signed_in(app_client, root, ROBIN)
    sprays = item(pending(app_client, {})["items"], SPRAYS)  # the cookie alone reads
    body = approval(sprays)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        answer = app_client.post("/v1/reviews", json=body, headers=headers)
        assert answer.status_code == 403, headers
        assert "CSRF" in answer.json()["detail"]
    revoke = {"locale": "es", "page": PAGE, "id": sprays["id"], "role": "linguistic", "reason": "x"}
    assert app_client.post("/v1/reviews/revoke", json=revoke).status_code == 403
    assert len(events(root)) == ES_EVENTS  # nothing written
    answer = app_client.post("/v1/reviews", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"role": "editor"}, "role"),
        ({"source_sha256": "abc"}, "source_sha256"),
        ({"translation_sha256": None}, "body"),
        ({"extra": 1}, "extra"),
        ({"items": []}, "items"),
        ({"locale": ""}, "locale"),
    ],
)
def test_a_malformed_body_is_422(
    app_client: TestClient, root: Path, change: dict[str, Any], where: str
) -> None:
    headers = token_for(root, ROBIN)
    sprays = item(pending(app_client, headers)["items"], SPRAYS)
    body = {k: v for k, v in {**approval(sprays), **change}.items() if v is not None}
    answer = app_client.post("/v1/reviews", json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(where)


def test_a_body_that_is_not_json_is_422_and_a_huge_one_413(
    app_client: TestClient, root: Path
) -> None:
    headers = {**token_for(root, ROBIN), "Content-Type": "application/json"}
    assert app_client.post("/v1/reviews", content=b"{not json", headers=headers).status_code == 422
    huge = b"[" + b"0," * 200_000 + b"0]"
    assert app_client.post("/v1/reviews", content=huge, headers=headers).status_code == 413


def test_text_changed_since_it_was_shown_is_409_with_the_new_text(
    app_client: TestClient, root: Path
) -> None:
    headers = token_for(root, ROBIN)
    sprays = item(pending(app_client, headers)["items"], SPRAYS)
    newer = "Aplique 2 pulverizaciones en cada orificio de la nariz."
    replace_in(root / ES_PO, SPRAYS_ES_NEW, newer)  # the translator saves while you read
    before = (root / LEDGER).read_bytes()
    answer = app_client.post("/v1/reviews", json=approval(sprays), headers=headers)
    assert answer.status_code == 409, answer.text
    (change,) = answer.json()["changes"]
    assert change["why"] == "the translation changed"
    assert change["translation"] == [newer]
    assert change["translation_sha256"] == fingerprint(newer)
    assert {"op": "+", "text": "orificio de la nariz."} in change["diff"]["translation"]
    assert (root / LEDGER).read_bytes() == before  # nothing recorded
    again = {**approval(sprays), "translation_sha256": change["translation_sha256"]}
    assert app_client.post("/v1/reviews", json=again, headers=headers).status_code == 201


def test_english_changed_since_it_was_shown_is_409(app_client: TestClient, root: Path) -> None:
    headers = token_for(root, ROBIN)
    sprays = item(pending(app_client, headers)["items"], SPRAYS)
    replace_in(root / f"source_content/pages/{PAGE}.md", SPRAYS, "Use 3 sprays in each nostril.")
    answer = app_client.post("/v1/reviews", json=approval(sprays), headers=headers)
    assert answer.status_code == 409
    assert answer.json()["changes"][0]["why"] == (
        "its English changed or it was removed from the page"
    )


@pytest.mark.parametrize(
    ("who", "role", "english", "reason"),
    [
        (
            TRANSLATOR,
            "linguistic",
            SPRAYS,
            "four eyes: 'Marta Traductora (fictional)' is this text's translator ('Marta Traductora",
        ),
        (
            "Dr. Lola Revisora (fictional)",
            "clinical",
            SPRAYS,
            "'Dr. Lola Revisora (fictional)' is not declared as a clinical reviewer",
        ),
        (
            ROBIN,
            "linguistic",
            "Wait 10 minutes before any other nasal medicine.",
            "check numbers: 10 in the English is missing or changed",
        ),
    ],
)
def test_the_policy_refuses_with_its_reason_in_words(
    app_client: TestClient, root: Path, who: str, role: str, english: str, reason: str
) -> None:
    it = item(pending(app_client, token_for(root, ROBIN))["items"], english)
    answer = app_client.post("/v1/reviews", json=approval(it, role), headers=token_for(root, who))
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"].startswith(reason)
    assert len(events(root)) == ES_EVENTS


def test_a_reviewer_is_refused_outside_their_locales(app_client: TestClient, root: Path) -> None:
    it = item(
        pending(app_client, token_for(root, ROBIN), locale="ar")["items"],
        "Do not use **Nasolin** more than 6 times in 24 hours. Stop and call your doctor "
        "if your nose bleeds.",
        "ar",
    )
    answer = app_client.post("/v1/reviews", json=approval(it), headers=token_for(root, SCOPED))
    assert answer.status_code == 403
    assert answer.json()["detail"] == f"{SCOPED!r} may approve only in es, not in ar"


def test_one_person_cannot_sign_both_roles_of_safety_text(
    app_client: TestClient, root: Path
) -> None:
    safety = "Do not use **Nasolin** more than 6 times in 24 hours. Stop and call your doctor if your nose bleeds."
    layla = token_for(root, "Dr. Layla Muraja (fictional)")
    it = item(pending(app_client, token_for(root, ROBIN), locale="ar")["items"], safety, "ar")
    assert it["approved"][0]["reviewer"] == "Dr. Layla Muraja (fictional)"
    declared = root / "l10n.yaml"
    replace_in(
        declared,
        "Dr. Layla Muraja (fictional): [linguistic]",
        "Dr. Layla Muraja (fictional): [linguistic, clinical]",
    )
    answer = app_client.post("/v1/reviews", json=approval(it, "clinical"), headers=layla)
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"] == (
        "safety-critical text needs two people: 'Dr. Layla Muraja (fictional)' already approved "
        "it as linguistic"
    )


def test_approving_what_is_already_approved_is_409(app_client: TestClient, root: Path) -> None:
    headers = token_for(root, ROBIN)
    body = approval(item(pending(app_client, headers)["items"], SPRAYS))
    assert app_client.post("/v1/reviews", json=body, headers=headers).status_code == 201
    again = app_client.post("/v1/reviews", json=body, headers=token_for(root, QUINN))
    assert again.status_code == 409
    assert again.json()["detail"] == "already approved in the role linguistic"


def test_a_section_or_page_is_approved_in_one_request(app_client: TestClient, root: Path) -> None:
    headers = token_for(root, ROBIN)
    replace_in(
        root / ES_PO,
        'msgstr "Suénese la nariz con suavidad."',
        'msgstr "Suénese la nariz suavemente."',
    )
    app_client.app.state.live.reload()  # what the server's poller does  # type: ignore[attr-defined]
    items = [i for i in pending(app_client, headers)["items"] if i["status"] != "failing"]
    assert len(items) == 2
    body = {
        "locale": "es",
        "page": PAGE,
        "role": "clinical",
        "items": [{k: i[k] for k in ("id", "source_sha256", "translation_sha256")} for i in items],
    }
    answer = app_client.post("/v1/reviews", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert [e["id"] for e in answer.json()["events"]] == [i["id"] for i in items]
    assert [e["role"] for e in events(root)[-2:]] == ["clinical", "clinical"]


# -- POST /v1/reviews/revoke ----------------------------------------------------------------------


def test_a_revocation_is_200_with_its_event_and_stops_serving(
    app_client: TestClient, root: Path
) -> None:
    headers = token_for(root, QUINN)
    title = "Using a saline nasal spray"
    assert served(app_client, title) == "Cómo usar un espray nasal salino"
    en = app_client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()
    seg_id = next(s["id"] for s in en["segments"] if s["text"] == title)
    body = {
        "locale": "es",
        "page": PAGE,
        "id": seg_id,
        "role": "linguistic",
        "reason": " wrong   register ",
    }
    answer = app_client.post("/v1/reviews/revoke", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    (event,) = answer.json()["events"]
    assert event["event"] == "revoke" and event["reason"] == "wrong register"
    assert event["reviewer"] == QUINN and events(root)[-1]["seq"] == event["seq"]
    assert served(app_client, title) != title  # its clinical approval still counts
    clinical = {**body, "role": "clinical"}
    assert app_client.post("/v1/reviews/revoke", json=clinical, headers=headers).status_code == 200
    assert served(app_client, title) == title  # at once
    again = app_client.post("/v1/reviews/revoke", json=body, headers=headers)
    assert again.status_code == 409
    assert "no approval in force" in again.json()["detail"]


@pytest.mark.parametrize(
    ("who", "change", "status"),
    [
        (None, {}, 401),
        ("Dr. Layla Muraja (fictional)", {}, 200),
        (SCOPED, {"locale": "ar"}, 403),
        (QUINN, {"reason": "   "}, 422),
        (QUINN, {"role": "boss"}, 422),
        (QUINN, {"reason": None}, 422),
    ],
)
def test_revoke_refuses(
    app_client: TestClient, root: Path, who: str | None, change: dict[str, Any], status: int
) -> None:
    body = {
        "locale": "es",
        "page": PAGE,
        "id": "title-f09d259d",
        "role": "linguistic",
        "reason": "why",
        **change,
    }
    body = {k: v for k, v in body.items() if v is not None}
    if change.get("locale") == "ar":
        body["id"] = "h-2c8a8bc4"  # any id: the locale is refused first
    headers = token_for(root, who) if who else {}
    answer = app_client.post("/v1/reviews/revoke", json=body, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.json()["detail"] == f"{SCOPED!r} is not declared under 'reviewers:' for ar"


# -- the contract in OpenAPI ------------------------------------------------------------------------


def test_openapi_lists_every_status_of_the_contract(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    assert {"200", "401", "403", "404", "422"} <= set(
        paths["/v1/reviews/pending"]["get"]["responses"]
    )
    assert {"201", "401", "403", "409", "422"} <= set(paths["/v1/reviews"]["post"]["responses"])
    assert {"200", "401", "403", "409", "422"} <= set(
        paths["/v1/reviews/revoke"]["post"]["responses"]
    )
    body = paths["/v1/reviews"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"locale", "page", "id", "role", "source_sha256", "translation_sha256"} <= set(
        body["properties"]
    )


# -- fifty reviewers at once ----------------------------------------------------------------------


def test_fifty_concurrent_approvals_through_the_api_lose_none(tmp_path: Path, run: Run) -> None:
    """50 approvals at once against a real server (uvicorn), each of another paragraph: all 201,
    all in the history, and `clinic-l10n audit verify` passes."""
    from .test_review_concurrency import PARAGRAPHS, REVIEWER, _small_tree

    root = _small_tree(tmp_path / "many")
    token = accounts(root).new_token(REVIEWER)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with serving(root) as base:
        import urllib.request

        request = urllib.request.Request(
            f"{base}/v1/reviews/pending?locale=en&limit=500", headers=headers
        )
        with urllib.request.urlopen(request, timeout=30) as r:
            items = json.load(r)["items"]
        paragraphs = [i for i in items if i["english"][0].startswith("Paragraph")]
        assert len(paragraphs) == PARAGRAPHS
        answers: list[tuple[int, str]] = []
        go = threading.Barrier(PARAGRAPHS)

        def sign(it: dict[str, Any]) -> None:
            body = json.dumps(approval(it, "clinical")).encode()
            post = urllib.request.Request(
                f"{base}/v1/reviews", data=body, headers=headers, method="POST"
            )
            go.wait()
            try:
                with urllib.request.urlopen(post, timeout=120) as r:
                    answers.append((r.status, json.load(r)["events"][0]["id"]))
            except urllib.error.HTTPError as exc:
                answers.append((exc.code, exc.read().decode()))

        threads = [threading.Thread(target=sign, args=(it,)) for it in paragraphs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(answers) == sorted((201, i["id"]) for i in paragraphs)
    verified = run("audit", "verify", root=root)
    assert "locales/en/reviews/many.yaml: 50 event(s)" in verified.output
    history = yaml.safe_load((root / "locales/en/reviews/many.yaml").read_text(encoding="utf-8"))
    assert sorted(e["id"] for e in history) == sorted(i["id"] for i in paragraphs)


def test_the_api_and_the_cli_write_the_same_history(app_client: TestClient, root: Path) -> None:
    headers = token_for(root, ROBIN)
    sprays = item(pending(app_client, headers)["items"], SPRAYS)
    assert app_client.post("/v1/reviews", json=approval(sprays), headers=headers).status_code == 201
    done = subprocess.run(
        [str(Path(sys.executable).parent / "clinic-l10n"), "--root", str(root), "audit", "verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    log = subprocess.run(
        [
            str(Path(sys.executable).parent / "clinic-l10n"),
            "--root",
            str(root),
            "audit",
            "log",
            "es",
            "--page",
            PAGE,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ROBIN in log.splitlines()[-1]
