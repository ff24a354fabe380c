"""Sending a translation back to its translator (`review send-back`): recorded in the history, the
comment written into the catalog as a translator comment of that entry (GNU msggrep -C finds it
there, msgfmt -c accepts the file, and no other byte changed), the text out of every queue until the
translator changes it."""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
from pathlib import Path

import pytest

from service.catalogs.notes import with_translator_comment
from service.po.parse import parse

from .conftest import Run

PAGE = "esketamine-overview"
CATALOG = f"locales/es/LC_MESSAGES/{PAGE}.po"
ROSA = ("--reviewer", "Dr. Rosa Revisora (fictional)")
DESCRIPTION = "What S-isomer ketamine (esketamine, brand name Spravato) is"
# Every real catalog of the corpus but Vim's ja.sjis.po, which neither gettext 0.21 nor the reader
# can read (a CP932 second byte 0x5C taken for an escape: tests/test_po_format.py), and SearXNG's,
# each with a message defined twice, which msgfmt -c rejects and the reader refuses too
CORPUS = [
    p
    for p in sorted((Path(__file__).parent / "corpus" / "po").rglob("*.po"))
    if p.name != "ja.sjis.po" and p.parent.name != "searxng"
]


def _grep_comment(po: bytes, tmp_path: Path, needle: str) -> list[tuple[str | None, str]]:
    """The keys of the entries whose translator comment holds `needle`, as GNU msggrep finds them."""
    path = tmp_path / "grep.po"
    path.write_bytes(po)
    done = subprocess.run(
        ["msggrep", "-C", "-e", needle, str(path)], capture_output=True, check=True
    )
    return [e.key for e in parse(done.stdout, "msggrep").entries if not e.is_header]


def _msgfmt_c(po: bytes, tmp_path: Path) -> None:
    path = tmp_path / "check.po"
    path.write_bytes(po)
    done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def _without_line(new: bytes, old: bytes) -> None:
    """`new` is `old` with one line added."""
    a, b = old.split(b"\n"), new.split(b"\n")
    assert len(b) == len(a) + 1
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    assert b[:at] + b[at + 1 :] == a


CATALOGS = {
    "msgctxt on two lines": b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    b'#. a note\nmsgctxt ""\n"menu"\nmsgid "Open"\nmsgstr "Abrir"\n',
    "CRLF, previous msgid": b'msgid ""\r\nmsgstr ""\r\n"Content-Type: text/plain; charset=UTF-8\\n"'
    b'\r\n\r\n#, fuzzy\r\n#| msgid "Close"\r\nmsgid "Open"\r\nmsgstr "Abrir"\r\n',
    "Latin-1, no comments": b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=ISO-8859-1\\n"'
    b'\n\nmsgid "Open"\nmsgstr "Abr\xedr"\n\nmsgid "Close"\nmsgstr "Cerrar"\n',
    "an obsolete entry before it": b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"'
    b'\n\n#~ msgid "Shut"\n#~ msgstr "Viejo"\n# mine\nmsgid "Open"\nmsgstr "Abrir"\n',
}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_the_note_goes_to_that_entry_and_nothing_else_changes(tmp_path: Path, name: str) -> None:
    old = CATALOGS[name]
    key = ("menu" if "msgctxt" in name else None, "Open")
    new = with_translator_comment(old, name, key, "Sent back by Dr. R (fictional): «abrir»?")
    _without_line(new, old)
    assert _grep_comment(new, tmp_path, "Sent back by") == [key]
    _msgfmt_c(new, tmp_path)


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_the_note_on_real_catalogs(tmp_path: Path, path: Path) -> None:
    """On catalogs other tools wrote: the first and the last entry each get the note."""
    old = path.read_bytes()
    entries = [e for e in parse(old, str(path)).entries if not e.is_header and not e.obsolete]
    for entry in {entries[0].key: 0, entries[-1].key: 0} if entries else {}:
        new = with_translator_comment(old, str(path), entry, "Sent back by Dr. R (fictional): why")
        _without_line(new, old)
        assert _grep_comment(new, tmp_path, "Sent back by") == [entry]


def _description_id(run: Run) -> str:
    out = run("review", "pending", "es", "--page", PAGE).output
    return next(line.split(" · ")[1] for line in out.splitlines() if "· description" in line)


