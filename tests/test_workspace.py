"""The workspace's pages without JavaScript (their forms work on their own): the queue shows only
what waits for the signed-in reviewer, each text as the patient will see it, with its findings, its
diff and the meaning of the signature; approve and revoke post forms to the same functions as the
API; the coverage dashboard links into the queue."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.workspace import pages
from service.workspace.deps import Refresher, SiteHints

from .conftest import html_elements, replace_in
from .reviewing import (
    ES_PO,
    PAGE,
    PASSWORD,
    ROBIN,
    SCOPED,
    SPRAYS,
    SPRAYS_ES_NEW,
    TRANSLATOR,
    pending_tree,
    post_signin,
    with_passwords,
    workspace_client,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return pending_tree(tmp_path)


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with workspace_client(root) as c:
        yield c


def as_reviewer(client: TestClient, root: Path, name: str = ROBIN) -> str:
    """Sign in; returns the CSRF token of the session."""
    with_passwords(root, name)
    answer = post_signin(client, {"name": name, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303
    return client.get("/review/").text.split('name="csrf-token" content="')[1].split('"')[0]


def forms_of(html: str) -> list[dict[str, list[str]]]:
    """Each approve form of a page: its fields (name -> values)."""
    found = []
    for body in re.findall(r'<form class="sign[^"]*"(.*?)</form>', html, re.S):
        fields: dict[str, list[str]] = {}
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)"[^>]*value="([^"]*)"', body
        ):
            fields.setdefault(name, []).append(value)
        fields["role"] = re.findall(r'name="role" value="([^"]+)"', body)
        found.append(fields)
    return found


def test_the_workspace_asks_for_sign_in_first(client: TestClient) -> None:
    answer = client.get("/review/?locale=es", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/review/signin?next=%2Freview%2F%3Flocale%3Des"
    page = client.get(answer.headers["location"])
    assert (
        page.status_code == 200
        and '<input type="hidden" name="next" value="/review/?locale=es">' in page.text
    )
    assert client.get("/review", follow_redirects=False).headers["location"] == "/review/"


def test_the_queue_shows_texts_as_patients_see_them_with_findings_diff_and_meaning(
    client: TestClient, root: Path
) -> None:
    as_reviewer(client, root)
    html = client.get("/review/", params={"locale": "es"}).text
    assert "Showing 1–2 of 2 text(s)" in html
    assert f'lang="es" dir="ltr" data-part="translation-html">{SPRAYS_ES_NEW}</p>' in html
    assert 'data-part="english-html">Use 2 sprays in each nostril.</p>' in html
    assert "<del>fosa</del> <ins>orificio</ins>" in html
    assert "error · numbers: 10 in the English is missing or changed" in html
    assert "Cannot be approved until the translator fixes what the check above names." in html
    assert (
        "Your signature means: “linguistic review: the translation is accurate and complete”"
        in html
    )
    assert (
        "Your signature means: “clinical review: the translation is medically accurate and keeps every warning”"
        in html
    )
    arabic = client.get("/review/", params={"locale": "ar"}).text
    assert (
        'lang="ar" dir="rtl" data-part="translation-html">لا تستخدم <strong>Nasolin</strong>'
        in arabic
    )
    assert (
        "safety-critical" in arabic
        and "linguistic review done by Dr. Layla Muraja (fictional)" in arabic
    )


def test_each_control_is_labelled(client: TestClient, root: Path) -> None:
    as_reviewer(client, root)
    for url in ("/review/?locale=es", f"/review/history?locale=es&page={PAGE}", "/review/signin"):
        elements = html_elements(client.get(url).text)
        labelled = {a.get("for") for tag, a in elements if tag == "label"}
        for tag, attrs in elements:
            if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
                assert attrs.get("id") in labelled, (url, attrs)
        assert ("main", {"id": "main"}) in elements


def test_the_queue_is_only_the_reviewers_locales_and_texts(client: TestClient, root: Path) -> None:
    as_reviewer(client, root, SCOPED)
    page = client.get("/review/").text
    assert '<option value="es"' in page and '<option value="ar"' not in page
    assert "Nasolin" not in page  # the Arabic safety paragraph is not theirs to review
    client.cookies.clear()
    as_reviewer(client, root, TRANSLATOR)
    own = client.get("/review/", params={"locale": "es"}).text
    assert SPRAYS not in own and "Nothing waits for you here" in own
    assert "2 more need a role of yours but are not yours to sign" in own


def test_filters_and_pages_of_results(
    client: TestClient, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_reviewer(client, root)
    failing = client.get("/review/", params={"locale": "es", "status": "failing"}).text
    assert "Wait 10 minutes" in failing and SPRAYS not in failing
    assert (
        "Nothing waits for you here"
        in client.get("/review/", params={"page": "after-your-visit"}).text
    )
    monkeypatch.setattr(pages, "HTML_LIMIT", 1)
    first = client.get("/review/", params={"locale": "es"}).text
    assert "Showing 1–1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/review/", params={"locale": "es", "offset": "1"}).text
    assert "Showing 2–2 of 2" in second and 'rel="prev"' in second


def test_approving_with_the_form_serves_the_text_and_says_so(
    client: TestClient, root: Path
) -> None:
    csrf = as_reviewer(client, root)
    html = client.get("/review/", params={"locale": "es"}).text
    bound = hashlib.sha256(SPRAYS_ES_NEW.encode()).hexdigest()  # what its approval binds
    (form,) = [f for f in forms_of(html) if [i.split()[2] for i in f.get("item", [])] == [bound]]
    answer = client.post(
        "/review/approve",
        data={
            **{k: v[0] for k, v in form.items() if k != "role"},
            "csrf_token": csrf,
            "role": "linguistic",
        },
        follow_redirects=False,
    )
    assert (
        answer.status_code == 303
        and answer.headers["location"] == "/review/?locale=es&done=approved-1"
    )
    after = client.get(answer.headers["location"]).text
    assert "Approved 1 text(s): the patient pages serve them now." in after
    patient = client.get(f"/pages/{PAGE}", params={"locale": "es"}).text
    assert SPRAYS_ES_NEW in patient


def test_a_form_for_text_that_changed_shows_the_new_text(client: TestClient, root: Path) -> None:
    csrf = as_reviewer(client, root)
    form = forms_of(client.get("/review/", params={"locale": "es"}).text)[0]
    newer = "Aplique 2 pulverizaciones en cada orificio de la nariz."
    replace_in(root / ES_PO, SPRAYS_ES_NEW, newer)
    answer = client.post(
        "/review/approve",
        data={
            **{k: v[0] for k, v in form.items() if k != "role"},
            "csrf_token": csrf,
            "role": "linguistic",
        },
    )
    assert answer.status_code == 409
    assert "the translation changed" in answer.text and newer in answer.text
    assert newer in client.get("/review/", params={"locale": "es"}).text  # the queue shows it now


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, root: Path) -> None:
    as_reviewer(client, root)
    form = forms_of(client.get("/review/", params={"locale": "es"}).text)[0]
    fields = {k: v[0] for k, v in form.items() if k not in ("role", "csrf_token")}
    answer = client.post("/review/approve", data={**fields, "role": "linguistic"})
    assert answer.status_code == 403
    other_site = client.post(
        "/review/approve",
        data={**fields, "role": "linguistic"},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403


def test_revoking_with_a_reason_shows_in_the_history(client: TestClient, root: Path) -> None:
    csrf = as_reviewer(client, root)
    history = client.get("/review/history", params={"locale": "es", "page": PAGE}).text
    assert "Approvals in force" in history and "Revoke linguistic approval" in history
    answer = client.post(
        "/review/revoke",
        data={
            "csrf_token": csrf,
            "locale": "es",
            "page": PAGE,
            "id": "title-f09d259d",
            "role": "clinical",
            "reason": "the title is being reworded",
            "back": f"/review/history?locale=es&page={PAGE}",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    after = client.get(answer.headers["location"]).text
    assert "Revoked 1 approval(s)" in after
    row = after.split('<table class="history" id="events">')[1].split("</tr>")[1]
    assert (
        "revoke" in row
        and ROBIN in row
        and "<strong>Reason:</strong> the title is being reworded" in row
    )


def test_a_revocation_needs_a_reason(client: TestClient, root: Path) -> None:
    csrf = as_reviewer(client, root)
    fields = {
        "csrf_token": csrf,
        "locale": "es",
        "page": PAGE,
        "id": "title-f09d259d",
        "role": "clinical",
    }
    assert client.post("/review/revoke", data={**fields, "reason": "  "}).status_code == 422
    assert (
        'name="reason" type="text" required'
        in client.get("/review/history", params={"locale": "es", "page": PAGE}).text
    )


def test_the_coverage_dashboard_links_into_the_queue_per_locale_and_page(
    client: TestClient, root: Path
) -> None:
    dashboard = client.get("/coverage").text
    for locale in ("en", "es", "pt", "pt-BR", "ar"):
        assert f'href="/review/?locale={locale}&amp;page={PAGE}"' in dashboard
    as_reviewer(client, root)
    queue = client.get("/review/", params={"locale": "ar", "page": PAGE}).text
    assert (
        "Safety section held in English (a part of it lacks a reviewed translation): “Safety”"
        in queue
    )
    assert "Not ready for review, fuzzy: the translator must confirm it first: 1" in queue
    assert "Awaiting review (anyone's): 1" in queue


def test_workspace_pages_are_not_cached_framed_or_scripted_from_elsewhere(
    client: TestClient, root: Path
) -> None:
    as_reviewer(client, root)
    answer = client.get("/review/")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    script = client.get("/review/assets/review.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    assert "X-CSRF-Token" in script.text


def test_the_history_marks_approvals_of_text_since_changed_as_stale(
    client: TestClient, root: Path
) -> None:
    as_reviewer(client, root)
    html = client.get("/review/history", params={"locale": "es", "page": PAGE}).text
    rows = html.split('<table class="history">')[1].split("</table>")[0].split("<tr>")
    stale = [r for r in rows if "stale: the text changed since" in r]
    assert len(stale) == 4  # the two edited list items, in both roles
    assert all("fosa nasal" in r or "Espere 10 minutos" in r for r in stale)


def test_only_roles_the_reviewer_holds_are_offered(client: TestClient, root: Path) -> None:
    as_reviewer(client, root, "Dr. Lola Revisora (fictional)")  # linguistic only
    arabic = client.get("/review/", params={"locale": "ar"}).text
    assert "Nothing waits for you here" in arabic  # the safety text needs a clinical review
    spanish = client.get("/review/", params={"locale": "es"}).text
    assert 'value="linguistic"' in spanish and 'value="clinical"' not in spanish


def test_concurrent_writers_share_reloads_and_each_waits_for_one_after_its_write() -> None:
    import threading
    import time

    reloads: list[tuple[float, float]] = []

    class Live:
        def reload(self) -> bool:
            started = time.monotonic()
            time.sleep(0.05)
            reloads.append((started, time.monotonic()))
            return True

    refresh = Refresher(Live())  # type: ignore[arg-type]
    calls: list[tuple[float, float]] = []
    go = threading.Barrier(20)

    def write_then_refresh() -> None:
        go.wait()
        written = time.monotonic()
        refresh()
        calls.append((written, time.monotonic()))

    threads = [threading.Thread(target=write_then_refresh) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reloads) < 10
    for written, answered in calls:
        assert any(start >= written and end <= answered for start, end in reloads)


@pytest.mark.parametrize("name", [ROBIN, SCOPED, TRANSLATOR, "Dr. Hana Mercer (fictional)"])
def test_the_sites_hints_leave_the_queue_as_the_files_make_it(
    client: TestClient, root: Path, name: str
) -> None:
    """Pages the site's coverage shows with nothing to review are not read; the queue is the
    same as when every file is read."""
    from service.workspace import queue

    live = client.app.state.live  # type: ignore[attr-defined]
    config = live.site.config
    who = config.policy.find(name)
    hints = SiteHints(live.site)
    assert hints.idle(PAGE, "en") and not hints.idle(PAGE, "es")
    for locale in (None, "es", "ar", "pt"):
        with_hints = queue.build(config, queue.QueueCache(), who, locale, hints=hints)
        every_file = queue.build(config, queue.QueueCache(), who, locale)
        assert with_hints == every_file
