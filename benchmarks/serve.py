"""Serving benchmark: the real server against a bare ASGI app returning the same bytes, same run.

Starts `clinic-l10n serve` (FastAPI on uvicorn), a bare ASGI app and a one-route FastAPI app (both on
uvicorn, both answering every request with the bytes our server sent for the page), then loads each with wrk (or, without wrk,
a bounded Python load generator) and prints requests/s and p99 latency side by side, with the ratio.
Loopback only; every run is bounded in time.

    .venv/bin/python benchmarks/serve.py [--seconds 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = "/v1/pages/esketamine-overview"
HEADERS = {"Accept-Language": "es-MX,es;q=0.9"}

BARE_APP = """
import sys
body = open(sys.argv[1], "rb").read()
headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"vary", b"Accept-Language"), (b"content-language", b"es"), (b"etag", b'"x"'),
           (b"cache-control", b"public, max-age=300")]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
import uvicorn
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

# The framework's floor: one FastAPI route returning the same prepared bytes, nothing else.
MINIMAL_FASTAPI = """
import sys
from fastapi import FastAPI
from fastapi.responses import Response
import uvicorn
body = open(sys.argv[1], "rb").read()
app = FastAPI()
@app.get("/v1/pages/{slug}")
async def page(slug: str) -> Response:
    return Response(body, media_type="application/json")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early: {url}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start: {url}")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=HEADERS), timeout=5) as r:
        return bytes(r.read())


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    header = [f"-H{k}: {v}" for k, v in HEADERS.items()]
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *header, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    return rps, _ms(p99.group(1), p99.group(2)) if p99 else float("nan")  # type: ignore[union-attr]


def load_python(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """Keep-alive clients in threads; weaker than wrk (the GIL), but the same for both servers."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", parts.path, headers=HEADERS)
            conn.getresponse().read()
            mine.append((time.perf_counter() - t0) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(min(connections, 8))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 100 else float("nan")
    return len(latencies) / seconds, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternate the two servers this many times"
    )
    args = parser.parse_args()
    load = load_wrk if shutil.which("wrk") else load_python
    exe = Path(sys.executable).parent / "clinic-l10n"

    ours_port = free_port()
    ours = subprocess.Popen(
        [str(exe), "--root", str(ROOT), "serve", "--port", str(ours_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs = [ours]
    try:
        ours_url = f"http://127.0.0.1:{ours_port}{PATH}"
        wait_up(ours_url, ours)
        body = fetch(ours_url)
        with tempfile.NamedTemporaryFile(delete=False, suffix=".json") as fh:
            fh.write(body)
        urls = {"clinic-l10n (FastAPI)": ours_url}
        for name, script in (
            ("minimal FastAPI route", MINIMAL_FASTAPI),
            ("bare ASGI, same bytes", BARE_APP),
        ):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-c", script, fh.name, str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(proc)
            urls[name] = f"http://127.0.0.1:{port}{PATH}"
            wait_up(urls[name], proc)
            assert fetch(urls[name]) == body

        results: dict[str, list[tuple[float, float]]] = {name: [] for name in urls}
        for _ in range(args.rounds):  # alternate, so drift in the machine hits all alike
            for name, url in urls.items():
                results[name].append(load(url, args.seconds, args.connections))
        best = {
            name: (max(r[0] for r in runs), min(r[1] for r in runs))
            for name, runs in results.items()
        }
        b_rps, b_p99 = best["bare ASGI, same bytes"]
        print(
            f"load generator: {load.__name__.removeprefix('load_')}, {args.connections} connections, "
            f"{args.seconds}s x {args.rounds} rounds, best round shown; body {len(body)} bytes "
            f"(GET {PATH}, {HEADERS})"
        )
        print(f"{'server':<24}{'requests/s':>12}{'p99 ms':>10}{'rps / bare':>12}{'p99 / bare':>12}")
        for name, (rps, p99) in best.items():
            print(f"{name:<24}{rps:>12.0f}{p99:>10.2f}{rps / b_rps:>12.2f}{p99 / b_p99:>12.2f}")
        o_rps, o_p99 = best["clinic-l10n (FastAPI)"]
        print(
            json.dumps(
                {
                    "ours_rps": o_rps,
                    "bare_rps": b_rps,
                    "rps_ratio": round(o_rps / b_rps, 3),
                    "ours_p99_ms": o_p99,
                    "bare_p99_ms": b_p99,
                    "minimal_fastapi_rps": best["minimal FastAPI route"][0],
                }
            )
        )
        os.unlink(fh.name)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)


if __name__ == "__main__":
    main()
