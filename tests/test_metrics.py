"""/metrics answers Prometheus from the configured networks only, and each figure it gives moves
with what happens on the site."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from declaration_site import public_cache

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = "203.0.113.9"
NGINX = "127.0.0.1"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def scrape(client, **headers):
    return client.get("/metrics", **headers)


def samples(client) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape from 127.0.0.1, by name and sorted labels."""
    response = scrape(client)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(client, name: str, **labels) -> float:
    return samples(client)[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def endorsement(publish):
    from endorsements.models import Endorsement

    version = publish(principles=2, action_lines=2)

    def make(name: str, status: str = "confirmed"):
        endorsement = Endorsement(
            organisation_type="ngo",
            contact_name="Contact person",
            contact_role="Director",
            contact_email=f"{name.split()[0].lower()}@example.org",
            version=version,
            content_hash=version.content_hash,
            status=status,
            confirmed_at=timezone.now(),
        )
        endorsement.set_organisation(name=name, country="KE")
        endorsement.save()
        return endorsement

    return make


@pytest.fixture
def queued(settings):
    settings.TASKS = DATABASE_TASKS


# Who may read it.


def test_prometheus_on_the_same_machine_reads_the_metrics(client, db):
    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "declaration_task_queue_depth" in response.content.decode()


def test_an_outside_address_gets_the_sites_404_whatever_it_asks(client, db):
    assert scrape(client, REMOTE_ADDR=OUTSIDE).status_code == 404
    assert client.post("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 404


def test_a_configured_network_is_let_in_and_the_default_ones_no_longer(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]

    assert scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert scrape(client, REMOTE_ADDR="2001:db8::7").status_code == 200
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 404


def test_without_a_proxy_a_spoofed_x_real_ip_lets_nobody_in(client, db, settings):
    settings.CLIENT_IP_META_KEY = ""

    assert scrape(client, REMOTE_ADDR=OUTSIDE, HTTP_X_REAL_IP="127.0.0.1").status_code == 404


def test_behind_nginx_an_outside_client_it_forwards_is_refused(client, db, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"

    forwarded = scrape(client, REMOTE_ADDR=NGINX, HTTP_X_REAL_IP=OUTSIDE)
    garbled = scrape(client, REMOTE_ADDR=NGINX, HTTP_X_REAL_IP="not an address")
    local = scrape(client, REMOTE_ADDR=NGINX, HTTP_X_REAL_IP="127.0.0.1")
    direct = scrape(client, REMOTE_ADDR="127.0.0.1")

    assert forwarded.status_code == 404
    assert garbled.status_code == 404
    assert local.status_code == 200
    assert direct.status_code == 200


def test_an_x_real_ip_is_believed_only_from_the_proxy(client, db, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"

    spoofed = scrape(client, REMOTE_ADDR=OUTSIDE, HTTP_X_REAL_IP="127.0.0.1")
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    from_a_former_proxy = scrape(client, REMOTE_ADDR=NGINX, HTTP_X_REAL_IP="127.0.0.1")
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32", "10.9.9.9/32"]
    from_the_proxy = scrape(client, REMOTE_ADDR="10.1.2.3", HTTP_X_REAL_IP="10.9.9.9")

    assert spoofed.status_code == 404
    assert from_a_former_proxy.status_code == 200  # its own address, 127.0.0.1, is allowed
    assert from_the_proxy.status_code == 200


def test_the_metrics_are_in_no_language_in_no_cache_and_set_no_cookie(client, db):
    response = scrape(client)

    assert client.get("/fr/metrics").status_code == 404
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_a_scrape_costs_four_queries_however_much_there_is(
    client, endorsement, queued, django_assert_num_queries
):
    from endorsements.tasks import send_endorsement_email
    from principles.models import PdfRender

    def more(n: int):
        for i in range(n):
            made = endorsement(f"Organisation {i} {timezone.now().timestamp()}")
            send_endorsement_email.enqueue(kind="confirmation", endorsement_id=made.pk)
            PdfRender.objects.create(language="en", seconds=i, succeeded=i % 2 == 0)

    more(1)
    public_cache.generation()  # read at most once a second whatever the request
    with django_assert_num_queries(4):
        scrape(client)
    more(20)
    with django_assert_num_queries(4):
        scrape(client)


# What it counts.


def test_requests_are_counted_per_view(client, db):
    before = REGISTRY.get_sample_value(
        "django_http_requests_total_by_view_transport_method_total",
        {"view": "healthz", "transport": "http", "method": "GET"},
    )

    client.get("/healthz")
    client.get("/healthz")

    assert (
        value(
            client,
            "django_http_requests_total_by_view_transport_method_total",
            view="healthz",
            transport="http",
            method="GET",
        )
        == (before or 0) + 2
    )


def test_an_enqueued_task_is_one_ready_task_and_ages(client, endorsement, queued):
    from django_tasks_db.models import DBTaskResult

    from endorsements.tasks import send_endorsement_email

    made = endorsement("Open Schools Network")
    # Publishing queued work of its own (the PDF renders); the worker has not run.
    DBTaskResult.objects.all().delete()
    empty = samples(client)

    send_endorsement_email.enqueue(kind="confirmation", endorsement_id=made.pk)
    later = timezone.now() + timedelta(days=1)
    send_endorsement_email.using(run_after=later).enqueue(kind="confirmation", endorsement_id=1)
    figures = samples(client)

    for state, count in [("ready", 1), ("running", 0), ("scheduled", 1)]:
        assert empty[("declaration_task_queue_depth", (("state", state),))] == 0
        assert figures[("declaration_task_queue_depth", (("state", state),))] == count
    assert empty[("declaration_task_queue_oldest_ready_age_seconds", ())] == 0
    assert figures[("declaration_task_queue_oldest_ready_age_seconds", ())] > 0


# The worker closes the database connection when it is done, as test_email_queue.py knows.
@pytest.mark.django_db(transaction=True)
def test_a_failed_email_is_counted_with_its_retry_waiting(client, endorsement, queued, settings):
    from django_tasks_db.models import DBTaskResult

    from endorsements.tasks import send_endorsement_email

    # Nothing listens on port 9: the connection is refused, as with a mail server that is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    made = endorsement("Open Schools Network")
    DBTaskResult.objects.all().delete()  # what publishing queued: only the email is run
    send_endorsement_email.enqueue(kind="confirmation", endorsement_id=made.pk)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    figures = samples(client)

    assert figures[("declaration_email_sends_last_hour", (("outcome", "failed"),))] == 1
    assert figures[("declaration_email_sends_last_hour", (("outcome", "sent"),))] == 0
    assert figures[("declaration_email_retries_waiting", ())] == 1


def test_an_approval_moves_one_endorsement_from_waiting_to_approved(client, endorsement, approve):
    made = endorsement("Rural Connect Foundation")
    before = samples(client)

    approve(made)
    after = samples(client)

    def count(figures, state):
        return figures[("declaration_endorsements", (("state", state),))]

    assert (count(before, "confirmed"), count(before, "approved")) == (1, 0)
    assert (count(after, "confirmed"), count(after, "approved")) == (0, 1)


def test_a_rendered_pdf_adds_one_to_the_render_time_histogram(client, publish, pdf_settings):
    from principles.pdf.render import render_declaration_pdf

    version = publish(principles=1, action_lines=1)
    before = value(client, "declaration_pdf_render_seconds_count")

    render_declaration_pdf(version_id=version.pk)
    figures = samples(client)

    assert before == 0
    assert figures[("declaration_pdf_render_seconds_count", ())] == 1
    assert figures[("declaration_pdf_render_seconds_bucket", (("le", "+Inf"),))] == 1
    assert figures[("declaration_pdf_render_seconds_sum", ())] > 0
    assert figures[("declaration_pdf_render_failures_total", ())] == 0


def test_public_cache_reads_are_counted_as_misses_then_hits(client, publish):
    publish(principles=1, action_lines=1)
    before = samples(client)

    client.get("/")
    client.get("/")
    after = samples(client)

    def moved(result):
        key = ("declaration_public_cache_lookups_total", (("result", result),))
        return after[key] - before[key]

    assert moved("miss") >= 1
    assert moved("hit") >= 1
    assert after[("declaration_cache_answers", ())] == 1


# The alert rules we ship.


def test_every_metric_the_shipped_alert_rules_name_exists(client, db):
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    client.get("/healthz")
    client.get("/no-such-page/")
    exported = {name for name, _labels in samples(client)}

    named = {
        name
        for expression in expressions
        for name in re.findall(r"\b(?:declaration|django)_[a-z_]+", expression)
    }

    assert len(expressions) >= 6
    assert named
    assert named <= exported, named - exported
