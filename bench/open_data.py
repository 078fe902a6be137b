"""Parallel downloads of the open data files while a load balancer polls /healthz.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_opendata_bench \\
    CACHE_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/open_data.py [--endorsers 20000] [--parallel 20] [--reuse]

The database in DATABASE_URL (created if missing) is emptied and the cache in CACHE_URL
cleared, so point them at scratch ones; without DATABASE_URL, SQLite in a temporary folder.
Seeds a published declaration of 10 principles x 10 action lines and N approved endorsers, a
third of them committing to one to three action lines and with a website. Starts gunicorn with
production settings (DEBUG off, tasks in the database) as the README runs it (gthread,
`--workers` x `--threads`) and a task worker, waits until the worker has built the files, then
for each export runs `--parallel` downloads at once, then all exports together, then for each
export `--parallel` clients that download again and again for `--seconds`, while another
thread requests /healthz every 100 ms. Reports each download's time and size, and /healthz's
latencies. The paths that answer 404 (an older release without the file) are left out.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from site_processes import (
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    start_worker,
    stop,
    wait_until_healthy,
)

EXPORTS = ["/endorsers.csv", "/endorsers-excel.csv", "/endorsers.json"]
POLL_SECONDS = 0.1
DOWNLOAD_TIMEOUT = 120

# Run by `manage.py shell`: commitments and websites for a third of the seeded endorsers.
COMMIT = """
from endorsements.models import Endorsement
from principles.models import ActionLine
lines = list(ActionLine.objects.filter(
    principle__version__number=Endorsement.objects.values_list("version__number", flat=True)[:1]
).order_by("principle__position", "position").values_list("pk", flat=True))
Chosen = Endorsement.action_lines.through
chosen, websites = [], []
for pk in Endorsement.objects.public().values_list("pk", flat=True):
    if pk % 3 == 0:
        chosen += [Chosen(endorsement_id=pk, actionline_id=lines[(pk + i * 7) % len(lines)])
                   for i in range(1 + pk % 3 + (pk % 9 == 0))]
        websites.append(pk)
Chosen.objects.bulk_create(chosen, batch_size=5000, ignore_conflicts=True)
Endorsement.objects.filter(pk__in=websites).update(website="https://example.org/endorser")
print(len(chosen))
"""
# Queue a build (where the release has one), and drop the PDF renders that publishing the
# seeded version queued: a render of 20,000 names holds the worker for minutes.
QUEUE_BUILD = """
from django_tasks_db.models import DBTaskResult
DBTaskResult.objects.filter(task_path__endswith="refresh_declaration_pdf").delete()
try:
    from endorsements.tasks import build_open_data
except ImportError:
    pass
else:
    build_open_data.enqueue()
"""
# How many open data builds wait in the queue or run: 0 once the worker has built the files.
BUILDS_PENDING = """
from django_tasks_db.models import DBTaskResult
print(DBTaskResult.objects.filter(task_path__endswith="build_open_data",
                                  status__in=["READY", "RUNNING"]).count())
"""


def create_database(database_url: str) -> None:
    import psycopg2

    parts = urlsplit(database_url)
    name = parts.path.strip("/")
    server = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()


def prepare(*, endorsers: int, env: dict) -> None:
    started = time.monotonic()
    manage("migrate", "--noinput", "-v0", env=env)
    manage("flush", "--noinput", env=env)
    manage("seed_demo_data", "--force", "--large-declaration", "--endorsers", "0", env=env)
    manage("seed_demo_data", "--force", "--endorsers", str(endorsers), env=env)
    chosen = manage("shell", "-c", COMMIT, env=env, capture=True).split()[-1]
    if env["DATABASE_URL"].startswith("postgres"):
        analyze = "from django.db import connection; connection.cursor().execute('ANALYZE')"
        manage("shell", "-c", analyze, env=env)
    print(
        f"Seeded {endorsers} endorsers, {chosen} commitments, "
        f"in {time.monotonic() - started:.0f} s.",
        flush=True,
    )


def wait_for_builds(env: dict, *, seconds: float = 600) -> float:
    """Wait until no open data build waits or runs (there is none in an older release)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            pending = int(manage("shell", "-c", BUILDS_PENDING, env=env, capture=True).split()[-1])
        except subprocess.CalledProcessError:
            return 0.0
        if pending == 0:
            return time.monotonic() - started
        time.sleep(1)
    raise RuntimeError("The worker did not build the open data files in time.")


