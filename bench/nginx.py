"""Reads through nginx (deploy/nginx/declaration.conf) against gunicorn alone, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_nginx \\
        CACHE_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/nginx.py [--endorsers 2000] [--reuse] [--rounds 3] [--seconds 5]

Seeds the database as bench/reads.py does (it is flushed: point DATABASE_URL at a scratch
database; `--reuse` keeps one already seeded with N endorsers), starts one gunicorn (gthread,
`--workers` x 4 threads, Redis as the cache) and Debian's nginx in front of it with the
repository's configuration (bench.site_processes.start_nginx), and X_ACCEL_REDIRECT_PREFIX set.
For `/`, `/endorsers/` and `/declaration.pdf`, after a warm-up, wrk (Debian's `wrk`) asks gunicorn
then nginx, `--rounds` times in turn, as a browser does: `Accept-Encoding: gzip, deflate, br`
and no cookie (a first visit). Then, while wrk loads `/` through nginx, another process approves
one endorsement a second, and a poller reads `/endorsers/count.json` through nginx every 20 ms:
how long each approval took to show there is the staleness a reader sees.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from reads import APPROVER, STALE_AFTER_SECONDS, milliseconds, prepare, seeded_endorsers
from site_processes import (
    PYTHON,
    ROOT,
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    start_nginx,
    stop,
)

PATHS = ["/", "/endorsers/", "/declaration.pdf"]
BROWSER = "gzip, deflate, br"


def run_wrk(url: str, *, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        [
            *("wrk", "--threads", "2", "--connections", str(connections)),
            *("--duration", f"{seconds}s", "--timeout", "10s", "--latency"),
            *("--header", f"Accept-Encoding: {BROWSER}", url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds(percentiles.get("50")),
        "p99": milliseconds(percentiles.get("99")),
        "errors": (int(errors.group(1)) if errors else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    }


def sent_encoding(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Encoding": BROWSER})
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        return response.headers.get("Content-Encoding", "none")


def count_now(base: str) -> int:
    with urllib.request.urlopen(base + "/endorsers/count.json", timeout=30) as response:
        return json.load(response)["endorsers"]


def staleness(proxy: str, *, options, env: dict) -> dict:
    """wrk on / through nginx while another process approves one endorsement a second; how long
    each approval took to show in /endorsers/count.json read through nginx."""
    approver = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", APPROVER],
        cwd=ROOT,
        env={**env, "RATE": "1", "SECONDS": str(options.seconds)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    while approver.stdout.readline().strip() != "ready":
        pass
    before, seen, polling = count_now(proxy), [], threading.Event()

    def poll():
        while not polling.is_set():
            seen.append((count_now(proxy), time.time()))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    approver.stdin.write("go\n")
    approver.stdin.flush()
    try:
        result = run_wrk(proxy + "/", seconds=options.seconds, connections=options.connections)
    finally:
        approved = [float(line) for line in iter(approver.stdout.readline, "end\n")]
        time.sleep(STALE_AFTER_SECONDS)
        polling.set()
        poller.join()
        approver.communicate("clean\n")
    shown = [
        min((at for count, at in seen if count >= before + n and at >= approved_at), default=None)
        for n, approved_at in enumerate(approved, start=1)
    ]
    lags = sorted(
        (at - approved_at) * 1000
        for at, approved_at in zip(shown, approved, strict=True)
        if at is not None
    )
    return {**result, "approvals": len(approved), "lags_ms": lags, "never": shown.count(None)}


def latencies(runs: list[dict]) -> str:
    p50, p99 = (statistics.median(run[p] for run in runs) for p in ("p50", "p99"))
    return f"{p50:.1f} / {p99:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endorsers", type=int, default=2_000)
    parser.add_argument("--reuse", action="store_true", help="Keep a database already seeded.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn gthread workers.")
    parser.add_argument("--connections", type=int, default=64)
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database (it is flushed).")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    scratch = Path(tempfile.gettempdir()) / f"bench-nginx-{urlsplit(database_url).path.strip('/')}"
    env = site_environment(
        folder=scratch,
        database_url=database_url,
        cache_url=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/3"),
        X_ACCEL_REDIRECT_PREFIX="/_stored/",
    )
    if not (options.reuse and seeded_endorsers(env) == options.endorsers):
        prepare(endorsers=options.endorsers, env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage("shell", "-c", "from django.core.cache import cache; cache.clear()", env=env)
    port = free_port()
    gunicorn = f"http://127.0.0.1:{port}"
    server = start_gunicorn(
        port=port, workers=options.workers, worker_class="gthread", threads=4, env=env
    )
    processes = [server]
    try:
        proxy_process, proxy = start_nginx(
            folder=scratch / "nginx",
            upstreams=[f"127.0.0.1:{port}"],
            media_root=scratch / "media",
        )
        processes.append(proxy_process)
        load = os.getloadavg()
        print(
            f"{options.endorsers} approved endorsers; gunicorn --workers {options.workers} "
            f"--worker-class gthread --threads 4; nginx 2 workers; wrk 2 threads "
            f"{options.connections} connections, {options.rounds} rounds of {options.seconds} s "
            f"(gunicorn, then nginx); load average before: {load[0]:.2f} {load[1]:.2f}",
            flush=True,
        )
        results = {path: {"gunicorn": [], "nginx": []} for path in PATHS}
        encodings = {}
        for path in PATHS:
            encodings[path] = {
                name: sent_encoding(base + path)
                for name, base in (("gunicorn", gunicorn), ("nginx", proxy))
            }
            for base in (gunicorn, proxy):
                run_wrk(base + path, seconds=1, connections=options.connections)
            for _round in range(options.rounds):
                for name, base in (("gunicorn", gunicorn), ("nginx", proxy)):
                    result = run_wrk(
                        base + path, seconds=options.seconds, connections=options.connections
                    )
                    results[path][name].append(result)
                    print(f"  {name} {path}: {result['rps']:,.0f} req/s", flush=True)
        stale = staleness(proxy, options=options, env=env)
    finally:
        stop(*reversed(processes))
    print(
        "\n| path | gunicorn req/s | nginx req/s | × | gunicorn p50/p99 ms | nginx p50/p99 ms "
        "| sent as (gunicorn, nginx) | errors |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path, runs in results.items():
        g, n = runs["gunicorn"], runs["nginx"]
        g_rps = statistics.median(run["rps"] for run in g)
        n_rps = statistics.median(run["rps"] for run in n)
        print(
            f"| `{path}` | {g_rps:,.0f} | {n_rps:,.0f} | {n_rps / g_rps:.1f} | "
            f"{latencies(g)} | {latencies(n)} | "
            f"{encodings[path]['gunicorn']}, {encodings[path]['nginx']} | "
            f"{sum(r['errors'] for r in g + n)} |"
        )
    lags = stale["lags_ms"]
    print(
        f"\nWhile one endorsement a second was approved ({stale['approvals']} in all), nginx served"
        f" / at {stale['rps']:,.0f} req/s ({stale['errors']} errors); each approval showed in"
        f" /endorsers/count.json through nginx after {statistics.median(lags):.0f} ms (median),"
        f" {lags[-1]:.0f} ms at most; {stale['never']} never showed."
        if lags
        else f"\nNo approval showed in /endorsers/count.json: {stale}"
    )
    load = os.getloadavg()
    print(f"\nLoad average after: {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
