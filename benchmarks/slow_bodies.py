"""Slow request bodies against a real `clinic-l10n serve`: `--slow` connections (default 1,000)
each send a sign-in POST's head at once, then its body a byte a second, while a reader GETs
/healthz and a patient's page every 0.1 s on new connections. Prints what the readers got (every
status, and their latency) and how long the slow connections were held.

    .venv/bin/python benchmarks/gen_tree.py /tmp/tree1000 --pages 1000
    .venv/bin/python benchmarks/slow_bodies.py /tmp/tree1000 [--slow 1000] [--seconds 30]

The server runs with its defaults (--body-timeout 10, --max-connections 1000, one worker).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(root: Path, port: int, work: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "clinic-l10n"
    env = {**os.environ, "CLINIC_L10N_RELEASES": str(work / "releases")}
    command = [str(exe), "--root", str(root), "--state", str(work / "state"), "serve"]
    proc = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=(work / "server.log").open("wb"),
        env=env,
    )
    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((work / "server.log").read_text(errors="replace")) from None
            time.sleep(0.2)


def _reader(
    base: str, paths: list[str], stop: threading.Event, got: list[tuple[str, float]]
) -> None:
    turn = 0
    while not stop.is_set():
        path = paths[turn % len(paths)]
        turn += 1
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(base + path, timeout=10) as answer:
                answer.read()
                status = str(answer.status)
        except urllib.error.HTTPError as exc:
            status = str(exc.code)
        except OSError as exc:
            status = type(exc).__name__
        got.append((status, time.perf_counter() - started))
        time.sleep(0.1)


def _slow(port: int, count: int, seconds: float) -> tuple[list[float], Counter[str]]:
    """Open `count` slow sign-ins; returns how long each was held open, and the first line of
    what each was answered."""
    head = (
        f"POST /review/signin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\nname="
    ).encode()
    selector = selectors.DefaultSelector()
    opened: dict[socket.socket, float] = {}
    answered: Counter[str] = Counter()
    held: list[float] = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(head)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        opened[sock] = time.monotonic()
    end, next_byte = time.monotonic() + seconds, time.monotonic() + 1
    while opened and time.monotonic() < end:
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if data:
                answered[data.split(b"\r\n", 1)[0].decode("latin-1")] += 1
            held.append(time.monotonic() - opened.pop(sock))
            selector.unregister(sock)
            sock.close()
        if time.monotonic() >= next_byte:
            next_byte += 1
            for sock in list(opened):
                with contextlib.suppress(OSError):
                    sock.send(b"a")
    answered["(still open at the end)"] += len(opened)
    for sock in opened:
        sock.close()
    return held, answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    page = sorted((args.root / "source_content" / "pages").glob("*.md"))[0].stem
    with tempfile.TemporaryDirectory(prefix="slow-bodies-") as folder:
        work = Path(folder)
        port = _free_port()
        proc = _start(args.root, port, work)
        try:
            base = f"http://127.0.0.1:{port}"
            stop, got = threading.Event(), []
            paths = ["/healthz", f"/pages/{page}?locale=es"]
            reader = threading.Thread(target=_reader, args=(base, paths, stop, got))
            reader.start()
            held, answered = _slow(port, args.slow, args.seconds)
            stop.set()
            reader.join()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    statuses = Counter(status for status, _ in got)
    latencies = sorted(seconds for _, seconds in got)
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0
    print(f"slow sign-in bodies: {args.slow}, a byte a second, for up to {args.seconds:.0f} s")
    print(
        f"  held open: median {statistics.median(held) if held else 0:.1f} s, max {max(held, default=0):.1f} s"
    )
    print(f"  answered: {dict(answered)}")
    print(
        f"reads meanwhile (/healthz and a page, every 0.1 s): {len(got)}, statuses {dict(statuses)}"
    )
    print(
        f"  latency median {statistics.median(latencies) * 1000 if latencies else 0:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )
    print(
        json.dumps(
            {
                "slow": args.slow,
                "reads": len(got),
                "statuses": statuses,
                "held_max": max(held, default=0),
            }
        )
    )


if __name__ == "__main__":
    main()