def get(port: int, path: str, *, timeout: float = DOWNLOAD_TIMEOUT) -> tuple[int, int, float]:
    """GET `path`, reading the whole body: (status, bytes, seconds)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        size = len(response.read())
        return response.status, size, time.monotonic() - started
    except OSError:
        return 0, 0, time.monotonic() - started
    finally:
        connection.close()


class HealthPoller(threading.Thread):
    """Requests /healthz every POLL_SECONDS (one at a time, as a load balancer does) and keeps
    each latency."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.latencies, self.failures = port, [], 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            status, _size, seconds = get(self.port, "/healthz", timeout=60)
            self.latencies.append(seconds)
            self.failures += status != 200
            self.done.wait(max(0.0, POLL_SECONDS - seconds))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def burst(port: int, paths: list[str], *, parallel: int, seconds: float = 0) -> dict:
    """`parallel` clients for each of `paths`, all at once, each downloading once or, with
    `seconds`, again and again until that time is up; /healthz is polled meanwhile."""
    poller = HealthPoller(port)
    poller.start()
    time.sleep(0.3)  # a few polls before, as a baseline
    started = time.monotonic()

    def client(path: str) -> list[tuple]:
        done = [(path, *get(port, path))]
        while time.monotonic() - started < seconds:
            done.append((path, *get(port, path)))
        return done

    with ThreadPoolExecutor(max_workers=parallel * len(paths)) as pool:
        results = [result for done in pool.map(client, paths * parallel) for result in done]
    elapsed = time.monotonic() - started
    time.sleep(0.3)
    poller.done.set()
    poller.join()
    times = [seconds for _path, status, _size, seconds in results if status == 200]
    sizes = {path: {size for p, _s, size, _t in results if p == path} for path in paths}
    return {
        "paths": paths,
        "seconds": seconds,
        "downloads": len(results),
        "complete": sum(status == 200 for _p, status, _s, _t in results),
        "same_size": all(len(found) == 1 for found in sizes.values()),
        "sizes": {path: max(found) for path, found in sizes.items()},
        "median": statistics.median(times) if times else float("nan"),
        "max": max(times) if times else float("nan"),
        "elapsed": elapsed,
        "healthz_max": max(poller.latencies),
        "healthz_p95": percentile(poller.latencies, 0.95),
        "healthz_median": statistics.median(poller.latencies),
        "healthz_polls": len(poller.latencies),
        "healthz_failures": poller.failures,
    }


def report(run: dict) -> None:
    what = run["paths"][0] if len(run["paths"]) == 1 else "all exports together"
    what += f", {run['seconds']:.0f} s" if run["seconds"] else ""
    sizes = ", ".join(f"{size:,} B" for size in run["sizes"].values())
    print(
        f"| {what} | {run['complete']}/{run['downloads']} | {'yes' if run['same_size'] else 'NO'}"
        f" ({sizes}) | {run['median']:.2f} s | {run['max']:.2f} s | {run['elapsed']:.2f} s"
        f" | {run['healthz_median'] * 1000:.0f} ms | {run['healthz_p95'] * 1000:.0f} ms"
        f" | {run['healthz_max'] * 1000:.0f} ms | {run['healthz_polls']}"
        f" ({run['healthz_failures']} failed) |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endorsers", type=int, default=20_000)
    parser.add_argument("--parallel", type=int, default=20, help="Downloads of each export.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--seconds", type=float, default=10, help="How long the sustained downloads last."
    )
    parser.add_argument("--reuse", action="store_true", help="Keep a database already seeded.")
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        create_database(database_url)
        # Named after the database, so that --reuse finds the stored files.
        name = urlsplit(database_url).path.strip("/")
        folder = Path(tempfile.gettempdir()) / f"bench-open-data-{name}"
        folder.mkdir(exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-open-data-"))
        database_url = f"sqlite:///{folder / 'db.sqlite3'}"
    env = site_environment(
        folder=folder,
        database_url=database_url,
        cache_url=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/13"),
    )
    if not options.reuse:
        prepare(endorsers=options.endorsers, env=env)
    # The pages a download may answer with (503, 404) name the collected stylesheet.
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage("shell", "-c", "from django.core.cache import cache; cache.clear()", env=env)
    manage("shell", "-c", QUEUE_BUILD, env=env)
    port = free_port()
    log = open(folder / "processes.log", "w")  # noqa: SIM115 (open while the processes run)
    worker = start_worker(env=env, log=log)
    server = start_gunicorn(
        port=port,
        workers=options.workers,
        worker_class="gthread",
        threads=options.threads,
        env=env,
        log=log,
        wait=False,
    )
    try:
        wait_until_healthy(server, port=port, seconds=120)
        print(f"The worker built the files in {wait_for_builds(env):.1f} s.", flush=True)
        paths = [path for path in EXPORTS if get(port, path)[0] != 404]
        load = os.getloadavg()
        print(
            f"{options.endorsers} endorsers, gunicorn gthread {options.workers} x "
            f"{options.threads}, {options.parallel} parallel downloads; load average before "
            f"{load[0]:.2f} {load[1]:.2f}\n"
            "| downloads of | complete | same size | median | max | all done in"
            " | /healthz median | p95 | max | polls |\n" + "| --- " * 10 + "|",
            flush=True,
        )
        for path in paths:
            report(burst(port, [path], parallel=options.parallel))
        report(burst(port, paths, parallel=options.parallel))
        for path in paths:
            report(burst(port, [path], parallel=options.parallel, seconds=options.seconds))
        load = os.getloadavg()
        print(f"Load average after: {load[0]:.2f} {load[1]:.2f}")
    finally:
        stop(server, worker)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
