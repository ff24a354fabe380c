"""Serving benchmark: `clinic-l10n serve` against a bare ASGI app sending the same bytes, same run.

Both run on uvicorn with httptools and uvloop; the bare app answers every request with the body and
headers our server sent for the page. Our server publishes the repository's tree when it starts,
into a release store of its own in a temporary folder, and serves that release. Each is loaded with wrk (or, without wrk, a bounded Python
load generator) with `GET /v1/pages/esketamine-overview` in these mixes, side by side:

  one header      every request sends `Accept-Language: es-MX,es;q=0.9`
  6,000 headers   wrk cycles through 6,000 distinct Accept-Language headers drawn from CLDR's
                  locales (region variants, extensions and private use, any case, `_`, varied
                  q-values, `*`), which negotiate 2,019 distinct (tag, locale) pairs; the
                  server holds what each header negotiated once read (up to 4 MB of headers),
                  keeps each pair's answer once asked for twice (up to 4,096 answers) and
                  answers a request spelled as one answered so before from it at once, so this
                  is thousands of distinct headers served from what is held (a header not
                  held, and one never seen, are measured in process: below)
  --workers 2     both mixes again, each server with two worker processes

and prints requests/s, p99 latency and the ratio ours/bare for each, and the servers' CPU time per
request (every worker's, from /proc), which moves less than the rates with other load on the
machine. Each round loads the two servers back to back (each first in turn), so drift in the
machine hits both alike; each figure is the median over the rounds, each ratio the median of the
rounds' ratios, and the load average is printed (the machine may be shared: compare the ratios).
Before the load, each server is asked for the page in every enabled locale (a page is rendered when
first asked for: how long those first answers took is printed), and each of the first 600 mixed
headers is sent once to our server, which must answer 200; any non-2xx answer under load is counted and printed. Also measured, in
process: negotiating a header held in the cache, one not held (its items seen before), and one
never seen at all (nor any of its ranges). Loopback only; every run is bounded in time.

    .venv/bin/python benchmarks/serve.py [--seconds 5] [--connections 16] [--rounds 2] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from babel.localedata import locale_identifiers

from service.core.config import load_config
from service.core.negotiation import Negotiator
from service.web.answers import negotiate_request

ROOT = Path(__file__).resolve().parent.parent
PATH = "/v1/pages/esketamine-overview"
ONE_HEADER = "es-MX,es;q=0.9"
DISTINCT = 6_000

BARE_APP = """
import json, os
with open(os.environ["BARE_BODY"], "rb") as fh:
    body = fh.read()
with open(os.environ["BARE_HEADERS"], encoding="utf-8") as fh:
    headers = [(k.encode(), v.encode()) for k, v in json.load(fh)]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
"""

# wrk sends the prepared requests in turn; one header is the same script with one entry.
WRK_SCRIPT = """
local headers = {%s}
local requests = {}
local i = 0
init = function(args)
  for n, value in ipairs(headers) do
    requests[n] = wrk.format("GET", "%s", {["Accept-Language"] = value})
  end
end
request = function()
  i = i %% #requests + 1
  return requests[i]
