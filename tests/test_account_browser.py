"""Accounts in a real browser (Debian's headless chromium, Selenium) against a real server
(`clinic-l10n serve`): sign in by login and by e-mail, change the password, set one through a
reset link the CLI printed, and a sandboxed iframe on another page (Origin: null) that cannot sign
the browser in; axe-core finds no violations on the sign-in, password and reset pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from service.cli.main import cli

from .browsers import chromium
from .conftest import replace_in, serving
from .reviewing import PASSWORD, ROBIN, accounts, pending_tree, with_passwords
from .test_accessibility import axe_violations, explain
from .test_workspace_browser import wait

NEW_PASSWORD = "a new and longer passphrase"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = pending_tree(tmp_path)
    replace_in(
        root / "l10n.yaml",
        f"  {ROBIN}: [linguistic, clinical]\n",
        f"  {ROBIN}: {{roles: [linguistic, clinical], login: robin, email: robin@clinic.example}}\n",
    )
    with_passwords(root, ROBIN)
    return root


@pytest.fixture
def base(root: Path) -> Iterator[str]:
    with serving(root) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


def no_violations(browser: Any) -> None:
    violations = axe_violations(browser)
    assert violations == [], explain(violations)


def sign_in(browser: Any, base: str, typed: str, password: str = PASSWORD) -> None:
    browser.get(f"{base}/review/signin")
    field = wait(browser, lambda b: b.find_element(By.ID, "name"))
    field.send_keys(typed)
    browser.find_element(By.ID, "password").send_keys(password + Keys.ENTER)


def signed_in_as(browser: Any) -> str:
    who = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".who strong"))
    return str(who.text)


@pytest.mark.parametrize("typed", ["robin", "Robin@Clinic.example"])
def test_sign_in_by_login_or_email(browser: Any, base: str, typed: str) -> None:
    browser.get(f"{base}/review/signin")
    wait(browser, lambda b: b.find_element(By.ID, "name"))
    no_violations(browser)
    sign_in(browser, base, typed, "not the password")
    error = wait(browser, lambda b: b.find_element(By.ID, "signin-error"))
    assert error.text == "The name or the password is wrong."
    no_violations(browser)  # the page with its error
    browser.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    assert signed_in_as(browser) == ROBIN


def test_change_the_password_in_the_workspace(browser: Any, base: str, root: Path) -> None:
    sign_in(browser, base, "robin")
    signed_in_as(browser)
    browser.find_element(By.LINK_TEXT, "Password").click()
    wait(browser, lambda b: b.find_element(By.ID, "current"))
    no_violations(browser)
    browser.find_element(By.ID, "current").send_keys(PASSWORD)
    browser.find_element(By.ID, "new").send_keys(NEW_PASSWORD)
    browser.find_element(By.ID, "repeat").send_keys(NEW_PASSWORD + Keys.ENTER)
    notice = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "p.notice"))
    assert notice.text.startswith("Your password is changed.")
    no_violations(browser)
    browser.get(f"{base}/review/")
    assert signed_in_as(browser) == ROBIN  # this browser stays signed in
    assert accounts(root).verify(ROBIN, NEW_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "header form button").click()
    wait(browser, lambda b: "You signed out." in b.page_source)
    sign_in(browser, base, "robin@clinic.example", NEW_PASSWORD)
    assert signed_in_as(browser) == ROBIN


def test_set_a_password_through_a_reset_link(browser: Any, base: str, root: Path) -> None:
    done = CliRunner().invoke(
        cli, ["--root", str(root), "reviewer", "reset", "robin", "--url", base]
    )
    assert done.exit_code == 0, done.output
    browser.get(done.output.strip())
    wait(browser, lambda b: b.find_element(By.ID, "new"))
    assert f"For {ROBIN}." in browser.find_element(By.TAG_NAME, "main").text
    no_violations(browser)
    browser.find_element(By.ID, "new").send_keys(NEW_PASSWORD)
    browser.find_element(By.ID, "repeat").send_keys(NEW_PASSWORD + Keys.ENTER)
    notice = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "p.notice"))
    assert notice.text == "Your new password is set: sign in with it."
    browser.find_element(By.ID, "name").send_keys("robin")
    browser.find_element(By.ID, "password").send_keys(NEW_PASSWORD + Keys.ENTER)
    assert signed_in_as(browser) == ROBIN
    browser.get(done.output.strip())  # once only
    error = wait(browser, lambda b: b.find_element(By.ID, "reset-error"))
    assert "does not work" in error.text
    no_violations(browser)


def test_a_sandboxed_frame_on_another_page_cannot_sign_the_browser_in(
    browser: Any, base: str, root: Path, tmp_path: Path
) -> None:
    """The issue's login CSRF: another site's sandboxed iframe (so `Origin: null`) posted the
    attacker's name and password into the top window, and the victim's browser was signed in
    as the attacker."""
    browser.get(f"{base}/review/signin")  # the victim had the sign-in form open once
    wait(browser, lambda b: b.find_element(By.ID, "name"))
    attack = tmp_path / "attack.html"
    form = (
        f'<form method="post" action="{base}/review/signin" target="_top">'
        f'<input name="name" value="robin"><input name="password" value="{PASSWORD}">'
        "</form><script>document.forms[0].submit()</script>"
    )
    attack.write_text(
        "<!DOCTYPE html><title>cats</title>"
        f"<iframe sandbox=\"allow-forms allow-scripts allow-top-navigation\" srcdoc='{form}'></iframe>",
        encoding="utf-8",
    )
    browser.get(attack.as_uri())
    wait(browser, lambda b: b.current_url.startswith(f"{base}/review/signin"))
    assert "a form from a page without an origin" in browser.page_source
    assert browser.get_cookie("clinic_l10n_session") is None
    browser.get(f"{base}/review/")
    wait(browser, lambda b: b.find_element(By.ID, "password"))
    assert "/review/signin" in browser.current_url
