"""The document view and the queue in a real browser (Debian's headless chromium under
chromium-driver, driven by Selenium) against a real server (`clinic-l10n serve`): axe-core finds
nothing wrong with the document view; after an approval, a page approval (asked first), a 409 and
a revocation the page shows the state as it now is (counts, statuses, buttons) and says so in
its live region."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from .browsers import chromium
from .conftest import replace_in, serving
from .document_tree import ADULTS_ES, DOC, document_tree
from .reviewing import PAGE, ROBIN, SPRAYS, with_passwords
from .test_accessibility import AXE, axe_violations, explain
from .test_workspace_browser import card, sign_in, wait

DOC_URL = f"/review/document?locale=es&page={DOC}"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = document_tree(tmp_path)
    with_passwords(root, ROBIN)
    return root


@pytest.fixture
def base(root: Path) -> Iterator[str]:
    with serving(root, "--poll", "0.2") as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


def open_view(browser: Any, base: str, url: str = DOC_URL) -> None:
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    browser.get(f"{base}{url}")
    wait(browser, lambda b: b.find_element(By.ID, "doc-served"))


def state(browser: Any, english: str) -> Any:
    """The state box (status, controls) of the text whose English starts with `english`."""
    for pair in browser.find_elements(By.CSS_SELECTOR, "span.pair"):
        if pair.find_element(By.CSS_SELECTOR, ".en .form").text.startswith(english):
            key = pair.get_attribute("data-key")
            return browser.find_element(By.CSS_SELECTOR, f'div.state[data-key="{key}"]')
    raise AssertionError(f"no text {english!r}")


def announced(browser: Any, words: str) -> str:
    found: str = wait(
        browser,
        lambda b: (
            words in b.find_element(By.ID, "announce").text
            and b.find_element(By.ID, "announce").text
        ),
    )
    return found


def served_line(browser: Any) -> str:
    return str(browser.find_element(By.ID, "doc-served").text)


def ledger(root: Path, page: str = DOC) -> list[dict[str, Any]]:
    path = root / f"locales/es/reviews/{page}.yaml"
    return list(yaml.safe_load(path.read_text("utf-8")) or []) if path.exists() else []


@pytest.mark.parametrize(("width", "page"), [(1280, DOC), (1280, PAGE), (390, DOC)])
def test_axe_finds_nothing_wrong_with_the_document_view(
    root: Path, base: str, width: int, page: str
) -> None:
    driver = chromium(width, 1800)
    try:
        open_view(driver, base, f"/review/document?locale=es&page={page}")
        violations = axe_violations(driver)
        version = json.loads((AXE.parent / "package.json").read_text("utf-8"))["version"]
        assert not violations, f"axe-core {version}: {explain(violations)}"
    finally:
        driver.quit()


def test_an_approval_shows_the_page_as_it_now_is(browser: Any, base: str, root: Path) -> None:
    open_view(browser, base)
    assert served_line(browser).startswith("0 of 12 served")
    box = state(browser, "See your")
    box.find_element(By.CSS_SELECTOR, 'button[value="linguistic"]').send_keys(Keys.ENTER)
    announced(browser, "Approved 1 text(s) as linguistic reviewer.")
    wait(browser, lambda b: served_line(b).startswith("1 of 12 served"))
    box = state(browser, "See your")
    assert "approved (no review waits)" in box.text
    assert not box.find_elements(By.CSS_SELECTOR, "form.sign")
    assert box.find_element(By.CSS_SELECTOR, "form.revoke button").text == (
        "Revoke linguistic approval"
    )
    assert "Approved as linguistic reviewer" in box.find_element(By.CSS_SELECTOR, ".message").text
    assert ledger(root)[-1]["role"] == "linguistic"


def test_a_page_approval_asks_how_many_texts_in_which_role(
    browser: Any, base: str, root: Path
) -> None:
    open_view(browser, base)
    bulk = 'form.bulk button[value="clinical"]'
    browser.find_element(By.CSS_SELECTOR, bulk).click()
    dialog = wait(browser, lambda b: b.find_element(By.ID, "confirm-dialog"))
    assert dialog.is_displayed()
    assert dialog.find_element(By.ID, "confirm-question").text == (
        "Approve 2 texts as clinical reviewer?"
    )
    dialog.find_element(By.CSS_SELECTOR, 'button[value="no"]').click()
    announced(browser, "Nothing was approved.")
    assert ledger(root) == []
    browser.find_element(By.CSS_SELECTOR, bulk).click()
    wait(browser, lambda b: b.find_element(By.ID, "confirm-dialog").is_displayed())
    browser.find_element(By.CSS_SELECTOR, '#confirm-dialog button[value="yes"]').click()
    announced(browser, "Approved 2 text(s) as clinical reviewer.")
    assert [e["role"] for e in ledger(root)] == ["clinical", "clinical"]
    wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, bulk))
    assert "one of its two reviews done" in state(browser, "Adults").text


def test_a_text_changed_under_you_is_shown_as_it_now_is(
    browser: Any, base: str, root: Path
) -> None:
    open_view(browser, base)
    newer = "Personas adultas"
    replace_in(root / f"locales/es/LC_MESSAGES/{DOC}.po", f'"{ADULTS_ES}"', f'"{newer}"')
    state(browser, "Adults").find_element(By.CSS_SELECTOR, 'button[value="linguistic"]').click()
    announced(browser, "Not approved: the text changed since the page was loaded.")
    assert ledger(root) == []
    wait(browser, lambda b: newer in b.find_element(By.ID, "doc").text)
    box = state(browser, "Adults")
    assert "Not approved" in box.find_element(By.CSS_SELECTOR, ".message").text
    box.find_element(By.CSS_SELECTOR, 'button[value="linguistic"]').click()  # now seen: signed
    announced(browser, "Approved 1 text(s)")
    assert ledger(root)[-1]["msgstr"] == newer


def test_a_revocation_is_confirmed_and_shown(browser: Any, base: str, root: Path) -> None:
    open_view(browser, base, f"/review/document?locale=es&page={PAGE}")
    box = state(browser, "Blow your nose gently.")
    revoke = "Revoke linguistic approval"
    (form,) = [
        f
        for f in box.find_elements(By.CSS_SELECTOR, "form.revoke")
        if f.find_element(By.TAG_NAME, "button").text == revoke
    ]
    form.find_element(By.NAME, "reason").send_keys("the wording is being changed" + Keys.ENTER)
    announced(browser, "Revoked 1 linguistic approval(s). Reason recorded: the wording")
    box = state(browser, "Blow your nose gently.")
    assert "Revoked the linguistic approval" in box.find_element(By.CSS_SELECTOR, ".message").text
    assert revoke not in [b.text for b in box.find_elements(By.CSS_SELECTOR, "button")]
    assert ledger(root, PAGE)[-1]["event"] == "revoke"


def test_the_queue_header_and_card_show_the_state_after_an_approval(
    browser: Any, base: str
) -> None:
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    browser.get(f"{base}/review/?locale=es&page={PAGE}")
    line = ".blockers p"
    before = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, line).text)
    card(browser, SPRAYS).find_element(By.CSS_SELECTOR, 'button[value="linguistic"]').click()
    announced(browser, "Approved 1 text(s)")
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, line).text != before)
    served = [int(t.split()[0]) for t in (before, browser.find_element(By.CSS_SELECTOR, line).text)]
    assert served[1] == served[0] + 1
    assert not card(browser, SPRAYS).find_elements(By.CSS_SELECTOR, "form.sign")


def test_sending_a_text_back_from_the_document_view(browser: Any, base: str, root: Path) -> None:
    """The comment box under a translation: sent back, said so, the text no longer approvable,
    the comment shown as why, the return in the history and the note in the catalog."""
    open_view(browser, base)
    box = state(browser, "Adults")
    box.find_element(By.CSS_SELECTOR, "details.sendback summary").click()
    comment = "Use «Personas adultas», as on the other leaflets."
    field = box.find_element(By.CSS_SELECTOR, "details.sendback textarea")
    assert field.get_attribute("id") == box.find_element(
        By.CSS_SELECTOR, "details.sendback label"
    ).get_attribute("for")
    field.send_keys(comment)
    box.find_element(By.CSS_SELECTOR, "details.sendback button[type=submit]").click()
    wait(browser, lambda b: "Sent 1 text(s) back to the translator" in b.page_source)
    box = state(browser, "Adults")
    assert comment in box.text and "sent back to the translator by" in box.text
    assert not box.find_elements(By.CSS_SELECTOR, "form.sign")
    assert ledger(root)[-1]["event"] == "return"
    assert ledger(root)[-1]["reason"] == comment
    catalog = (root / f"locales/es/LC_MESSAGES/{DOC}.po").read_text("utf-8")
    assert f": {comment}\n" in catalog and "# Sent back by Dr. Robin Spare (fictional)" in catalog


WORKSPACE_PAGES = [
    "/review/",  # every locale
    "/review/?locale=es",
    f"/review/?locale=es&page={PAGE}",  # with what keeps the page from being served whole
    "/review/?locale=es&q=nasal",  # a search
    "/review/?locale=es&page=saline",  # a page filter naming no slug: searched for
    f"/review/history?locale=es&page={PAGE}",
    "/review/password",
]


@pytest.mark.parametrize("path", WORKSPACE_PAGES)
def test_axe_finds_nothing_wrong_with_the_workspace_pages(root: Path, base: str, path: str) -> None:
    driver = chromium(1280, 1800)
    try:
        sign_in(driver, base)
        wait(driver, lambda b: b.title.startswith("Review queue"))
        driver.get(f"{base}{path}")
        wait(driver, lambda b: b.find_element(By.ID, "main"))
        violations = axe_violations(driver)
        assert not violations, explain(violations)
    finally:
        driver.quit()


def test_searching_the_queue(browser: Any, base: str) -> None:
    """Typed into the queue's search box: only the texts it finds, the search kept in the box."""
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    browser.get(f"{base}/review/?locale=es")
    wait(browser, lambda b: card(b, SPRAYS))
    box = browser.find_element(By.ID, "f-q")
    box.send_keys("pulverizaciones" + Keys.ENTER)
    wait(browser, lambda b: "q=pulverizaciones" in b.current_url)
    shown = [
        a.find_element(By.CSS_SELECTOR, '[data-part="english-html"]').text
        for a in browser.find_elements(By.CSS_SELECTOR, "article.item")
    ]
    assert shown == [SPRAYS]
    assert browser.find_element(By.ID, "f-q").get_attribute("value") == "pulverizaciones"


