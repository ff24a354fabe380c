"""Four eyes on people, end to end (issue 22, item 8), on a copy of the shipped tree through the CLI
and the served app: the translator approving her own text under a variant of her name is refused
at approval and not served even when her approval is written into the ledger by hand; a reviewer
who saves a catalog in Poedit (which makes her its Last-Translator) keeps her approvals of the
texts she did not change; no one may approve a text she changed."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import Run, forge, msgcat, replace_in
from .reviewing import ES_PO as WS_PO
from .reviewing import (
    ROBIN,
    SPRAYS,
    TRANSLATOR,
    accounts,
    approval,
    item,
    pending_tree,
    workspace_client,
)
from .test_review import PAGE, approve, events, revoke

ES_PO = f"locales/es/LC_MESSAGES/{PAGE}.po"
LEDGER_ES = f"locales/es/reviews/{PAGE}.yaml"
HEADER = "Last-Translator: Lucía Ficticia (fictional) <lucia@translators.example>"
INES = "Dr. Inês Revisora (fictional)"
INES_EMAIL = "ines@reviewers.example"
ROSA = "Dr. Rosa Revisora (fictional)"  # approved the shipped es texts (linguistic)
# Two headings of sections without safety-critical text: each is served on its own approval.
HOW = ("How it works", "Cómo actúa")
CRITICAL_USE = "Por lo general se administra"  # a safety-critical paragraph, approved twice
USED = ("What S-isomer ketamine is", "Qué es la ketamina isómero S")

# Inês, a declared reviewer, as Last-Translator of the es catalog: (what, the header's name,
# whether she is the text's translator).
VARIANTS = [
    ("decomposed (NFD)", unicodedata.normalize("NFD", INES), True),
    ("a zero-width space", "Dr. Inês Revi\u200bsora (fictional)", True),
    ("a Cyrillic а", "Dr. Inês Revisor\u0430 (fictional)", True),
    ("the accent dropped", "Dr. Ines Revisora (fictional)", True),
    ("no title, no remark", "Inês Revisora", True),
    ("case", "DR. INÊS REVISORA (FICTIONAL)", True),
    ("full-width (NFKC)", "Ｉｎêｓ Ｒｅｖｉｓｏｒａ", True),
    ("her e-mail under another name", f"I. R. <{INES_EMAIL}>", True),
    ("an alias l10n.yaml declares", "IR", True),
    ("her translator address l10n.yaml declares", "Someone <ir@translators.example>", True),
    ("someone else (the control)", "Lucía Ficticia (fictional) <lucia@translators.example>", False),
]


def _served(client: TestClient) -> dict[str, tuple[str, str]]:
    """Each segment of the page as served in es: English text -> (locale, text)."""
    en = client.get(f"/v1/pages/{PAGE}", params={"locale": "en"}).json()["segments"]
    es = client.get(f"/v1/pages/{PAGE}", params={"locale": "es"}).json()["segments"]
    return {e["text"]: (s["locale"], s["text"]) for e, s in zip(en, es, strict=True)}


@pytest.mark.parametrize(("what", "header", "hers"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_the_translator_under_a_variant_of_her_name_is_refused_and_not_served(
    run: Run,
    tree: Path,
    client_for: Callable[[Path], TestClient],
    what: str,
    header: str,
    hers: bool,
) -> None:
    replace_in(
        tree / "l10n.yaml",
        f"  {INES}: [linguistic]",
        f"  {INES}: {{roles: [linguistic], email: {INES_EMAIL}}}",
    )
    replace_in(
        tree / "l10n.yaml",
        "translators:\n",
        "translators:\n  Inês Revisora: {email: ir@translators.example, aliases: [IR]}\n",
    )
    replace_in(tree / ES_PO, HEADER, f"Last-Translator: {header}")
    (tree / LEDGER_ES).unlink()  # no recorded translator: the header is whose the texts are

    refused = approve(run, "es", "--msgid", HOW[0], "--reviewer", INES, code=1 if hers else 0)
    assert ("four eyes" in refused.output) is hers, refused.output

    (tree / LEDGER_ES).unlink(missing_ok=True)
    # Written by hand: one as an older version recorded it (the header as translator), one
    # without a translator at all (an old event: the header decides).
    forge(tree, "es", PAGE, msgid=HOW[0], msgstr=HOW[1], reviewer=INES, translator=header)
    forge(tree, "es", PAGE, msgid=USED[0], msgstr=USED[1], reviewer=INES)
    served = _served(client_for(tree))
    expected = ("en", HOW[0]) if hers else ("es", HOW[1])
    assert served[HOW[0]] == expected
    assert served[USED[0]] == (("en", USED[0]) if hers else ("es", USED[1]))


def _poedit_save(tree: Path, translator: str) -> None:
    """Save the es catalog as Poedit does: its user as Last-Translator, the file rewrapped."""
    replace_in(tree / ES_PO, HEADER, f"Last-Translator: {translator}")
    (tree / ES_PO).write_bytes(msgcat(tree / ES_PO))


@pytest.mark.parametrize(
    "saved_as",
    [f"{ROSA} <rosa@reviewers.example>", "Rosa Revisora <rosa@reviewers.example>", ROSA],
)
def test_a_reviewers_save_keeps_her_approvals_of_texts_she_did_not_change(
    run: Run, tree: Path, client_for: Callable[[Path], TestClient], saved_as: str
) -> None:
    before = _served(client_for(tree))
    in_es = sum(locale == "es" for locale, _ in before.values())
    assert in_es >= 20
    _poedit_save(tree, saved_as)
    assert _served(client_for(tree)) == before
    assert "review-policy" not in run("check", code=None).output  # `check` judges as served

    # A later approval of a text she did not change, recorded with today's header as its
    # translator (as versions before this one wrote it), does not make the text hers: the first
    # approval of the text says whose it is.
    first = next(
        e
        for e in events(tree, LEDGER_ES)
        if str(e.get("msgstr")).startswith(CRITICAL_USE) and e["role"] == "clinical"
    )
    again = {k: first[k] for k in ("msgid", "msgstr", "role", "meaning", "reviewer")}
    forge(tree, "es", PAGE, **again, translator=saved_as)
    assert _served(client_for(tree)) == before


def test_no_one_approves_a_text_she_changed(
    run: Run, tree: Path, client_for: Callable[[Path], TestClient]
) -> None:
    changed = "Cómo funciona"
    replace_in(tree / ES_PO, f'msgstr "{HOW[1]}"', f'msgstr "{changed}"')
    _poedit_save(tree, "Rosa Revisora <rosa@reviewers.example>")

    refused = approve(run, "es", "--msgid", HOW[0], "--reviewer", ROSA, code=1)
    assert "four eyes" in refused.output
    served = _served(client_for(tree))
    assert served[HOW[0]] == ("en", HOW[0])
    assert sum(locale == "es" for locale, _ in served.values()) >= 20  # the rest stays hers

    # Another reviewer may approve it; the approval records Rosa as the text's translator.
    approve(run, "es", "--msgid", HOW[0], "--reviewer", "Dr. Test Reviewer")
    assert events(tree, LEDGER_ES)[-1]["translator"] == "Rosa Revisora <rosa@reviewers.example>"
    assert _served(client_for(tree))[HOW[0]] == ("es", changed)

    # Someone else saves the catalog and the approval is revoked: the text is still Rosa's, for
    # an approval through `review` and for one written into the ledger by hand.
    replace_in(
        tree / ES_PO,
        "Last-Translator: Rosa Revisora <rosa@reviewers.example>",
        "Last-Translator: Dr. Other Reviewer",
    )
    revoke(run, "es", "--msgid", HOW[0], "--reviewer", "Dr. Test Reviewer", "--reason", "again")
    refused = approve(run, "es", "--msgid", HOW[0], "--reviewer", ROSA, code=1)
    assert "four eyes" in refused.output
    forge(tree, "es", PAGE, msgid=HOW[0], msgstr=changed, reviewer=ROSA)
    assert _served(client_for(tree))[HOW[0]] == ("en", HOW[0])


@pytest.mark.parametrize(
    "header", ["Marta Tr\u0430ductora", "MARTA TRADUCTORA", "M. T. <marta@translators.example>"]
)
def test_the_workspace_refuses_the_translator_under_a_variant(tmp_path: Path, header: str) -> None:
    """Through the web workspace: the translator, a declared reviewer, signs in under her declared
    name while the catalog names her otherwise (her address declared under `translators:`); her
    queue does not offer her own text and her approval of it is refused, with the reason."""
    root = pending_tree(tmp_path)
    replace_in(
        root / "l10n.yaml",
        "reviewers:\n",
        f"translators:\n  {TRANSLATOR}: {{email: marta@translators.example}}\nreviewers:\n",
    )
    replace_in(
        root / WS_PO,
        "Last-Translator: Marta Traductora (fictional) <marta@translators.example>",
        f"Last-Translator: {header}",
    )
    with workspace_client(root) as client:
        mine, other = (
            {"Authorization": f"Bearer {accounts(root).new_token(name)}"}
            for name in (TRANSLATOR, ROBIN)
        )
        offered = client.get("/v1/reviews/pending", params={"locale": "es"}, headers=mine).json()
        assert SPRAYS not in [i["english"][0] for i in offered["items"]]
        found = client.get("/v1/reviews/pending", params={"locale": "es"}, headers=other).json()
        it = item(found["items"], SPRAYS)
        answer = client.post("/v1/reviews", json=approval(it), headers=mine)
        assert answer.status_code == 403, answer.text
        assert answer.json()["detail"].startswith(f"four eyes: {TRANSLATOR!r}")
        assert client.post("/v1/reviews", json=approval(it), headers=other).status_code == 201
