"""The workspace in a real browser (Debian's headless chromium under chromium-driver, driven by
Selenium) against a real server (`clinic-l10n serve`): sign in, filter, approve a segment with the
keyboard and watch the patient page change, try to approve a translation that changed under you
(refused, the new text shown), revoke with a reason and read it in the history, sign out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from .browsers import chromium
from .conftest import replace_in, serving
from .reviewing import (
    ES_PO,
    PAGE,
    PASSWORD,
    ROBIN,
    SPRAYS,
    SPRAYS_ES,
    SPRAYS_ES_NEW,
    pending_tree,
    with_passwords,
)

LEDGER = f"locales/es/reviews/{PAGE}.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = pending_tree(tmp_path)
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


def wait(browser: Any, condition: Callable[[Any], Any], seconds: float = 10) -> Any:
    """Until `condition` holds; an element that is not there yet, or that the page replaced
    while it was read (a form answered, the page loaded again), is asked for again."""
    return WebDriverWait(
        browser,
        seconds,
        poll_frequency=0.1,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(condition)


def sign_in(browser: Any, base: str, password: str = PASSWORD) -> None:
    browser.get(f"{base}/review/")
    wait(browser, lambda b: b.find_element(By.ID, "name"))
    browser.find_element(By.ID, "name").send_keys(ROBIN)
    browser.find_element(By.ID, "password").send_keys(password + Keys.ENTER)


def card(browser: Any, english: str) -> Any:
    """The queue item whose English is `english`."""
    for article in browser.find_elements(By.CSS_SELECTOR, "article.item"):
        if article.find_element(By.CSS_SELECTOR, '[data-part="english-html"]').text == english:
            return article
    raise NoSuchElementException(english)


def filter_es(browser: Any) -> None:
    Select(browser.find_element(By.ID, "f-locale")).select_by_value("es")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").send_keys(Keys.ENTER)
    wait(browser, lambda b: "locale=es" in b.current_url)


def ledger_lines(root: Path) -> int:
    return len(yaml.safe_load((root / LEDGER).read_text(encoding="utf-8")))


def test_sign_in_filter_approve_and_watch_the_patient_page_change(
    browser: Any, base: str, root: Path
) -> None:
    sign_in(browser, base, "not the password")
    error = wait(browser, lambda b: b.find_element(By.ID, "signin-error"))
    assert error.text == "The name or the password is wrong."
    browser.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "h1") and b.title.startswith("Review queue"),
    )
    assert "Signed in as" in browser.find_element(By.CSS_SELECTOR, ".who").text
    filter_es(browser)
    assert browser.find_element(By.ID, "count").text.startswith("Showing 1–2 of 2 text(s)")
    queue = browser.current_url
    browser.get(f"{base}/pages/{PAGE}?locale=es")
    assert SPRAYS_ES_NEW not in browser.page_source and SPRAYS in browser.page_source
    browser.get(queue)
    item = wait(browser, lambda b: card(b, SPRAYS))
    button = item.find_element(By.CSS_SELECTOR, 'button[value="linguistic"]')
    assert button.get_attribute("aria-describedby")  # the meaning of the signature
    button.send_keys(Keys.ENTER)  # keyboard only
    wait(browser, lambda b: "done" in card(b, SPRAYS).get_attribute("class"))
    message = card(browser, SPRAYS).find_element(By.CSS_SELECTOR, '[data-part="message"]').text
    assert message.startswith(f"Approved as linguistic reviewer by {ROBIN}")
    assert "Approved 1 text(s)" in wait(browser, lambda b: b.find_element(By.ID, "announce").text)
    browser.get(f"{base}/pages/{PAGE}?locale=es")  # cached from before (max-age): revalidate

    def served(b: Any) -> bool:
        b.refresh()
        return SPRAYS_ES_NEW in b.page_source

    wait(browser, served, 5)


def test_an_approval_after_the_translation_changed_is_refused_with_the_new_text(
    browser: Any, base: str, root: Path
) -> None:
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    filter_es(browser)
    item = card(browser, SPRAYS)
    newer = "Aplique 2 pulverizaciones en cada orificio de la nariz."
    replace_in(root / ES_PO, SPRAYS_ES_NEW, newer)  # the translator saves while you read
    before = ledger_lines(root)
    item.find_element(By.CSS_SELECTOR, 'button[value="linguistic"]').click()
    wait(browser, lambda b: "changed" in card(b, SPRAYS).get_attribute("class"))
    item = card(browser, SPRAYS)
    assert item.find_element(By.CSS_SELECTOR, '[data-part="translation-html"]').text == newer
    assert (
        "Not approved: the translation changed"
        in item.find_element(By.CSS_SELECTOR, '[data-part="message"]').text
    )
    assert ledger_lines(root) == before
    diff = item.find_element(By.CSS_SELECTOR, '[data-part="diff"]')
    assert "orificio de la nariz." in [e.text for e in diff.find_elements(By.TAG_NAME, "ins")]
    item.find_element(By.CSS_SELECTOR, 'button[value="linguistic"]').click()  # now seen: signed
    wait(browser, lambda b: "done" in card(b, SPRAYS).get_attribute("class"))
    history = yaml.safe_load((root / LEDGER).read_text(encoding="utf-8"))
    assert history[-1]["msgstr"] == newer and history[-1]["reviewer"] == ROBIN


def test_revoke_with_a_reason_and_read_it_in_the_history(browser: Any, base: str) -> None:
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    browser.get(f"{base}/review/history?locale=es&page={PAGE}")
    first = browser.find_element(By.CSS_SELECTOR, "form.revoke")
    first.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()  # no reason yet
    assert browser.execute_script(
        "return document.querySelector('form.revoke input[name=reason]').validity.valueMissing"
    )
    first.find_element(By.NAME, "reason").send_keys("the title is being reworded" + Keys.ENTER)
    wait(browser, lambda b: "the title is being reworded" in b.find_element(By.ID, "events").text)
    newest = browser.find_elements(By.CSS_SELECTOR, "#events tbody tr")[0].text
    assert (
        "revoke" in newest and ROBIN in newest and "Reason: the title is being reworded" in newest
    )


def test_approving_a_section_signs_each_text_shown(browser: Any, base: str, root: Path) -> None:
    replace_in(
        root / ES_PO,
        'msgstr "Suénese la nariz con suavidad."',
        'msgstr "Suénese la nariz suavemente."',
    )
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    time.sleep(0.5)  # the server's next look at the tree
    browser.get(f"{base}/review/?locale=es&page={PAGE}")
    bulk = wait(
        browser, lambda b: b.find_element(By.CSS_SELECTOR, 'form.bulk button[value="clinical"]')
    )
    assert bulk.text == "Approve this page (2) as clinical reviewer"
    bulk.click()  # asks first: how many texts, which role
    dialog = wait(browser, lambda b: b.find_element(By.ID, "confirm-dialog"))
    assert dialog.find_element(By.ID, "confirm-question").text == (
        "Approve 2 texts as clinical reviewer?"
    )
    dialog.find_element(By.CSS_SELECTOR, 'button[value="yes"]').click()
    wait(browser, lambda b: "done" in card(b, SPRAYS).get_attribute("class"))
    wait(browser, lambda b: "done" in card(b, "Blow your nose gently.").get_attribute("class"))
    history = yaml.safe_load((root / LEDGER).read_text(encoding="utf-8"))
    assert [(e["role"], e["msgid"]) for e in history[-2:]] == [
        ("clinical", "Blow your nose gently."),
        ("clinical", SPRAYS),
    ]
    assert SPRAYS_ES not in [e.get("msgstr") for e in history[-2:]]


def test_sign_out(browser: Any, base: str) -> None:
    sign_in(browser, base)
    wait(browser, lambda b: b.title.startswith("Review queue"))
    browser.find_element(By.CSS_SELECTOR, "header form button").click()
    wait(browser, lambda b: "You signed out." in b.page_source)
    assert browser.get_cookie("clinic_l10n_session") is None
    browser.get(f"{base}/review/")
    wait(browser, lambda b: b.find_elements(By.ID, "password"))
    assert "/review/signin" in browser.current_url
