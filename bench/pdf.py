"""Time the declaration PDF: render time, file size and the render's peak memory for 100, 1,000
and 10,000 signatories (Latin, Arabic and Chinese names), then the time to serve a stored PDF
next to a trivial view (/healthz).

    .venv/bin/python bench/pdf.py [--sizes 100 1000 10000] [--requests 200]

Uses a throw-away SQLite database, media folder and signing key. Rendering runs as the site runs
it: in a forked child process under the configured limits, then signed with pyHanko.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
scratch = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="declaration_site.settings",
    DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
    DEBUG="0",
    SECRET_KEY="benchmark-only",
    SECURE_SSL_REDIRECT="0",
    ALLOWED_HOSTS="testserver",
    STATIC_ROOT=str(scratch / "static"),
    MEDIA_ROOT=str(scratch / "media"),
    PDF_SIGNING_PKCS12=str(scratch / "bench.p12"),
    PDF_SIGNING_PASSPHRASE="benchmark",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from io import BytesIO  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from principles.models import Version  # noqa: E402
from principles.pdf import (  # noqa: E402
    Signatory,
    SignatorySnapshot,
    declaration_html,
    render_pdf,
    store_declaration_pdf,
)
from principles.signing import create_self_signed_key, sign_pdf  # noqa: E402

NAMES = ["Open Schools Network", "مؤسسة الأمل للتعليم الرقمي", "北京数字教育基金会"]
COUNTRIES = [(f"C{n:02d}", f"Country {n:02d}") for n in range(60)]
TYPES = ["NGO", "Foundation", "University", "Government", "Company"]


def snapshot(size: int) -> SignatorySnapshot:
    return SignatorySnapshot(
        signatories=tuple(
            Signatory(
                name=f"{NAMES[i % 3]} {i}",
                country_code=COUNTRIES[i % 60][0],
                country_name=COUNTRIES[i % 60][1],
                organisation_type=TYPES[i % 5],
            )
            for i in range(size)
        ),
        taken_at=timezone.now(),
    )


def measure_render(version: Version, size: int) -> dict:
    signatories = snapshot(size)
    start = time.perf_counter()
    html = declaration_html(version=version, snapshot=signatories)
    laid_out = time.perf_counter()
    pdf = render_pdf(html)
    rendered = time.perf_counter()
    signed = sign_pdf(pdf, reason="benchmark")
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "template_s": laid_out - start,
        "weasyprint_s": rendered - laid_out,
        "sign_s": done - rendered,
        "total_s": done - start,
        "bytes": len(signed),
        "pages": len(PdfReader(BytesIO(signed)).pages),
        "peak_child_mb": peak_mb,
    }


def median_ms(client: Client, path: str, requests: int) -> float:
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        timings.append(time.perf_counter() - start)
    assert response.status_code == 200, (path, response.status_code)
    assert body
    return statistics.median(timings) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("load_declaration", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    create_self_signed_key(
        path=scratch / "bench.p12", passphrase="benchmark", common_name="Benchmark"
    )
    version = Version.objects.published().select_related("declaration").get()

    print("signatories | pages | template | WeasyPrint | signing | total | size | peak memory")
    for size in args.sizes:
        r = measure_render(version, size)
        print(
            f"{size:,} | {r['pages']} | {r['template_s']:.2f} s | {r['weasyprint_s']:.2f} s | "
            f"{r['sign_s']:.2f} s | {r['total_s']:.2f} s | {r['bytes'] / 1024:,.0f} KB | "
            f"{r['peak_child_mb']:,.0f} MB"
        )

    stored = store_declaration_pdf(version=version, snapshot=snapshot(0))
    client = Client()
    pdf_ms = median_ms(client, "/declaration.pdf", args.requests)
    health_ms = median_ms(client, "/healthz", args.requests)
    print(
        f"GET /declaration.pdf (stored, {stored.size / 1024:,.0f} KB): median {pdf_ms:.2f} ms; "
        f"GET /healthz: median {health_ms:.2f} ms ({args.requests} requests each)"
    )


if __name__ == "__main__":
    main()
