"""Throughput of public pages under load against a floor: gunicorn, PostgreSQL, wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reads \\
        .venv/bin/python bench/reads.py [--endorsers 100000] [--reuse] \\
        [--cache locmem:// --cache redis://127.0.0.1:6379/3] [--rounds 3] [--seconds 5]

The database named in DATABASE_URL is emptied (`flush`), so point it at a scratch database. Seeds
a published declaration of 10 principles x 10 action lines and its PDF (rendered before the
endorsers are added: a 100,000-name PDF takes minutes, and downloads serve the newest stored PDF
while the fresh one renders), then N approved endorsers. With `--reuse` a database that already
holds exactly N approved endorsers (and the PDF, kept in a folder named after the database) is
used as it is.

For each cache (`--cache`, repeatable; CACHE_URL or locmem:// by default, and the cache is
emptied first) it starts gunicorn on 127.0.0.1 with bench/settings.py: the site's settings and
middleware, plus the floor, `/floor/<size>.<kind>`, a trivial Django view that returns a fixed
page. Then, for each path, after an unmeasured warm-up of both, it runs wrk (Debian's `wrk`
package) on the floor of the same size and type, then on the path, `--rounds` times, so that
the two meet the same load from whatever else runs on the machine, and reports medians.
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

from site_processes import (
    PYTHON,
    ROOT,
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    stop,
)

PATHS = ["/", "/endorsers/", "/endorsers/?page=500", "/declaration.pdf"]
KINDS = {"text/html": "html", "application/json": "json", "application/pdf": "pdf"}
# After the last approval, how long to go on polling the count before calling it never shown.
STALE_AFTER_SECONDS = 8


def seeded_endorsers(env: dict) -> int | None:
    """How many approved endorsers the database holds, or None without a stored PDF."""
    script = (
        "from endorsements.models import Endorsement; from principles.models import DeclarationPdf;"
        "ok = all(pdf.file.storage.exists(pdf.file.name) for pdf in DeclarationPdf.objects.all());"
        "print(Endorsement.objects.public().count() if ok and DeclarationPdf.objects.exists()"
        " else -1)"
    )
    try:
        manage("migrate", "--noinput", "-v0", env=env)
        count = int(manage("shell", "-c", script, env=env, capture=True).split()[-1])
    except (subprocess.CalledProcessError, ValueError, IndexError):
        return None
    return None if count < 0 else count


def prepare(*, endorsers: int, env: dict) -> None:
    started = time.monotonic()
    manage("migrate", "--noinput", "-v0", env=env)
    manage("flush", "--noinput", env=env)
    manage("create_signing_key", "--keep-existing", env=env)
    manage("seed_demo_data", "--force", "--large-declaration", "--endorsers", "0", env=env)
    manage("render_pdfs", env=env)
    manage("seed_demo_data", "--force", "--endorsers", str(endorsers), env=env)
    # What autovacuum does a little after a bulk load in production: without statistics about
    # the new rows PostgreSQL plans the list's queries as if the table were empty.
    analyze = "from django.db import connection; connection.cursor().execute('ANALYZE')"
    manage("shell", "-c", analyze, env=env)
    print(f"Seeded {endorsers} endorsers in {time.monotonic() - started:.0f} s.", flush=True)


def worker_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user and system) used so far by gunicorn's workers, the master's children."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:  # the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(
    url: str, *, seconds: int, connections: int, server=None, headers: dict | None = None
) -> dict:
    cpu_before = worker_cpu_seconds(server) if server else 0.0
    output = subprocess.run(
        [
            *("wrk", "--threads", "2", "--connections", str(connections)),
            *("--duration", f"{seconds}s", "--timeout", "10s", "--latency"),
            *(f"--header={name}: {value}" for name, value in (headers or {}).items()),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = worker_cpu_seconds(server) - cpu_before if server else float("nan")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        # Worker CPU per request: unlike req/s, barely moved by other work on the machine
        # (but it leaves out Redis's and PostgreSQL's own CPU).
        "cpu_us": cpu / max(requests, 1) * 1e6,
        **{f"p{p}": milliseconds(percentiles.get(p)) for p in ("50", "90", "99")},
        "errors": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def milliseconds(latency: str | None) -> float:
    """wrk's "850.00us", "5.40ms" or "1.20s" in milliseconds (NaN when missing)."""
    if latency is None:
        return float("nan")
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", latency).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def floor_of(url: str) -> str:
    """The floor page of the same size and type as the page at `url`."""
    with urllib.request.urlopen(url, timeout=120) as response:
        size = len(response.read())
        kind = KINDS.get(response.headers.get_content_type(), "html")
    return f"/floor/{size}.{kind}"


