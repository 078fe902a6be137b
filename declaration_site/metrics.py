"""/metrics: what an operator watches, in Prometheus' text format (README, "Metrics").

Two kinds of figures:

- what each server process counts as it serves: requests and their latencies per view
  (django-prometheus' middleware) and reads of the public cache (`public_cache.LOOKUPS`).
  Under gunicorn each worker counts its own; with PROMETHEUS_MULTIPROC_DIR set, the workers
  write their counts to files in that folder and a scrape adds up those of the whole server;
- what the site as a whole holds, read from the database when Prometheus asks, in four
  queries whatever the data (`SiteFigures`): the task queue, the emails sent and failed, the
  PDF render times and the endorsements by state. Every server reports the same values, so
  alert rules take their `max` across servers (deploy/prometheus/alerts.yml).

Only clients in METRICS_ALLOWED_NETWORKS get an answer; anyone else gets the site's 404, so
that the address is not advertised.
"""

import ipaddress
import os
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min, Q, Sum
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from endorsements.models import Endorsement
from principles.models import PdfRender

from .client_identity import last_valid_address
from .public_cache import cache_answers

# The tasks that send email; the first two try again after a failure, with an `attempt` count.
EMAIL_TASKS = [
    "endorsements.tasks.send_endorsement_email",
    "principles.consultation.tasks.send_consultation_email",
    "declaration_site.accounts.send_password_reset_email",
    "principles.drafting.notifications.send_notifications",
]
# Render times in seconds: from a short declaration to one with thousands of signatories, up to
# the render timeout (PDF_RENDER_TIMEOUT_SECONDS, 300 by default).
PDF_RENDER_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300]
RECENT = timedelta(hours=1)


def scraper_address(request) -> str:
    """The address the site knows the client by. Behind a proxy (RATELIMIT_IP_META_KEY set),
    the one in its header, but only when the connection comes from the proxy itself
    (TRUSTED_PROXY_NETWORKS): anyone else could write that header. Without the header, the
    connection's (Prometheus asking a server directly). A header with no valid address gives
    "", refused: the proxy's own address must not let an outside request in."""
    meta_key = settings.CLIENT_IP_META_KEY
    remote = last_valid_address(request.META.get("REMOTE_ADDR", ""))
    if (
        meta_key
        and request.META.get(meta_key)
        and in_networks(remote, settings.TRUSTED_PROXY_NETWORKS)
    ):
        return last_valid_address(request.META[meta_key])
    return remote


def in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def allowed(address: str) -> bool:
    return in_networks(address, settings.METRICS_ALLOWED_NETWORKS)


@csrf_exempt
@never_cache
def metrics(request):
    """The figures of this server and of the site, for Prometheus; a 404 for anyone outside
    METRICS_ALLOWED_NETWORKS, whatever they ask."""
    if not allowed(scraper_address(request)):
        raise Http404
    return figures(request)


@require_safe
def figures(request):
    page = generate_latest(process_registry()) + generate_latest(SiteFigures())
    return HttpResponse(page, content_type=CONTENT_TYPE_LATEST)


def process_registry():
    """What this process counted, or, with PROMETHEUS_MULTIPROC_DIR, every process of this
    server (gunicorn's workers) together."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class SiteFigures:
    """The site's figures, read from the database at each scrape (one query per method), and
    whether this server reaches the shared cache."""

    def collect(self):
        now = timezone.now()
        yield GaugeMetricFamily(
            "declaration_cache_answers",
            "1 when this server reaches the shared cache, 0 when it does not (then pages are "
            "rendered from the database): the second line of /healthz.",
            value=int(cache_answers()),
        )
        yield from self.task_queue(now)
        yield from self.emails(now)
        yield from self.pdf_renders()
        yield from self.endorsements()

    def task_queue(self, now):
        # django-tasks-db marks a task that may run at once with the latest possible date.
        at_once = Q(run_after=get_date_max())
        ready = Q(status=TaskResultStatus.READY) & (at_once | Q(run_after__lte=now))
        figures = DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).aggregate(
            ready=Count("pk", filter=ready),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            scheduled=Count("pk", filter=Q(status=TaskResultStatus.READY) & ~ready),
            queued_since=Min("enqueued_at", filter=ready & at_once),
            due_since=Min("run_after", filter=ready & ~at_once),
        )
        depth = GaugeMetricFamily(
            "declaration_task_queue_depth",
            "Tasks in the queue by state: ready (may run now, waiting for a worker), running, "
            "scheduled (to run at a later time: scheduled publications, the daily jobs).",
            labels=["state"],
        )
        for state in ("ready", "running", "scheduled"):
            depth.add_metric([state], figures[state])
        yield depth
        since = [when for when in (figures["queued_since"], figures["due_since"]) if when]
        age = (now - min(since)).total_seconds() if since else 0
        yield GaugeMetricFamily(
            "declaration_task_queue_oldest_ready_age_seconds",
            "How long the oldest ready task has waited for a worker (0 when none waits).",
            value=max(age, 0),
        )

    def emails(self, now):
        email_tasks = DBTaskResult.objects.filter(task_path__in=EMAIL_TASKS)
        recent = Q(finished_at__gte=now - RECENT)
        figures = email_tasks.filter(
            recent | Q(status=TaskResultStatus.READY, args_kwargs__kwargs__attempt__gt=1)
        ).aggregate(
            sent=Count("pk", filter=recent & Q(status=TaskResultStatus.SUCCESSFUL)),
            failed=Count("pk", filter=recent & Q(status=TaskResultStatus.FAILED)),
            retries=Count("pk", filter=Q(status=TaskResultStatus.READY)),
        )
        sends = GaugeMetricFamily(
            "declaration_email_sends_last_hour",
            "Attempts to send an email that finished in the last hour, by outcome.",
            labels=["outcome"],
        )
        sends.add_metric(["sent"], figures["sent"])
        sends.add_metric(["failed"], figures["failed"])
        yield sends
        yield GaugeMetricFamily(
            "declaration_email_retries_waiting",
            "Emails whose sending failed and that wait in the queue to be tried again.",
            value=figures["retries"],
        )

    def pdf_renders(self):
        succeeded = Q(succeeded=True)
        figures = PdfRender.objects.aggregate(
            count=Count("pk", filter=succeeded),
            sum=Sum("seconds", filter=succeeded),
            failed=Count("pk", filter=~succeeded),
            **{
                f"le_{bound}": Count("pk", filter=succeeded & Q(seconds__lte=bound))
                for bound in PDF_RENDER_BUCKETS
            },
        )
        buckets = [(str(bound), figures[f"le_{bound}"]) for bound in PDF_RENDER_BUCKETS]
        yield HistogramMetricFamily(
            "declaration_pdf_render_seconds",
            "How long WeasyPrint took to lay out each PDF of the declaration it produced, "
            "by whichever worker (recorded in the database).",
            buckets=[*buckets, ("+Inf", figures["count"])],
            sum_value=figures["sum"] or 0,
        )
        yield CounterMetricFamily(
            "declaration_pdf_render_failures",
            "Renders of the declaration's PDF that failed (too slow, out of memory, an error).",
            value=figures["failed"],
        )

    def endorsements(self):
        rows = Endorsement.objects.order_by().values("status").annotate(count=Count("pk"))
        counted = {row["status"]: row["count"] for row in rows}
        by_state = GaugeMetricFamily(
            "declaration_endorsements", "Endorsements by state.", labels=["state"]
        )
        for state in Endorsement.Status.values:
            by_state.add_metric([state], counted.get(state, 0))
        yield by_state
