"""The review workspace's queue at scale: response times of `GET /v1/reviews/pending`, of the
`/review/` page (and its search) and of a page's document view on a generated tree
(benchmarks/gen_tree.py, every text approved), after the Spanish translations of `--changed` pages
were edited so that each of their texts waits for review again (with a word diff against what was
approved). Also one approval (POST /v1/reviews), which includes the reload that lets the
patient page serve it.

    .venv/bin/python benchmarks/gen_tree.py /tmp/tree1000 --pages 1000
    .venv/bin/python benchmarks/review_queue.py /tmp/tree1000 [--changed 200] [--runs 20]

The tree is copied first (the copy is edited and served); a real `clinic-l10n serve` answers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from signin_flood import flood  # noqa: E402

from service.workspace.accounts import Accounts  # noqa: E402

REVIEWER = "Dr. Quinn Example (fictional)"  # both roles, every locale; approved only English
PASSWORD = "benchmark password"
_MSGSTR = re.compile(r'^(msgstr(?:\[\d\])? ")(?=[^"])', re.M)
_CONTINUED = re.compile(r'^(msgstr(?:\[\d\])? ""\n")', re.M)


def edit_translations(root: Path, pages: int, locale: str = "es") -> int:
    """Prefix every translation of the first `pages` pages (the header aside) with a word: each
    then waits for review, with a diff. Returns how many texts were edited."""
    edited = 0
    for path in sorted((root / "locales" / locale / "LC_MESSAGES").glob("*.po"))[:pages]:
        if path.stem == "ui":
            continue
        text = path.read_text(encoding="utf-8")
        head, sep, body = text.partition("\n\n")  # the header entry first
        body, n = _MSGSTR.subn(r"\1Nota: ", body)
        body, m = _CONTINUED.subn(r"\1Nota: ", body)
        path.write_text(head + sep + body, encoding="utf-8")
        edited += n + m
    return edited


def timed(call: Callable[[], bytes], runs: int) -> tuple[float, float, float, int]:
    """(first, median, p95) in milliseconds, and the size of the answer."""
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(call())
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times[1:]) or times
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return times[0], statistics.median(ordered), p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("tree", type=Path, help="a tree made by benchmarks/gen_tree.py")
    parser.add_argument("--changed", type=int, default=200, help="pages whose es text is edited")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--flood", type=float, default=10, help="seconds of sign-in flood (0: none)"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="review-queue-"))
    root = work / "tree"
    started = time.perf_counter()
    shutil.copytree(args.tree, root)
    edited = edit_translations(root, args.changed)
    print(f"copied the tree and edited {edited} es texts in {time.perf_counter() - started:.1f} s")
    accounts = Accounts(root / ".clinic-l10n")
    accounts.set_password(REVIEWER, PASSWORD)
    token = accounts.new_token(REVIEWER)

    exe = Path(sys.executable).parent / "clinic-l10n"
    proc = subprocess.Popen(
        [str(exe), "--root", str(root), "serve", "--port", str(args.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    base = f"http://127.0.0.1:{args.port}"
    started = time.perf_counter()
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(1)
        print(f"server up in {time.perf_counter() - started:.0f} s")
        bearer = {"Authorization": f"Bearer {token}"}

        def get(path: str, headers: dict[str, str]) -> Callable[[], bytes]:
            def call() -> bytes:
                request = urllib.request.Request(base + path, headers=headers)
                with urllib.request.urlopen(request, timeout=300) as r:
                    return bytes(r.read())

            return call

        # a session for the HTML page (one argon2 check), through the form as a browser signs in
        form_page = urllib.request.urlopen(f"{base}/review/signin", timeout=60)
        presession = form_page.headers["set-cookie"].split(";")[0]
        token = re.search(r'name="signin_token" value="([^"]*)"', form_page.read().decode())
        fields = {
            "name": REVIEWER,
            "password": PASSWORD,
            "signin_token": token.group(1) if token else "",
        }
        signin = urllib.request.Request(
            f"{base}/review/signin",
            data=urlencode(fields).encode(),
            headers={"Cookie": presession},
            method="POST",
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a: object, **k: object) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(signin, timeout=60)
        except urllib.error.HTTPError as answer:
            cookie = answer.headers["set-cookie"].split(";")[0]
        session = {"Cookie": cookie}

        first = json.loads(get("/v1/reviews/pending?locale=es&limit=1", bearer)())
        slug = first["items"][0]["page"]
        word = first["items"][0]["english"][0].split()[-1].strip(".,;:")
        pages = sorted(p.stem for p in (root / "source_content" / "pages").glob("*.md"))
        quiet = pages[-1]  # past the --changed pages edited: every text approved
        cases = [
            (
                "GET /v1/reviews/pending?locale=es (50 items)",
                "/v1/reviews/pending?locale=es",
                bearer,
            ),
            ("… &page=SLUG", f"/v1/reviews/pending?locale=es&page={slug}", bearer),
            (
                "… &status=changed&offset=3000",
                "/v1/reviews/pending?locale=es&status=changed&offset=3000",
                bearer,
            ),
            ("… ?locale=vi (nothing pending)", "/v1/reviews/pending?locale=vi", bearer),
            ("GET /review/?locale=es (HTML, 50 items)", "/review/?locale=es", session),
            ("GET /review/ (HTML, all 7 locales)", "/review/", session),
            (
                "GET /review/?locale=es&page=SLUG (HTML, with blockers)",
                f"/review/?locale=es&page={slug}",
                session,
            ),
            (
                "GET /review/document?locale=es&page=SLUG (document view)",
                f"/review/document?locale=es&page={slug}",
                session,
            ),
            (
                "… of a page with nothing waiting",
                f"/review/document?locale=es&page={quiet}",
                session,
            ),
            ("GET /review/?locale=es&q=WORD (search)", f"/review/?locale=es&q={word}", session),
        ]
        print(f"{first['total']} es texts wait for {REVIEWER}; {args.runs} requests per row")
        print(f"{'request':<58} {'first ms':>9} {'median ms':>10} {'p95 ms':>8} {'bytes':>8}")
        for label, path, headers in cases:
            one, median, p95, size = timed(get(path, headers), args.runs)
            print(f"{label:<58} {one:>9.1f} {median:>10.1f} {p95:>8.1f} {size:>8}")
        item = json.loads(get(f"/v1/reviews/pending?locale=es&page={slug}", bearer)())["items"][0]
        body = json.dumps(
            {
                "locale": "es",
                "page": slug,
                "id": item["id"],
                "role": "linguistic",
                "source_sha256": item["source_sha256"],
                "translation_sha256": item["translation_sha256"],
            }
        ).encode()
        post = urllib.request.Request(
            f"{base}/v1/reviews",
            data=body,
            headers={**bearer, "Content-Type": "application/json"},
            method="POST",
        )
        started = time.perf_counter()
        with urllib.request.urlopen(post, timeout=300) as r:
            status = r.status
        took = (time.perf_counter() - started) * 1000
        print(
            f"POST /v1/reviews (one approval, the site reloaded before the answer): {status} in {took:.0f} ms"
        )
        if args.flood:  # the queue quiet, then under a flood of sign-ins, in this same run
            print(
                f"the 50-item queue for {args.flood} s quiet, then {args.flood} s under 50 sign-ins/s"
            )
            for line in flood(base, cases[0][1], bearer, args.flood).lines():
                print(line)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