def warm_up(base: str, path: str, *, options) -> None:
    for _round in range(2):
        run_wrk(base + path, seconds=options.warmup, connections=options.connections)


# Run by `manage.py shell -c`: adds confirmed endorsements, approves them one by one at RATE a
# second once told to go, printing the time of each approval after it committed, then, told
# again, deletes them so that the database holds the seeded endorsers only.
APPROVER = """
import os, sys, time
from django.contrib.auth.models import User
from endorsements.management.commands.seed_demo_data import demo_endorsement
from endorsements.models import Endorsement
from endorsements.services import moderate_endorsements
from principles.models import Version

rate, seconds = float(os.environ["RATE"]), float(os.environ["SECONDS"])
version = Version.objects.current().get()
waiting = [demo_endorsement(10_000_000 + n, version) for n in range(int(rate * seconds) + 1)]
for endorsement in waiting:
    endorsement.status, endorsement.approved_at = Endorsement.Status.CONFIRMED, None
waiting = Endorsement.objects.bulk_create(waiting)
moderator, _ = User.objects.get_or_create(username="bench-moderator")
print("ready", flush=True)
sys.stdin.readline()
start = time.monotonic()
for n, endorsement in enumerate(waiting):
    time.sleep(max(0.0, start + n / rate - time.monotonic()))
    if time.monotonic() - start >= seconds:
        break
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    print(time.time(), flush=True)
print("end", flush=True)
sys.stdin.readline()
Endorsement.objects.filter(pk__in=[endorsement.pk for endorsement in waiting]).delete()
"""


def count_now(base: str) -> int:
    with urllib.request.urlopen(base + "/endorsers/count.json", timeout=30) as response:
        return json.load(response)["endorsers"]