end
"""


def accept_languages(count: int, seed: int = 8, unique_ranges: bool = False) -> list[str]:
    """`count` distinct Accept-Language headers as browsers send them: a preferred CLDR locale
    (half the time one of the shipped tree's languages, in one of CLDR's regions), often its bare
    language next, then up to three others, sometimes English or `*`, with falling q-values.
    With `unique_ranges`, every range carries its own private-use subtag, so none was seen before.

    >>> len(set(accept_languages(50))), accept_languages(3, seed=1)[0].count(";q=") >= 0
    (50, True)
    """
    rng = random.Random(seed)
    cldr = sorted(tag.replace("_", "-") for tag in locale_identifiers())
    ours = [t for t in cldr if t.split("-")[0] in ("es", "pt", "zh", "ar", "vi", "en")]
    extensions = ["-u-nu-latn", "-x-clinic", "-u-ca-gregory", "-u-co-phonebk", "-x-a1b2"]
    made: dict[str, None] = {}
    serial = 0
    while len(made) < count:
        first = rng.choice(ours if rng.random() < 0.5 else cldr)
        if rng.random() < 0.15:
            first += rng.choice(extensions)
        ranges = [first]
        if "-" in first and rng.random() < 0.7:
            ranges.append(first.split("-")[0])
        ranges += rng.sample(cldr, rng.randint(0, 3))
        if rng.random() < 0.3:
            ranges.append("en")
        if rng.random() < 0.1:
            ranges.append("*")
        spelled = []
        quality = 1.0
        for n, tag in enumerate(ranges):
            if unique_ranges and tag != "*":
                serial += 1
                tag += f"-x-n{serial:06d}"
            if rng.random() < 0.1:
                tag = rng.choice([tag.lower(), tag.upper(), tag.replace("-", "_")])
            if n:
                quality = max(0.1, round(quality - rng.choice([0.1, 0.1, 0.2, 0.3]), 1))
                tag += rng.choice([f";q={quality}", f";q={quality:.3f}", f"; q={quality}"])
            spelled.append(tag)
        made[rng.choice([",", ", "]).join(spelled)] = None
    return list(made)


def negotiation_costs(headers: list[str]) -> dict[str, float]:
    """Microseconds per header through the served path's negotiation (`answers`), best of 3."""
    negotiator = Negotiator(load_config(ROOT).all_locales)  # as a site's
    cold = accept_languages(len(headers), seed=99, unique_ranges=True)

    def per_header(batch: list[str]) -> float:
        started = time.perf_counter()
        for header in batch:
            negotiate_request(None, header, negotiator)
        return (time.perf_counter() - started) / len(batch) * 1e6

    never_seen = per_header(cold)  # once only: a second pass would find their ranges cached
    per_header(headers)  # their items read (and the headers held)
    # Each pass asks headers not held (another last item each time), of items read before.
    not_held = min(per_header([f"{h}, en;q=0.0{n}" for h in headers]) for n in (1, 2, 3))
    held = min(per_header([headers[0]] * len(headers)) for _ in range(3))
    return {"held": held, "not_held": not_held, "never_seen": never_seen}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(
    port: int, path: str = PATH, language: str = ONE_HEADER
) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Accept-Language": language})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]


@contextmanager
def running(
    name: str, command: list[str], port: int, workers: int, env: dict[str, str]
) -> Iterator[Server]:
    """A server process, once it listens and each of its workers has logged that it started
    (uvicorn's lines); stopped after."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=env)
        try:
            deadline = time.monotonic() + 120
            while True:
                log.seek(0)
                said = log.read()
                # One process binds after its startup, several workers after the parent bound.
                started = said.count(b"Application startup complete")
                if started >= workers and b"Uvicorn running on" in said:
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"{name} did not start:\n{log.read().decode()[-2000:]}")
                time.sleep(0.1)
            yield Server(name, port, proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass(frozen=True)
class Load:
    rps: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors
    requests: int = 0
    cpu_us: float = float("nan")  # the server's CPU time (every worker's) per request


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and all its descendants (uvicorn's workers)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_wrk(port: int, script: Path, seconds: int, connections: int) -> Load:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if rps is None or p99 is None:
        raise SystemExit(f"wrk printed no figures:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    done = re.search(r"(\d+) requests in", out)
    requests = int(done.group(1)) if done else 0
    return Load(float(rps.group(1)), _ms(p99.group(1), p99.group(2)), errors, requests)


def load_python(port: int, headers: list[str], seconds: int, connections: int) -> Load:
    """Keep-alive clients in threads; weaker than wrk (the GIL), but the same for both servers."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(offset: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        mine, bad, n = [], 0, offset
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", PATH, headers={"Accept-Language": headers[n % len(headers)]})
            response = conn.getresponse()
            response.read()
            bad += response.status >= 400
            mine.append((time.perf_counter() - t0) * 1000)
            n += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i * 997,)) for i in range(min(connections, 8))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 100 else float("nan")
    return Load(len(latencies) / seconds, p99, errors, len(latencies))


