"""The production topology's figure (issue 23): a patient's page through nginx and a release, against
nginx sending the same file directly, in one nginx, same run.

  through the release  `GET /pages/<slug>` with `Accept-Language: es-MX,es;q=0.9` to the front
                       server `clinic-l10n nginx-config` writes; `clinic-l10n serve
                       --accel-redirect` chose the file (X-Accel-Redirect to the release store's
                       object) and nginx keeps that answer a second (`service.release.nginx`)
  directly             `GET /page.html` from a plain `location` with `root` on a folder holding a
                       copy of those bytes, in another server of the same nginx (its worker,
                       its http settings: sendfile, tcp_nopush, as Debian's nginx.conf has them)

Both are loaded with wrk (one thread, keep-alive connections) in interleaved rounds (each first in
turn), and the requests/s, p99 latency and their ratios are printed per round and as medians
(each ratio the median of the rounds' ratios), with the load average before and after (the
machine may be shared: compare the ratios), and the requests the Python server answered during
the load (from its access log: one per page answer per second at most, the rest from nginx's
cache). Before the load, the bytes through nginx are checked to equal the copy. nginx runs one
worker; loopback only; every run is bounded in time.

Needs Debian's nginx (`make install`'s system packages) and wrk, which `make test` does not
install: `apt-get install wrk` (`make bench` installs it too).

    .venv/bin/python benchmarks/nginx_release.py [--pages 1000] [--seconds 5] [--connections 16]
                                                 [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from gen_tree import build_tree

from service.release.nginx import ACCEL_PREFIX, NginxSite, nginx_config

HEADER = "es-MX,es;q=0.9"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Load:
    rps: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"{url} did not answer") from None
            time.sleep(0.2)


@contextmanager
def process(command: list[str], url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(url, proc)
            yield proc
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def nginx_conf(work: Path, site: str, direct: Path, direct_port: int) -> Path:
    user = (
        f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
        if os.getuid() == 0
        else ""
    )
    temps = "\n".join(
        f"  {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = work / "nginx.conf"
    conf.write_text(
        f"""daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
{user}
events {{ worker_connections 1024; }}
http {{
  types {{ text/html html; text/css css; application/json json; }}
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  access_log off;
{temps}
  include {site};
  server {{
    listen 127.0.0.1:{direct_port};
    location / {{ root {direct}; }}
  }}
}}
""",
        encoding="utf-8",
    )
    return conf


def wrk(url: str, seconds: int, connections: int, header: str | None) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", f"Accept-Language: {header}"]
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    if rps is None or p99 is None:
        raise SystemExit(f"wrk printed no figures:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = (int(bad.group(1)) if bad else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    return Load(float(rps.group(1)), float(p99.group(1)) * scale, errors)


def python_requests(log: Path) -> int:
    """Requests the Python server logged (uvicorn's access log lines)."""
    return sum(1 for line in log.read_text(errors="replace").splitlines() if '" 200' in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="3 pages, 1 round of 1 s")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.seconds, args.rounds = 3, 1, 1
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="nginx-bench-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    started = time.monotonic()
    root = work / "tree"
    build_tree(root, pages=args.pages)
    print(f"tree: {args.pages} pages, made in {time.monotonic() - started:.1f} s", flush=True)
    store, app_port, front_port, direct_port = (
        work / "releases",
        free_port(),
        free_port(),
        free_port(),
    )
    env = {**os.environ, "CLINIC_L10N_CACHE": str(work / "build-cache")}
    os.environ.update(env)
    exe = Path(sys.executable).parent / "clinic-l10n"
    serve = [str(exe), "--root", str(root), "serve", "--port", str(app_port), "--access-log"]
    serve += ["--releases", str(store), "--accel-redirect", ACCEL_PREFIX]
    app_log = work / "serve.log"
    with ExitStack() as stack:
        started = time.monotonic()
        stack.enter_context(process(serve, f"http://127.0.0.1:{app_port}/healthz", app_log))
        print(f"server up (first publish) in {time.monotonic() - started:.1f} s", flush=True)
        slug = json.loads(
            urllib.request.urlopen(f"http://127.0.0.1:{app_port}/v1/pages?locale=es").read()
        )["pages"][0]["slug"]
        site = work / "clinic-l10n.conf"
        config = NginxSite(store, f"127.0.0.1:{app_port}", f"127.0.0.1:{front_port}", work / "c")
        site.write_text(nginx_config(config), encoding="utf-8")
        config.cache.mkdir()
        direct = work / "direct"
        direct.mkdir()
        conf = nginx_conf(work, str(site), direct, direct_port)
        command = [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
        front = f"http://127.0.0.1:{front_port}/pages/{slug}"
        stack.enter_context(
            process(command, f"http://127.0.0.1:{front_port}/healthz", work / "nginx.out")
        )
        request = urllib.request.Request(front, headers={"Accept-Language": HEADER})
        body = urllib.request.urlopen(request).read()
        (direct / "page.html").write_bytes(body)
        copy = urllib.request.urlopen(f"http://127.0.0.1:{direct_port}/page.html").read()
        assert copy == body and b"<!DOCTYPE html>" in body, "the copy differs"
        print(f"page: /pages/{slug} ({len(body)} bytes), Accept-Language: {HEADER}")
        measure(args, front, f"http://127.0.0.1:{direct_port}/page.html", app_log)


def measure(args: argparse.Namespace, front: str, direct: str, app_log: Path) -> None:
    load_before, answered_before = os.getloadavg()[0], python_requests(app_log)
    rounds: list[tuple[Load, Load]] = []
    for n in range(args.rounds):
        order = ("ours", "direct") if n % 2 == 0 else ("direct", "ours")
        got: dict[str, Load] = {}
        for name in order:
            got[name] = wrk(
                front if name == "ours" else direct,
                args.seconds,
                args.connections,
                HEADER if name == "ours" else None,
            )
        rounds.append((got["ours"], got["direct"]))
        ours, plain = got["ours"], got["direct"]
        print(
            f"round {n + 1}: release {ours.rps:9.0f} req/s p99 {ours.p99_ms:6.2f} ms | "
            f"direct {plain.rps:9.0f} req/s p99 {plain.p99_ms:6.2f} ms | "
            f"ratio {ours.rps / plain.rps:.3f}x rps, {ours.p99_ms / plain.p99_ms:.2f}x p99",
            flush=True,
        )
    load_after = os.getloadavg()[0]
    answered = python_requests(app_log) - answered_before
    rps = [o.rps / d.rps for o, d in rounds]
    p99 = [o.p99_ms / d.p99_ms for o, d in rounds]
    med = statistics.median
    print(
        f"\n{'':24}{'req/s':>10}{'p99 ms':>10}\n"
        f"{'through the release':24}{med(o.rps for o, _ in rounds):10.0f}"
        f"{med(o.p99_ms for o, _ in rounds):10.2f}\n"
        f"{'nginx directly':24}{med(d.rps for _, d in rounds):10.0f}"
        f"{med(d.p99_ms for _, d in rounds):10.2f}\n"
        f"{'ratio (median)':24}{med(rps):9.3f}x{med(p99):9.2f}x"
        f"   goal: >= 0.9x req/s, p99 <= 1.5x\n"
        f"ratios per round: req/s {', '.join(f'{r:.3f}' for r in rps)}; "
        f"p99 {', '.join(f'{r:.2f}' for r in p99)}\n"
        f"errors: {sum(o.errors + d.errors for o, d in rounds)}; answers the Python server "
        f"sent during the load: {answered}\n"
        f"wrk: 1 thread, {args.connections} connections, {args.seconds} s per load, "
        f"{args.rounds} round(s); nginx: 1 worker; "
        f"load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        json.dumps(
            {
                "rps_ratio": med(rps),
                "p99_ratio": med(p99),
                "rps_ratios": rps,
                "p99_ratios": p99,
                "python_answers": answered,
                "load": [load_before, load_after],
            }
        )
    )


if __name__ == "__main__":
    main()
