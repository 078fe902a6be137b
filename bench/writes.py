"""Endorsement submissions under load, with readers of `/` at the same time, and three faults:
PostgreSQL restarted during the load, the mail server and Redis stopped and started again.

    CACHE_URL=redis://127.0.0.1:6379/4 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_writes \\
        flock /tmp/bench.lock .venv/bin/python bench/writes.py [--rate 250] [--seconds 60]
        [--warmup 10] [--restart-postgres] [--mail-outage] [--stop-redis] [--workers 4]
        [--worker-class gthread] [--threads 4]

The database named in DATABASE_URL is emptied (`flush`) and so is the cache in CACHE_URL (it
holds the rate-limit counts): point both at scratch ones. Seeds a published declaration of 10
principles x 10 action lines and --endorsers approved endorsers, starts gunicorn on 127.0.0.1
(behind no proxy, so the client address comes in X-Real-IP, RATELIMIT_IP_META_KEY) and runs
locust headless (bench/writes_locustfile.py): endorsers send unique submissions at --rate a
second in all, each a new person with no cookies who loads /endorse/ from its own address and
posts the form with the cookie and token it got, while readers GET / at --read-rate a second. The
first --warmup seconds of load are not in the figures: they are when gunicorn's threads open
their database connections and locust's users connect (about 160 submissions a second for the
first two seconds of a cold start, docs/benchmarks.md). A site announced on stage has been up
and serving readers before the rush.

Then it checks, from the requests locust logged and from the database: no 5xx (with
--restart-postgres: no 5xx but 503), every submission that was answered as accepted is in the
database exactly once with its confirmation email queued exactly once, no organisation twice.
It prints p50, p95 and p99 latencies of reads and writes, the rates reached, and the CPU time
that gunicorn, the PostgreSQL backends of this database, locust and the rest of the machine used.

--restart-postgres restarts the PostgreSQL cluster half-way through (`pg_ctlcluster
--skip-systemctl-redirect <version> main restart`; other databases of the cluster go down too),
reports how many requests got 503 and for how long, and starts the cluster again if it is down.
--mail-outage runs an SMTP server (aiosmtpd) and two email workers (`db_worker`, retries after
ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS=2), stops the SMTP server for the middle third of the run,
then waits until every accepted submission's confirmation email has been delivered.
--stop-redis runs the cache on a redis-server of its own (CACHE_URL is not used), stops it for
the middle third of the run and starts it again, empty, and counts the lines gunicorn logged for
the cache errors it ignored.
--worker runs the two email workers during a plain run too (by default emails are only queued).
--upgrade-midway deploys a release once the warm-up is over, with deploy/upgrade.sh (migrate,
collectstatic, load_declaration, gunicorn reloaded by HUP through its pid file, the two email
workers stopped with TERM and started again as systemd would); the load goes on until 10 s
after the upgrade finished (and at least --seconds), so the figures cover all of it. It runs
the SMTP server, and after the load waits until every accepted submission's confirmation
email was delivered.
"""

import argparse
import atexit
import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
from site_processes import (
    ROOT,
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    stop,
)
from upgrade import Workers, report_upgrade, upgrade_later

LOCUST = str(ROOT / ".venv" / "bin" / "locust")
# The load goes on this long after the measured seconds, so that the last of them is whole.
TAIL_SECONDS = 2
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else ""


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=250, help="submissions a second, in all")
    parser.add_argument("--read-rate", type=float, default=50, help="GET / a second, in all")
    parser.add_argument("--seconds", type=int, default=60, help="measured, after the warm-up")
    parser.add_argument(
        "--warmup", type=int, default=10, help="seconds of load before the measured ones"
    )
    parser.add_argument("--endorsers", type=int, default=100_000, help="approved, seeded first")
    # What served the most submissions on 2 cores (docs/benchmarks.md).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--writers", type=int, default=0, help="endorser users (default: one per 2 submissions/s)"
    )
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument("--mail-outage", action="store_true")
    parser.add_argument("--stop-redis", action="store_true")
    parser.add_argument("--worker", action="store_true", help="run the email worker meanwhile")
    parser.add_argument("--upgrade-midway", action="store_true", help="deploy/upgrade.sh midway")
    return parser.parse_args()


