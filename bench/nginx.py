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
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from reads import prepare, run_wrk, seeded_endorsers, under_approvals
from site_processes import (
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    start_nginx,
    stop,
)

PATHS = ["/", "/endorsers/", "/declaration.pdf"]
BROWSER = "gzip, deflate, br"
# wrk sends what a browser sends about compression, and no cookie.
ACCEPT = {"Accept-Encoding": BROWSER}


def sent_encoding(url: str) -> str:
    request = urllib.request.Request(url, headers=ACCEPT)
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        return response.headers.get("Content-Encoding", "none")


def staleness(proxy: str, *, options, env: dict) -> dict:
    """wrk on / through nginx while another process approves one endorsement a second; how long
    each approval took to show in /endorsers/count.json read through nginx."""
    result = under_approvals(proxy, options=options, env=env, rate=1, headers=ACCEPT)
    return {**result, "lags_ms": sorted(result["lags_ms"])}


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
                run_wrk(base + path, seconds=1, connections=options.connections, headers=ACCEPT)
            for _round in range(options.rounds):
                for name, base in (("gunicorn", gunicorn), ("nginx", proxy)):
                    result = run_wrk(
                        base + path,
                        seconds=options.seconds,
                        connections=options.connections,
                        headers=ACCEPT,
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
            f"{sum(r['errors'] + r['timeouts'] for r in g + n)} |"
        )
    lags = stale["lags_ms"]
    print(
        f"\nWhile one endorsement a second was approved ({stale['approvals']} in all), nginx served"
        f" / at {stale['rps']:,.0f} req/s ({stale['errors'] + stale['timeouts']} errors);"
        " each approval showed in"
        f" /endorsers/count.json through nginx after {statistics.median(lags):.0f} ms (median),"
        f" {lags[-1]:.0f} ms at most; {stale['never_shown']} never showed."
        if lags
        else f"\nNo approval showed in /endorsers/count.json: {stale}"
    )
    load = os.getloadavg()
    print(f"\nLoad average after: {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
