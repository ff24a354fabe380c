"""Lost approvals, measured: N `clinic-l10n review approve` processes at once on one page, and a
`revoke` racing an `approve`, counted afterwards from the ledger file itself (read with PyYAML, so
the count does not depend on the code under test; works for the earlier `records:` ledgers too).

    python benchmarks/concurrent_reviews.py [--writers 50] [--rounds 3] [--races 20]
        [--code DIR]   # the checkout whose `service` package to run (default: this one)

Prints, per round, how many of the acknowledged approvals the ledger kept, and how many races
undid a revocation.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
REVIEWER = "Dr. Bench Reviewer (fictional)"


def _tree(root: Path, paragraphs: int) -> list[str]:
    (root / "source_content/pages").mkdir(parents=True)
    (root / "l10n.yaml").write_text(
        f"locales: [es]\nreviewers:\n  {REVIEWER}: [clinical, linguistic]\n", encoding="utf-8"
    )
    texts = [f"Paragraph {n} of the leaflet." for n in range(paragraphs)]
    (root / "source_content/pages/many.md").write_text(
        "---\nslug: many\ntitle: Many\nauthor: An Author (fictional)\n---\n\n"
        + "\n\n".join(texts)
        + "\n",
        encoding="utf-8",
    )
    return texts


def _cli(code: Path, root: Path, *args: str) -> list[str]:
    run = "from service.cli.main import main; main()"
    return [sys.executable, "-c", run, "--root", str(root), *args]


def _env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code)}


def _popen(code: Path, args: list[str]) -> subprocess.Popen[str]:
    """The CLI of the checkout `code` (run from there: `python -c` puts the cwd first on the path)."""
    return subprocess.Popen(
        args, cwd=code, env=_env(code), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _in_force(root: Path) -> set[str]:
    """Approvals left in force, as any YAML reader sees the ledger."""
    path = root / "locales/en/reviews/many.yaml"
    if not path.exists():
        return set()
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # the earlier format: the records in force
        return {r["msgid"] for r in data.get("records") or []}
    state: dict[tuple[str, str], bool] = {}
    for e in data or []:
        if e.get("event") == "approve":
            state[(e["msgid"], e["role"])] = True
        elif e.get("event") == "revoke":
            state.pop((e["msgid"], e["role"]), None)
    return {msgid for msgid, _ in state}


def _approve(code: Path, root: Path, msgid: str) -> subprocess.Popen[str]:
    args = ("review", "approve", "en", "--page", "many", "--msgid", msgid, "--reviewer", REVIEWER)
    return _popen(code, _cli(code, root, *args))


def _revoke(code: Path, root: Path, msgid: str, with_reason: bool) -> subprocess.Popen[str]:
    args = ["review", "revoke", "en", "--page", "many", "--msgid", msgid]
    if with_reason:
        args += ["--reviewer", REVIEWER, "--reason", "benchmark"]
    return _popen(code, _cli(code, root, *args))


def _acknowledged(proc: subprocess.Popen[str]) -> bool:
    out, _ = proc.communicate(timeout=300)
    return proc.returncode == 0 and "approved" in out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--races", type=int, default=20)
    parser.add_argument("--code", type=Path, default=REPO)
    args = parser.parse_args()
    helped = subprocess.run(
        _cli(args.code, Path("."), "review", "revoke", "--help"),
        env=_env(args.code),
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    with_reason = "--reason" in helped
    total_acked = total_kept = 0
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            texts = _tree(root, args.writers)
            started = time.perf_counter()
            procs = [_approve(args.code, root, t) for t in texts]
            acked = sum(_acknowledged(p) for p in procs)
            kept = len(_in_force(root) & set(texts))
            total_acked, total_kept = total_acked + acked, total_kept + kept
            seconds = time.perf_counter() - started
            print(
                f"round {n + 1}: {acked} approvals acknowledged, {kept} kept "
                f"({acked - kept} lost), {seconds:.1f} s"
            )
    undone = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        texts = _tree(root, 2 * args.races)
        for r in range(args.races):
            revoked, approved = texts[2 * r], texts[2 * r + 1]
            _acknowledged(_approve(args.code, root, revoked))
            racers = [
                _revoke(args.code, root, revoked, with_reason),
                _approve(args.code, root, approved),
            ]
            for p in racers:
                p.communicate(timeout=300)
            undone += revoked in _in_force(root)
    print(
        f"lost approvals: {total_acked - total_kept} of {total_acked} acknowledged; "
        f"revocations undone by a racing approve: {undone} of {args.races}"
    )


if __name__ == "__main__":
    main()