def environment(scratch: Path, *, database_url: str, cache_url: str, smtp_port: int) -> dict:
    """The site's, with each client's address in X-Real-IP and emails sent to our SMTP port."""
    return site_environment(
        folder=scratch,
        database_url=database_url,
        cache_url=cache_url,
        RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        ENDORSEMENT_EMAIL_FIRST_RETRY_SECONDS="2",
    )


def prepare(*, endorsers: int, env: dict) -> None:
    manage("migrate", "--noinput", "-v0", env=env)
    manage("flush", "--noinput", env=env)
    manage("seed_demo_data", "--force", "--large-declaration", "--endorsers", "0", env=env)
    manage("seed_demo_data", "--force", "--endorsers", str(endorsers), env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    # Rate-limit counts of an earlier run would refuse this run's client addresses, and the
    # seeding's own tasks (a PDF render of 14 s) would keep the email worker from this run's.
    manage(
        "shell",
        "-c",
        "from django.core.cache import cache; cache.clear();"
        "from django_tasks_db.models import DBTaskResult; DBTaskResult.objects.all().delete()",
        env=env,
    )


class MailServer:
    """An SMTP server on 127.0.0.1 that keeps who received what, and can be stopped."""

    def __init__(self, port: int):
        self.port = port
        self.received = collections.Counter()
        self.first_received_at = {}
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        for recipient in envelope.rcpt_tos:
            self.received[recipient] += 1
            self.first_received_at.setdefault(recipient, time.time())
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


class RedisServer:
    """A redis-server on 127.0.0.1 that keeps nothing on disk, and can be stopped."""

    def __init__(self, port: int):
        self.url = f"redis://127.0.0.1:{port}/0"
        self.command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        time.sleep(0.5)

    def stop(self) -> None:
        if self.process:
            stop(self.process)
            self.process = None


def busy(times) -> float:
    """CPU seconds the machine spent working, from psutil.cpu_times()."""
    return sum(times) - times.idle - times.iowait


class CpuMeter:
    """CPU seconds used by each part while the load runs: gunicorn, the PostgreSQL backends
    of our database, locust, and the whole machine (so the rest is other people's work)."""

    def __init__(self, *, database: str):
        self.database = database
        self.tracked = []
        self.used = collections.Counter()
        self.last = {}
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)

    def track(self, part: str, process: subprocess.Popen) -> None:
        """Count `process` and its children as `part`."""
        self.tracked.append((part, process.pid))

    def parts(self):
        for part, pid in self.tracked:
            with contextlib.suppress(psutil.Error):
                parent = psutil.Process(pid)
                yield from ((part, p) for p in [parent, *parent.children(recursive=True)])
        for process in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {self.database} " in cmdline:
                yield "postgres", process

    def sample(self) -> None:
        for part, process in self.parts():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total = times.user + times.system
            for name, seconds in ((part, total), (f"{part} in the kernel", times.system)):
                self.used[name] += seconds - self.last.get((name, process.pid), seconds)
                self.last[name, process.pid] = seconds

    def run(self) -> None:
        machine_start = psutil.cpu_times()
        self.sample()
        while self.running:
            time.sleep(0.5)
            with contextlib.suppress(psutil.Error):
                self.sample()
        self.used["machine"] = busy(psutil.cpu_times()) - busy(machine_start)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> dict:
        self.running = False
        self.thread.join()
        return dict(self.used)


def restart_postgres_later(*, after: float, events: dict) -> threading.Thread:
    def restart():
        time.sleep(after)
        events["restart_started"] = time.time()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "restart"],
            check=True,
        )
        events["restart_finished"] = time.time()

    thread = threading.Thread(target=restart, daemon=True)
    thread.start()
    return thread


def outage_later(service, name: str, *, stop_after: float, start_after: float, events: dict):
    def outage():
        time.sleep(stop_after)
        service.stop()
        events[f"{name}_stopped"] = time.time()
        time.sleep(start_after - stop_after)
        service.start()
        events[f"{name}_started"] = time.time()

    thread = threading.Thread(target=outage, daemon=True)
    thread.start()
    return thread


def ensure_postgres_runs() -> None:
    if not PG_VERSION:
        return
    status = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "status"],
        capture_output=True,
        check=False,
    )
    if status.returncode != 0:
        print("PostgreSQL is down: starting it again.")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "start"],
            check=True,
        )


