"""The review queue under a flood of sign-ins (issue 24: argon2 in the shared worker threads made a
queue request take 25.3 s instead of 4 ms), for benchmarks/review_queue.py: the queue's p99 with
nothing else going on, then during `rate` sign-in tries a second for `seconds` from a thread pool
of clients (each try from an address of its own on 127/8, wrong passwords for made-up names, so
every try that gets in is hashed and no per-address limit ends the flood), while a monitor probes
`/healthz` every 0.2 s.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

__all__ = ["Flood", "flood", "request"]


def request(
    base: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str = "",
    source: str = "127.0.0.1",
    timeout: float = 120,
) -> tuple[int, bytes]:
    where = urlsplit(base)
    conn = http.client.HTTPConnection(
        where.hostname or "", where.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("POST" if body else "GET", path, body=body or None, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass
class Flood:
    quiet: list[float] = field(default_factory=list)  # the queue's times, ms
    flooded: list[float] = field(default_factory=list)
    probes: Counter[int] = field(default_factory=Counter)  # /healthz statuses (0: no answer)
    tries: Counter[int] = field(default_factory=Counter)  # the sign-ins' statuses

    def lines(self) -> list[str]:
        ratio = p99(self.flooded) / p99(self.quiet)
        return [
            f"queue quiet:   {len(self.quiet)} requests, median {statistics.median(self.quiet):.1f}"
            f" ms, p99 {p99(self.quiet):.1f} ms",
            f"queue flooded: {len(self.flooded)} requests, median "
            f"{statistics.median(self.flooded):.1f} ms, p99 {p99(self.flooded):.1f} ms "
            f"({ratio:.2f}x the quiet p99)",
            f"/healthz during the flood: {sum(self.probes.values())} probes, "
            + ", ".join(f"{n} x {s or 'no answer'}" for s, n in sorted(self.probes.items())),
            f"sign-in tries: {sum(self.tries.values())}, "
            + ", ".join(f"{n} x {s}" for s, n in sorted(self.tries.items())),
        ]


def _timed_until(base: str, path: str, headers: dict[str, str], until: float) -> list[float]:
    times = []
    while time.monotonic() < until:
        started = time.perf_counter()
        status, _ = request(base, path, headers)
        assert status == 200, status
        times.append((time.perf_counter() - started) * 1000)
    return times


def flood(
    base: str, path: str, headers: dict[str, str], seconds: float = 10, rate: int = 50
) -> Flood:
    """The queue request `path` for `seconds` quiet, then for `seconds` under the flood."""
    found = Flood()
    found.quiet = _timed_until(base, path, headers, time.monotonic() + seconds)
    page = request(base, "/review/signin")[1].decode()
    token = re.search(r'name="signin_token" value="([^"]*)"', page)
    form = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"clinic_l10n_signin={token.group(1) if token else ''}",
    }

    def attempt(n: int) -> None:
        body = urlencode(
            {
                "name": f"guess{n}",
                "password": "wrong password!",
                "signin_token": token.group(1) if token else "",
            }
        )
        source = f"127.{1 + n // 62500}.{1 + n // 250 % 250}.{1 + n % 250}"
        found.tries[request(base, "/review/signin", form, body, source)[0]] += 1

    until = time.monotonic() + seconds
    done = threading.Event()

    def monitor() -> None:
        while not done.is_set():
            try:
                found.probes[request(base, "/healthz", timeout=5)[0]] += 1
            except OSError:
                found.probes[0] += 1
            time.sleep(0.2)

    def drive(pool: ThreadPoolExecutor) -> None:
        n, start = 0, time.monotonic()
        while time.monotonic() < until:
            pool.submit(attempt, n)
            n += 1
            time.sleep(max(0.0, start + n / rate - time.monotonic()))

    watcher = threading.Thread(target=monitor)
    watcher.start()
    with ThreadPoolExecutor(64) as pool:
        driver = threading.Thread(target=drive, args=(pool,))
        driver.start()
        found.flooded = _timed_until(base, path, headers, until)
        driver.join()
    done.set()
    watcher.join()
    return found