def _submit_without_script(browser: Any, form: Any, role: str) -> None:
    """Send `form` as a browser without script does (the page's script never sees it), with the
    role its button would have sent."""
    browser.execute_script(
        "const f = arguments[0], r = document.createElement('input');"
        "r.type = 'hidden'; r.name = 'role'; r.value = arguments[1]; f.appendChild(r); f.submit();",
        form,
        role,
    )


def test_axe_finds_nothing_wrong_with_the_pages_a_browser_without_script_gets(
    browser: Any, base: str, root: Path
) -> None:
    """The confirmation a page approval asks for, and the page saying a text changed (409)."""
    open_view(browser, base)
    bulk = browser.find_element(By.CSS_SELECTOR, "form.bulk")
    _submit_without_script(browser, bulk, "clinical")
    wait(browser, lambda b: "Approve 2 texts" in b.find_element(By.ID, "main").text)
    violations = axe_violations(browser)
    assert not violations, explain(violations)
    assert ledger(root) == []  # asked, nothing recorded

    browser.get(f"{base}{DOC_URL}")  # signed in already
    wait(browser, lambda b: b.find_element(By.ID, "doc-served"))
    replace_in(root / f"locales/es/LC_MESSAGES/{DOC}.po", f'"{ADULTS_ES}"', '"Personas adultas"')
    form = state(browser, "Adults").find_element(By.CSS_SELECTOR, "form.sign")
    _submit_without_script(browser, form, "linguistic")
    wait(browser, lambda b: "Not recorded" in b.find_element(By.TAG_NAME, "h1").text)
    violations = axe_violations(browser)
    assert not violations, explain(violations)
