"""Time GET / in-process, with production settings, for the shipped declaration and for a
declaration of 10 principles with 10 action lines each.

    .venv/bin/python bench/home_page.py [--requests 500]

Uses a throw-away SQLite database unless DATABASE_URL is set (PostgreSQL: the database named in
the URL is used and its declaration tables are emptied first, so point it at a scratch database).
Prints the median and 95th percentile time per request, queries per request, and page weight
(raw and gzip-compressed), then the weight of / in each language with its stylesheet.
"""

import argparse
import gzip
import os
import statistics
import tempfile
import time
from pathlib import Path

from in_process import set_up_django

set_up_django(Path(tempfile.mkdtemp(prefix="bench-")))

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from principles.drafting.services import publish_loaded_text  # noqa: E402
from principles.models import Declaration, Version  # noqa: E402


def large_text(principles: int, action_lines: int) -> dict:
    sentence = "Connectivity must serve learning, not the other way round, in every country. "
    return {
        "title": "Benchmark declaration",
        "preamble": sentence * 12,
        "principles": [
            {
                "title": f"Principle {p}: {sentence[:60]}",
                "explanation": sentence * 3,
                "action_lines": [sentence * 2 for _ in range(action_lines)],
            }
            for p in range(principles)
        ],
    }


def measure(client: Client, requests: int) -> dict:
    client.get("/")  # warm caches and template loading
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get("/")
        timings.append(time.perf_counter() - start)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return {
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": statistics.quantiles(timings, n=20)[-1] * 1000,
        "queries": len(queries),
        "bytes": len(response.content),
        "gzip_bytes": len(gzip.compress(response.content)),
    }


def weight_by_language(client: Client) -> dict[str, int]:
    """Bytes a reader downloads for / in each language, gzip-compressed: the page and its CSS."""
    css = Path(finders.find("css/site.css")).read_bytes()
    weights = {}
    for code, _name in settings.LANGUAGES:
        prefix = "" if code == settings.LANGUAGE_CODE else f"/{code}"
        html = client.get(f"{prefix}/").content
        weights[code] = len(gzip.compress(html)) + len(gzip.compress(css))
    return weights


def reset_declarations():
    Declaration.objects.update(current_version=None)
    Version.objects.all().delete()
    Declaration.objects.all().delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    client = Client()
    reset_declarations()

    call_command("load_declaration", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    results = {"shipped text (3 principles, 10 action lines)": measure(client, args.requests)}
    weights = weight_by_language(client)

    reset_declarations()
    declaration = Declaration.objects.create(slug="connectivity-for-education")
    publish_loaded_text(declaration=declaration, text=large_text(10, 10))
    results["10 principles x 10 action lines"] = measure(client, args.requests)

    print(f"GET / over {args.requests} requests, {connection.vendor}")
    for name, figures in results.items():
        print(
            f"{name}: median {figures['median_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms, "
            f"{figures['queries']} queries, {figures['bytes']:,} bytes "
            f"({figures['gzip_bytes']:,} gzipped)"
        )
    print("Weight of / with its stylesheet, gzipped, shipped text:")
    for code, weight in weights.items():
        print(f"  {code}: {weight:,} bytes")


if __name__ == "__main__":
    main()