def warm(ports: list[int], workers: int) -> list[float]:
    """Ask each server for the page in every enabled locale, on new connections, 8 times per
    worker process (a page is rendered when first asked for in a locale, per process: the loads
    measure serving it). Returns how long our server (`ports[0]`) took to give each locale's
    first answer, in ms."""
    tags = [loc["tag"] for loc in json.loads(get(ports[0], "/v1/locales")[2])["locales"]]
    firsts = []
    for tag in tags:
        for port in ports:
            for i in range(8 * workers):
                started = time.perf_counter()
                status = get(port, f"{PATH}?locale={tag}")[0]
                if status != 200:
                    raise SystemExit(f"{status} for locale={tag}")
                if port == ports[0] and i == 0:
                    firsts.append((time.perf_counter() - started) * 1e3)
    return firsts


def check_mix(port: int, headers: list[str]) -> Counter[str]:
    """Each header once to our server: every answer a 200; the locales served, counted."""
    served: Counter[str] = Counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for header in headers:
        conn.request("GET", PATH, headers={"Accept-Language": header})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{response.status} for Accept-Language: {header}")
        served[response.getheader("content-language") or "?"] += 1
    conn.close()
    return served


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternate the servers this many times"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 s per load, one round (a smoke test)"
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 1, 1
    wrk = shutil.which("wrk") is not None
    mixes = {"one header": [ONE_HEADER], f"{DISTINCT:,} headers": accept_languages(DISTINCT)}
    costs = negotiation_costs(mixes[f"{DISTINCT:,} headers"])
    exe = Path(sys.executable).parent / "clinic-l10n"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    uvicorn = [sys.executable, "-m", "uvicorn", "--http", "httptools", "--loop", "uvloop"]
    results: list[tuple[str, int, list[tuple[Load, Load]]]] = []
    served: Counter[str] = Counter()
    first_ms: list[float] = []
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        scripts = {}
        for name, headers in mixes.items():
            scripts[name] = Path(tmp) / f"mix{len(scripts)}.lua"
            quoted = ",".join(json.dumps(h) for h in headers)  # plain ASCII: a valid Lua string
            scripts[name].write_text(WRK_SCRIPT % (quoted, PATH))
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)

        def load(server: Server, mix: str) -> Load:
            cpu = cpu_seconds(server.proc.pid)
            if wrk:
                got = load_wrk(server.port, scripts[mix], args.seconds, args.connections)
            else:
                got = load_python(server.port, mixes[mix], args.seconds, args.connections)
            used = cpu_seconds(server.proc.pid) - cpu
            return replace(got, cpu_us=used / got.requests * 1e6 if got.requests else float("nan"))

        body = b""
        for workers in (1, 2):
            with ExitStack() as stack:
                port = free_port()
                ours = stack.enter_context(
                    running(
                        "clinic-l10n serve",
                        [
                            str(exe),
                            "--root",
                            str(ROOT),
                            "serve",
                            "--port",
                            str(port),
                            "--workers",
                            str(workers),
                            "--releases",  # a store of its own: it publishes the tree at start
                            str(Path(tmp) / f"releases-{workers}"),
                        ],
                        port,
                        workers,
                        env,
                    )
                )
                status, headers, body = get(ours.port)
                assert status == 200, status
                (Path(tmp) / "body").write_bytes(body)
                sent = [(k.lower(), v) for k, v in headers if k.lower() not in ("date", "server")]
                (Path(tmp) / "headers.json").write_text(json.dumps(sent))
                port = free_port()
                bare = stack.enter_context(
                    running(
                        "bare ASGI",
                        [
                            *uvicorn,
                            "--app-dir",
                            tmp,
                            "--port",
                            str(port),
                            "--workers",
                            str(workers),
                            "--log-level",
                            "info",
                            "--no-access-log",
                            "bare_app:app",
                        ],
                        port,
                        workers,
                        {**env, "BARE_BODY": f"{tmp}/body", "BARE_HEADERS": f"{tmp}/headers.json"},
                    )
                )
                assert get(bare.port)[2] == body
                firsts = warm([ours.port, bare.port], workers)
                if workers == 1:
                    first_ms = firsts
                    served = check_mix(ours.port, mixes[f"{DISTINCT:,} headers"][:600])
                for mix in mixes:
                    pairs = []
                    for round_ in range(args.rounds):  # back to back, each first in turn
                        if round_ % 2:
                            ours_load = load(ours, mix)
                            pairs.append((load(bare, mix), ours_load))
                        else:
                            pairs.append((load(bare, mix), load(ours, mix)))
                    results.append((mix, workers, pairs))

    load_after = os.getloadavg()[0]
    print(
        f"load generator: {'wrk' if wrk else 'python'}, {args.connections} connections, "
        f"{args.seconds} s x {args.rounds} round(s), medians (ratios: of each round's pair); "
        f"GET {PATH} ({len(body)} bytes "
        f"for {ONE_HEADER}); load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'mix':<16}{'workers':>8}{'bare rps':>11}{'ours rps':>11}{'ratio':>8}"
        f"{'bare p99 ms':>13}{'ours p99 ms':>13}{'ratio':>8}"
        f"{'bare CPU µs':>13}{'ours CPU µs':>13}{'errors':>8}"
    )
    rows = []
    for mix, workers, pairs in results:
        bare_runs, ours_runs = [p[0] for p in pairs], [p[1] for p in pairs]
        rps_ratios = [o.rps / b.rps for b, o in pairs]
        p99_ratios = [o.p99_ms / b.p99_ms for b, o in pairs]
        row = {
            "mix": mix,
            "workers": workers,
            "bare_rps": statistics.median(r.rps for r in bare_runs),
            "ours_rps": statistics.median(r.rps for r in ours_runs),
            "rps_ratio": round(statistics.median(rps_ratios), 3),
            "bare_p99_ms": statistics.median(r.p99_ms for r in bare_runs),
            "ours_p99_ms": statistics.median(r.p99_ms for r in ours_runs),
            "p99_ratio": round(statistics.median(p99_ratios), 3),
            "bare_cpu_us_per_request": statistics.median(r.cpu_us for r in bare_runs),
            "ours_cpu_us_per_request": statistics.median(r.cpu_us for r in ours_runs),
            "errors": sum(r.errors for r in bare_runs + ours_runs),
            "rps_ratios": [round(r, 3) for r in rps_ratios],
            "p99_ratios": [round(r, 3) for r in p99_ratios],
        }
        rows.append(row)
        print(
            f"{mix:<16}{workers:>8}{row['bare_rps']:>11.0f}{row['ours_rps']:>11.0f}"
            f"{row['rps_ratio']:>8.2f}{row['bare_p99_ms']:>13.2f}{row['ours_p99_ms']:>13.2f}"
            f"{row['p99_ratio']:>8.2f}{row['bare_cpu_us_per_request']:>13.0f}"
            f"{row['ours_cpu_us_per_request']:>13.0f}{row['errors']:>8}"
        )
    print(
        "locales served for the first 600 mixed headers: "
        + ", ".join(f"{loc} {n}" for loc, n in served.most_common())
    )
    if first_ms:
        print(
            f"first answer for each locale after start (the page rendered, one worker): "
            f"median {statistics.median(first_ms):.1f} ms, most {max(first_ms):.1f} ms"
        )
    print(
        f"negotiating one header, in process: held in the cache {costs['held']:.1f} µs; "
        f"not held (its items seen) {costs['not_held']:.1f} µs; never seen, nor any of its ranges "
        f"{costs['never_seen']:.1f} µs"
    )
    print(
        json.dumps(
            {
                "load_average": [load_before, load_after],
                "rows": rows,
                "negotiation_us": costs,
                "served_locales": dict(served),
                "first_answer_ms": [round(ms, 1) for ms in first_ms],
            }
        )
    )


if __name__ == "__main__":
    main()