def run_locust(*, base: str, options, run: str, log: Path, env: dict) -> subprocess.Popen:
    writers = options.writers or max(1, round(options.rate / 2))
    readers = max(1, round(options.read_rate / 5))
    locust_env = {
        **env,
        "BENCH_RUN": run,
        "BENCH_LOG": str(log),
        "BENCH_WRITERS": str(writers),
        "BENCH_WRITER_RATE": str(options.rate / writers),
        "BENCH_READERS": str(readers),
        "BENCH_READER_RATE": str(options.read_rate / readers),
    }
    users = writers + readers
    # With --upgrade-midway, locust is stopped when the upgrade is over (`extra` is a bound).
    extra = 600 if options.upgrade_midway else 0
    return subprocess.Popen(
        [
            *(LOCUST, "-f", str(ROOT / "bench" / "writes_locustfile.py"), "--headless"),
            *("--host", base, "--users", str(users), "--spawn-rate", str(users)),
            *("--run-time", f"{options.warmup + options.seconds + TAIL_SECONDS + extra}s"),
            *("--stop-timeout", "30"),
            *("--only-summary", "--loglevel", "WARNING"),
        ],
        cwd=ROOT,
        env=locust_env,
        stdout=subprocess.DEVNULL,
        stderr=log.with_name("locust.log").open("w"),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def started_at(request: dict) -> float:
    return request["at"] - request["ms"] / 1000


def measured_window(requests: list[dict], *, warmup: float, seconds: float) -> list[dict]:
    """The requests sent in the `seconds` after the warm-up, which began with the first one."""
    if not requests:
        return []
    begin = min(started_at(r) for r in requests) + warmup
    return [r for r in requests if begin <= started_at(r) < begin + seconds]


def summarise(requests: list[dict], *, seconds: int) -> None:
    print(f"{'requests':<10} {'count':>7} {'per s':>7} {'p50':>8} {'p95':>8} {'p99':>8} statuses")
    for kind in ("form", "submit", "read"):
        mine = [r for r in requests if r["kind"] == kind]
        times = [r["ms"] for r in mine if r["status"]]
        statuses = collections.Counter(r["status"] or r["error"][:40] for r in mine)
        print(
            f"{kind:<10} {len(mine):>7} {len(mine) / seconds:>7.1f} "
            + " ".join(f"{percentile(times, q):>6.0f}ms" for q in (0.5, 0.95, 0.99))
            + " "
            + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=str))
        )
    submitted = [started_at(r) for r in requests if r["kind"] == "submit"]
    if submitted:
        begin = min(submitted)
        each_second = collections.Counter(int(at - begin) for at in submitted)
        per_second = [each_second[i] for i in range(seconds)]
        print(
            "submissions sent per second, in each 10 s: "
            + " ".join(
                f"{sum(per_second[i : i + 10]) / len(per_second[i : i + 10]):.0f}"
                for i in range(0, seconds, 10)
            )
            + f"; slowest second {min(per_second)}, fastest {max(per_second)}"
        )


def outage_seen(requests: list[dict], events: dict) -> None:
    failed = [r for r in requests if r["status"] >= 500 or not r["status"]]
    by_status = collections.Counter(r["status"] for r in failed)
    print(f"requests answered 5xx or not at all: {dict(by_status)}")
    for name in ("mail", "redis"):
        if f"{name}_stopped" in events:
            print(
                f"{name} stopped at {events[f'{name}_stopped'] - events['load_started']:.1f} s, "
                f"back at {events[f'{name}_started'] - events['load_started']:.1f} s"
            )
    if "restart_finished" in events:
        took = events["restart_finished"] - events["restart_started"]
        print(f"pg_ctlcluster restart took {took:.1f} s")
    elif "restart_started" in events:
        print("pg_ctlcluster restart did not finish (see above)")
    if failed:
        first, last = min(r["at"] for r in failed), max(r["at"] for r in failed)
        start = events.get("restart_started", first)
        print(
            f"failures from {first - start:+.1f} s to {last - start:+.1f} s after the restart "
            f"began: the outage lasted {last - first:.1f} s as clients saw it"
        )


