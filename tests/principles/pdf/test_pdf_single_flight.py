"""A PDF that is not rendered yet is rendered by one request at a time; a render that fails is
retried by the task worker, not by every reader who asks for it."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from principles.models import DeclarationPdf
from principles.pdf import render as pdf
from tests.html import parse_strict

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def retries():
    return DBTaskResult.objects.filter(task_path="principles.pdf.tasks.refresh_declaration_pdf")


def test_a_reader_asking_while_another_renders_is_told_to_retry_in_seconds(
    client, publish, pdf_settings
):
    version = publish(principles=1, action_lines=1)
    cache.add(f"pdf-first-render:{version.pk}:en:lock", True, 60)  # another request renders

    response = client.get("/declaration.pdf")

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert b"is being made right now" in response.content
    parse_strict(response.content)
    assert not DeclarationPdf.objects.exists()


def test_the_reader_gets_the_answer_in_their_language(client, publish, pdf_settings):
    version = publish(principles=1, action_lines=1)
    cache.add(f"pdf-first-render:{version.pk}:en:lock", True, 60)

    response = client.get("/fr/declaration.pdf")

    assert response.status_code == 503
    assert response["Content-Language"] == "fr"


def test_once_the_render_is_done_the_lock_is_let_go_and_every_reader_gets_the_pdf(
    client, publish, pdf_settings
):
    version = publish(principles=1, action_lines=1)

    first, second = client.get("/declaration.pdf"), Client().get("/declaration.pdf")

    assert (first.status_code, second.status_code) == (200, 200)
    assert cache.get(f"pdf-first-render:{version.pk}:en:lock") is None
    assert DeclarationPdf.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_readers_arriving_together_start_one_render(publish, pdf_settings, monkeypatch):
    publish(principles=1, action_lines=1)
    renders, started, answers = [], threading.Event(), []
    real_render = pdf.render_pdf

    def slow_render(html):
        renders.append(1)
        started.set()
        threading.Event().wait(1)  # long enough for the other readers to arrive
        return real_render(html)

    monkeypatch.setattr(pdf, "render_pdf", slow_render)

    def read():
        try:
            answers.append(Client().get("/declaration.pdf").status_code)
        finally:
            connections.close_all()

    first = threading.Thread(target=read)
    first.start()
    started.wait(30)
    others = [threading.Thread(target=read) for _ in range(3)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join()

    assert len(renders) == 1
    assert sorted(answers) == [200, 503, 503, 503]


# The worker closes the database connection when it ends, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_render_that_times_out_is_handed_to_the_worker_not_tried_by_every_reader(
    client, publish, pdf_settings, caplog
):
    pdf_settings.TASKS = DATABASE_TASKS
    publish(principles=1, action_lines=1)
    DBTaskResult.objects.all().delete()  # what publishing queued
    pdf_settings.PDF_RENDER_TIMEOUT_SECONDS = 0.01

    failed = client.get("/declaration.pdf")
    pdf_settings.PDF_RENDER_TIMEOUT_SECONDS = 60
    started = timezone.now()
    again = Client().get("/declaration.pdf")

    assert (failed.status_code, again.status_code) == (503, 503)
    assert timezone.now() - started < timedelta(seconds=1)  # nobody rendered it again
    assert "The first render of the en PDF" in caplog.text
    retry = retries().get()
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now()

    DBTaskResult.objects.update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    assert retries().get().status == "SUCCESSFUL"
    assert Client().get("/declaration.pdf").status_code == 200


# The worker closes the database connection when it ends, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_background_render_that_keeps_failing_is_retried_then_reported(
    publish, pdf_settings, caplog
):
    pdf_settings.TASKS = DATABASE_TASKS
    version = publish(principles=1, action_lines=1)
    DBTaskResult.objects.all().delete()  # what publishing queued
    pdf_settings.PDF_RENDER_TIMEOUT_SECONDS = 0.01
    from principles.pdf.tasks import RENDER_ATTEMPTS, refresh_declaration_pdf

    refresh_declaration_pdf.enqueue(version_id=version.pk, language="en")
    for _attempt in range(RENDER_ATTEMPTS):
        DBTaskResult.objects.update(run_after=timezone.now())
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    statuses = list(retries().order_by("enqueued_at").values_list("status", flat=True))
    assert statuses == ["SUCCESSFUL"] * (RENDER_ATTEMPTS - 1) + ["FAILED"]
    assert "Gave up rendering the en PDF" in caplog.text