def test_send_back_records_writes_the_note_and_holds_the_text(
    tree: Path, run: Run, tmp_path: Path
) -> None:
    po = tree / CATALOG
    po.write_bytes(
        po.read_bytes().replace(
            b"Qu\xc3\xa9 es la ketamina", b"Qu\xc3\xa9 es (draft) la ketamina", 1
        )
    )
    ident = _description_id(run)
    before = po.read_bytes()
    comment = "«(draft)» was left in the text; please remove it."
    run("review", "send-back", "es", "--page", PAGE, "--id", ident, *ROSA, "--comment", comment)
    after = po.read_bytes()
    _without_line(after, before)
    found = _grep_comment(after, tmp_path, comment)
    assert len(found) == 1 and found[0][1].startswith(DESCRIPTION), found
    _msgfmt_c(after, tmp_path)
    assert "sent back" in run("audit", "log", "es", "--page", PAGE).output
    run("audit", "verify")
    out = run("review", "pending", "es", "--page", PAGE).output
    assert (
        f"{ident} · description · not ready: sent back to the translator by Dr. Rosa Revisora (fictional)"
        in out
    )
    assert comment in out
    refused = run("review", "approve", "es", "--page", PAGE, "--id", ident, *ROSA, code=1).output
    assert "refused" in refused and comment in refused and "0 approved" in refused

    # the translator changes the text: it waits for a review again, and is approved
    po.write_bytes(after.replace(b"(draft) ", b"en breve ", 1))
    out = run("review", "pending", "es", "--page", PAGE).output
    assert f"{ident} · description · needs" in out
    assert (
        "1 approved" in run("review", "approve", "es", "--page", PAGE, "--id", ident, *ROSA).output
    )


REFUSALS = {
    "English": (("en", "--id", "{id}", *ROSA, "--comment", "x"), "only a translation"),
    "approved": (("es", "--id", "{approved}", *ROSA, "--comment", "x"), "revoke it first"),
    "not declared": (
        ("es", "--id", "{id}", "--reviewer", "Nobody", "--comment", "x"),
        "not declared",
    ),
    "no comment": (("es", "--id", "{id}", *ROSA, "--comment", "  "), "needs a --comment"),
    "twice": (("es", "--id", "{id}", *ROSA, "--comment", "again"), "already sent back"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_send_back_refuses(tree: Path, run: Run, case: str) -> None:
    po = tree / CATALOG
    po.write_bytes(
        po.read_bytes().replace(
            b"Qu\xc3\xa9 es la ketamina", b"Qu\xc3\xa9 es (draft) la ketamina", 1
        )
    )
    ident = _description_id(run)
    if case == "twice":
        run("review", "send-back", "es", "--page", PAGE, "--id", ident, *ROSA, "--comment", "first")
    args, words = REFUSALS[case]
    approved = "h-0ce67f38"  # a heading of the page, approved in the shipped ledger
    filled = [a.format(id=ident, approved=approved) for a in args]
    before = po.read_bytes()
    result = run("review", "send-back", filled[0], "--page", PAGE, *filled[1:], code=1)
    assert words in result.output, result.output
    assert po.read_bytes() == before


def test_send_back_from_the_workspace(tmp_path: Path) -> None:
    """The workspace's form does what the command does, as the signed-in reviewer: the text
    leaves the queue with the comment shown as why it is not ready, and the catalog has the note."""
    from .reviewing import (
        ES_PO,
        PASSWORD,
        ROBIN,
        SPRAYS,
        SPRAYS_ES_NEW,
        pending_tree,
        post_signin,
        with_passwords,
        workspace_client,
    )
    from .reviewing import PAGE as SALINE

    root = pending_tree(tmp_path)
    with_passwords(root, ROBIN)
    with workspace_client(root) as client:
        assert post_signin(client, {"name": ROBIN, "password": PASSWORD}).status_code == 200
        queue = client.get("/review/", params={"locale": "es"}).text
        assert SPRAYS_ES_NEW in queue
        csrf = queue.split('name="csrf-token" content="')[1].split('"')[0]
        ident = f"li-{hashlib.sha256(SPRAYS.encode()).hexdigest()[:8]}"  # the list item's id
        assert f'data-item="es|{SALINE}|{ident}"' in queue
        comment = "«orificio» is not the word patients use; keep «fosa nasal»."
        for view in (
            queue,
            client.get("/review/document", params={"locale": "es", "page": SALINE}).text,
        ):
            forms = re.findall(r'action="/review/send-back">(.*?)</form>', view, re.S)
            mine = [f for f in forms if f'name="id" value="{ident}"' in f]
            assert len(mine) == 1, "no send-back form for the text"
            label = r'<label for="(sendback-[^"]+)">.*?<textarea id="\1" name="comment"'
            assert re.search(label, mine[0], re.S), mine[0]
        fields = {"locale": "es", "page": SALINE, "id": ident, "comment": comment}
        refused = client.post("/review/send-back", data=fields)  # no CSRF token
        assert refused.status_code == 403
        answer = client.post(
            "/review/send-back",
            data={**fields, "csrf_token": csrf, "back": "/review/?locale=es"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        after = client.get(answer.headers["location"]).text
        assert "Sent 1 text(s) back to the translator" in after
        assert SPRAYS_ES_NEW not in after.split("not ready")[0]
        filtered = client.get("/review/", params={"locale": "es", "page": SALINE}).text
        assert html.escape(comment, quote=False) in filtered  # why it is not ready: the comment
        again = client.post("/review/send-back", data={**fields, "csrf_token": csrf})
        assert again.status_code == 409 and "already sent back" in again.text
    assert _grep_comment((root / ES_PO).read_bytes(), tmp_path, "keep «fosa nasal»")