def check_database(requests: list[dict], *, run: str) -> bool:
    """Every accepted submission stored once, its email queued once, no organisation twice."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from endorsements.models import Endorsement

    accepted = [r for r in requests if r["kind"] == "submit" and r["accepted"]]
    stored = Endorsement.objects.filter(contact_email__endswith=f"@{run}.bench.example.org")
    stored_by_email = collections.Counter(stored.values_list("contact_email", flat=True))
    ids = dict(stored.values_list("pk", "contact_email"))
    queued = collections.Counter()
    tasks = DBTaskResult.objects.filter(task_path="endorsements.tasks.send_endorsement_email")
    for args in tasks.values_list("args_kwargs", flat=True).iterator():
        kwargs = args["kwargs"]
        if kwargs["kind"] == "confirmation" and kwargs.get("attempt", 1) == 1:
            queued[kwargs["endorsement_id"]] += 1
    lost = [r["email"] for r in accepted if stored_by_email[r["email"]] == 0]
    twice = [email for email, count in stored_by_email.items() if count > 1]
    no_email = [pk for pk in ids if queued[pk] != 1]
    same_organisation = (
        Endorsement.objects.filter(status__in=Endorsement.LIVE_STATUSES)
        .values("name_key", "country")
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
        .count()
    )
    answered = {r["email"] for r in accepted}
    unanswered = [email for email in stored_by_email if email not in answered]
    sent = sum(1 for r in requests if r["kind"] == "submit")
    print(f"submissions sent: {sent}; accepted: {len(accepted)}; stored: {stored.count()}")
    print(
        f"accepted but missing: {len(lost)}; stored twice: {len(twice)}; without exactly one "
        f"queued confirmation email: {len(no_email)}; organisations listed twice: "
        f"{same_organisation}; stored but not answered as accepted: {len(unanswered)}"
    )
    return bool(accepted) and not (lost or twice or no_email or same_organisation)


def wait_for_emails(mail: MailServer, requests: list[dict], *, timeout: float) -> int:
    """Wait until every accepted submission's confirmation email was delivered; say how long
    the emails took from the answer to the submission to their delivery. Return how many were
    not delivered."""
    answered = {r["email"]: r["at"] for r in requests if r["kind"] == "submit" and r["accepted"]}
    wanted = set(answered)
    started = time.time()
    while time.time() - started < timeout:
        if all(mail.received[email] for email in wanted):
            break
        time.sleep(1)
    missing = [email for email in wanted if not mail.received[email]]
    duplicates = sum(1 for email in wanted if mail.received[email] > 1)
    print(
        f"emails: {len(wanted) - len(missing)} of {len(wanted)} confirmation emails delivered, "
        f"{duplicates} delivered more than once, {len(missing)} missing after "
        f"{time.time() - started:.0f} s of waiting after the load"
    )
    delays = [mail.first_received_at[email] - answered[email] for email in wanted - set(missing)]
    print(
        "from the answer to the delivery: "
        + ", ".join(f"p{q * 100:.0f} {percentile(delays, q):.1f} s" for q in (0.5, 0.95, 1.0))
    )
    return len(missing)


def report_email_attempts() -> None:
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(task_path="endorsements.tasks.send_endorsement_email")
    by_status = collections.Counter(tasks.values_list("status", flat=True))
    attempts = collections.Counter(
        args["kwargs"].get("attempt", 1) for args in tasks.values_list("args_kwargs", flat=True)
    )
    print(f"email tasks by status: {dict(by_status)}; by attempt: {dict(sorted(attempts.items()))}")


def main() -> None:
    options = parse_options()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database (it is flushed).")
    redis = RedisServer(free_port()) if options.stop_redis else None
    if not (redis or os.environ.get("CACHE_URL", "").startswith("redis")):
        raise SystemExit("Set CACHE_URL to a scratch Redis database, as production runs.")
    scratch = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    smtp_port = free_port()
    if redis:
        redis.start()
        atexit.register(redis.stop)
    cache_url = redis.url if redis else os.environ["CACHE_URL"]
    env = environment(scratch, database_url=database_url, cache_url=cache_url, smtp_port=smtp_port)
    run = uuid.uuid4().hex[:8]
    log = scratch / "requests.jsonl"
    prepare(endorsers=options.endorsers, env=env)
    mail = MailServer(smtp_port)
    if options.mail_outage or options.upgrade_midway:
        mail.start()
    port = free_port()
    pid_file = scratch / "gunicorn.pid"
    server_log = open(scratch / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    server = start_gunicorn(
        port=port,
        workers=options.workers,
        env=env,
        worker_class=options.worker_class,
        threads=options.threads,
        log=server_log,
        pid_file=pid_file,
    )
    worker_log = open(scratch / "worker.log", "w")  # noqa: SIM115 - closed in finally
    with_workers = options.worker or options.mail_outage or options.upgrade_midway
    workers = Workers(count=2 if with_workers else 0, env=env, log=worker_log)
    events = {}
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{options.endorsers} endorsers; gunicorn {options.workers} x {options.worker_class} "
        f"(threads {options.threads}); target {options.rate:g} submissions/s and "
        f"{options.read_rate:g} reads/s; {options.warmup} s of warm-up, then "
        f"{options.seconds} s measured; run {run}"
    )
    meter = CpuMeter(database=database_url.rsplit("/", 1)[-1])
    meter.track("gunicorn", server)
    for worker in workers.processes:
        meter.track("email worker", worker)
    try:
        meter.start()
        started = events["load_started"] = time.time()
        locust = run_locust(
            base=f"http://127.0.0.1:{port}", options=options, run=run, log=log, env=env
        )
        meter.track("locust", locust)
        if options.restart_postgres:
            restart_postgres_later(after=options.warmup + options.seconds / 2, events=events)
        third = options.seconds / 3
        middle_third = {
            "stop_after": options.warmup + third,
            "start_after": options.warmup + 2 * third,
            "events": events,
        }
        if options.mail_outage:
            outage_later(mail, "mail", **middle_third)
        if redis:
            outage_later(redis, "redis", **middle_third)
        if options.upgrade_midway:
            upgrade = upgrade_later(
                after=options.warmup,
                env=env,
                server=server,
                pid_file=pid_file,
                workers=workers,
                events=events,
            )
            upgrade.join()
            end = max(
                started + options.warmup + options.seconds + TAIL_SECONDS,
                events["web_workers_replaced"] + 10,
            )
            time.sleep(max(0, end - time.time()))
            locust.send_signal(signal.SIGTERM)
            events["load_ended"] = time.time()
            options.seconds = int(end - TAIL_SECONDS - started - options.warmup)
        locust.wait()
        elapsed = time.time() - started
        used = meter.finish()
        requests = [json.loads(line) for line in log.read_text().splitlines()]
        requests = [r for r in requests if r["kind"] in ("form", "submit", "read")]
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        measured = measured_window(requests, warmup=options.warmup, seconds=options.seconds)
        print(
            f"the figures below are of the {options.seconds} s after {options.warmup} s of "
            f"warm-up; the checks after them cover every request of the run"
        )
        summarise(measured, seconds=options.seconds)
        print(
            "CPU seconds used during the run (2 cores: "
            f"{2 * elapsed:.0f} available in {elapsed:.0f} s): "
            + ", ".join(f"{part} {seconds:.1f}" for part, seconds in sorted(used.items()))
        )
        outage_seen(requests, events)
        if redis:
            ignored = (scratch / "gunicorn.log").read_text().count("Exception ignored: Redis")
            print(f"cache errors that gunicorn logged and went on without: {ignored} lines")
        if options.upgrade_midway:
            report_upgrade(events, workers=workers)
        ensure_postgres_runs()
        undelivered = 0
        if options.mail_outage or options.upgrade_midway:
            undelivered = wait_for_emails(mail, requests, timeout=300)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "declaration_site.settings")
        import django

        django.setup()
        healthy = (
            check_database(requests, run=run)
            and events.get("upgrade_status", 0) == 0
            and not undelivered
        )
        if workers.processes:
            report_email_attempts()
        # In a plain run every submission is accepted; in a fault run, some get 503.
        unexpected = [
            r
            for r in requests
            if (
                r["error"]
                or not (r["accepted"] or (r["kind"] in ("form", "read") and r["status"] == 200))
            )
            and not (options.restart_postgres and r["status"] == 503)
        ]
        print(f"requests with an unexpected answer: {len(unexpected)}")
        problems = collections.Counter((r["kind"], r["error"], r["status"]) for r in unexpected)
        for (kind, error, status), count in problems.items():
            print(f"  {count} x {kind}: {error or f'status {status}'}")
        print("OK" if healthy and not unexpected else "FAILED")
        return 0 if healthy and not unexpected else 1
    finally:
        ensure_postgres_runs()
        workers.stop()
        stop(server)
        server_log.close()
        worker_log.close()
        mail.stop()
        print(f"gunicorn's and locust's logs, and every request: {scratch}")


if __name__ == "__main__":
    sys.exit(main())
