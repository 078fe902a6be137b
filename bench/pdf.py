"""Time the declaration PDF: render time, pages, file size and the render's peak memory for
1,000, 10,000 and 100,000 signatories (Latin, Arabic and Chinese names), in one or more
languages, with the signatories in each layout (principles/pdf/annex.py: "flowing", the
default, and "rows", the earlier one) side by side, then the time to serve a stored PDF next to
a trivial view (/healthz).

    .venv/bin/python bench/pdf.py [--sizes 1000 10000 100000] [--languages en fr ar]
        [--layouts flowing rows] [--rows-up-to 10000] [--requests 200]

The earlier layout needs minutes and gigabytes for 100,000 names: --rows-up-to leaves it out
above that size (0: no limit; it then stops at the render limits, and the row says so).

With --refresh, time instead how long after an approval the PDFs in all six languages hold it,
with 1, 2… task workers (`manage.py db_worker` processes on the same database), as production
refreshes them: one task per language through the database queue.

    .venv/bin/python bench/pdf.py --refresh [--workers 1 2] [--signatories 300] [--rounds 3]
        [--approvals 1] [--timeline]

--approvals K approves K endorsers one second apart in each round (a burst), and times until
every language holds the last one; it also counts the renders the tasks did.

Uses a throw-away SQLite database, media folder and signing key. The shipped text is published
with the shipped provisional translations (principles/shipped/), so each language renders its
own text. Rendering runs as the site runs it: in a forked child process
under the configured limits, then signed with pyHanko.
"""

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from in_process import set_up_django

scratch = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
set_up_django(
    scratch,
    DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",
    MEDIA_ROOT=str(scratch / "media"),
    PDF_SIGNING_PKCS12=str(scratch / "bench.p12"),
    PDF_SIGNING_PASSPHRASE="benchmark",
    # The approval emails go through the task queue as in production, to nowhere.
    EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
)

from collections import Counter  # noqa: E402
from io import BytesIO, StringIO  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_countries import countries  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench.site_processes import start_worker, stop  # noqa: E402
from endorsements.management.commands.seed_demo_data import demo_endorsement  # noqa: E402
from endorsements.models import Endorsement  # noqa: E402
from endorsements.services import moderate_endorsements  # noqa: E402
from principles.drafting.services import (  # noqa: E402
    create_draft_from_text,
    publish_loaded_draft,
)
from principles.drafting.shipped import (  # noqa: E402
    SHIPPED_TEXT,
    read_shipped_text,
    read_shipped_translations,
)
from principles.models import (  # noqa: E402
    ActionLineText,
    Declaration,
    DeclarationPdf,
    PrincipleText,
    Version,
    VersionText,
)
from principles.pdf.annex import LAYOUTS  # noqa: E402
from principles.pdf.child_process import ChildProcessFailed, run_in_child  # noqa: E402
from principles.pdf.render import _render, declaration_html, store_declaration_pdf  # noqa: E402
from principles.pdf.signatories import Signatory, SignatorySnapshot, signatories_of  # noqa: E402
from principles.pdf.signing import create_self_signed_key, sign_pdf  # noqa: E402

NAMES = ["Open Schools Network", "مؤسسة الأمل للتعليم الرقمي", "北京数字教育基金会"]
COUNTRIES = sorted(countries.countries)[:60]
TYPES = Endorsement.OrganisationType.values[:5]


def snapshot(size: int) -> SignatorySnapshot:
    return SignatorySnapshot(
        signatories=tuple(
            Signatory(
                name=f"{NAMES[i % 3]} {i}",
                country_code=COUNTRIES[i % 60],
                organisation_type=TYPES[i % 5],
            )
            for i in range(size)
        ),
        taken_at=timezone.now(),
    )


def publish_shipped_text_with_translations() -> Version:
    """The shipped text, with its shipped translation into each language."""
    text = read_shipped_text(SHIPPED_TEXT)
    declaration = Declaration.objects.create(slug=text["slug"])
    draft = create_draft_from_text(declaration=declaration, text=text)
    for language, translated in read_shipped_translations(SHIPPED_TEXT, english=text).items():
        VersionText.objects.create(
            version=draft,
            language=language,
            title=translated["title"],
            preamble=translated["preamble"],
        )
        for principle, principle_text in zip(
            draft.principles.all(), translated["principles"], strict=True
        ):
            PrincipleText.objects.create(
                principle=principle,
                language=language,
                title=principle_text["title"],
                explanation=principle_text["explanation"],
            )
            for line, line_text in zip(
                principle.action_lines.all(), principle_text["action_lines"], strict=True
            ):
                ActionLineText.objects.create(action_line=line, language=language, text=line_text)
    return publish_loaded_draft(draft=draft)


