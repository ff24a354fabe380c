"""The production topology's figure (issue 23): a patient's page through nginx and a release, against
nginx sending the same file directly, in one nginx, same run.

  through the release  `GET /pages/<slug>` with `Accept-Language: es-MX,es;q=0.9` to the front
                       server `clinic-l10n nginx-config` writes; `clinic-l10n serve
                       --accel-redirect` chose the file (X-Accel-Redirect to the release store's
                       object) and nginx keeps that answer a second (`service.release.nginx`)
  directly             `GET /page.html` from a plain `location` with `root` on a folder holding a
                       copy of those bytes, in another server of the same nginx (its worker,
                       its http settings: sendfile, tcp_nopush, as Debian's nginx.conf has them)

Both are loaded with wrk (one thread, keep-alive connections) in interleaved rounds (the order rotated), with
a third load: the copy from a location with open_file_cache (as the release's objects and
nginx's kept answers have it), and the requests/s, p99 latency, nginx's worker CPU time per
request (from /proc: it moves less than the rates when the machine is shared) and the ratios are
printed per round and as medians (each ratio the median of the rounds' ratios), with the load
average before and after (the machine may be shared: compare the ratios), and the requests the Python server answered during
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
    requests: int = 0
    cpu_us: float = 0.0  # nginx's worker CPU time per request (user + system), in microseconds


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
    location /kept/ {{ alias {direct}/; open_file_cache max=1000 inactive=60s; }}
  }}
}}
""",
        encoding="utf-8",
    )
    return conf


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_of(master: int) -> int:
    """nginx's worker process (`worker_processes 1`): the master's child that serves."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split(") ", 1)
        if int(rest.split()[1]) == master and "(nginx" in name:
            cmdline = (stat.parent / "cmdline").read_bytes()
            if b"worker process" in cmdline:
                return int(stat.parent.name)
    raise SystemExit("no nginx worker found")


def wrk(url: str, seconds: int, connections: int, header: str | None, worker: int) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", f"Accept-Language: {header}"]
    cpu = cpu_seconds(worker)
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    cpu = cpu_seconds(worker) - cpu
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
    done = re.search(r"(\d+) requests in", out)
    requests = int(done.group(1)) if done else 0
    return Load(
        float(rps.group(1)),
        float(p99.group(1)) * scale,
        errors,
        requests,
        cpu / max(requests, 1) * 1e6,
    )


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
    parser.add_argument(
        "--work",
        type=Path,
        help="Keep the tree, build cache and release store here, and reuse them next time",
    )
    args = parser.parse_args()
    if args.quick:
        args.pages, args.seconds, args.rounds = 3, 1, 1
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        run(args, args.work.resolve())
        return
    work = Path(tempfile.mkdtemp(prefix="nginx-bench-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    started = time.monotonic()
    root = work / "tree"
    if not root.exists():
        build_tree(root, pages=args.pages)
        print(f"tree: {args.pages} pages, made in {time.monotonic() - started:.1f} s", flush=True)
    else:
        print(f"tree: {root}, as made before", flush=True)
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
        shutil.rmtree(config.cache, ignore_errors=True)  # no answer kept from a run before
        config.cache.mkdir()
        direct = work / "direct"
        direct.mkdir(exist_ok=True)
        conf = nginx_conf(work, str(site), direct, direct_port)
        command = [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
        front = f"http://127.0.0.1:{front_port}/pages/{slug}"
        master = stack.enter_context(
            process(command, f"http://127.0.0.1:{front_port}/healthz", work / "nginx.out")
        )
        request = urllib.request.Request(front, headers={"Accept-Language": HEADER})
        body = urllib.request.urlopen(request).read()
        (direct / "page.html").write_bytes(body)
        copy = urllib.request.urlopen(f"http://127.0.0.1:{direct_port}/page.html").read()
        assert copy == body and b"<!DOCTYPE html>" in body, "the copy differs"
        print(f"page: /pages/{slug} ({len(body)} bytes), Accept-Language: {HEADER}")
        urls = {
            "ours": front,
            "direct": f"http://127.0.0.1:{direct_port}/page.html",
            "kept": f"http://127.0.0.1:{direct_port}/kept/page.html",
        }
        measure(args, urls, app_log, worker_of(master.pid))


def measure(args: argparse.Namespace, urls: dict[str, str], app_log: Path, worker: int) -> None:
    """Each round loads the three in turn, the order rotated: through the release (`ours`),
    nginx directly (`direct`), and directly with open_file_cache as the release's objects have it
    (`kept`)."""
    load_before, answered_before = os.getloadavg()[0], python_requests(app_log)
    names = list(urls)
    rounds: list[dict[str, Load]] = []
    for n in range(args.rounds):
        got: dict[str, Load] = {}
        for name in names[n % 3 :] + names[: n % 3]:
            header = HEADER if name == "ours" else None
            got[name] = wrk(urls[name], args.seconds, args.connections, header, worker)
        rounds.append(got)
        print(
            f"round {n + 1}: "
            + " | ".join(
                f"{k} {v.rps:7.0f} req/s p99 {v.p99_ms:6.2f} ms CPU {v.cpu_us:5.1f} us"
                for k, v in got.items()
            ),
            flush=True,
        )
    load_after = os.getloadavg()[0]
    answered = python_requests(app_log) - answered_before
    med = statistics.median
    ratios: dict[str, dict[str, list[float]]] = {}
    lines = [f"{'':34}{'req/s':>9}{'p99 ms':>9}{'CPU us':>9}"]
    labels = {
        "ours": "through the release",
        "direct": "nginx directly (plain location)",
        "kept": "  with open_file_cache",
    }
    for name in names:
        lines.append(
            f"{labels[name]:34}{med(r[name].rps for r in rounds):9.0f}"
            f"{med(r[name].p99_ms for r in rounds):9.2f}{med(r[name].cpu_us for r in rounds):9.1f}"
        )
    for base in ("direct", "kept"):
        found = {
            "rps": [r["ours"].rps / r[base].rps for r in rounds],
            "p99": [r["ours"].p99_ms / r[base].p99_ms for r in rounds],
            "cpu": [r["ours"].cpu_us / r[base].cpu_us for r in rounds if r[base].cpu_us],
        }
        ratios[base] = found
        lines.append(
            f"release / {base}: req/s {med(found['rps']):.3f}x (rounds "
            f"{', '.join(f'{x:.2f}' for x in found['rps'])}), p99 {med(found['p99']):.2f}x "
            f"(rounds {', '.join(f'{x:.2f}' for x in found['p99'])}), nginx CPU per request "
            f"{med(found['cpu']):.2f}x"
        )
    lines.append("goal (release / direct): >= 0.9x req/s, p99 <= 1.5x")
    errors = sum(v.errors for r in rounds for v in r.values())
    lines.append(f"errors: {errors}; answers the Python server sent during the load: {answered}")
    lines.append(
        f"wrk: 1 thread, {args.connections} connections, {args.seconds} s per load, "
        f"{args.rounds} round(s); nginx: 1 worker; "
        f"load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs"
    )
    print("\n" + "\n".join(lines))
    summary = {
        base: {k: med(v) if v else None for k, v in found.items()} for base, found in ratios.items()
    }
    print(
        json.dumps(
            {
                "ratios": summary,
                "rounds": ratios,
                "python_answers": answered,
                "errors": errors,
                "load": [load_before, load_after],
            }
        )
    )


if __name__ == "__main__":
    main()
