"""Helpers for the web workspace's tests: a copy of the fixture tree with texts waiting for review,
and reviewers with passwords and tokens (the browser is tests/browsers.py's)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from service.site.prepared import Settings
from service.web.api import create_app
from service.workspace.accounts import Accounts, state_dir

from .conftest import FIXTURE_TREE, replace_in

# Cheap argon2 parameters, for tests that sign in many times (the hash names its parameters, so
# verifying it is as cheap; the server's own hasher is set to these too, or it would rehash).
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"
PAGE = "saline-spray"
ES_PO = f"locales/es/LC_MESSAGES/{PAGE}.po"
ROBIN = "Dr. Robin Spare (fictional)"  # both roles, every locale, has approved nothing
QUINN = "Dr. Quinn Spare (fictional)"
TRANSLATOR = "Marta Traductora (fictional)"  # Last-Translator of the es catalogs
SCOPED = "Dr. Esme Scoped (fictional)"  # linguistic, es only
SPRAYS = "Use 2 sprays in each nostril."
SPRAYS_ES = "Aplique 2 pulverizaciones en cada fosa nasal."
SPRAYS_ES_NEW = "Aplique 2 pulverizaciones en cada orificio nasal."
WAIT_ES = "Espere 10 minutos antes de usar cualquier otro medicamento nasal."


def pending_tree(tmp_path: Path) -> Path:
    """The fixture tree with work for reviewers in es: a list item whose translation was edited
    since it was approved (any role), one edited so that the numbers check fails, and the two
    reviewers of the translator and of one locale only declared."""
    root = tmp_path / "tree"
    shutil.copytree(FIXTURE_TREE, root, ignore=shutil.ignore_patterns("*.mo", "README.md"))
    replace_in(root / ES_PO, f'msgstr "{SPRAYS_ES}"', f'msgstr "{SPRAYS_ES_NEW}"')
    replace_in(root / ES_PO, f'msgstr "{WAIT_ES}"', f'msgstr "{WAIT_ES.replace("10", "15")}"')
    with (root / "l10n.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"  {TRANSLATOR}: [linguistic]\n")
        fh.write(f"  {SCOPED}: {{roles: [linguistic], locales: [es]}}\n")
    return root


@contextmanager
def workspace_client(root: Path) -> Iterator[TestClient]:
    """The app on `root`, its sign-in hashing as cheap as `accounts`' (or it would rehash)."""
    app = create_app(Settings(root=root))
    app.state.workspace.accounts.hasher = CHEAP
    with TestClient(app) as client:
        yield client


def accounts(root: Path, state: Path | None = None) -> Accounts:
    return Accounts(state_dir(root, state), hasher=CHEAP)


def with_passwords(root: Path, *names: str, state: Path | None = None) -> None:
    found = accounts(root, state)
    for name in names:
        found.set_password(name, PASSWORD)


def signin_token(client: TestClient, path: str = "/review/signin") -> str:
    """The pre-session token of a sign-in (or reset) form, as a browser gets it with its cookie."""
    page = client.get(path).text
    found = re.search(r'name="signin_token" value="([^"]*)"', page)
    return found.group(1) if found else ""


def post_signin(client: TestClient, data: dict[str, str], **kwargs: Any) -> Any:
    """POST the sign-in form as a browser does: after loading it (its pre-session token)."""
    return client.post(
        "/review/signin", data={**data, "signin_token": signin_token(client)}, **kwargs
    )


def item(items: list[dict[str, Any]], english: str, locale: str = "es") -> dict[str, Any]:
    """The pending item whose English is `english`."""
    found = [i for i in items if i["english"][0] == english and i["locale"] == locale]
    assert found, f"{english!r} is not pending in {locale}: {[i['english'] for i in items]}"
    return found[0]


def approval(it: dict[str, Any], role: str = "linguistic") -> dict[str, str]:
    """The body of POST /v1/reviews for a pending item, bound to what was shown."""
    return {
        "locale": it["locale"],
        "page": it["page"],
        "id": it["id"],
        "role": role,
        "source_sha256": it["source_sha256"],
        "translation_sha256": it["translation_sha256"],
    }