def render_and_peak(html: str) -> tuple[bytes, float, float]:
    """In the render child: the PDF, the child's own peak resident memory in MB and the CPU
    seconds it used (which, unlike the wall clock, other work on the machine barely changes)."""
    pdf = _render(html)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return pdf, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure_render(version: Version, size: int, language: str, layout: str) -> dict:
    """One render as the site does it (a forked child under the configured limits, then the
    signature); the child also reports its own peak memory, so that each row has its own."""
    signatories = snapshot(size)
    start = time.perf_counter()
    html = declaration_html(version=version, snapshot=signatories, language=language, layout=layout)
    laid_out = time.perf_counter()
    try:
        pdf, peak_mb, cpu_s = run_in_child(
            render_and_peak,
            html,
            memory_mb=settings.PDF_RENDER_MEMORY_MB,
            timeout=settings.PDF_RENDER_TIMEOUT_SECONDS,
        )
    except ChildProcessFailed as failure:
        return {"failed": f"{failure} (after {time.perf_counter() - laid_out:.0f} s)"}
    rendered = time.perf_counter()
    signed = sign_pdf(pdf, reason="benchmark")
    done = time.perf_counter()
    return {
        "template_s": laid_out - start,
        "weasyprint_s": rendered - laid_out,
        "sign_s": done - rendered,
        "total_s": done - start,
        "bytes": len(signed),
        "pages": len(PdfReader(BytesIO(signed)).pages),
        "peak_child_mb": peak_mb,
        "cpu_s": cpu_s,
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


REFRESH_TASK = "principles.pdf.tasks.refresh_declaration_pdf"


def refresh_outcomes(since) -> Counter:
    """How the refresh tasks queued since `since` ended (rendered, skipped, deferred…), and
    how many PDFs were stored since then ("PDFs"): the renders, whatever the tasks say."""
    tasks = DBTaskResult.objects.filter(task_path=REFRESH_TASK, enqueued_at__gte=since)
    outcomes = Counter(
        (task.return_value or task.status).split(":")[0].split()[0].lower()
        for task in tasks.iterator()
    )
    outcomes["PDFs"] = DeclarationPdf.objects.filter(rendered_at__gte=since).count()
    return outcomes


def wait_for_refreshes(version: Version, *, since, timeout: float = 900) -> None:
    """Wait until every language holds the current signatories and no refresh is left to run
    (a later task could otherwise still be rendering when the next round starts)."""
    digest = signatories_of(version).digest
    languages = set(version.pdf_languages())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stored = set(
            DeclarationPdf.objects.filter(version=version, snapshot_hash=digest).values_list(
                "language", flat=True
            )
        )
        pending = DBTaskResult.objects.filter(
            task_path=REFRESH_TASK, enqueued_at__gte=since, status__in=["READY", "RUNNING"]
        )
        if stored == languages and not pending.exists():
            return
        time.sleep(0.05)
    raise RuntimeError(f"The PDFs were not all refreshed within {timeout:.0f} s.")


def seconds_until_all_languages_hold(version: Version, digest: str, start: float) -> float:
    languages = set(version.pdf_languages())
    while True:
        stored = set(
            DeclarationPdf.objects.filter(version=version, snapshot_hash=digest).values_list(
                "language", flat=True
            )
        )
        if stored == languages:
            return time.perf_counter() - start
        time.sleep(0.05)


def print_timeline(since) -> None:
    """Each task of the round: which worker ran it, from when to when (seconds after the first
    approval), and what it says it did."""
    workers: dict[str, int] = {}
    for task in DBTaskResult.objects.filter(enqueued_at__gte=since).order_by("started_at"):
        worker = workers.setdefault(task.worker_ids[-1], len(workers) + 1)
        start = (task.started_at - since).total_seconds()
        end = (task.finished_at - since).total_seconds()
        print(
            f"  worker {worker}: {start:5.1f} to {end:5.1f} s {task.task_path.rsplit('.')[-1]} "
            f"{task.args_kwargs['kwargs'].get('language', '')} {task.return_value}"
        )


def refresh_round(version: Version, *, workers: int, approvals: int, timeline: bool):
    """Start `workers` task workers, approve `approvals` waiting endorsers one second apart,
    and time until the PDF in every language holds the last of them; then stop the workers.
    Returns the seconds and how the round's refreshes ended."""
    moderator = User.objects.get_or_create(username="bench-moderator")[0]
    environment = {**os.environ, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    processes = [start_worker(env=environment, log=subprocess.DEVNULL) for _ in range(workers)]
    try:
        time.sleep(3)  # the workers start up (Django, WeasyPrint)
        since = timezone.now()
        waiting = list(Endorsement.objects.filter(status="confirmed")[:approvals])
        start = time.perf_counter()
        for n, endorsement in enumerate(waiting):
            if n:
                time.sleep(1)
            moderate_endorsements(
                endorsements=Endorsement.objects.filter(pk=endorsement.pk),
                decision="approve",
                moderator=moderator,
            )
        digest = signatories_of(version).digest
        elapsed = seconds_until_all_languages_hold(version, digest, start)
        wait_for_refreshes(version, since=since)
        if timeline:
            print_timeline(since)
        return elapsed, refresh_outcomes(since)
    finally:
        stop(*processes)


def refresh_benchmark(version: Version, args) -> None:
    """Rounds alternate between the numbers of workers, so that each meets the same load from
    the rest of the machine."""
    Endorsement.objects.bulk_create(
        demo_endorsement(n, version) for n in range(1, args.signatories + 1)
    )
    waiting = len(args.workers) * args.rounds * args.approvals
    Endorsement.objects.bulk_create(
        demo_endorsement(n, version) for n in range(10**6, 10**6 + waiting)
    )
    Endorsement.objects.filter(pk__gt=args.signatories).update(status="confirmed", approved_at=None)
    call_command("render_pdfs", stdout=StringIO())
    results = {workers: [] for workers in args.workers}
    for _ in range(args.rounds):
        for workers in args.workers:
            results[workers].append(
                refresh_round(
                    version, workers=workers, approvals=args.approvals, timeline=args.timeline
                )
            )
    print(
        f"{len(version.pdf_languages())} languages, {args.signatories:,} signatories, "
        f"{args.approvals} approval(s) a round, one second apart"
    )
    print("workers | seconds until every language holds the last approval | median | renders")
    for workers, rounds in results.items():
        times = " / ".join(f"{elapsed:.1f}" for elapsed, _ in rounds)
        median = statistics.median(elapsed for elapsed, _ in rounds)
        outcomes = " / ".join(
            ", ".join(f"{count} {outcome}" for outcome, count in sorted(counted.items()))
            for _, counted in rounds
        )
        print(f"{workers} | {times} | {median:.1f} s | {outcomes}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    parser.add_argument("--rows-up-to", type=int, default=10000, help="0: every size")
    parser.add_argument(
        "--languages", nargs="+", default=["en"], help="en, or those of principles/shipped/"
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--refresh", action="store_true", help="time refreshes after approvals")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--signatories", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--approvals", type=int, default=1)
    parser.add_argument("--timeline", action="store_true", help="print each round's tasks")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    create_self_signed_key(
        path=scratch / "bench.p12", passphrase="benchmark", common_name="Benchmark"
    )
    version = publish_shipped_text_with_translations()
    version = Version.objects.select_related("declaration").get(pk=version.pk)
    if args.refresh:
        refresh_benchmark(version, args)
        return
    missing = set(args.languages) - set(version.pdf_languages())
    if missing:
        parser.error(f"no translation in principles/shipped/ for {', '.join(sorted(missing))}")

    print(
        "language | signatories | layout | pages | template | WeasyPrint (CPU) | signing | total "
        "| size | peak memory"
    )
    for language in args.languages:
        for size in args.sizes:
            for layout in args.layouts:
                if layout == "rows" and args.rows_up_to and size > args.rows_up_to:
                    print(f"{language} | {size:,} | {layout} | not run (--rows-up-to)")
                    continue
                r = measure_render(version, size, language, layout)
                if "failed" in r:
                    print(f"{language} | {size:,} | {layout} | failed: {r['failed']}")
                    continue
                print(
                    f"{language} | {size:,} | {layout} | {r['pages']} | {r['template_s']:.2f} s "
                    f"| {r['weasyprint_s']:.2f} s ({r['cpu_s']:.1f} s) | {r['sign_s']:.2f} s "
                    f"| {r['total_s']:.2f} s "
                    f"| {r['bytes'] / 1024:,.0f} KB | {r['peak_child_mb']:,.0f} MB",
                    flush=True,
                )

    client = Client()
    for language in args.languages:
        stored = store_declaration_pdf(version=version, snapshot=snapshot(0), language=language)
        path = "/declaration.pdf" if language == "en" else f"/{language}/declaration.pdf"
        pdf_ms = median_ms(client, path, args.requests)
        print(f"GET {path} (stored, {stored.size / 1024:,.0f} KB): median {pdf_ms:.2f} ms")
    health_ms = median_ms(client, "/healthz", args.requests)
    print(f"GET /healthz: median {health_ms:.2f} ms ({args.requests} requests each)")


if __name__ == "__main__":
    main()