def under_approvals(
    base: str, *, options, env: dict, rate: int, server=None, headers: dict | None = None
) -> dict:
    """wrk on / while another process approves `rate` endorsements a second; how long each
    approval took to show in /endorsers/count.json, polled every 20 ms meanwhile."""
    approver = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-c", APPROVER],
        cwd=ROOT,
        env={**env, "RATE": str(rate), "SECONDS": str(options.seconds)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    while approver.stdout.readline().strip() != "ready":
        pass
    before, seen, polling = count_now(base), [], threading.Event()

    def poll():
        while not polling.is_set():
            seen.append((count_now(base), time.time()))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    approver.stdin.write("go\n")
    approver.stdin.flush()
    try:
        result = run_wrk(
            base + "/",
            seconds=options.seconds,
            connections=options.connections,
            server=server,
            headers=headers,
        )
    finally:
        approved = [float(line) for line in iter(approver.stdout.readline, "end\n")]
        time.sleep(STALE_AFTER_SECONDS)
        polling.set()
        poller.join()
        approver.communicate("clean\n")
    lags = [
        min((at for count, at in seen if count >= before + n and at >= approved_at), default=None)
        for n, approved_at in enumerate(approved, start=1)
    ]
    return {
        **result,
        "approvals": len(approved),
        "lags_ms": [
            (shown - approved_at) * 1000
            for shown, approved_at in zip(lags, approved, strict=True)
            if shown is not None
        ],
        "never_shown": lags.count(None),
        "seconds": options.seconds,
    }


# Run by `manage.py shell -c` with bench/settings.py: Django's CPU time per request for each of
# PATHS (the site's middleware and view, no HTTP server), median of ROUNDS rounds of 300.
DJANGO_CPU = """
import io, json, os, statistics, time
from django.core.handlers.wsgi import WSGIHandler

class FileWrapper:  # as gunicorn does, which sends a file with sendfile, not through Python
    def __init__(self, filelike, block_size=8192):
        self.filelike = filelike
    def __iter__(self):
        return iter(())
    def close(self):
        self.filelike.close()

app = WSGIHandler()

def get(address):
    path, _, query = address.partition("?")
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(), "wsgi.file_wrapper": FileWrapper,
    }
    response = app(environ, lambda status, headers: None)
    if not isinstance(response, FileWrapper):
        b"".join(response)
    response.close()

paths = json.loads(os.environ["PATHS"])
for path in paths * 2:
    get(path)
cpu = {path: [] for path in paths}
for _round in range(int(os.environ["ROUNDS"])):
    for path in paths:
        start = time.process_time()
        for _request in range(300):
            get(path)
        cpu[path].append((time.process_time() - start) / 300 * 1e6)
print(json.dumps({path: statistics.median(times) for path, times in cpu.items()}))
"""


def django_cpu(floors: dict, *, rounds: int, env: dict) -> dict:
    """{path: Django's CPU µs per request}, for each path and its floor, taken in turn."""
    paths = [url for path, floor in floors.items() for url in (floor, path)]
    output = manage(
        "shell",
        "-c",
        DJANGO_CPU,
        env={**env, "PATHS": json.dumps(paths), "ROUNDS": str(rounds)},
        capture=True,
    )
    return json.loads(output.strip().splitlines()[-1])


def bench_cache(cache_url: str, *, options, env: dict) -> dict:
    """{path: [(floor result, path result) per round]} with gunicorn using `cache_url`.

    Floor and path alternate, round after round, so that both meet the same load from
    whatever else runs on the machine; their ratio is taken round by round.
    """
    env = {**env, "CACHE_URL": cache_url}
    manage("shell", "-c", "from django.core.cache import cache; cache.clear()", env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port=port, workers=options.workers, env=env)
    results = {path: [] for path in PATHS}
    try:
        floors, first_reads = {}, {}
        for path in PATHS:  # the first read of each, with nothing cached yet
            started = time.monotonic()
            floors[path] = floor_of(base + path)
            first_reads[path] = (time.monotonic() - started) * 1000
        for path in PATHS:
            warm_up(base, floors[path], options=options)
            warm_up(base, path, options=options)
            for _round in range(options.rounds):
                pair = tuple(
                    run_wrk(
                        base + url,
                        seconds=options.seconds,
                        connections=options.connections,
                        server=server,
                    )
                    for url in (floors[path], path)
                )
                results[path].append(pair)
                floor, page = pair
                print(
                    f"  {cache_url} {path}: {page['rps']:.0f} req/s, {page['cpu_us']:.0f} us CPU;"
                    f" floor {floor['rps']:.0f} req/s, {floor['cpu_us']:.0f} us CPU",
                    flush=True,
                )
        if options.approvals and not cache_url.startswith("locmem://"):
            approvals = under_approvals(
                base, server=server, options=options, env=env, rate=options.approvals
            )
        else:
            approvals = None
    finally:
        stop(server)
    cpu = django_cpu(floors, rounds=options.rounds, env=env)
    return {
        "floors": floors,
        "first_reads": first_reads,
        "results": results,
        "approvals": approvals,
        "cpu": cpu,
    }


def median(runs: list[dict], field: str) -> float:
    return statistics.median(run[field] for run in runs)


def report(cache_url: str, measured: dict, *, rounds: int) -> None:
    print(f"\nCACHE_URL={cache_url}, medians of {rounds} round(s)")
    columns = (
        *("req/s", "p50 ms", "p90 ms", "p99 ms", "errors", "floor req/s", "share"),
        *("CPU µs/req", "floor CPU µs/req", "CPU share"),
    )
    print("| path (floor) | " + " | ".join(columns) + " |")
    print("| --- " * (len(columns) + 1) + "|")
    for path, pairs in measured["results"].items():
        floors, pages = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
        shares = [page["rps"] / floor["rps"] for floor, page in pairs]
        cells = (
            f"`{path}` ({measured['floors'][path].removeprefix('/floor/')})",
            f"{median(pages, 'rps'):,.0f}",
            *(f"{median(pages, p):.1f}" for p in ("p50", "p90", "p99")),
            f"{sum(page['errors'] + page['timeouts'] for page in pages)}",
            f"{median(floors, 'rps'):,.0f}",
            f"{statistics.median(shares):.0%}",
            f"{median(pages, 'cpu_us'):.0f}",
            f"{median(floors, 'cpu_us'):.0f}",
            f"{statistics.median(floor['cpu_us'] / page['cpu_us'] for floor, page in pairs):.0%}",
        )
        print("| " + " | ".join(cells) + " |")
    print(
        "\nFirst read of each path with nothing cached: "
        + ", ".join(f"{path} {ms:,.0f} ms" for path, ms in measured["first_reads"].items())
    )
    print(
        "\nDjango's CPU time per request, in process (middleware and view, no HTTP server):\n"
        "| path | µs | floor µs | share |\n| --- | --- | --- | --- |"
    )
    for path, floor in measured["floors"].items():
        cpu, floor_cpu = measured["cpu"][path], measured["cpu"][floor]
        print(f"| `{path}` | {cpu:.0f} | {floor_cpu:.0f} | {floor_cpu / cpu:.0%} |")
    if approvals := measured["approvals"]:
        floor = median([pair[0] for pair in measured["results"]["/"]], "rps")
        lags = sorted(approvals["lags_ms"])
        print(
            f"\nWhile another process approved {approvals['approvals']} endorsements "
            f"({approvals['approvals'] / approvals['seconds']:.1f} a second): / served "
            f"{approvals['rps']:,.0f} req/s ({approvals['rps'] / floor:.0%} of the floor's "
            f"median above), p50 {approvals['p50']:.1f} ms, p99 {approvals['p99']:.1f} ms, "
            f"{approvals['errors'] + approvals['timeouts']} errors. Each approval showed in "
            f"/endorsers/count.json after {statistics.median(lags):.0f} ms (median), "
            f"{lags[-1]:.0f} ms at most; {approvals['never_shown']} never showed."
            if lags
            else f"\nNo approval showed in /endorsers/count.json: {approvals}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endorsers", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="Keep a database already seeded.")
    parser.add_argument("--cache", action="append", help="A CACHE_URL to measure (repeatable).")
    parser.add_argument("--rounds", type=int, default=3, help="Floor-then-path rounds per path.")
    parser.add_argument("--seconds", type=int, default=5, help="Seconds of each measure.")
    parser.add_argument("--warmup", type=int, default=1, help="Seconds of each warm-up round.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--approvals",
        type=float,
        default=0,
        help="Also measure / while another process approves this many endorsements a second "
        "(shared caches only: with locmem:// other processes never see the change).",
    )
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database (it is flushed).")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    # Kept between runs, named after the database, so that --reuse finds the stored PDF.
    scratch = Path(tempfile.gettempdir()) / f"bench-reads-{urlsplit(database_url).path.strip('/')}"
    env = site_environment(
        folder=scratch,
        database_url=database_url,
        cache_url=os.environ.get("CACHE_URL", "locmem://"),
        # The site's settings plus the floor's URL, for gunicorn and DJANGO_CPU.
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
    if not (options.reuse and seeded_endorsers(env) == options.endorsers):
        prepare(endorsers=options.endorsers, env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    caches = options.cache or [env["CACHE_URL"]]
    load = os.getloadavg()
    print(
        f"{options.endorsers} approved endorsers, gunicorn --workers {options.workers}, "
        f"wrk 2 threads {options.connections} connections, {options.rounds} rounds of "
        f"{options.seconds} s on the floor then the path, after 2 x {options.warmup} s of warm-up "
        f"each; load average before: {load[0]:.2f} {load[1]:.2f}",
        flush=True,
    )
    measured = {cache_url: bench_cache(cache_url, options=options, env=env) for cache_url in caches}
    for cache_url, figures in measured.items():
        report(cache_url, figures, rounds=options.rounds)
    load = os.getloadavg()
    print(f"\nLoad average after: {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
