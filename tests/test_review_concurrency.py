"""No approval is lost or silently undone (SPEC invariant 8): many reviewers at once, a revocation
racing an approval, and writers killed with SIGKILL at random moments. Afterwards every
acknowledged event is in the history, the history verifies, and no temp file is left behind."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from service import review
from service.content.pages import load_page
from service.core.config import load_config
from service.review.history import read_history

PARAGRAPHS = 50
REVIEWER = "Dr. Test Reviewer"


def _small_tree(root: Path) -> Path:
    """A content tree with one English page of PARAGRAPHS paragraphs and nothing else."""
    (root / "source_content/pages").mkdir(parents=True)
    (root / "l10n.yaml").write_text(
        f"locales: [es]\nreviewers:\n  {REVIEWER}: [clinical, linguistic]\n", encoding="utf-8"
    )
    body = "\n\n".join(f"Paragraph {n} of the leaflet." for n in range(PARAGRAPHS))
    (root / "source_content/pages/many.md").write_text(
        f"---\nslug: many\ntitle: Many\nauthor: An Author (fictional)\n---\n\n{body}\n",
        encoding="utf-8",
    )
    return root


def _history(root: Path) -> tuple[list[dict[str, object]], set[str]]:
    """The events of the English history of `many` (verified) and the ids approved in force."""
    path = root / "locales/en/reviews/many.yaml"
    if not path.exists():  # no writer has written yet (a slow machine: killed before its first)
        return [], set()
    history = read_history(path.read_text(encoding="utf-8"), str(path), "en", "many")
    assert history.problems == (), history.problems
    in_force = {r.msgid for r in history.records.values()}
    return [dict(e.data) for e in history.events], in_force


def test_fifty_reviewers_at_once_lose_nothing(tmp_path: Path) -> None:
    root = _small_tree(tmp_path)
    page = load_page(root / "source_content/pages/many.md")
    ids = [s.id for s in page.segments if s.source.startswith("Paragraph")]
    assert len(ids) == PARAGRAPHS
    exe = Path(sys.executable).parent / "clinic-l10n"
    procs = [
        subprocess.Popen(
            [
                str(exe),
                "--root",
                str(root),
                "review",
                "approve",
                "en",
                "--page",
                "many",
                "--id",
                seg_id,
                "--reviewer",
                REVIEWER,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for seg_id in ids
    ]
    outputs = [(p.communicate(timeout=120)[0], p.returncode) for p in procs]
    outputs = [(code, out) for out, code in outputs]
    assert all(code == 0 and "1 approved" in out for code, out in outputs), outputs
    events, in_force = _history(root)
    assert [e["seq"] for e in events] == list(range(1, PARAGRAPHS + 1))
    assert sorted(str(e["id"]) for e in events) == sorted(ids)
    assert len(in_force) == PARAGRAPHS
    assert not list((root / "locales/en/reviews").glob(".*"))


def _approve(root: Path, msgid: str) -> None:
    config = load_config(root)
    page = load_page(root / "source_content/pages/many.md")
    decisions = review.approve(
        config, page, "en", None, REVIEWER, "clinical", review.Selection(msgid=msgid)
    )
    assert any(d.approved for d in decisions)


def _revoke(root: Path, msgid: str) -> None:
    config = load_config(root)
    page = load_page(root / "source_content/pages/many.md")
    review.revoke(config, page, "en", REVIEWER, "racing", review.Selection(msgid=msgid))


def _at_once(*jobs: tuple[object, tuple[object, ...]]) -> None:
    """Run each job in its own process, released together."""
    ctx = multiprocessing.get_context("fork")
    gate = ctx.Barrier(len(jobs))

    def gated(function: object, args: tuple[object, ...]) -> None:
        gate.wait()
        function(*args)  # type: ignore[operator]

    procs = [ctx.Process(target=gated, args=job) for job in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0


def test_a_revocation_racing_an_approval_is_never_undone(tmp_path: Path) -> None:
    root = _small_tree(tmp_path)
    for round_ in range(20):
        revoked, approved = (
            f"Paragraph {2 * round_} of the leaflet.",
            f"Paragraph {2 * round_ + 1} of the leaflet.",
        )
        _approve(root, revoked)
        _at_once((_revoke, (root, revoked)), (_approve, (root, approved)))
        _, in_force = _history(root)
        assert revoked not in in_force, f"round {round_}: the revocation was undone"
        assert approved in in_force, f"round {round_}: the approval was lost"


def _toggle_forever(root: Path, acks: object) -> None:
    """Approve, revoke, approve… one paragraph, sending each event's seq once it is written."""
    config = load_config(root)
    page = load_page(root / "source_content/pages/many.md")
    msgid = "Paragraph 0 of the leaflet."
    while True:
        done = review.approve(
            config, page, "en", None, REVIEWER, "clinical", review.Selection(msgid=msgid)
        )
        if any(d.approved for d in done):
            acks.send(("approve", len(_history(root)[0])))  # type: ignore[attr-defined]
        written = review.revoke(config, page, "en", REVIEWER, "test", review.Selection(msgid=msgid))
        if written:
            acks.send(("revoke", len(_history(root)[0])))  # type: ignore[attr-defined]


def test_writers_killed_at_random_moments_lose_no_acknowledged_event(tmp_path: Path) -> None:
    root = _small_tree(tmp_path)
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(20261127)
    acknowledged: dict[int, str] = {}
    for _ in range(15):
        receive, send = ctx.Pipe(duplex=False)
        writer = ctx.Process(target=_toggle_forever, args=(root, send))
        writer.start()
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(writer.pid or 0, signal.SIGKILL)
        writer.join()
        while receive.poll():
            try:
                kind, seq = receive.recv()
            except EOFError:
                break
            acknowledged[seq] = kind
        events, _ = _history(root)  # verifies: nothing torn, nothing out of order
        for seq, kind in acknowledged.items():
            assert events[seq - 1]["event"] == kind, f"acknowledged {kind} #{seq} is gone"
    assert len(acknowledged) > 15  # the writers did get work done between the kills
    _approve(root, "Paragraph 1 of the leaflet.")  # a later writer cleans what the dead left
    assert not list((root / "locales/en/reviews").glob(".*.tmp"))
