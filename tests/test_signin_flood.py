"""A flood of sign-ins against a real server (`clinic-l10n serve`, real argon2 cost) while a
reviewer reads her queue and a monitor probes `/healthz` (issue 24: argon2 in the shared worker
threads made a queue request take 25 s). Every probe and every queue read is answered, none with a
503; the flood is slowed instead (503 with Retry-After, or 429 once an address has failed often).
Each flood request comes from an address of its own (Linux answers all of 127/8 on loopback), so
the per-address limit does not end the flood early: every try that gets in is hashed. Timing
figures are benchmarks/review_queue.py's; this test asserts only that everything is answered."""

from __future__ import annotations

import http.client
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from service.workspace.accounts import Accounts

from .conftest import serving
from .reviewing import PASSWORD, ROBIN, pending_tree

FLOOD = 120  # sign-in tries, 40 at a time
PROBE_TIMEOUT = 10.0  # seconds: an answer, however slow, is an answer; a hang is not


def _request(
    base: str,
    method: str,
    path: str,
    body: str = "",
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = PROBE_TIMEOUT,
) -> tuple[int, bytes, str]:
    where = urlsplit(base)
    conn = http.client.HTTPConnection(
        where.hostname or "", where.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.read(), answer.getheader("Retry-After", "")
    finally:
        conn.close()


def test_a_sign_in_flood_leaves_healthz_and_the_queue_answering(tmp_path: Path) -> None:
    root = pending_tree(tmp_path)
    state = Accounts(root / ".clinic-l10n")  # the server's own argon2 cost
    state.set_password(ROBIN, PASSWORD)
    bearer = {"Authorization": f"Bearer {state.new_token(ROBIN)}"}
    with serving(root) as base:
        page = _request(base, "GET", "/review/signin")[1]
        found = re.search(r'name="signin_token" value="([^"]*)"', page.decode())
        token = found.group(1) if found else ""
        form_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"clinic_l10n_signin={token}",
        }

        def attempt(n: int) -> tuple[int, str]:
            body = urlencode(
                {"name": f"guess{n}", "password": "wrong password!", "signin_token": token}
            )
            source = f"127.0.{1 + n // 250}.{1 + n % 250}"
            status, _, wait = _request(
                base, "POST", "/review/signin", body, form_headers, source, 120
            )
            return status, wait

        probes: list[tuple[str, int, float]] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                for kind, path, headers in (
                    ("healthz", "/healthz", {}),
                    ("queue", "/v1/reviews/pending?locale=es", bearer),
                ):
                    started = time.perf_counter()
                    try:
                        status = _request(base, "GET", path, "", headers)[0]
                    except TimeoutError:
                        status = 0
                    probes.append((kind, status, time.perf_counter() - started))
                time.sleep(0.1)

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            with ThreadPoolExecutor(40) as flood:
                outcomes = list(flood.map(attempt, range(FLOOD)))
        finally:
            done.set()
            prober.join()
    assert len(probes) >= 4
    statuses = [status for status, _ in outcomes]
    assert set(statuses) <= {401, 429, 503} and 401 in statuses
    # the flood is slowed by refusals, not by queueing: past the pool's bound, "try again"
    assert 503 in statuses and all(wait == "1" for status, wait in outcomes if status == 503)
    assert len(probes) >= 4
    assert [p for p in probes if p[1] != 200] == []
