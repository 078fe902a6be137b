"""Time one endorsement submission (POST /endorse/) in-process, count its queries, profile it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scratch \\
        .venv/bin/python bench/submission.py [--submissions 500] [--profile]

The database named in DATABASE_URL is emptied (`flush`), so point it at a scratch database
(without DATABASE_URL a throw-away SQLite file is used). Publishes a declaration of 10 principles
x 10 action lines with 1,000 endorsers, times 50 views of the form (GET /endorse/), then posts N
unique, valid submissions (every other one with two action lines ticked) through Django's test
client with production settings (DEBUG off, the database task queue, CSRF checked), each from its
own client address, after one warm-up submission. Prints the median and p95 time of each, the
CPU time they took in this process, and the queries of one submission; with --profile,
pyinstrument's profile of the submissions.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from in_process import set_up_django

set_up_django(
    Path(tempfile.mkdtemp(prefix="bench-")),
    CSRF_COOKIE_SECURE="0",
    TASKS_BACKEND="django_tasks_db.DatabaseBackend",
)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from endorsements.models import Endorsement  # noqa: E402

TYPES = Endorsement.OrganisationType.values
COUNTRIES = ["KE", "BR", "FR", "IN", "EG", "CN"]


def submission(index: int, *, version: int, token: str, action_lines: list[str]) -> str:
    """A unique, valid submission, urlencoded as a browser posts a form."""
    return urlencode(
        {
            "csrfmiddlewaretoken": token,
            "version": str(version),
            "organisation_name": f"Benchmark School Network {index}",
            "organisation_type": TYPES[index % len(TYPES)],
            "country": COUNTRIES[index % len(COUNTRIES)],
            "website": "",
            "contact_name": "Amina Odhiambo",
            "contact_role": "Director",
            "contact_email": f"contact{index}@bench.example.org",
            "statement": "We will connect rural schools.",
            "action_lines": action_lines[index % 3 : index % 3 + index % 2 * 2],
            "attestation": "on",
            "consent": "on",
            "nickname": "",
        },
        doseq=True,
    )


def timed(call, count: int) -> tuple[list[float], float]:
    """Wall times of `count` calls, sorted, and the mean CPU time of this process per call."""
    timings = []
    cpu_started = time.process_time()
    for index in range(count):
        started = time.perf_counter()
        call(index)
        timings.append(time.perf_counter() - started)
    return sorted(timings), (time.process_time() - cpu_started) / count


def report(what: str, timings: list[float], cpu: float) -> None:
    print(
        f"{what}: median {statistics.median(timings) * 1000:.2f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)] * 1000:.2f} ms, "
        f"{cpu * 1000:.2f} ms of CPU time in this process (mean)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's profile")
    options = parser.parse_args()
    call_command("migrate", "--noinput", "-v0")
    call_command("flush", "--noinput")
    call_command("collectstatic", "--noinput", "-v0")
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo_data", "--force", "--large-declaration", stdout=quiet)
    client = Client(enforce_csrf_checks=True)
    form = client.get("/endorse/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    version = int(re.search(r'name="version" value="(\d+)"', form)[1])
    action_lines = re.findall(r'name="action_lines" value="(\d+)"', form)

    def post(index: int):
        response = client.post(
            "/endorse/",
            submission(index, version=version, token=token, action_lines=action_lines),
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR=f"198.18.{index // 250 % 250}.{index % 250}",
        )
        assert response.status_code == 302, f"submission {index} answered {response.status_code}"

    post(10**6)
    with CaptureQueriesContext(connection) as captured:
        post(10**6 + 1)
    queries = [query["sql"] for query in captured.captured_queries]
    report("GET /endorse/ (the form)", *timed(lambda index: client.get("/endorse/"), 50))
    profiler = None
    if options.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    timings, cpu = timed(post, options.submissions)
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
    print(f"database: {connection.vendor}; {options.submissions} submissions")
    report("POST /endorse/ (a submission)", timings, cpu)
    print(f"{len(queries)} queries per submission with two action lines:")
    for query in queries:
        print("   ", query[:120])
    assert Endorsement.objects.count() == options.submissions + 2 + 1000


if __name__ == "__main__":
    sys.exit(main())
